"""The LinkedIn and Tumblr emulators' image handling over HTTP, as the documentation says:
LinkedIn's Images API (initializeUpload, a signed upload URL, the image's status, ownership at
post time) and Tumblr's multipart NPF post (the identifier must name a part)."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import requests
from PIL import Image

from amplifier.sandbox import RunningSandbox

VERSION = time.strftime("%Y%m", time.gmtime())


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _base(url: object) -> str:
    base = str(url).rstrip("/")
    requests.post(f"{base}/_sandbox/reset", timeout=5).raise_for_status()
    return base


def _user_token(base: str, username: str, scope: str) -> tuple[str, str]:
    answer = requests.post(
        f"{base}/_sandbox/tokens",
        json={"users": [{"username": username}], "scope": scope},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["tokens"][0]
    return str(token["access_token"]), str(token["user_id"])


def _li(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }


def _initialize(base: str, token: str, owner: str) -> requests.Response:
    return requests.post(
        f"{base}/rest/images",
        params={"action": "initializeUpload"},
        json={"initializeUploadRequest": {"owner": owner}},
        headers=_li(token),
        timeout=5,
    )


def test_linkedin_image_goes_waiting_then_available_and_only_its_owner_posts_it(
    sandbox: RunningSandbox,
) -> None:
    base = _base(sandbox.linkedin_url)
    ann, ann_id = _user_token(base, "ann", "openid profile w_member_social")
    ben, _ = _user_token(base, "ben", "openid profile w_member_social")
    assert _initialize(base, ann, "urn:li:person:someone-else").status_code == 403
    value = _initialize(base, ann, f"urn:li:person:{ann_id}").json()["value"]
    urn, upload = value["image"], value["uploadUrl"]
    status = requests.get(f"{base}/rest/images/{urn}", headers=_li(ann), timeout=5).json()
    assert status["status"] == "WAITING_UPLOAD"
    forged = upload.split("?")[0] + "?sig=0"
    assert requests.put(forged, data=_png(), timeout=5).status_code == 403
    assert requests.put(upload, data=b"not an image", timeout=5).status_code == 400
    assert requests.put(upload, data=_png(), timeout=5).status_code == 201
    assert requests.put(upload, data=_png(), timeout=5).status_code == 409  # once only
    status = requests.get(f"{base}/rest/images/{urn}", headers=_li(ann), timeout=5).json()
    assert status["status"] == "AVAILABLE" and status["owner"] == f"urn:li:person:{ann_id}"
    assert requests.get(f"{base}/rest/images/{urn}", headers=_li(ben), timeout=5).status_code == 404
    body: dict[str, Any] = {
        "commentary": "Look",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED"},
        "lifecycleState": "PUBLISHED",
        "content": {"media": {"id": urn, "altText": "A dot"}},
    }
    _, ben_id = _user_token(base, "ben", "openid profile w_member_social")
    theirs = requests.post(
        f"{base}/rest/posts",
        json={**body, "author": f"urn:li:person:{ben_id}"},
        headers=_li(ben),
        timeout=5,
    )
    assert theirs.status_code == 400 and theirs.json()["code"] == "INVALID_CONTENT_OWNERSHIP"
    mine = requests.post(
        f"{base}/rest/posts",
        json={**body, "author": f"urn:li:person:{ann_id}"},
        headers=_li(ann),
        timeout=5,
    )
    assert mine.status_code == 201, mine.text
    [post] = requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]
    assert post["media"][0]["description"] == "A dot"


def test_tumblr_multipart_post_needs_a_part_for_each_identifier(sandbox: RunningSandbox) -> None:
    base = _base(sandbox.tumblr_url)
    token, _ = _user_token(base, "cat", "basic write")
    auth = {"Authorization": f"Bearer {token}"}
    npf = {
        "content": [
            {"type": "text", "text": "Look"},
            {
                "type": "image",
                "media": [{"type": "image/png", "identifier": "pic"}],
                "alt_text": "A dot",
            },
        ]
    }
    json_part = ("json", (None, json.dumps(npf), "application/json"))
    missing = requests.post(
        f"{base}/v2/blog/cat/posts",
        files=[json_part, ("other", ("a.png", _png(), "image/png"))],
        headers=auth,
        timeout=5,
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == 8001
    bad = requests.post(
        f"{base}/v2/blog/cat/posts",
        files=[json_part, ("pic", ("a.png", b"not an image", "image/png"))],
        headers=auth,
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == 8005
    good = requests.post(
        f"{base}/v2/blog/cat/posts",
        files=[json_part, ("pic", ("a.png", _png(), "image/png"))],
        headers=auth,
        timeout=5,
    )
    assert good.status_code == 201, good.text
    [post] = requests.get(f"{base}/_sandbox/posts", timeout=5).json()["posts"]
    assert post["text"] == "Look" and post["media"][0]["description"] == "A dot"
