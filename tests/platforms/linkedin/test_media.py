"""LinkedIn's images against the sandbox: uploaded before T through the Images API, waited for
while LinkedIn processes them, named with their alt text by the post at T."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from amplifier.platforms.base import (
    Attachment,
    Draft,
    PublishedPost,
    Rejected,
    Staged,
    TokenSet,
    Transient,
)
from amplifier.platforms.linkedin.declaration import DECLARATION
from amplifier.platforms.linkedin.media import LinkedInMedia

from ..helpers import admin, posts
from .test_contract import connect, make

ALT = "A heron standing in the shallow river at dawn"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def draft(text: str = "Save the river") -> Draft:
    return Draft(text, (Attachment(png(), "image/png", ALT, 40, 30),))


def stage(base: str, tokens: TokenSet, d: Draft) -> Staged:
    media = LinkedInMedia(make(base), poll_s=0.05)

    async def run() -> Staged:
        async with media.adapter.async_session(limit=2) as session:
            return await media.stage_async(session, tokens, d)

    return asyncio.run(run())


def publish(base: str, tokens: TokenSet, d: Draft, staged: Staged) -> PublishedPost:
    media = LinkedInMedia(make(base))

    async def run() -> PublishedPost:
        async with media.adapter.async_session(limit=2) as session:
            return await media.publish_staged_async(session, tokens, d, staged, idempotency_key="k")

    return asyncio.run(run())


def test_the_post_carries_the_uploaded_image_and_its_alt_text_once(linkedin_url: str) -> None:
    tokens = connect(make(linkedin_url), "ann")
    d = draft()
    staged = stage(linkedin_url, tokens, d)
    assert staged.remote_ids[0].startswith("urn:li:image:")
    post = publish(linkedin_url, tokens, d, staged)
    stored = [p for p in posts(linkedin_url) if p["text"] == "Save the river"]
    assert len(stored) == 1 and post.remote_id == f"urn:li:share:{stored[0]['id']}"
    [image] = stored[0]["media"]
    assert image["description"] == ALT and image["type"] == "image/png"
    assert image["size"] == len(d.attachments[0].data)


def test_staging_waits_while_linkedin_processes_the_image(linkedin_url: str) -> None:
    tokens = connect(make(linkedin_url), "ben")
    admin(linkedin_url, "faults", {"media_processing_s": 0.4})
    staged = stage(linkedin_url, tokens, draft())
    publish(linkedin_url, tokens, draft(), staged)  # refused were the image still PROCESSING
    [stored] = posts(linkedin_url)
    assert stored["media"][0]["description"] == ALT


def test_a_failed_upload_is_a_retryable_error_and_posts_nothing(linkedin_url: str) -> None:
    tokens = connect(make(linkedin_url), "cat")
    admin(linkedin_url, "faults", {"media_fail_next": 1, "error_status": 503})
    with pytest.raises(Transient):
        stage(linkedin_url, tokens, draft())
    assert posts(linkedin_url) == []


def test_an_image_of_another_member_is_refused(linkedin_url: str) -> None:
    adapter = make(linkedin_url)
    ann, ben = connect(adapter, "ann"), connect(adapter, "ben")
    staged = stage(linkedin_url, ann, draft())
    with pytest.raises(Rejected, match="owned by post author"):
        publish(linkedin_url, ben, draft("Not mine"), staged)
    assert posts(linkedin_url) == []


def test_a_forgotten_image_is_refused_at_t(linkedin_url: str) -> None:
    tokens = connect(make(linkedin_url), "dan")
    staged = stage(linkedin_url, tokens, draft())
    admin(linkedin_url, "expire-media", {})
    with pytest.raises(Rejected):
        publish(linkedin_url, tokens, draft(), staged)


def test_linkedin_declares_its_image_rules_and_a_stager() -> None:
    assert DECLARATION.media is not None
    assert DECLARATION.media.formats == {"image/jpeg", "image/png", "image/gif"}
    assert DECLARATION.media.problems(size=9_000_000, width=10, height=10, media_type="image/png")
    assert DECLARATION.media.problems(size=10, width=10, height=10, media_type="image/webp")
