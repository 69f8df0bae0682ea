"""A Bluesky release against the emulator over HTTP: the owner's link as a card on a text post,
the campaign's image uploaded as a blob during preparation and posted with its alt text, an
upload the PDS collected before T uploaded again, and an image too large for Bluesky refused
when the owner attaches it."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from typing import Any

import pytest
import requests
from PIL import Image
from sqlmodel import select

from amplifier.campaigns.lifecycle import create_campaign
from amplifier.campaigns.rules import CampaignCreate
from amplifier.media.attach import attach_image
from amplifier.media.images import ImageRefused
from amplifier.models import Campaign, Delivery, DeliveryStatus, Pledge
from amplifier.platforms.bluesky.dpop import key_to_json, new_key
from amplifier.platforms.bluesky.settings import BlueskySettings
from amplifier.pledges.pledging import encrypt_extras
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from tests import factories
from tests.factories.releases import ALT, close_pledging, release_due, sandbox_posts


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def base(runtime: Runtime, sandbox: Any) -> str:
    url = str(sandbox.bluesky_url).rstrip("/")
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    runtime.settings.platforms["bluesky"] = BlueskySettings(  # type: ignore[call-arg]
        _env_file=None, allow_http=True, handle_resolver=url, plc_directory=url, web_base=url
    )
    return url


def _campaign(rt: Runtime, *, goal: int, image: bytes | None) -> Campaign:
    with rt.db.session() as session:
        owner = factories.owner(session)
        assert owner.owner.id is not None
        data = CampaignCreate.model_validate(factories.payload(platforms=["bluesky"], goal=goal))
        row = create_campaign(
            session,
            owner_id=owner.owner.id,
            data=data,
            enabled_platforms=["bluesky"],
            auto_approve=True,
        )
        if image is not None:
            attach_image(session, row, image, ALT, prepare_lead_s=60)
        session.expunge(row)
        return row


def _pledge(rt: Runtime, base: str, campaign: Campaign, names: list[str]) -> None:
    """Signed-in supporters (the sandbox's token minting, as the benchmark seeds them), each
    with the DPoP key and DID a sign-in leaves in the token extras."""
    answer = requests.post(
        f"{base}/_sandbox/tokens", json={"users": [{"username": n} for n in names]}, timeout=10
    )
    answer.raise_for_status()
    with rt.db.session() as session:
        for name, token in zip(names, answer.json()["tokens"], strict=True):
            extras = {"dpop_key": key_to_json(new_key()), "did": str(token["sub"])}
            assert campaign.id is not None
            session.add(
                Pledge(
                    campaign_id=campaign.id,
                    platform="bluesky",
                    instance_url=base,
                    account_id=str(token["sub"]),
                    handle=f"@{name}.bsky.sandbox",
                    followers=10,
                    post_text=campaign.post_text(),
                    access_token_enc=rt.cipher.encrypt(str(token["access_token"])),
                    token_expires_at=utcnow() + timedelta(seconds=int(token["expires_in"])),
                    token_extras_enc=encrypt_extras(extras, rt.cipher),
                )
            )


def _deliveries(rt: Runtime, campaign_id: int) -> list[Delivery]:
    with rt.db.session() as session:
        return list(session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)))


def test_a_text_post_carries_the_owners_link_as_a_card(runtime: Runtime, base: str) -> None:
    campaign = _campaign(runtime, goal=1, image=None)
    assert campaign.id is not None
    _pledge(runtime, base, campaign, ["ann"])
    close_pledging(runtime, campaign.id, release_in_s=-1)
    release_due(runtime)
    [post] = sandbox_posts(base)
    assert post["text"] == "Protect our river today #River https://example.org/river"
    assert post["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://example.org/river",
            "title": "Save the river",
            "description": "The river needs us.",
        },
    }
    assert post["media"] == []
    [row] = _deliveries(runtime, campaign.id)
    assert row.status == DeliveryStatus.POSTED
    # no handle kept with these minted tokens: the link names the account by its DID
    did = str(row.remote_id).split("/")[2]
    assert row.remote_url is not None and f"/profile/{did}/post/" in row.remote_url


def test_an_image_post_carries_the_blob_with_alt_text_and_aspect_ratio(
    runtime: Runtime, base: str
) -> None:
    campaign = _campaign(runtime, goal=2, image=png(64, 48))
    assert campaign.id is not None
    _pledge(runtime, base, campaign, ["ben", "cat"])
    close_pledging(runtime, campaign.id, release_in_s=-1)
    release_due(runtime)
    posts = sandbox_posts(base)
    assert sorted(p["username"] for p in posts) == ["ben", "cat"]
    for post in posts:
        [image] = post["embed"]["images"]
        assert post["embed"]["$type"] == "app.bsky.embed.images"
        assert image["alt"] == ALT and image["aspectRatio"] == {"width": 64, "height": 48}
        assert image["image"]["mimeType"] == "image/png"
        assert [m["description"] for m in post["media"]] == [ALT]
    rows = _deliveries(runtime, campaign.id)
    assert all(d.status == DeliveryStatus.POSTED and d.staged_until for d in rows)
    for row in rows:  # the report's link opens the post with its picture and alt text
        assert row.remote_url is not None
        shown = requests.get(row.remote_url, timeout=5)
        assert shown.status_code == 200 and "image/png" in shown.text and ALT in shown.text


def test_an_upload_collected_before_t_is_uploaded_again(runtime: Runtime, base: str) -> None:
    campaign = _campaign(runtime, goal=1, image=png())
    assert campaign.id is not None
    _pledge(runtime, base, campaign, ["dan"])
    close_pledging(runtime, campaign.id, release_in_s=40)
    assert runtime.collect_due_work(lead_s=120).releases == [campaign.id]
    runtime.prepare(campaign.id)
    [first] = _deliveries(runtime, campaign.id)
    assert first.staged_ids and first.staged_until
    # the PDS collected the unattached blob, and our record says it is too old to trust
    requests.post(f"{base}/_sandbox/expire-media", json={}, timeout=5).raise_for_status()
    with runtime.db.session() as session:
        row = session.get(Delivery, first.id)
        assert row is not None
        row.staged_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    close_pledging(runtime, campaign.id, release_in_s=0)
    runtime.fire(campaign.id)
    # only a new upload could have made this post (the old one is gone)
    [post] = sandbox_posts(base)
    assert [m["description"] for m in post["media"]] == [ALT]
    [then] = _deliveries(runtime, campaign.id)
    assert then.status == DeliveryStatus.POSTED
    assert then.staged_until is not None and then.staged_until > first.staged_until


def test_an_image_over_blueskys_million_bytes_is_refused_naming_bluesky(
    runtime: Runtime, base: str
) -> None:
    noisy = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1_000_000
    campaign = _campaign(runtime, goal=1, image=None)
    with runtime.db.session() as session:
        row = session.get(Campaign, campaign.id)
        assert row is not None
        with pytest.raises(ImageRefused) as refused:
            attach_image(session, row, buffer.getvalue(), ALT, prepare_lead_s=60)
    assert "Bluesky takes at most 1,000,000 bytes per image" in str(refused.value)


def test_a_long_story_is_cut_at_a_word_for_the_cards_description() -> None:
    from amplifier.platforms.base import LinkCard
    from amplifier.platforms.bluesky.media import card_embed

    story = "Rivers 🏞️ matter.\n\n" + "word " * 100
    external = card_embed(LinkCard("https://example.org", "Title", story))["external"]
    assert external["description"].startswith("Rivers 🏞️ matter. word")
    assert external["description"].endswith("word…") and len(external["description"]) <= 301
