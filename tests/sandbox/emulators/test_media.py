"""The emulators' media uploads over HTTP: types, sizes, processing, expiry, refusals, and the
picture shown on the post that carries it."""

from __future__ import annotations

import io
import time
from typing import Any

import requests
from PIL import Image

from ..helpers import masto_app


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _token(base: str, username: str, **body: Any) -> str:
    answer = requests.post(
        f"{base}/_sandbox/tokens", json={"users": [{"username": username}], **body}, timeout=5
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["tokens"][0]["access_token"])


def _faults(base: str, **faults: Any) -> None:
    requests.post(f"{base}/_sandbox/faults", json=faults, timeout=5).raise_for_status()


def _posts(base: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"])


def test_x_upload_describe_and_post_with_the_media(x_url: str) -> None:
    auth = {"Authorization": f"Bearer {_token(x_url, 'ann')}"}
    up = requests.post(
        f"{x_url}/2/media/upload",
        files={"media": ("a.png", _png(), "image/png")},
        data={"media_category": "tweet_image", "media_type": "image/png"},
        headers=auth,
        timeout=5,
    )
    assert up.status_code == 200, up.text
    data = up.json()["data"]
    assert data["media_key"] == f"3_{data['id']}" and 86_000 < data["expires_after_secs"] <= 86_400
    described = requests.post(
        f"{x_url}/2/media/metadata",
        json={"id": data["id"], "metadata": {"alt_text": {"text": "A red dot"}}},
        headers=auth,
        timeout=5,
    )
    assert described.status_code == 200, described.text
    post = requests.post(
        f"{x_url}/2/tweets",
        json={"text": "with a picture", "media": {"media_ids": [data["id"]]}},
        headers=auth,
        timeout=5,
    )
    assert post.status_code == 201, post.text
    [stored] = _posts(x_url)
    assert stored["media"][0]["description"] == "A red dot"
    page = requests.get(f"{x_url}/i/web/status/{stored['id']}", timeout=5)
    assert "A red dot" in page.text  # the post's page shows it
    again = requests.post(
        f"{x_url}/2/tweets",
        json={"text": "the same media twice", "media": {"media_ids": [data["id"]]}},
        headers=auth,
        timeout=5,
    )
    assert again.status_code == 400  # attached once already


def test_x_refuses_what_x_refuses(x_url: str) -> None:
    auth = {"Authorization": f"Bearer {_token(x_url, 'ann')}"}
    no_scope = {"Authorization": f"Bearer {_token(x_url, 'bob', scope='tweet.read tweet.write')}"}

    def upload(data: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(
            f"{x_url}/2/media/upload",
            files={"media": ("a.png", data, "image/png")},
            headers=headers,
            timeout=10,
        )

    assert upload(b"%PDF-1.4 not an image", auth).status_code == 400
    assert upload(b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024), auth).status_code == 400
    assert upload(_png(), no_scope).status_code == 403
    _faults(x_url, media_fail_next=1, error_status=503)
    assert upload(_png(), auth).status_code == 503
    expired = upload(_png(), auth).json()["data"]["id"]
    requests.post(f"{x_url}/_sandbox/expire-media", json={}, timeout=5).raise_for_status()
    post = requests.post(
        f"{x_url}/2/tweets",
        json={"text": "too late", "media": {"media_ids": [expired]}},
        headers=auth,
        timeout=5,
    )
    assert post.status_code == 400 and "invalid or expired" in post.text


def test_mastodon_processing_answers_202_then_206_then_200(masto_url: str) -> None:
    app = masto_app(masto_url, scopes="read write")
    token = _token(masto_url, "cat", client_id=app["client_id"], scope="write:media write:statuses")
    auth = {"Authorization": f"Bearer {token}"}
    _faults(masto_url, media_processing_s=1.0)
    up = requests.post(
        f"{masto_url}/api/v2/media",
        files={"file": ("a.png", _png(), "image/png")},
        data={"description": "A red dot"},
        headers=auth,
        timeout=5,
    )
    assert up.status_code == 202 and up.json()["url"] is None
    media_id = up.json()["id"]
    early = requests.post(
        f"{masto_url}/api/v1/statuses",
        data={"status": "too early", "media_ids[]": media_id},
        headers=auth,
        timeout=5,
    )
    assert early.status_code == 422 and "not finished processing" in early.text
    assert (
        requests.get(f"{masto_url}/api/v1/media/{media_id}", headers=auth, timeout=5).status_code
        == 206
    )
    time.sleep(1.1)
    ready = requests.get(f"{masto_url}/api/v1/media/{media_id}", headers=auth, timeout=5)
    assert ready.status_code == 200 and ready.json()["url"]
    status = requests.post(
        f"{masto_url}/api/v1/statuses",
        data={"status": "with a picture", "media_ids[]": media_id},
        headers=auth,
        timeout=5,
    )
    assert status.status_code == 200, status.text
    assert status.json()["media_attachments"][0]["description"] == "A red dot"


def test_mastodon_refusals_in_its_words(masto_url: str) -> None:
    app = masto_app(masto_url, scopes="read write")
    token = _token(masto_url, "dan", client_id=app["client_id"], scope="write:media write:statuses")
    auth = {"Authorization": f"Bearer {token}"}

    def upload(data: bytes, description: str = "") -> requests.Response:
        return requests.post(
            f"{masto_url}/api/v2/media",
            files={"file": ("a.png", data, "image/png")},
            data={"description": description},
            headers=auth,
            timeout=10,
        )

    assert "content type is invalid" in upload(b"not an image").json()["error"]
    _faults(masto_url, media_max_bytes=1000)
    assert "must be less than" in upload(b"\x89PNG\r\n\x1a\n" + b"0" * 2000).json()["error"]
    assert "too long" in upload(_png(), "d" * 1501).json()["error"]
