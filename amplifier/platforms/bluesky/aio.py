"""One XRPC call on the release's shared aiohttp session, with the DPoP proof and nonce retry.

Why a module of its own: the post (adapter.py) and the image uploads (media.py) make the same
call, JSON or raw bytes, and a PDS may ask for a fresh `DPoP-Nonce` on either (RFC 9449 §8:
401 `use_dpop_nonce`, answered by `answers.NonceRequired`; the nonce is remembered per origin).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from joserfc.jwk import ECKey

from .._aio import async_network_error
from ..base import PlatformError, Transient
from . import dpop
from .answers import NonceRequired
from .oauth import origin


async def call_async(
    session: aiohttp.ClientSession,
    nonces: dict[str, str],
    method: str,
    url: str,
    *,
    key: ECKey,
    access_token: str,
    write: bool,
    host: str,
    body: Mapping[str, Any] | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
) -> dict[str, Any]:
    """The answer's JSON object; raises the error tree (`Transient` after two nonce asks).
    `body` goes as JSON, `data` as raw bytes of `content_type` (uploadBlob)."""
    where = origin(url)
    for _ in range(2):
        headers = {
            "Authorization": f"DPoP {access_token}",
            "DPoP": dpop.proof(
                key, method=method, url=url, nonce=nonces.get(where), access_token=access_token
            ),
            "Accept": "application/json",
        }
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            async with session.request(
                method, url, json=body, data=data, headers=headers
            ) as answer:
                parsed = await answer.json(content_type=None)
                nonce = answer.headers.get("DPoP-Nonce")
        except NonceRequired as exc:
            nonces[where] = exc.nonce
            continue
        except PlatformError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise async_network_error(exc, write=write, platform=host) from None
        if nonce:
            nonces[where] = nonce
        return parsed if isinstance(parsed, dict) else {}
    raise Transient(f"{host} asked for a new DPoP nonce twice in a row")
