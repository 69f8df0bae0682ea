"""Public web pages for what the sandbox holds: the link in every report must open something.

The platforms' own web addresses, as the adapters build them (and the platforms answer them):

    X          a post: /i/web/status/{id} and /{username}/status/{id}; a profile: /{username}
    Mastodon   a status: /@{username}/{id};                          a profile: /@{username}

A post the sandbox does not hold (never made, or deleted) answers 404 with a page saying so.
These pages are plain HTML for people following a link; no API client reads them.
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
    return f"amplifier sandbox: an emulated {escape(state.platform)} server, not the real one"


def _page(state: HostState, title: str, body: str, status: int = 200) -> web.Response:
    html = _PAGE.format(title=escape(title), banner=_banner(state), body=body)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _article(post: Post) -> str:
    return (
        f"<article><strong>@{escape(post.username)}</strong>\n{escape(post.text)}\n"
        f'<small><time datetime="{iso(post.created_at)}">{iso(post.created_at)}</time>'
        f" · post {escape(post.id)}</small></article>"
    )


def _post_page(request: web.Request, username: str | None) -> web.Response:
    state = host_state(request)
    post = state.posts_by_id.get(request.match_info["id"])
    if post is None or (username is not None and post.username.lower() != username.lower()):
        return _page(state, "Post not found", "<h1>This post does not exist</h1>", 404)
    return _page(state, f"@{post.username}", _article(post))


def _profile_page(request: web.Request) -> web.Response:
    state = host_state(request)
    user = state.find_user(request.match_info["username"])
    if user is None:
        return _page(state, "Account not found", "<h1>This account does not exist</h1>", 404)
    posts = sorted(state.posts_by_user.get(user.id, []), key=lambda p: p.created_at, reverse=True)
    listed = "".join(_article(p) for p in posts[:50]) or "<p>No posts yet.</p>"
    return _page(state, f"@{user.username}", f"<h1>@{escape(user.username)}</h1>{listed}")


async def x_status(request: web.Request) -> web.Response:
    return _post_page(request, request.match_info.get("username"))


async def mastodon_status(request: web.Request) -> web.Response:
    return _post_page(request, request.match_info["username"])


async def profile(request: web.Request) -> web.Response:
    return _profile_page(request)


def add_routes(app: web.Application, platform: str) -> None:
    """Register the pages of one host; call after the API routes (the profile route is broad)."""
    if platform == "x":
        app.router.add_get("/i/web/status/{id:\\d+}", x_status)
        app.router.add_get("/{username:[A-Za-z0-9_]{1,15}}/status/{id:\\d+}", x_status)
        app.router.add_get("/{username:[A-Za-z0-9_]{1,15}}", profile)
    else:
        app.router.add_get("/@{username:[A-Za-z0-9_]{1,30}}/{id:\\d+}", mastodon_status)
        app.router.add_get("/@{username:[A-Za-z0-9_]{1,30}}", profile)
