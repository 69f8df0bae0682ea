"""Instance metadata: ``GET /api/v2/instance`` and ``/api/v1/instance``.

(/methods/instance/#v2, /entities/Instance/): ``configuration.statuses.max_characters`` (500 by
default) and ``characters_reserved_per_url`` (23), both set through the faults.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from amplifier.sandbox.kit.preamble import Call, endpoint
from amplifier.sandbox.kit.state import HostState

VERSION = "4.3.0"


def _instance_configuration(state: HostState) -> dict[str, Any]:
    return {
        "urls": {"streaming": state.config.base_url.replace("http", "ws", 1)},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": state.faults.max_characters,
            "max_media_attachments": 4,
            "characters_reserved_per_url": state.faults.characters_reserved_per_url,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "image_size_limit": 16777216,
            "image_matrix_limit": 33177600,
            "video_size_limit": 103809024,
            "video_frame_rate_limit": 120,
            "video_matrix_limit": 8294400,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2629746,
        },
        "translation": {"enabled": False},
    }


def domain(state: HostState) -> str:
    """The domain accounts live on: the faults' ``instance_domain``, else the host itself."""
    return state.faults.instance_domain or urlsplit(state.config.base_url).netloc


def _shared(state: HostState) -> dict[str, Any]:
    """The members both versions of the Instance entity have."""
    return {
        "title": f"Sandbox Mastodon ({domain(state)})",
        "version": VERSION,
        "languages": ["en"],
        "configuration": _instance_configuration(state),
        "rules": [],
    }


@endpoint(faults=False)
async def instance_v2(call: Call) -> web.StreamResponse:
    state = call.state
    base = state.config.base_url
    return call.answer(
        {
            "domain": domain(state),
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A local emulator of a Mastodon instance (amplifier sandbox).",
            "usage": {"users": {"active_month": len(state.users)}},
            "thumbnail": {"url": f"{base}/packs/media/images/preview.png"},
            "registrations": {"enabled": True, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": "", "account": None},
            **_shared(state),
        }
    )


@endpoint(faults=False)
async def instance_v1(call: Call) -> web.StreamResponse:
    state = call.state
    stats = {"user_count": len(state.users), "status_count": len(state.posts), "domain_count": 0}
    return call.answer(
        {
            "uri": domain(state),
            "short_description": "A local emulator of a Mastodon instance.",
            "description": "",
            "email": "",
            "urls": {"streaming_api": state.config.base_url.replace("http", "ws", 1)},
            "stats": stats,
            "thumbnail": None,
            "registrations": True,
            "approval_required": False,
            "invites_enabled": False,
            "contact_account": None,
            **_shared(state),
        }
    )
