"""The followers count of a Threads profile: its insights (https://developers.facebook.com/docs/
threads/insights), `GET /{threads-user-id}/threads_insights?metric=followers_count`, which needs
the `threads_manage_insights` permission. amplifier asks for it only to show a pledge's reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..base import AuthExpired, Rejected, TokenSet

if TYPE_CHECKING:
    from .adapter import ThreadsAdapter


def followers(adapter: ThreadsAdapter, tokens: TokenSet, user_id: str) -> int:
    """`followers_count` from the profile's insights: `{"data": [{"name":
    "followers_count", "total_value": {"value": N}}]}`. A supporter who declined
    threads_manage_insights on Meta's dialog (Meta lets them) is counted 0: the pledge
    stands, only its reach is unknown (a refusal here is not a reason to drop it)."""
    try:
        body = adapter.call(
            "GET",
            f"{adapter.graph}/{user_id}/threads_insights",
            tokens.access_token,
            params={"metric": "followers_count"},
        )
    except (Rejected, AuthExpired):
        return 0
    for metric in body.get("data") or []:
        if isinstance(metric, Mapping) and metric.get("name") == "followers_count":
            total = metric.get("total_value")
            value = total.get("value") if isinstance(total, Mapping) else None
            if isinstance(value, int) and value >= 0:
                return value
    return 0
