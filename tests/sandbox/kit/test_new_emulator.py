"""What the kit gives a new emulator, over real HTTP: options and ready line from its declaration,
the preamble in the platforms' order, OAuth 2 with PKCE and refresh rotation, the admin API and
the post pages; all for a platform that is a folder (``toy.py``) and a line in a registry."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from amplifier.sandbox import RunningSandbox, run_in_thread
from amplifier.sandbox.cli import parse_args
from amplifier.sandbox.registry import EMULATORS

from .toy import TOY

REGISTRY = (*EMULATORS, TOY)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with run_in_thread(emulators=REGISTRY, toy_client_id="toy-client") as sb:
        yield sb


@pytest.fixture
def toy(sandbox: RunningSandbox) -> str:
    url: str = sandbox.toy_url
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    return url


def _mint(url: str, username: str, scope: str | None = None) -> dict[str, str]:
    body: dict[str, object] = {"users": [{"username": username}]}
    if scope:
        body["scope"] = scope
    answer = requests.post(f"{url}/_sandbox/tokens", json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    minted: dict[str, str] = answer.json()["tokens"][0]
    return minted


def _post(url: str, token: str | None, text: str = "hello") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{url}/posts", data={"text": text}, headers=headers, timeout=5)


def _faults(url: str, **faults: object) -> None:
    requests.post(f"{url}/_sandbox/faults", json=faults, timeout=5).raise_for_status()


def test_the_declaration_makes_the_options_flags_and_ready_line(sandbox: RunningSandbox) -> None:
    assert sandbox.toy_client_id == "toy-client"
    assert sandbox.toy_url.startswith("http://127.0.0.1:")
    assert sandbox.x_url and len(sandbox.mastodon_urls) == 1  # the registry's hosts still run
    info = requests.get(f"{sandbox.toy_url}/_sandbox/info", timeout=5).json()
    assert info == {"platform": "toy", "base_url": sandbox.toy_url}
    config = parse_args(["--toy-port", "0", "--toy-client-secret", "s3"], REGISTRY)
    assert config.ports["toy"] == (0,) and config.settings["toy"].client_secret == "s3"
    with pytest.raises(TypeError, match="toy_colour"):
        run_in_thread(emulators=REGISTRY, toy_colour="red")


def test_a_post_is_stored_counted_and_shown(toy: str) -> None:
    minted = _mint(toy, "ada")
    assert minted["token_type"] == "Bearer" and minted["expires_in"] == 60
    assert minted["refresh_token"] and minted["scope"] == "offline post"
    made = _post(toy, minted["access_token"], "Keep the library open")
    assert made.status_code == 201
    assert (made.headers["toy-limit"], made.headers["toy-remaining"]) == ("3", "2")
    assert datetime.fromisoformat(made.headers["toy-reset"].replace("Z", "+00:00"))
    posts = requests.get(f"{toy}/_sandbox/posts", timeout=5).json()["posts"]
    assert [(p["id"], p["username"], p["text"]) for p in posts] == [
        (made.json()["id"], "ada", "Keep the library open")
    ]
    page = requests.get(f"{toy}/p/{made.json()['id']}", timeout=5)
    assert page.status_code == 200 and "Keep the library open" in page.text
    assert "an emulated Toy server" in page.text
    stats = requests.get(f"{toy}/_sandbox/stats", timeout=5).json()["answers"]
    assert stats["POST /posts"] == {"201": 1}


def test_the_preamble_answers_in_order_in_the_platforms_words(toy: str) -> None:
    assert _post(toy, None).json() == {"why": "invalid"}
    token = _mint(toy, "bo", scope="read")["access_token"]
    refused = _post(toy, token)
    assert refused.status_code == 403 and refused.json() == {"needs": ["post"]}
    assert refused.headers["toy-remaining"] == "2"  # counted before the scope check
    token = _mint(toy, "bo")["access_token"]
    # the same user: one of three counted already
    assert [_post(toy, token, f"n{i}").status_code for i in range(3)] == [201, 201, 429]
    _faults(toy, rate_limit_header="retry-after")
    spent = _post(toy, token)
    assert spent.json() == {"problem": "slow down"} and "toy-reset" not in spent.headers
    assert 0 < int(spent.headers["Retry-After"]) <= 60
    _faults(toy, fail_next=1, error_status=502)
    assert _post(toy, token).json() == {"failed": 502, "stored": False}  # before the token
    requests.post(f"{toy}/_sandbox/revoke", json={"username": "bo"}, timeout=5)
    assert _post(toy, token).json() == {"why": "revoked"}
    late = _mint(toy, "cy")["access_token"]
    requests.post(f"{toy}/_sandbox/expire-tokens", json={"username": "cy"}, timeout=5)
    assert _post(toy, late).json() == {"why": "expired"}


def test_a_failure_after_accepting_keeps_the_post(toy: str) -> None:
    token = _mint(toy, "di")["access_token"]
    _faults(toy, fail_after_accept_next=1)
    lied = _post(toy, token, "kept anyway")
    assert lied.status_code == 503 and lied.json() == {"failed": 503, "stored": True}
    assert lied.headers["toy-remaining"] == "2"
    posts = requests.get(f"{toy}/_sandbox/posts", timeout=5).json()["posts"]
    assert [p["text"] for p in posts] == ["kept anyway"]


def test_oauth_code_with_pkce_refresh_rotation_and_revocation(toy: str) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "redirect_uri": "http://127.0.0.1:9/cb",
        "state": "s1",
        "scope": "post offline",
        "code_challenge": challenge.rstrip(b"=").decode(),
    }
    consent = requests.get(f"{toy}/authorize", params=query, timeout=5)
    assert consent.status_code == 200 and "Toy app" in consent.text
    bad = requests.post(
        f"{toy}/authorize",
        params=query,
        data={"username": "no spaces", "decision": "approve"},
        timeout=5,
    )
    assert bad.status_code == 400 and "letters, digits or underscores" in bad.text
    back = requests.post(
        f"{toy}/authorize",
        params=query,
        data={"username": "eve", "decision": "approve"},
        allow_redirects=False,
        timeout=5,
    )
    got = {k: v[0] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}
    assert got["state"] == "s1"
    client = {"client_id": "toy-client", "client_secret": "toy-secret"}
    exchange = {"grant_type": "authorization_code", "code": got["code"], **client}
    exchange["redirect_uri"] = query["redirect_uri"]
    wrong = requests.post(f"{toy}/token", data={**exchange, "code_verifier": "x" * 50}, timeout=5)
    assert wrong.json() == {"error": "invalid_grant", "error_description": "bad verifier"}
    pair = requests.post(f"{toy}/token", data={**exchange, "code_verifier": verifier}, timeout=5)
    assert pair.status_code == 200 and pair.headers["Cache-Control"] == "no-store"
    refresh = {"grant_type": "refresh_token", "refresh_token": pair.json()["refresh_token"]}
    rotated = requests.post(f"{toy}/token", data={**refresh, **client}, timeout=5)
    assert (
        rotated.status_code == 200 and rotated.json()["refresh_token"] != refresh["refresh_token"]
    )
    spent = requests.post(f"{toy}/token", data={**refresh, **client}, timeout=5)
    assert spent.json()["error_description"] == "bad refresh"
    access = rotated.json()["access_token"]
    assert _post(toy, access).status_code == 201
    gone = requests.post(f"{toy}/revoke", data={"token": access, **client}, timeout=5)
    assert gone.json() == {"gone": True}
    assert _post(toy, access, "again").json() == {"why": "revoked"}
    nobody = requests.post(f"{toy}/token", data={"grant_type": "password"}, timeout=5)
    assert nobody.status_code == 401 and nobody.json()["error"] == "invalid_client"
    other = requests.post(f"{toy}/token", data={"grant_type": "password", **client}, timeout=5)
    assert other.json() == {"error": "unsupported_grant_type", "error_description": "no password"}
