"""PUT/GET/DELETE /api/campaigns/{id}/image and the public /c/{slug}/image: what an owner and a
visitor see, each refusal in words with nothing stored, and re-consent after a change."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import func, select

from amplifier.campaigns.consent import needs_reconsent
from amplifier.models import Campaign, CampaignImage, MediaBlob, Pledge
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.app import create_app
from tests import factories


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


def _image(fmt: str = "PNG", size: tuple[int, int] = (120, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 160, 90)).save(buffer, fmt)
    return buffer.getvalue()


def _setup(runtime: Runtime, client: TestClient, **overrides: object) -> tuple[int, dict[str, str]]:
    with runtime.db.session() as session:
        owner = factories.owner(session)
        auth = {"Authorization": f"Bearer {owner.token}"}
    answer = client.post("/api/campaigns", json=factories.payload(**overrides), headers=auth)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"]), auth


def _put(
    client: TestClient,
    campaign_id: int,
    auth: dict[str, str],
    data: bytes,
    alt: str = "Volunteers clearing the riverbank",
    **form: str,
) -> object:
    return client.put(
        f"/api/campaigns/{campaign_id}/image",
        files={"file": ("photo.png", data, "image/png")},
        data={"alt_text": alt, **form},
        headers=auth,
    )


def _stored(runtime: Runtime) -> tuple[int, int]:
    with runtime.db.session() as session:
        return (
            session.exec(select(func.count()).select_from(CampaignImage)).one(),
            session.exec(select(func.count()).select_from(MediaBlob)).one(),
        )


def test_the_owner_attaches_an_image_and_everyone_sees_it(
    runtime: Runtime, client: TestClient
) -> None:
    campaign_id, auth = _setup(runtime, client)
    answer = _put(client, campaign_id, auth, _image())
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert (body["media_type"], body["width"], body["height"]) == ("image/png", 120, 80)
    assert body["alt_text"] == "Volunteers clearing the riverbank"
    assert body["message_version"] == 1  # nobody had pledged: in place
    assert client.get(f"/api/campaigns/{campaign_id}/image", headers=auth).json() == body
    shown = client.get(body["url"].removeprefix(str(runtime.settings.public_url).rstrip("/")))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(shown.content)) as picture:
        assert picture.size == (120, 80)


@pytest.mark.parametrize(
    ("data", "alt", "words"),
    [
        (b"not an image at all", "A picture", "not a JPEG, PNG, WebP or GIF"),
        (_image("BMP"), "A picture", "BMP images are not accepted"),
        (_image(), "  ", "alt text is required"),
        # 21,000,000 bytes: the answer must not claim the size it never read whole
        (b"\xff\xd8\xff" + b"\0" * 20_999_997, "A picture", "larger than 20 MB"),
    ],
)
def test_refusals_are_422_in_words_and_store_nothing(
    runtime: Runtime, client: TestClient, data: bytes, alt: str, words: str
) -> None:
    campaign_id, auth = _setup(runtime, client)
    answer = _put(client, campaign_id, auth, data, alt)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert words in answer.json()["detail"]  # type: ignore[attr-defined]
    assert _stored(runtime) == (0, 0)


def test_an_image_too_large_for_one_chosen_platform_names_it_unless_reencoding_is_asked(
    runtime: Runtime, client: TestClient
) -> None:
    rng = random.Random(3)
    noise = Image.frombytes("RGB", (1500, 1300), rng.randbytes(1500 * 1300 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")  # ~5.8 MB: more than the API's JSON limit, under the upload's
    campaign_id, auth = _setup(runtime, client)
    refused = _put(client, campaign_id, auth, buffer.getvalue())
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "X takes at most 5.0 MB" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert _stored(runtime) == (0, 0)
    made_smaller = _put(client, campaign_id, auth, buffer.getvalue(), reencode="true")
    assert made_smaller.status_code == 200, made_smaller.text  # type: ignore[attr-defined]
    assert made_smaller.json()["media_type"] == "image/jpeg"  # type: ignore[attr-defined]


def test_after_the_first_pledge_a_new_image_asks_every_supporter_again(
    runtime: Runtime, client: TestClient
) -> None:
    campaign_id, auth = _setup(runtime, client)
    assert _put(client, campaign_id, auth, _image()).status_code == 200  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        pledge = factories.pledge_with_real_tokens(
            runtime, session, campaign, platform="x", username="ann"
        )
        pledge_id = pledge.id
    replaced = _put(client, campaign_id, auth, _image(size=(60, 60)), "A new picture")
    assert replaced.status_code == 200  # type: ignore[attr-defined]
    assert replaced.json()["message_version"] == 2  # type: ignore[attr-defined]
    shown = client.get(f"/api/campaigns/{campaign_id}", headers=auth).json()
    assert shown["message_version"] == 2 and shown["awaiting_reconsent"] == 1
    with runtime.db.session() as session:
        pledge_row = session.get(Pledge, pledge_id)
        campaign = session.get(Campaign, campaign_id)
        assert pledge_row is not None and campaign is not None
        assert needs_reconsent(pledge_row, campaign)
        slug = campaign.slug
    # what the supporter consented to stays visible: version 1's picture
    with Image.open(io.BytesIO(client.get(f"/c/{slug}/image?v=1").content)) as old:
        assert old.size == (120, 80)
    with Image.open(io.BytesIO(client.get(f"/c/{slug}/image").content)) as new:
        assert new.size == (60, 60)
    # removing it is a change too
    assert client.delete(f"/api/campaigns/{campaign_id}/image", headers=auth).status_code == 204
    assert client.get(f"/api/campaigns/{campaign_id}/image", headers=auth).status_code == 404
    assert client.get(f"/api/campaigns/{campaign_id}", headers=auth).json()["message_version"] == 3


def test_no_change_once_the_message_is_locked(runtime: Runtime, client: TestClient) -> None:
    campaign_id, auth = _setup(runtime, client)
    with runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.release_at = utcnow() + timedelta(seconds=30)  # inside the prepare lead
        session.add(campaign)
    answer = _put(client, campaign_id, auth, _image())
    assert answer.status_code == 409  # type: ignore[attr-defined]
    assert "no longer be edited" in answer.json()["detail"]  # type: ignore[attr-defined]
    assert _stored(runtime) == (0, 0)


def test_another_owners_campaign_and_a_hidden_campaigns_image_are_not_found(
    runtime: Runtime, client: TestClient
) -> None:
    campaign_id, _ = _setup(runtime, client)
    _, other = _setup(runtime, client)
    assert _put(client, campaign_id, other, _image()).status_code == 404  # type: ignore[attr-defined]
    assert client.get("/c/no-such-campaign/image").status_code == 404
