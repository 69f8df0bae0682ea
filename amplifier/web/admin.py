"""Moderation on the web and through the API: admins review, approve, reject and suspend.

The pages (admin_pages.py) serve admins logged in with a session cookie; the API (admin_api.py)
serves admins' API tokens. Both call amplifier/campaigns/moderation.py, which owns the rules.
"""

from __future__ import annotations

from amplifier.web.admin_api import router as api_router
from amplifier.web.admin_pages import router as pages_router

__all__ = ["api_router", "pages_router"]
