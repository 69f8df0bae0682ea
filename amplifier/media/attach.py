"""The campaign's image: attached, replaced or removed by its owner, under the consent rules.

The image is part of what a supporter consents to, so it follows the message's versions
(consent.py): before anyone pledged, a change rewrites the current version in place; after the
first pledge, it makes version n+1 with the same text, and every supporter is asked to consent
again (their manage link, a mail where they asked for receipts). Changes end when the message
locks (T - prepare lead) or the campaign is no longer open or armed.

A version's image is the `campaign_image` row with the greatest `from_version` at or below it
(a row without a `storage_key` removed the image), so a text edit needs no image bookkeeping.

At upload the file is cleaned (media/images.py: real format, bomb guard, metadata stripped) and
checked against the media rules every chosen platform declares (`Declaration.media`); a refusal
names the platform and the rule. `reencode=True` lets amplifier make a too-large image smaller.
Domain functions: the caller's session scope commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from amplifier.campaigns.consent import EDITABLE, MessageLocked, _check_editable, _write_version
from amplifier.characters import checked, one_kind_of_line_break
from amplifier.models import Campaign, CampaignImage, Pledge
from amplifier.notify import events as notify_events
from amplifier.platforms.base import Attachment
from amplifier.platforms.registry import declaration
from amplifier.timeutil import utcnow

from .images import CleanImage, ImageRefused, clean, shrink
from .store import store_for

ALT_MAX = 1_000  # the smallest alt-text limit of the platforms (X); each declares its own too


@dataclass(frozen=True)
class ImageView:
    """What pages and the API show of a version's image."""

    media_type: str
    width: int
    height: int
    byte_size: int
    alt_text: str
    version: int  # the message version it belongs to


def check_alt(alt_text: str, limit: int = ALT_MAX) -> str:
    """The alt text to keep: required, the several-lines rule of every text field."""
    try:
        value = checked(one_kind_of_line_break(alt_text), multiline=True).strip()
    except ValueError as exc:
        raise ImageRefused(f"alt text: {exc}") from None
    if not value:
        raise ImageRefused(
            "alt text is required: describe the picture for people who cannot see it"
        )
    if len(value) > limit:
        raise ImageRefused(f"alt text is {len(value)} characters; at most {limit}")
    return value


def fit_platforms(image: CleanImage, platforms: list[str], *, reencode: bool) -> CleanImage:
    """The image as every platform takes it, or ImageRefused naming each platform and rule."""
    problems = _problems(image, platforms)
    if problems and reencode and image.media_type != "image/gif":
        rules = [r for r in (declaration(p).media for p in platforms) if r is not None]
        if rules:
            image = shrink(
                image,
                max_bytes=min(r.max_bytes for r in rules),
                max_pixels=min(r.max_pixels for r in rules),
                max_side=min(r.max_side for r in rules),
            )
            problems = _problems(image, platforms)
    if problems:
        hint = "" if reencode else "; or ask amplifier to make it smaller (reencode)"
        raise ImageRefused("; ".join(problems) + hint)
    return image


def _problems(image: CleanImage, platforms: list[str]) -> list[str]:
    found = []
    for name in platforms:
        found_in = declaration(name)
        if found_in.media is None:
            found.append(f"{found_in.label} takes no image from amplifier")
            continue
        for problem in found_in.media.problems(
            size=len(image.data),
            width=image.width,
            height=image.height,
            media_type=image.media_type,
        ):
            found.append(f"{found_in.label} {problem}")
    return found


def attach_image(
    session: Session,
    campaign: Campaign,
    data: bytes,
    alt_text: str,
    *,
    reencode: bool = False,
    prepare_lead_s: float,
    now: datetime | None = None,
) -> ImageView:
    """Clean, check and store the image for the campaign's message; ImageRefused (422) or
    MessageLocked (409) say why not, and then nothing is stored."""
    now = now or utcnow()
    _check_editable(campaign, prepare_lead_s, now)
    alt = check_alt(alt_text, _alt_limit(campaign.platform_list))
    image = fit_platforms(clean(data), campaign.platform_list, reencode=reencode)
    _change(session, campaign, image, alt, prepare_lead_s=prepare_lead_s, now=now)
    view = current_image(session, campaign)
    assert view is not None
    return view


def remove_image(
    session: Session, campaign: Campaign, *, prepare_lead_s: float, now: datetime | None = None
) -> None:
    """The message goes without an image from now on (a new version after the first pledge)."""
    now = now or utcnow()
    _check_editable(campaign, prepare_lead_s, now)
    if current_image(session, campaign) is None:
        return
    _change(session, campaign, None, "", prepare_lead_s=prepare_lead_s, now=now)


def _alt_limit(platforms: list[str]) -> int:
    limits = [r.max_alt for r in (declaration(p).media for p in platforms) if r is not None]
    return min([ALT_MAX, *limits])


def _change(
    session: Session,
    campaign: Campaign,
    image: CleanImage | None,
    alt: str,
    *,
    prepare_lead_s: float,
    now: datetime,
) -> None:
    assert campaign.id is not None
    store = store_for(session)
    current = campaign.message_version
    pledged = session.exec(select(Pledge.id).where(Pledge.campaign_id == campaign.id)).first()
    version = current if pledged is None else current + 1
    try:
        with session.begin_nested():
            row = _row_at(session, campaign.id, version) if version == current else None
            if row is not None and row.from_version == version and row.storage_key:
                store.delete(row.storage_key)  # an in-place change: nobody consented to it
            if row is None or row.from_version != version:
                row = CampaignImage(campaign_id=campaign.id, from_version=version)
            row.storage_key = None if image is None else store.put(image.data)
            row.media_type = "" if image is None else image.media_type
            row.width, row.height = (0, 0) if image is None else (image.width, image.height)
            row.byte_size = 0 if image is None else len(image.data)
            row.alt_text = alt
            session.add(row)
            if version != current:
                _write_version(session, campaign, current, campaign.message_text, campaign.link)
                _write_version(session, campaign, version, campaign.message_text, campaign.link)
                won = session.execute(
                    update(Campaign)
                    .where(
                        col(Campaign.id) == campaign.id,
                        col(Campaign.message_version) == current,
                        col(Campaign.status).in_(EDITABLE),
                    )
                    .values(message_version=version)
                )
                if won.rowcount != 1:  # type: ignore[attr-defined]
                    raise _LostRace
            session.flush()
    except (IntegrityError, _LostRace) as exc:
        session.refresh(campaign)
        raise MessageLocked(
            f"the campaign changed meanwhile (it is {campaign.status}, message version "
            f"{campaign.message_version}): read it again and retry"
        ) from exc
    session.refresh(campaign)
    if version != current:
        notify_events.message_changed(session, campaign)  # supporters are asked again


class _LostRace(Exception):
    pass


def _row_at(session: Session, campaign_id: int, version: int) -> CampaignImage | None:
    return session.exec(
        select(CampaignImage)
        .where(CampaignImage.campaign_id == campaign_id, CampaignImage.from_version <= version)
        .order_by(col(CampaignImage.from_version).desc())
        .limit(1)
    ).first()


def image_at(session: Session, campaign: Campaign, version: int) -> ImageView | None:
    """The image supporters of `version` consented to, or None."""
    assert campaign.id is not None
    row = _row_at(session, campaign.id, version)
    if row is None or not row.storage_key:
        return None
    return ImageView(
        row.media_type, row.width, row.height, row.byte_size, row.alt_text, row.from_version
    )


def current_image(session: Session, campaign: Campaign) -> ImageView | None:
    return image_at(session, campaign, campaign.message_version)


def image_bytes(session: Session, campaign: Campaign, version: int) -> tuple[str, bytes] | None:
    """(media type, bytes) of the version's image, or None."""
    assert campaign.id is not None
    row = _row_at(session, campaign.id, version)
    if row is None or not row.storage_key:
        return None
    data = store_for(session).get(row.storage_key)
    return None if data is None else (row.media_type, data)


def campaign_attachments(session: Session, campaign_id: int) -> tuple[Attachment, ...]:
    """What goes with every post of the campaign: its current image and alt text, or nothing.
    (Only pledges consented to the current version are posted: consent.drop_unconsented.)"""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return ()
    row = _row_at(session, campaign_id, campaign.message_version)
    if row is None or not row.storage_key:
        return ()
    data = store_for(session).get(row.storage_key)
    if data is None:
        return ()
    # the campaign page's address of this version's image (web/image_api.py), for platforms
    # that fetch the picture themselves
    path = f"/c/{campaign.slug}/image?v={campaign.message_version}"
    return (Attachment(data, row.media_type, row.alt_text, row.width, row.height, path),)
