"""The app serves Bluesky's client metadata document at its client_id URL, and its public JWKS;
production without a configured key offers no Bluesky at all."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from amplifier.platforms.bluesky.settings import BlueskySettings
from amplifier.platforms.registry import declaration
from amplifier.web.app import create_app


def test_client_metadata_and_jwks_are_served(runtime: Any) -> None:
    with TestClient(create_app(runtime)) as web:
        meta = web.get("/oauth/bluesky/client-metadata.json")
        keys = web.get("/oauth/bluesky/jwks.json")
        assert web.get("/oauth/bluesky/nothing.json").status_code == 404
    assert meta.status_code == 200 and keys.status_code == 200
    body = meta.json()
    public = runtime.settings.public_url.rstrip("/")
    assert body["client_id"] == f"{public}/oauth/bluesky/client-metadata.json"
    assert body["redirect_uris"] == [f"{public}/oauth/bluesky/callback"]
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["dpop_bound_access_tokens"] is True
    assert body["jwks_uri"] == f"{public}/oauth/bluesky/jwks.json"
    [key] = keys.json()["keys"]
    assert key["crv"] == "P-256" and "d" not in key  # the public half only
    assert (runtime.settings.data_dir / "bluesky-client-key.json").exists()  # made for development


def test_production_without_a_key_does_not_offer_bluesky(tmp_path: Any) -> None:
    bluesky = declaration("bluesky")
    production = BlueskySettings(_env_file=None, env="production", data_dir=tmp_path)  # type: ignore[call-arg]
    assert "AMPLIFIER_BLUESKY_CLIENT_KEY" in (bluesky.unavailable(production) or "")
    assert bluesky.documents(production, "https://a.example", "https://a.example/cb") == {}
    assert not list(tmp_path.iterdir())  # no key was made
