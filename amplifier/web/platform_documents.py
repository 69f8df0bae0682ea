"""The documents a platform fetches from us, served as its declaration gives them.

Why: some platforms know an OAuth client by a URL rather than by registration (AT Protocol's
client metadata document at the `client_id` URL, and the public keys of its `private_key_jwt`
client); `Declaration.documents` says which, and this route serves them at
`/oauth/<platform>/<name>.json`, public and cacheable for a few minutes. No platform is named.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from amplifier.platforms.registry import UnknownPlatform, declaration
from amplifier.web.deps import RuntimeDep

router = APIRouter()


@router.get("/oauth/{platform}/{name}.json", include_in_schema=False)
def platform_document(platform: str, name: str, rt: RuntimeDep) -> JSONResponse:
    try:
        found = declaration(platform)
    except UnknownPlatform:
        raise HTTPException(404, "no such document") from None
    sub = found.settings_of(rt.settings)
    if found.unavailable(sub) is not None:
        raise HTTPException(404, "no such document")
    documents = found.documents(sub, rt.settings.public_url, rt.connectors.redirect_uri(platform))
    body = documents.get(f"/oauth/{platform}/{name}.json")
    if body is None:
        raise HTTPException(404, "no such document")
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})
