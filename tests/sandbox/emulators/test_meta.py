"""Facebook Pages' and Threads' emulators over HTTP, for what Meta's documentation says of
publishing limits, usage headers, photos and image containers (no adapter involved)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from amplifier.sandbox import RunningSandbox
from tests.factories.images import png
from tests.factories.sites import PublicSite, public_site_serving

V = "v1.0"
FB = "v24.0"


@pytest.fixture
def site() -> Iterator[PublicSite]:
    noise = bytes(range(256)) * (9 * 4096 + 1)  # > 8 MB, PNG magic in front
    files = {
        "/ok.png": ("image/png", png(400, 300)),
        "/big.png": ("image/png", b"\x89PNG\r\n\x1a\n" + noise),
        "/page.html": ("text/html", b"<html></html>"),
    }
    with public_site_serving(files) as served:
        yield served


@pytest.fixture
def threads(sandbox: RunningSandbox) -> str:
    url = str(sandbox.threads_url).rstrip("/")
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    return url


@pytest.fixture
def pages(sandbox: RunningSandbox) -> str:
    url = str(sandbox.facebook_pages_url).rstrip("/")
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    return url


def _token(base: str, username: str, **body: Any) -> str:
    answer = requests.post(
        f"{base}/_sandbox/tokens", json={"users": [{"username": username}], **body}, timeout=5
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["tokens"][0]["access_token"])


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _container(threads: str, token: str, **form: str) -> dict[str, Any]:
    made = requests.post(f"{threads}/{V}/me/threads", data=form, headers=_auth(token), timeout=15)
    assert made.status_code == 200, made.text
    status = requests.get(
        f"{threads}/{V}/{made.json()['id']}",
        params={"fields": "status,error_message"},
        headers=_auth(token),
        timeout=5,
    )
    return {"id": made.json()["id"], **status.json()}


def test_threads_counts_the_publishing_quota_from_its_own_window(threads: str) -> None:
    requests.post(
        f"{threads}/_sandbox/faults",
        json={"rate_limit": {"user_limit": 3, "user_window_s": 600}},
        timeout=5,
    ).raise_for_status()
    token = _token(threads, "vic")
    made = _container(threads, token, media_type="TEXT", text="one")
    published = requests.post(
        f"{threads}/{V}/me/threads_publish",
        data={"creation_id": made["id"]},
        headers=_auth(token),
        timeout=5,
    )
    assert published.status_code == 200, published.text
    limit = requests.get(
        f"{threads}/{V}/me/threads_publishing_limit",
        params={"fields": "quota_usage,config"},
        headers=_auth(token),
        timeout=5,
    ).json()
    assert limit == {
        "data": [{"quota_usage": 1, "config": {"quota_total": 3, "quota_duration": 600}}]
    }


def test_an_image_container_is_fetched_from_its_address_and_posted_with_its_alt_text(
    threads: str, site: PublicSite
) -> None:
    token = _token(threads, "wyn")
    made = _container(
        threads,
        token,
        media_type="IMAGE",
        image_url=f"{site.url}/ok.png",
        alt_text="A heron",
        text="Look",
    )
    assert made["status"] == "FINISHED"
    requests.post(
        f"{threads}/{V}/me/threads_publish",
        data={"creation_id": made["id"]},
        headers=_auth(token),
        timeout=5,
    ).raise_for_status()
    [post] = requests.get(f"{threads}/_sandbox/posts", timeout=5).json()["posts"]
    [media] = post["media"]
    assert media["type"] == "image/png" and media["description"] == "A heron"
    listed = requests.get(f"{threads}/{V}/me/threads", headers=_auth(token), timeout=5).json()
    assert listed["data"][0]["alt_text"] == "A heron"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/big.png", "IMAGE_TOO_LARGE"),
        ("/page.html", "UNSUPPORTED_IMAGE_FORMAT"),
        ("/missing.png", "FAILED_DOWNLOADING_IMAGE"),
    ],
)
def test_an_image_threads_cannot_use_leaves_the_container_in_error(
    threads: str, site: PublicSite, path: str, words: str
) -> None:
    token = _token(threads, "xan")
    made = _container(threads, token, media_type="IMAGE", image_url=f"{site.url}{path}")
    assert made["status"] == "ERROR" and words in made["error_message"]
    refused = requests.post(
        f"{threads}/{V}/me/threads_publish",
        data={"creation_id": made["id"]},
        headers=_auth(token),
        timeout=5,
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 24


def test_followers_need_the_insights_permission(threads: str) -> None:
    narrow = _token(threads, "yul", scope="threads_basic,threads_content_publish")
    refused = requests.get(
        f"{threads}/{V}/me/threads_insights",
        params={"metric": "followers_count"},
        headers=_auth(narrow),
        timeout=5,
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == 10
    wide = _token(threads, "yul")
    answer = requests.get(
        f"{threads}/{V}/me/threads_insights",
        params={"metric": "followers_count"},
        headers=_auth(wide),
        timeout=5,
    ).json()
    assert answer["data"][0]["name"] == "followers_count"
    assert isinstance(answer["data"][0]["total_value"]["value"], int)


def _page(pages: str, username: str) -> tuple[str, str]:
    person = _token(pages, username)
    listed = requests.get(
        f"{pages}/{FB}/me/accounts",
        params={"fields": "id,name,access_token,tasks"},
        headers=_auth(person),
        timeout=5,
    ).json()
    page = listed["data"][0]
    return str(page["id"]), str(page["access_token"])


def test_a_page_photo_uploaded_unpublished_is_shown_only_by_the_post_that_attaches_it(
    pages: str,
) -> None:
    page_id, token = _page(pages, "zed")
    uploaded = requests.post(
        f"{pages}/{FB}/{page_id}/photos",
        files={"source": ("p.png", png(400, 300), "image/png")},
        data={"published": "false", "alt_text_custom": "A heron"},
        headers=_auth(token),
        timeout=5,
    )
    assert uploaded.status_code == 200, uploaded.text
    photo_id = uploaded.json()["id"]
    assert requests.get(f"{pages}/_sandbox/posts", timeout=5).json()["posts"] == []
    posted = requests.post(
        f"{pages}/{FB}/{page_id}/feed",
        data={"message": "Look", "attached_media[0]": json.dumps({"media_fbid": photo_id})},
        headers=_auth(token),
        timeout=5,
    )
    assert posted.status_code == 200, posted.text
    [post] = requests.get(f"{pages}/_sandbox/posts", timeout=5).json()["posts"]
    assert [m["id"] for m in post["media"]] == [photo_id]
    assert post["media"][0]["description"] == "A heron"
    feed = requests.get(f"{pages}/{FB}/{page_id}/feed", headers=_auth(token), timeout=5).json()
    assert feed["data"][0]["attachments"]["data"][0]["target"]["id"] == photo_id
    unknown = requests.post(
        f"{pages}/{FB}/{page_id}/feed",
        data={"message": "Again", "attached_media[0]": json.dumps({"media_fbid": "999"})},
        headers=_auth(token),
        timeout=5,
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100


def test_the_app_budget_is_reported_in_x_app_usage_and_spent_with_error_4(pages: str) -> None:
    requests.post(
        f"{pages}/_sandbox/faults",
        json={"rate_limit": {"app_limit": 4, "app_window_s": 60}},
        timeout=5,
    ).raise_for_status()
    page_id, token = _page(pages, "abe")
    seen = []
    for i in range(5):
        answer = requests.post(
            f"{pages}/{FB}/{page_id}/feed",
            data={"message": f"post {i} {time.time()}"},
            headers=_auth(token),
            timeout=5,
        )
        seen.append((answer.status_code, answer.headers.get("X-App-Usage")))
    assert [json.loads(u or "{}").get("call_count") for _, u in seen[:4]] == [25, 50, 75, 100]
    assert seen[4][0] == 400
    last = requests.post(
        f"{pages}/{FB}/{page_id}/feed",
        data={"message": "once more"},
        headers=_auth(token),
        timeout=5,
    )
    assert last.json()["error"]["code"] == 4
