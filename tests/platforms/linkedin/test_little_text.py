"""LinkedIn's little text: every reserved character escaped, so the post reads as consented.

Unescaped, LinkedIn answers 201 and publishes the text cut at the first reserved character; the
emulator reproduces that (shown below with a raw request), so a missing escape fails here.
"""

from __future__ import annotations

import asyncio

import requests
from hypothesis import given
from hypothesis import strategies as st

from amplifier.platforms.base import PublishedPost, TokenSet
from amplifier.platforms.linkedin import LinkedInAdapter
from amplifier.platforms.linkedin.adapter import MEMBER
from amplifier.platforms.linkedin.text import (
    RESERVED,
    escape_little,
    linkedin_text_problems,
    unescape_little,
)

from ..helpers import posts
from .test_contract import connect, make

FULL = (
    "Keep the library open (every evening)! #LibraryLate @council [read] <now> *please* "
    "_today_ ~8pm~ a|b {hours} C:\\books\\ #"
)


def publish(adapter: LinkedInAdapter, tokens: TokenSet, text: str) -> PublishedPost:
    async def go() -> PublishedPost:
        async with adapter.async_session(limit=2) as session:
            return await adapter.publish_async(session, tokens, text, idempotency_key="k")

    return asyncio.run(go())


def test_the_message_uses_every_reserved_character() -> None:
    assert set("#@()[]<>*_~|{}\\") == RESERVED
    assert set(FULL) >= RESERVED


def test_a_message_full_of_reserved_characters_lands_whole(linkedin_url: str) -> None:
    adapter = make(linkedin_url)
    tokens = connect(adapter, "ada")
    post = publish(adapter, tokens, FULL)
    [stored] = posts(linkedin_url)
    assert stored["text"] == FULL  # what a reader sees: the exact consented text
    found = adapter.find_recent_post(tokens, account_id=tokens.extras[MEMBER], text=FULL)
    assert found is not None and found.remote_id == post.remote_id


def test_the_emulator_cuts_an_unescaped_commentary_silently(linkedin_url: str) -> None:
    """Without the escaping, LinkedIn says 201 and keeps only what precedes the '('."""
    adapter = make(linkedin_url)
    tokens = connect(adapter, "bo")
    body = adapter.post_body(tokens.extras[MEMBER], "x")
    body["commentary"] = FULL
    answer = requests.post(
        f"{linkedin_url}/rest/posts",
        json=body,
        headers=adapter.rest_headers(tokens.access_token),
        timeout=5,
    )
    assert answer.status_code == 201 and answer.headers["x-restli-id"].startswith("urn:li:share:")
    [stored] = posts(linkedin_url)
    assert stored["text"] == "Keep the library open "


@given(st.text())
def test_escaping_round_trips(text: str) -> None:
    escaped = escape_little(text)
    assert unescape_little(escaped) == text
    unescaped_reserved = [
        c for i, c in enumerate(escaped) if c in RESERVED and (i == 0 or escaped[i - 1] != "\\")
    ]
    assert all(c == "\\" for c in unescaped_reserved)


def test_length_is_counted_before_escaping_in_utf16_units() -> None:
    assert linkedin_text_problems("#" * 3000) == []  # 6,000 once escaped: LinkedIn counts 3,000
    assert linkedin_text_problems("a" * 2999 + "😀")  # the emoji is two UTF-16 units
    assert linkedin_text_problems("  \n")
