"""Seeding a release quickly: sandbox sign-ins in bulk, pledges inserted in bulk, then arming.

Supporters are signed in through the sandbox's `POST /_sandbox/tokens` (what the token endpoint
answers after a consent, without the consent page), their tokens encrypted with the stack's
cipher and the pledges inserted with SQLAlchemy Core executemany: 100,000 pledges take seconds,
not the hours the real OAuth round trip through the web app would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from amplifier.demo.picture import ALT_TEXT, demo_picture
from amplifier.demo.stack import LocalStack
from amplifier.media.attach import attach_image
from amplifier.models import Campaign, CampaignStatus, MastodonApp, Owner, ReviewStatus
from amplifier.platforms.bluesky.dpop import key_to_json, new_key
from amplifier.pledges.pledging import encrypt_extras
from amplifier.timeutil import utcnow

MINT_CHUNK = 5_000
INSERT_CHUNK = 5_000
MESSAGE = "Keep our library open in the evenings! #LibraryLate"
LINK = "https://example.org/library-late"


@dataclass(frozen=True)
class Supporter:
    platform: str  # a registered platform's name
    username: str


@dataclass
class Seeded:
    campaign_id: int
    post_text: str
    supporters: list[Supporter]
    mastodon_client_id: str | None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seed_s(self) -> float:
        return sum(self.timings.values())


APP_HOSTED = ("bluesky", "facebook_pages", "threads")  # announced as `<platform>_url`


def host_url(stack: LocalStack, platform: str) -> str:
    if platform in APP_HOSTED:
        return str(stack.announced[f"{platform}_url"]).rstrip("/")
    return stack.x_url if platform == "x" else stack.mastodon_urls[0]


def mint_path(platform: str) -> str:
    """Facebook pledges post as a Page: its emulator signs people in with a Page token each."""
    return "page-tokens" if platform == "facebook_pages" else "tokens"


def mint_tokens(
    base_url: str,
    usernames: list[str],
    *,
    client_id: str | None = None,
    chunk: int = MINT_CHUNK,
    path: str = "tokens",
) -> list[dict[str, Any]]:
    """Sign `usernames` in on one sandbox host (`/_sandbox/<path>`); the answers in order."""
    minted: list[dict[str, Any]] = []
    with requests.Session() as http:
        for start in range(0, len(usernames), chunk):
            body: dict[str, Any] = {
                "users": [
                    {"username": name, "followers": 100 + (start + i) * 37 % 900}
                    for i, name in enumerate(usernames[start : start + chunk])
                ]
            }
            if client_id is not None:
                body["client_id"] = client_id
            answer = http.post(f"{base_url}/_sandbox/{path}", json=body, timeout=120)
            answer.raise_for_status()
            minted.extend(answer.json()["tokens"])
    return minted


def split_platforms(count: int, platforms: list[str], prefix: str) -> list[Supporter]:
    """`count` supporters spread round-robin over `platforms`, named `{prefix}{i:06d}`."""
    return [
        Supporter(platform=platforms[i % len(platforms)], username=f"{prefix}{i:06d}")
        for i in range(count)
    ]


def register_mastodon_app(stack: LocalStack) -> str:
    """The app amplifier registers on an instance on first use, made the way the engine would."""
    url = stack.mastodon_urls[0]
    with stack.runtime.db.session() as session:
        stack.runtime.connectors.for_platform(session, "mastodon", url)
    with stack.runtime.db.session() as session:
        client_id = session.exec(
            select(MastodonApp.client_id).where(MastodonApp.instance_url == url)
        ).one()
    return str(client_id)


def create_campaign(stack: LocalStack, *, goal: int, platforms: list[str], tag: str) -> Campaign:
    now = utcnow()
    with stack.runtime.db.session() as session:
        owner = Owner(name="Bench owner")
        session.add(owner)
        session.flush()
        assert owner.id is not None
        campaign = Campaign(
            owner_id=owner.id,
            slug=f"bench-{tag}",
            title="Light up the library (benchmark)",
            story="Our town library closes at six. We ask the council to keep it open late.",
            message_text=MESSAGE,
            link=LINK,
            goal=goal,
            platforms=",".join(platforms),
            pledge_deadline=now + timedelta(hours=1),
            release_at=now + timedelta(hours=2),
            status=CampaignStatus.OPEN,
            review_status=ReviewStatus.APPROVED,  # seeded as an admin-approved campaign
        )
        session.add(campaign)
        session.flush()
        return campaign


def _pledge_rows(
    stack: LocalStack,
    campaign: Campaign,
    supporters: list[Supporter],
    minted: dict[tuple[str, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    cipher = stack.runtime.cipher
    now = utcnow()
    text = campaign.post_text()
    rows = []
    for who in supporters:
        token = minted[(who.platform, who.username)]
        expires_in = token.get("expires_in")
        refresh = token.get("refresh_token")
        extras = None
        if who.platform == "x":
            instance, handle = "", f"@{who.username}"
            profile = f"{stack.x_url}/{who.username}"
        elif who.platform == "bluesky":
            # the session's own DPoP key (the emulator binds a minted token to the first key
            # that proves it) and DID, as a sign-in would leave them in the token extras
            instance = host_url(stack, "bluesky")
            handle, profile = f"@{who.username}.bsky.sandbox", f"{instance}/profile/{who.username}"
            extras = encrypt_extras(
                {"dpop_key": key_to_json(new_key()), "did": str(token["sub"])}, cipher
            )
        elif who.platform == "facebook_pages":  # the Page's token, as choosing it leaves it
            instance, base = "", host_url(stack, who.platform)
            handle, profile = str(token["page_username"]), f"{base}/{token['page_username']}"
            extras = encrypt_extras({"page_id": str(token["user_id"])}, cipher)
        elif who.platform == "threads":
            instance, base = "", host_url(stack, who.platform)
            handle, profile = f"@{who.username}", f"{base}/@{who.username}"
            extras = encrypt_extras({"threads_user_id": str(token["user_id"])}, cipher)
        else:
            instance = stack.mastodon_urls[0]
            domain = instance.split("://", 1)[-1]
            handle, profile = f"@{who.username}@{domain}", f"{instance}/@{who.username}"
        rows.append(
            {
                "campaign_id": campaign.id,
                "platform": who.platform,
                "instance_url": instance,
                "account_id": str(token["user_id"]),
                "handle": handle,
                "display_name": who.username,
                "profile_url": profile,
                "followers": 100,
                "post_text": text,
                "status": "active",
                "access_token_enc": cipher.encrypt(str(token["access_token"])),
                "refresh_token_enc": cipher.encrypt(str(refresh)) if refresh else None,
                "token_expires_at": now + timedelta(seconds=int(expires_in))
                if expires_in is not None
                else None,
                "token_scope": token.get("scope"),
                "token_extras_enc": extras,
                "created_at": now,
                "withdrawn_at": None,
            }
        )
    return rows


def seed(
    stack: LocalStack, *, pledges: int, platforms: list[str], tag: str, image: bool = False
) -> Seeded:
    """One owner, one open campaign (with the demo's picture when `image`), `pledges`
    signed-in supporters and their pledges."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    client_id = register_mastodon_app(stack) if "mastodon" in platforms else None
    campaign = create_campaign(stack, goal=pledges, platforms=platforms, tag=tag)
    assert campaign.id is not None
    if image:  # before any pledge: the picture is part of version 1, which they consent to
        with stack.runtime.db.session() as session:
            row = session.get(Campaign, campaign.id)
            assert row is not None
            attach_image(session, row, demo_picture(), ALT_TEXT, prepare_lead_s=0)
    timings["campaign_s"] = time.monotonic() - started

    started = time.monotonic()
    supporters = split_platforms(pledges, platforms, "sup")
    minted: dict[tuple[str, str], dict[str, Any]] = {}
    for platform in platforms:
        names = [s.username for s in supporters if s.platform == platform]
        cid = client_id if platform == "mastodon" else None
        base, path = host_url(stack, platform), mint_path(platform)
        for token in mint_tokens(base, names, client_id=cid, path=path):
            minted[(platform, token["username"])] = token
    timings["mint_s"] = time.monotonic() - started

    started = time.monotonic()
    rows = _pledge_rows(stack, campaign, supporters, minted)
    timings["encrypt_s"] = time.monotonic() - started

    started = time.monotonic()
    table = SQLModel.metadata.tables["pledge"]
    with stack.runtime.db.engine.begin() as conn:
        for start in range(0, len(rows), INSERT_CHUNK):
            conn.execute(table.insert(), rows[start : start + INSERT_CHUNK])
    timings["insert_s"] = time.monotonic() - started
    return Seeded(
        campaign_id=campaign.id,
        post_text=campaign.post_text(),
        supporters=supporters,
        mastodon_client_id=client_id,
        timings=timings,
    )


def arm(stack: LocalStack, campaign_id: int, *, lead_s: float) -> datetime:
    """Judge the goal met now and set the release `lead_s` seconds ahead; returns T."""
    now = utcnow()
    release_at = now + timedelta(seconds=lead_s)
    with stack.runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.ARMED
        campaign.pledge_deadline = now - timedelta(seconds=1)
        campaign.judged_at = now
        campaign.release_at = release_at
        session.add(campaign)
    return release_at


def campaign_status(stack: LocalStack, campaign_id: int) -> str:
    with stack.runtime.db.engine.connect() as conn:
        status = conn.execute(
            sa.text("SELECT status FROM campaign WHERE id = :id"), {"id": campaign_id}
        ).scalar_one()
    return str(status)


def delivery_statuses(stack: LocalStack, campaign_id: int) -> dict[str, str] | None:
    """`{account key: delivery status}` for the campaign, or None if there is no such table."""
    query = sa.text(
        "SELECT p.platform, p.account_id, d.status FROM delivery d "
        "JOIN pledge p ON p.id = d.pledge_id WHERE d.campaign_id = :id"
    )
    try:
        with stack.runtime.db.engine.connect() as conn:
            rows = conn.execute(query, {"id": campaign_id}).all()
    except sa.exc.DBAPIError:
        return None
    return {f"{platform}:{account}": str(status) for platform, account, status in rows}


def delivery_counts(stack: LocalStack, campaign_id: int) -> dict[str, int]:
    """Delivery rows of the campaign by status ({} if the engine keeps no such table)."""
    query = sa.text("SELECT status, count(*) FROM delivery WHERE campaign_id = :id GROUP BY status")
    try:
        with stack.runtime.db.engine.connect() as conn:
            rows = conn.execute(query, {"id": campaign_id}).all()
    except sa.exc.DBAPIError:
        return {}
    return {str(status): int(n) for status, n in rows}


def pledge_accounts(stack: LocalStack, campaign_id: int) -> set[str]:
    """`platform:account_id` of every active pledge of the campaign, as the database has them."""
    with stack.runtime.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT platform, account_id FROM pledge "
                "WHERE campaign_id = :id AND status = 'active'"
            ),
            {"id": campaign_id},
        ).all()
    return {f"{platform}:{account}" for platform, account in rows}


def preparation_s(stack: LocalStack, campaign_id: int) -> float | None:
    """Seconds from the delivery rows' creation to the end of preparation (uploads included)."""
    with stack.runtime.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or not campaign.release_started_at or not campaign.prepared_at:
            return None
        return (campaign.prepared_at - campaign.release_started_at).total_seconds()
