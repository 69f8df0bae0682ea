"""Owner pages: sign up, log in, log out, change password, campaigns and API tokens on the web."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
