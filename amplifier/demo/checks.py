"""The demo's verdict: what the sandbox holds, compared with what each supporter consented to.

Why apart from run.py: the end-to-end tests and the fault suite judge their releases the same
way the demo does, from the sandbox's own record of posts, never from our database.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests

from amplifier.demo.browser import Supporter
from amplifier.demo.stack import LocalStack
from amplifier.platforms.registry import declaration


def sandbox_posts(stack: LocalStack) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for base in stack.sandbox_urls or [stack.x_url, *stack.mastodon_urls]:
        answer = requests.get(f"{base}/_sandbox/posts", timeout=30)
        answer.raise_for_status()
        posts.extend(answer.json()["posts"])
    return posts


def posting_account(who: Supporter, seen: set[str] | frozenset[str] = frozenset()) -> str:
    """The sandbox account a supporter's post comes from: their own, or where the platform has
    them choose an account (a Page, a blog), the one chosen: the name the choice page showed
    (`pledge` records it: a blog's name) or, where the sandbox names the account apart from its
    label (a Page called "Supporter Page" posts as `<username>.page`), that name, if it posted."""
    if not (declaration(who.platform).connect.chooses_account and who.account):
        return who.username
    if who.account not in seen and f"{who.username}.page" in seen:
        return f"{who.username}.page"
    return who.account


def check_exactly_once(
    people: list[Supporter], posts: list[dict[str, Any]], text: str, alt_text: str | None = None
) -> list[str]:
    """Every problem found; an empty list means each supporter's post exists exactly once (and,
    with `alt_text`, carries the campaign's picture once, described by it)."""
    per_user = Counter((p["username"], p["text"]) for p in posts)
    seen = {p["username"] for p in posts}
    problems = []
    for who in people:
        n = per_user[(posting_account(who, seen), who.text or text)]
        if n != 1:
            problems.append(f"{who.username} ({who.platform}): {n} posts with the consented text")
    for post in posts if alt_text is not None else []:
        described = [m.get("description") for m in post.get("media", [])]
        if described != [alt_text]:
            problems.append(f"{post['username']}: the post carries {described!r}, not the picture")
    strangers = seen - {posting_account(who, seen) for who in people}
    problems.extend(f"unexpected post by {name}" for name in sorted(strangers))
    return problems
