"""The Bluesky emulator over real HTTP, driven with a signer written here (``cryptography``
only): PAR, DPoP nonces and replays, ``private_key_jwt``, the ``iss`` on the redirect, and the
PDS's record validation, errors and rate-limit headers."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from amplifier.sandbox import RunningSandbox

REDIRECT = "http://127.0.0.1:9/callback"
POST = "app.bsky.feed.post"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Key:
    def __init__(self, kid: str | None = None) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.jwk: dict[str, Any] = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big")),
        }
        if kid:
            self.jwk["kid"] = kid

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
        r, s = decode_dss_signature(self.private.sign(head.encode(), ec.ECDSA(hashes.SHA256())))
        return head + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def proof(self, method: str, url: str, nonce: str | None, token: str | None = None) -> str:
        public = {k: v for k, v in self.jwk.items() if k != "kid"}
        claims: dict[str, Any] = {
            "jti": secrets.token_hex(8),
            "htm": method,
            "htu": url.split("?")[0],
            "iat": int(time.time()),
        }
        if nonce:
            claims["nonce"] = nonce
        if token:
            claims["ath"] = b64(hashlib.sha256(token.encode()).digest())
        return self.sign({"typ": "dpop+jwt", "alg": "ES256", "jwk": public}, claims)


@pytest.fixture(scope="module")
def client_site() -> Iterator[tuple[str, Key]]:
    key = Key(kid="k1")
    docs: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(docs.get(self.path)).encode()
            self.send_response(200 if self.path in docs else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    docs["/client.json"] = {
        "client_id": f"{base}/client.json",
        "client_name": "emulator test",
        "redirect_uris": [REDIRECT],
        "scope": "atproto transition:generic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "dpop_bound_access_tokens": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": {"keys": [key.jwk]},
    }
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"{base}/client.json", key
    server.shutdown()


@pytest.fixture
def pds(sandbox: RunningSandbox) -> str:
    url = str(sandbox.bluesky_url)
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    return url


class Session:
    """A client of the emulator: one DPoP key, the latest nonce."""

    def __init__(self, pds: str, client: tuple[str, Key]) -> None:
        self.pds, (self.client_id, self.client_key) = pds, client
        self.key, self.nonce = Key(), None

    def assertion(self) -> dict[str, str]:
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": self.pds}
        token = self.client_key.sign(
            {"alg": "ES256", "kid": "k1"},
            {**claims, "jti": secrets.token_hex(8), "iat": now, "exp": now + 60},
        )
        return {
            "client_id": self.client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token,
        }

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        url = self.pds + path
        for _ in range(2):
            headers = {"DPoP": self.key.proof(method, url, self.nonce, token)}
            if token:
                headers["Authorization"] = f"DPoP {token}"
            answer = requests.request(method, url, headers=headers, timeout=5, **kw)
            self.nonce = answer.headers.get("DPoP-Nonce", self.nonce)
            if "use_dpop_nonce" not in answer.text:
                return answer
        return answer

    def par(self, **changes: str) -> Any:
        verifier = secrets.token_urlsafe(40)
        self.verifier = verifier
        form = {
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "atproto transition:generic",
            "state": "s1",
            "code_challenge": b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
            **self.assertion(),
            **changes,
        }
        return self.call("POST", "/oauth/par", data=form)

    def sign_in(self, username: str) -> dict[str, Any]:
        request_uri = self.par().json()["request_uri"]
        page = f"{self.pds}/oauth/authorize?client_id={self.client_id}&request_uri={request_uri}"
        back = requests.post(
            page, data={"username": username, "decision": "approve"}, allow_redirects=False
        )
        query = parse_qs(urlsplit(back.headers["Location"]).query)
        assert query["state"] == ["s1"] and query["iss"] == [self.pds]
        form = {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": self.verifier,
            **self.assertion(),
        }
        answer = self.call("POST", "/oauth/token", data=form)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def test_identity_and_metadata(pds: str) -> None:
    did = requests.get(
        f"{pds}/xrpc/com.atproto.identity.resolveHandle?handle=ana.bsky.sandbox", timeout=5
    ).json()["did"]
    doc = requests.get(f"{pds}/{did}", timeout=5).json()
    assert doc["alsoKnownAs"] == ["at://ana.bsky.sandbox"]
    assert doc["service"][0]["serviceEndpoint"] == pds
    resource = requests.get(f"{pds}/.well-known/oauth-protected-resource", timeout=5).json()
    meta = requests.get(
        f"{resource['authorization_servers'][0]}/.well-known/oauth-authorization-server",
        timeout=5,
    ).json()
    assert meta["issuer"] == pds and meta["require_pushed_authorization_requests"] is True
    unknown = requests.get(
        f"{pds}/xrpc/com.atproto.identity.resolveHandle?handle=ana.example.com", timeout=5
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "InvalidRequest"


def test_par_asks_for_a_nonce_then_refuses_replays_and_plain_pkce(
    pds: str, client_site: tuple[str, Key]
) -> None:
    s = Session(pds, client_site)
    first = requests.post(
        f"{pds}/oauth/par", headers={"DPoP": s.key.proof("POST", f"{pds}/oauth/par", None)}
    )
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    assert first.headers["DPoP-Nonce"]
    assert s.par().status_code == 201
    assert s.par(code_challenge_method="plain").json()["error"] == "invalid_request"
    proof = s.key.proof("POST", f"{pds}/oauth/par", first.headers["DPoP-Nonce"])
    form = {"client_id": s.client_id}
    requests.post(f"{pds}/oauth/par", headers={"DPoP": proof}, data=form, timeout=5)
    again = requests.post(f"{pds}/oauth/par", headers={"DPoP": proof}, data=form, timeout=5)
    assert again.json()["error"] == "invalid_dpop_proof" and "replay" in again.text


def test_a_client_assertion_signed_by_another_key_is_refused(
    pds: str, client_site: tuple[str, Key]
) -> None:
    s = Session(pds, (client_site[0], Key(kid="k1")))
    answer = s.par()
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_records_are_validated_as_the_lexicon_says(pds: str, client_site: tuple[str, Key]) -> None:
    s = Session(pds, client_site)
    tokens = s.sign_in("bea")
    token, did = tokens["access_token"], tokens["sub"]
    assert tokens["token_type"] == "DPoP"

    def create(record: dict[str, Any], rkey: str = "3kabcdefghij2") -> Any:
        body = {"repo": did, "collection": POST, "rkey": rkey, "record": record}
        return s.call("POST", "/xrpc/com.atproto.repo.createRecord", token, json=body)

    ok = {"$type": POST, "text": "héllo", "createdAt": "2026-11-30T12:00:00.000Z"}
    outside = {**ok, "facets": [{"index": {"byteStart": 2, "byteEnd": 7}, "features": [
        {"$type": "app.bsky.richtext.facet#tag", "tag": "x"}]}]}  # fmt: skip
    assert "outside the text's 6 bytes" in create(outside).json()["message"]
    assert create({**ok, "createdAt": "yesterday"}).json()["error"] == "InvalidRequest"
    assert create({**ok, "text": "é" * 301}).status_code == 400
    made = create(ok)
    assert made.status_code == 200, made.text
    assert made.json()["uri"] == f"at://{did}/{POST}/3kabcdefghij2"
    assert made.headers["ratelimit-limit"] == "1666" and "ratelimit-reset" in made.headers
    assert made.headers["ratelimit-policy"] == "1666;w=3600"
    assert "already exists" in create(ok).json()["message"]
    assert create(ok, rkey="not-a-tid").status_code == 400
    found = s.call(
        "GET",
        f"/xrpc/com.atproto.repo.getRecord?repo={did}&collection={POST}&rkey=3kabcdefghij2",
        token,
    )
    assert found.json()["value"]["text"] == "héllo"


def test_a_token_is_bound_to_its_key_and_ath(pds: str, client_site: tuple[str, Key]) -> None:
    s = Session(pds, client_site)
    tokens = s.sign_in("cy")
    path = f"/xrpc/app.bsky.actor.getProfile?actor={tokens['sub']}"
    assert s.call("GET", path, tokens["access_token"]).json()["handle"] == "cy.bsky.sandbox"
    thief = Session(pds, client_site)
    thief.nonce = s.nonce
    stolen = thief.call("GET", path, tokens["access_token"])
    assert stolen.status_code == 401 and stolen.json()["error"] == "InvalidToken"
    bearer = requests.get(
        pds + path, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=5
    )
    assert bearer.status_code == 401


def test_refresh_rotates_under_the_same_key(pds: str, client_site: tuple[str, Key]) -> None:
    s = Session(pds, client_site)
    tokens = s.sign_in("dee")
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    fresh = s.call("POST", "/oauth/token", data={**form, **s.assertion()})
    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != tokens["refresh_token"]
    spent = s.call("POST", "/oauth/token", data={**form, **s.assertion()})
    assert spent.json()["error"] == "invalid_grant"
    other = Session(pds, client_site)
    form["refresh_token"] = fresh.json()["refresh_token"]
    assert (
        other.call("POST", "/oauth/token", data={**form, **other.assertion()}).json()["error"]
        == "invalid_dpop_proof"
    )
