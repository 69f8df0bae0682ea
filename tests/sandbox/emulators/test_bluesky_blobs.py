"""The Bluesky emulator's blobs and embeds over real HTTP: uploadBlob's cap and sniffing, a
record's images and card checked against their lexicons, a blob that is not the repo's refused,
and the stored post's embed and images on ``/_sandbox/posts``."""

from __future__ import annotations

import io
from typing import Any

import requests
from PIL import Image

from .test_bluesky import POST, Key, Session, client_site, pds

__all__ = ["client_site", "pds"]  # the fixtures, shared with test_bluesky.py
UPLOAD = "/xrpc/com.atproto.repo.uploadBlob"
CREATE = "/xrpc/com.atproto.repo.createRecord"
WHEN = "2026-11-30T12:00:00.000Z"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _signed_in(pds: str, client: tuple[str, Key], name: str) -> tuple[Session, str, str]:
    s = Session(pds, client)
    tokens = s.sign_in(name)
    return s, tokens["access_token"], tokens["sub"]


def _create(s: Session, token: str, did: str, rkey: str, **record: Any) -> Any:
    body = {"repo": did, "collection": POST, "rkey": rkey,
            "record": {"$type": POST, "text": "look", "createdAt": WHEN, **record}}  # fmt: skip
    return s.call("POST", CREATE, token, json=body)


def _posts(pds: str) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = requests.get(f"{pds}/_sandbox/posts", timeout=5).json()["posts"]
    return posts


def test_an_upload_is_sniffed_capped_and_answered_as_a_blob(
    pds: str, client_site: tuple[str, Key]
) -> None:
    s, token, _ = _signed_in(pds, client_site, "uma")
    data = png()
    answer = _upload(s, token, data, "image/png")
    assert answer.status_code == 200, answer.text
    blob = answer.json()["blob"]
    assert blob["$type"] == "blob" and blob["mimeType"] == "image/png"
    assert blob["size"] == len(data) and blob["ref"]["$link"].startswith("bafkrei")
    assert _upload(s, token, data, "image/png").json()["blob"] == blob  # content-addressed
    lying = _upload(s, token, data, "image/jpeg")
    assert lying.status_code == 400 and "does not match" in lying.json()["message"]
    requests.post(f"{pds}/_sandbox/faults", json={"media_max_bytes": 50}, timeout=5)
    too_big = _upload(s, token, data, "image/png")
    assert too_big.status_code == 413 and too_big.json()["error"] == "PayloadTooLarge"


def _upload(s: Session, token: str, data: bytes, kind: str) -> Any:
    url = s.pds + UPLOAD
    for _ in range(2):
        answer = requests.post(
            url,
            data=data,
            headers={
                "DPoP": s.key.proof("POST", url, s.nonce, token),
                "Authorization": f"DPoP {token}",
                "Content-Type": kind,
            },
            timeout=5,
        )
        s.nonce = answer.headers.get("DPoP-Nonce", s.nonce)
        if "use_dpop_nonce" not in answer.text:
            break
    return answer


def test_an_image_post_names_its_own_upload_with_alt_text(
    pds: str, client_site: tuple[str, Key]
) -> None:
    s, token, did = _signed_in(pds, client_site, "vic")
    blob = _upload(s, token, png(), "image/png").json()["blob"]
    image = {"image": blob, "alt": "A red square", "aspectRatio": {"width": 30, "height": 20}}
    embed = {"$type": "app.bsky.embed.images", "images": [image]}
    no_alt = {**embed, "images": [{"image": blob}]}
    assert '"alt"' in _create(s, token, did, "3kabcdefghij2", embed=no_alt).json()["message"]
    five = {**embed, "images": [image] * 5}
    assert "more than 4" in _create(s, token, did, "3kabcdefghij2", embed=five).json()["message"]
    huge = {**embed, "images": [{**image, "image": {**blob, "size": 1_000_001}}]}
    assert "maxSize" in _create(s, token, did, "3kabcdefghij2", embed=huge).json()["message"]
    # another repo's upload is not this one's to use
    other, other_token, other_did = _signed_in(pds, client_site, "wes")
    refused = _create(other, other_token, other_did, "3kabcdefghij2", embed=embed)
    assert refused.status_code == 400 and "Could not find blob" in refused.json()["message"]
    made = _create(s, token, did, "3kabcdefghij2", embed=embed)
    assert made.status_code == 200, made.text
    [post] = _posts(pds)
    assert post["embed"] == embed
    assert post["media"][0]["description"] == "A red square"
    assert (post["media"][0]["width"], post["media"][0]["height"]) == (30, 20)


def test_an_upload_collected_before_the_post_is_refused(
    pds: str, client_site: tuple[str, Key]
) -> None:
    s, token, did = _signed_in(pds, client_site, "xia")
    blob = _upload(s, token, png(), "image/png").json()["blob"]
    requests.post(f"{pds}/_sandbox/expire-media", json={}, timeout=5).raise_for_status()
    embed = {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": "red"}]}
    refused = _create(s, token, did, "3kabcdefghij2", embed=embed)
    assert refused.status_code == 400 and "Could not find blob" in refused.json()["message"]
    again = _upload(s, token, png(), "image/png").json()["blob"]  # uploaded again: usable
    assert again == blob  # the same bytes, the same CID: only the upload was missing
    assert _create(s, token, did, "3kabcdefghij2", embed=embed).status_code == 200


def test_a_card_is_checked_and_stored_as_sent(pds: str, client_site: tuple[str, Key]) -> None:
    s, token, did = _signed_in(pds, client_site, "yan")
    card = {"uri": "https://example.org/save", "title": "Save the river", "description": "Why."}
    embed = {"$type": "app.bsky.embed.external", "external": card}
    untitled = {**embed, "external": {"uri": card["uri"], "description": "Why."}}
    answer = _create(s, token, did, "3kabcdefghij2", embed=untitled)
    assert answer.status_code == 400 and '"title"' in answer.json()["message"]
    odd = {"$type": "app.bsky.embed.video", "video": {}}
    assert "$type must be one of" in _create(s, token, did, "3kabcdefghij2", embed=odd).text
    assert _create(s, token, did, "3kabcdefghij2", embed=embed).status_code == 200
    [post] = _posts(pds)
    assert post["embed"] == embed and post["media"] == []
