"""Public web pages for what the sandbox holds: the link in every report must open something.

The kit serves a post (:func:`post_page`) and a profile (:func:`profile_page`); each emulator
routes them at its platform's own web addresses (the ones its adapter builds), after its API
routes, since a profile route is broad. A post the sandbox does not hold (never made, or
deleted), or one asked for under another user's name, answers 404 with a page saying so. These
pages are plain HTML for people following a link; no API client reads them.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from amplifier.sandbox.kit.state import HostState, Post, iso
from amplifier.sandbox.kit.web_util import host_state

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
article{{border:1px solid #888;border-radius:.5rem;padding:1rem;margin:1rem 0;
overflow-wrap:anywhere;white-space:pre-wrap}}small{{color:#555}}</style></head>
<body><p><small>{banner}</small></p>{body}</body></html>"""


def _banner(state: HostState) -> str:
    return f"amplifier sandbox: an emulated {escape(state.dialect.label)} server, not the real one"


def _page(state: HostState, title: str, body: str, status: int = 200) -> web.Response:
    html = _PAGE.format(title=escape(title), banner=_banner(state), body=body)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _article(post: Post, author: str | None = None) -> str:
    media = "".join(
        f"<figure>[{escape(m.media_type)}, {m.size:,} bytes]"
        f"<figcaption>{escape(m.description or 'no description')}</figcaption></figure>"
        for m in post.media
    )
    name = escape(author or post.username)
    return (
        f"<article><strong>@{name}</strong>\n{escape(post.text)}\n{media}"
        f'<small><time datetime="{iso(post.created_at)}">{iso(post.created_at)}</time>'
        f" · post {escape(post.id)}</small></article>"
    )


def show_post(state: HostState, post: Post | None, author: str | None = None) -> web.Response:
    """A post's page (its text, each picture with its alt text) or the 404 page, for emulators
    whose post addresses need their own look-up; `author` is the name the address shows."""
    if post is None:
        return _page(state, "Post not found", "<h1>This post does not exist</h1>", 404)
    return _page(state, f"@{author or post.username}", _article(post, author))


async def post_page(request: web.Request) -> web.Response:
    """``{id}``, and ``{username}`` where the address names the author."""
    state = host_state(request)
    post = state.posts_by_id.get(request.match_info["id"])
    username = request.match_info.get("username")
    if post is not None and username is not None and post.username.lower() != username.lower():
        post = None
    return show_post(state, post)


async def profile_page(request: web.Request) -> web.Response:
    """``{username}``: the account and its latest 50 posts, newest first."""
    state = host_state(request)
    user = state.find_user(request.match_info["username"])
    if user is None:
        return _page(state, "Account not found", "<h1>This account does not exist</h1>", 404)
    posts = sorted(state.posts_by_user.get(user.id, []), key=lambda p: p.created_at, reverse=True)
    listed = "".join(_article(p) for p in posts[:50]) or "<p>No posts yet.</p>"
    return _page(state, f"@{user.username}", f"<h1>@{escape(user.username)}</h1>{listed}")
