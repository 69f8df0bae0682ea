"""Uploads of one emulated host: a user's media, processing, expiring, attached to a post.

Platforms keep an upload for one account's next post: usable once processed (some answer 202
until then), removed when left unattached too long (a day, give or take, on the platforms
emulated here). The faults set the delay, the lifetime, the largest upload and refusals; each
emulator's own endpoints speak the platform's words.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from amplifier.sandbox.kit.state import HostState, User


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are, by their magic numbers (JPEG, PNG, GIF, WebP), or
    None; each emulator then refuses the types its platform does not take, in its own words."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class Media:
    """An upload of one user's, usable in one of their posts once ready and until it expires
    (unattached); `post_id` once a post carries it."""

    id: str
    user_id: str
    media_type: str
    size: int
    width: int
    height: int
    description: str
    created_at: float
    ready_at: float
    expires_at: float
    sha256: str
    post_id: str | None = None

    def ready(self, at: float) -> bool:
        return at >= self.ready_at

    def expired(self, at: float) -> bool:
        return self.post_id is None and at >= self.expires_at

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "type": self.media_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "description": self.description,
            "sha256": self.sha256,
        }


def store_media(
    state: HostState,
    user: User,
    data: bytes,
    *,
    media_type: str,
    description: str,
    width: int = 0,
    height: int = 0,
) -> Media:
    """A new upload of ``user``'s: ready after the faults' processing delay, usable unattached
    for ``media_ttl_s``."""
    t = time.time()
    media = Media(
        id=state.next_id(),
        user_id=user.id,
        media_type=media_type,
        size=len(data),
        width=width,
        height=height,
        description=description,
        created_at=t,
        ready_at=t + state.faults.media_processing_s,
        expires_at=t + state.faults.media_ttl_s,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    state.media[media.id] = media
    return media


def usable_media(state: HostState, user: User, ids: list[str]) -> list[Media] | str:
    """The uploads a new post of ``user``'s names, or why one cannot be used: "unknown" (not
    theirs, or expired and removed), "processing", "attached"."""
    found: list[Media] = []
    t = time.time()
    for media_id in ids:
        media = state.media.get(media_id)
        if media is None or media.user_id != user.id or media.expired(t):
            return "unknown"
        if not media.ready(t):
            return "processing"
        if media.post_id is not None:
            return "attached"
        found.append(media)
    return found


def expire_media(state: HostState, user_id: str | None = None) -> int:
    """Unattached uploads (of one user, or all) expire now; how many."""
    t = time.time()
    hit = [
        m
        for m in state.media.values()
        if m.post_id is None and (user_id is None or m.user_id == user_id)
    ]
    for media in hit:
        media.expires_at = min(media.expires_at, t - 1)
    return len(hit)
