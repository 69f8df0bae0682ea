"""A Page post with the campaign's image: the photo uploaded to the Page unpublished during
preparation (with its alt text), only the post that attaches it sent at T, and the Page's feed
showing one post with the photo and its description."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image

from amplifier.platforms.base import Attachment, Draft, Rejected, Staged, TokenSet
from amplifier.platforms.facebook_pages import FacebookPagesAdapter
from amplifier.platforms.facebook_pages.media import PagePhotos
from amplifier.platforms.registry import declaration

from ..helpers import admin, posts
from ..test_facebook_pages_contract import make, person_token

ALT = "Volunteers clearing the riverbank"


def page_tokens(adapter: FacebookPagesAdapter, username: str) -> TokenSet:
    person = person_token(adapter, username)
    [page] = adapter.list_accounts(person)
    return adapter.choose_account(person, page.account_id).tokens


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 90, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def run(adapter: FacebookPagesAdapter, work: Any) -> Any:
    async def go() -> Any:
        async with adapter.async_session(limit=4) as session:
            return await work(session)

    return asyncio.run(go())


def test_a_photo_is_uploaded_unpublished_before_t_and_attached_at_t(
    facebook_pages_url: str,
) -> None:
    adapter = make(facebook_pages_url)
    stager = declaration("facebook_pages").stager(adapter)
    assert isinstance(stager, PagePhotos)
    tokens = page_tokens(adapter, "quinn")
    post = Draft("The river needs us", (Attachment(jpeg(), "image/jpeg", ALT, 640, 480),))
    assert stager.needs_staging(post) and not stager.needs_staging(Draft("text only"))
    staged: Staged = run(adapter, lambda s: stager.stage_async(s, tokens, post))
    assert len(staged.remote_ids) == 1 and staged.expires_at is None
    assert posts(facebook_pages_url) == []  # an unpublished photo is no post
    published = run(
        adapter,
        lambda s: stager.publish_staged_async(s, tokens, post, staged, idempotency_key="k"),
    )
    [only] = posts(facebook_pages_url)
    assert only["id"] == published.remote_id and only["text"] == "The river needs us"
    [photo] = only["media"]
    assert photo["id"] == staged.remote_ids[0]
    assert photo["type"] == "image/jpeg" and photo["description"] == ALT
    with pytest.raises(Rejected, match="attached"):  # a photo goes out with one post only
        run(
            adapter,
            lambda s: stager.publish_staged_async(s, tokens, post, staged, idempotency_key="k"),
        )


def test_a_photo_over_facebooks_size_is_refused_while_preparing(facebook_pages_url: str) -> None:
    admin(facebook_pages_url, "faults", {"media_max_bytes": 1000})
    adapter = make(facebook_pages_url)
    stager = declaration("facebook_pages").stager(adapter)
    assert stager is not None
    tokens = page_tokens(adapter, "rae")
    post = Draft("Too big", (Attachment(jpeg(), "image/jpeg", ALT, 640, 480),))
    with pytest.raises(Rejected, match="larger than"):
        run(adapter, lambda s: stager.stage_async(s, tokens, post))
    assert posts(facebook_pages_url) == []
