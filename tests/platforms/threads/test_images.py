"""A Threads post with the campaign's image: an IMAGE container made before T naming the
image's public address and alt text; Threads (the emulator) fetches it; only the publication
leaves at T, and the post shows the picture with its description, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from amplifier.platforms.base import Attachment, Draft, PlatformError, Rejected, Staged, TokenSet
from amplifier.platforms.threads import ThreadsAdapter
from tests.factories.images import png
from tests.factories.sites import PublicSite

from ..helpers import admin, posts
from ..test_threads_contract import connect, make

IMAGE_PATH = "/c/save-the-river/image?v=1"
ALT = "Volunteers clearing the riverbank"


def adapter_for(threads_url: str, site: PublicSite) -> ThreadsAdapter:
    adapter = make(threads_url)
    adapter.public_url = site.url
    return adapter


def draft(data: bytes, media_type: str = "image/png") -> Draft:
    return Draft("The river needs us", (Attachment(data, media_type, ALT, 400, 300, IMAGE_PATH),))


def run(adapter: ThreadsAdapter, work: Any) -> Any:
    async def go() -> Any:
        async with adapter.async_session(limit=4) as session:
            return await work(session)

    return asyncio.run(go())


def stage(adapter: ThreadsAdapter, tokens: TokenSet, post: Draft) -> Staged:
    staged: Staged = run(adapter, lambda s: adapter.stage_async(s, tokens, post))
    return staged


def test_an_image_post_is_staged_by_address_and_published_with_its_alt_text(
    threads_url: str, public_site: PublicSite
) -> None:
    public_site.files[IMAGE_PATH] = ("image/png", png(400, 300))
    adapter = adapter_for(threads_url, public_site)
    tokens = connect(adapter, "ivy")
    post = draft(public_site.files[IMAGE_PATH][1])
    staged = stage(adapter, tokens, post)
    assert public_site.fetched == [IMAGE_PATH]  # Threads fetched it while we prepared
    assert posts(threads_url) == []
    published = run(
        adapter,
        lambda s: adapter.publish_staged_async(s, tokens, post, staged, idempotency_key="k"),
    )
    [only] = posts(threads_url)
    assert only["id"] == published.remote_id and only["text"] == "The river needs us"
    [media] = only["media"]
    assert media["type"] == "image/png" and media["description"] == ALT
    assert public_site.fetched == [IMAGE_PATH]  # nothing fetched again at T


def test_an_image_threads_cannot_fetch_drops_the_post_before_t(
    threads_url: str, public_site: PublicSite
) -> None:
    adapter = adapter_for(threads_url, public_site)  # the site serves nothing: 404
    tokens = connect(adapter, "jo")
    with pytest.raises(Rejected, match="FAILED_DOWNLOADING_IMAGE"):
        stage(adapter, tokens, draft(png(400, 300)))
    assert posts(threads_url) == []


def test_a_gif_is_refused_by_threads_itself(threads_url: str, public_site: PublicSite) -> None:
    public_site.files[IMAGE_PATH] = ("image/gif", b"GIF89a" + b"\0" * 64)
    adapter = adapter_for(threads_url, public_site)
    tokens = connect(adapter, "kai")
    with pytest.raises(PlatformError, match="JPEG and PNG"):
        stage(adapter, tokens, draft(b"GIF89a", "image/gif"))


def test_without_a_public_address_an_image_post_is_refused_in_words(threads_url: str) -> None:
    adapter = make(threads_url)  # public_url left empty
    tokens = connect(adapter, "lu")
    with pytest.raises(Rejected, match="public address"):
        stage(adapter, tokens, draft(png(400, 300)))


def test_staging_waits_while_threads_is_still_processing_the_image(
    threads_url: str, public_site: PublicSite
) -> None:
    admin(threads_url, "faults", {"media_processing_s": 1.2})
    public_site.files[IMAGE_PATH] = ("image/png", png(400, 300))
    adapter = adapter_for(threads_url, public_site)
    tokens = connect(adapter, "mo")
    post = draft(public_site.files[IMAGE_PATH][1])
    staged = stage(adapter, tokens, post)  # IN_PROGRESS, polled, then FINISHED
    run(
        adapter,
        lambda s: adapter.publish_staged_async(s, tokens, post, staged, idempotency_key="k"),
    )
    [only] = posts(threads_url)
    assert only["media"][0]["description"] == ALT
