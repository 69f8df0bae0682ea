"""Mastodon's JSON entities as the sandbox answers them (docs.joinmastodon.org/entities/).

Account (/entities/Account/: ``id``, ``username``, ``acct``, ``url``, ``followers_count``, ...),
Status (/entities/Status/, ``content`` as HTML), Application (/entities/Application/) and Error
(/entities/Error/, ``{"error": "..."}``).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit.media import Media
from amplifier.sandbox.kit.state import HostState, OAuthApp, Post, User, iso
from amplifier.sandbox.kit.web_util import json_response

_URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"error": message}, status, headers)


def account_json(state: HostState, user: User) -> dict[str, Any]:
    base = state.config.base_url
    posts = state.posts_by_user.get(user.id, [])
    created_day = iso(user.created_at)[:10]
    return {
        "id": user.id,
        "username": user.username,
        "acct": user.username,
        "display_name": user.name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": f"{created_day}T00:00:00.000Z",
        "note": "",
        "url": f"{base}/@{user.username}",
        "uri": f"{base}/users/{user.username}",
        "avatar": f"{base}/avatars/original/missing.png",
        "avatar_static": f"{base}/avatars/original/missing.png",
        "header": f"{base}/headers/original/missing.png",
        "header_static": f"{base}/headers/original/missing.png",
        "followers_count": user.followers,
        "following_count": 0,
        "statuses_count": len(posts),
        "last_status_at": iso(posts[-1].created_at)[:10] if posts else None,
        "emojis": [],
        "fields": [],
    }


def html_content(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, line breaks, links."""
    paragraphs = []
    for para in re.split(r"\n{2,}", text.strip("\n")):
        parts = []
        pos = 0
        for m in _URL_RE.finditer(para):
            parts.append(escape(para[pos : m.start()]))
            url = m.group(0)
            parts.append(
                f'<a href="{escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
                f'translate="no">{escape(url)}</a>'
            )
            pos = m.end()
        parts.append(escape(para[pos:]))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


def status_json(state: HostState, post: Post) -> dict[str, Any]:
    base = state.config.base_url
    user = state.users[post.user_id]
    return {
        "id": post.id,
        "created_at": iso(post.created_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": post.visibility,
        "language": "en",
        "uri": f"{base}/users/{user.username}/statuses/{post.id}",
        "url": f"{base}/@{user.username}/{post.id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "content": html_content(post.text),
        "filtered": [],
        "reblog": None,
        "application": {"name": post.app_name, "website": None} if post.app_name else None,
        "account": account_json(state, user),
        "media_attachments": [attachment(state, m) for m in post.media],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def attachment(state: HostState, media: Media) -> dict[str, Any]:
    """A MediaAttachment (/entities/MediaAttachment/) of a status."""
    base = state.config.base_url
    ext = media.media_type.removeprefix("image/").replace("jpeg", "jpg")
    return {
        "id": media.id,
        "type": "image",
        "url": f"{base}/system/media_attachments/files/{media.id}/original/image.{ext}",
        "preview_url": f"{base}/system/media_attachments/files/{media.id}/small/image.{ext}",
        "remote_url": None,
        "meta": {"original": {"width": media.width, "height": media.height}},
        "description": media.description or None,
        "blurhash": None,
    }


def app_json(app: OAuthApp, with_secret: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": sorted(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": app.redirect_uris,
        "vapid_key": "",
    }
    if with_secret:
        body["client_id"] = app.client_id
        body["client_secret"] = app.client_secret
        body["client_secret_expires_at"] = 0
    return body
