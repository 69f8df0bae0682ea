"""Tumblr's images against the sandbox: no upload before T, the bytes in the multipart NPF post
itself, the image block carrying its alt text; a refused upload fails the post, never sends
it without the image."""

from __future__ import annotations

import asyncio
import io

import pytest
import requests
from PIL import Image

from amplifier.platforms.base import Attachment, Draft, PublishedPost, Rejected, TokenSet
from amplifier.platforms.tumblr.adapter import BLOG
from amplifier.platforms.tumblr.declaration import DECLARATION
from amplifier.platforms.tumblr.media import TumblrMedia

from ..helpers import admin, posts
from .test_contract import connect, make

ALT = "A heron standing in the shallow river at dawn"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def draft(text: str = "Save the river https://example.org/river") -> Draft:
    return Draft(text, (Attachment(png(), "image/png", ALT, 40, 30),))


def publish(base: str, tokens: TokenSet, d: Draft) -> PublishedPost:
    media = TumblrMedia(make(base))

    async def run() -> PublishedPost:
        async with media.adapter.async_session(limit=2) as session:
            return await media.publish_draft_async(session, tokens, d, idempotency_key="k")

    return asyncio.run(run())


def test_one_call_posts_the_text_and_the_image_with_its_alt_text(tumblr_url: str) -> None:
    tokens = connect(make(tumblr_url), "ann")
    d = draft()
    post = publish(tumblr_url, tokens, d)
    [stored] = posts(tumblr_url)
    assert post.remote_id == stored["id"] and stored["text"] == d.text
    [image] = stored["media"]
    assert image["description"] == ALT and image["size"] == len(d.attachments[0].data)
    blog = tokens.extras[BLOG]
    listed = requests.get(
        f"{tumblr_url}/v2/blog/{blog}/posts",
        params={"npf": "true"},
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=5,
    ).json()["response"]["posts"][0]["content"]
    [block] = [b for b in listed if b["type"] == "image"]
    assert block["alt_text"] == ALT and block["media"][0]["url"].endswith(".png")
    # the text still settles an unknown outcome: the finder reads the text blocks
    found = make(tumblr_url).find_recent_post(tokens, account_id=blog, text=d.text)
    assert found is not None and found.remote_id == post.remote_id


def test_a_failed_upload_fails_the_post_and_posts_nothing(tumblr_url: str) -> None:
    tokens = connect(make(tumblr_url), "ben")
    admin(tumblr_url, "faults", {"media_max_bytes": 10})
    with pytest.raises(Rejected, match="invalid format"):
        publish(tumblr_url, tokens, draft())
    assert posts(tumblr_url) == []


def test_tumblr_declares_image_rules_and_no_stager() -> None:
    adapter = make("http://127.0.0.1:9")
    assert DECLARATION.stager(adapter) is None
    assert isinstance(DECLARATION.inline_media(adapter), TumblrMedia)
    assert DECLARATION.media is not None
    assert DECLARATION.media.problems(size=11 * 2**20, width=1, height=1, media_type="image/png")
