"""Consent integrity: a pledge is only ever posted with the exact text its supporter agreed to.

Versions. A campaign's message is version 1 at creation (`MessageVersion` keeps every version a
supporter may have seen). Before anyone pledges, an edit rewrites the current version in place;
once any pledge exists (even a withdrawn one, which may come back), an edit adds version n+1 and
the versions already consented to never change. Edits are allowed while the campaign is open or
armed and before its preparation (T - `release_prepare_lead_s`); the campaign row is updated
with a conditional UPDATE, so an edit racing the release's lease, or another edit, loses cleanly.

Consent. The consent page's form carries the version and a digest of the text it showed;
confirming refuses when either no longer matches. A pledge stores `post_text` (that text, or the
supporter's own wording where the owner allows it), `consented_version` and `consented_at`. After
an edit, each supporter consents again through their manage link (`reconsent`), again bound to the
version shown.

Posting. At preparation, a pledge whose `consented_version` is not the current version, or a
non-personalised pledge whose text is not the current text, is dropped with a reason the owner's
report shows; the firer posts `pledge.post_text` and nothing else, and nothing can change either
once the campaign is releasing.

The goal. Only pledges consented to the current version count towards the goal (`support()`),
at the deadline and on the campaign page; the owner API's `awaiting_reconsent` and the campaign
page show how many wait for their supporter. A campaign already armed stays armed after an edit:
its stale pledges are simply not posted unless re-consented.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from amplifier.campaigns.fields import http_link, several_lines
from amplifier.campaigns.personalise import (
    TextRules,
    decode_required,
    normalise,
    personal_text_problems,
    required_fragments,
)
from amplifier.campaigns.rules import TEXT_RULES, CampaignRuleError, personalisation_problems
from amplifier.errors import Conflict, InvalidInput
from amplifier.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    MessageVersion,
    Pledge,
    PledgeStatus,
)
from amplifier.notify import events as notify_events
from amplifier.pledges.pledging import PledgeRefused
from amplifier.timeutil import utcnow

EDITABLE = (CampaignStatus.OPEN, CampaignStatus.ARMED)


class MessageEdit(BaseModel):
    """A new message for a campaign: the same field rules as at creation.

    PATCH semantics for `link`, as the CLI's `edit-message`: an owner correcting a typo in the
    text must not lose the link by leaving it out, so only an explicit null or "" removes it.
    """

    message_text: str = Field(min_length=1, max_length=5_000)
    link: str | None = Field(
        default=None,
        max_length=2_000,
        description=(
            'The new link. Omitted: the campaign\'s current link is kept; null or "": the '
            "link is removed; a URL: it replaces the link."
        ),
    )

    @field_validator("message_text")
    @classmethod
    def _several_lines(cls, value: str) -> str:
        return several_lines(value)

    @field_validator("link")
    @classmethod
    def _http_link(cls, value: str | None) -> str | None:
        return http_link(value)

    def post_text(self) -> str:
        return f"{self.message_text} {self.link}" if self.link else self.message_text

    def link_or(self, current: str | None) -> str | None:
        """The link to store: `current` when the request left `link` out, else what it sent."""
        return self.link if "link" in self.model_fields_set else current


class MessageLocked(Conflict, CampaignRuleError):
    """The campaign's state forbids an edit now (answered 409)."""


class MessageInvalid(InvalidInput):
    """The new message breaks a rule (answered 422); the text names the rule."""


class MessageChanged(PledgeRefused):
    """The supporter confirmed a text that is no longer the campaign's message."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(
            "The message has changed",
            "The organiser edited the message after this page was shown, so nothing was "
            f"recorded. The text is now: “{campaign.post_text()}”.",
            kind=Conflict,
        )


class PersonalTextRefused(PledgeRefused):
    """A supporter's own wording broke the owner's or the platform's rules."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Your text cannot be used", " ".join(problems), kind=InvalidInput)
        self.problems = problems


def message_digest(campaign: Campaign) -> str:
    """What the consent form carries besides the version: an in-place edit keeps the version."""
    return _digest(campaign.message_version, campaign.post_text())


def _digest(version: int, text: str) -> str:
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()


def is_shown_text(version: int, digest: str, text: str) -> bool:
    """Whether `text` is the very message a form showed (its version and digest): a supporter
    who left the box as it was, as opposed to one who wrote their own wording."""
    return digest == _digest(version, normalise(text))


def edit_cutoff(campaign: Campaign, prepare_lead_s: float) -> datetime:
    return campaign.release_at - timedelta(seconds=prepare_lead_s)


def edit_message(
    session: Session,
    campaign: Campaign,
    message_text: str,
    link: str | None,
    *,
    prepare_lead_s: float,
    now: datetime | None = None,
) -> Campaign:
    """Validate as at creation, then edit in place (no pledge yet) or add a version."""
    now = now or utcnow()
    try:
        edit = MessageEdit(message_text=message_text, link=link)
    except ValidationError as exc:
        raise MessageInvalid(
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
        ) from exc
    _check_editable(campaign, prepare_lead_s, now)
    text = edit.post_text()
    problems = [f"{p}: {m}" for p in campaign.platform_list for m in TEXT_RULES[p](text)]
    if problems:
        raise MessageInvalid("message_text does not fit: " + "; ".join(problems))
    problems = personalisation_problems(
        text, decode_required(campaign.personal_required), campaign.personal_max_length
    )
    if problems:
        raise MessageInvalid("personalisation: " + "; ".join(problems))
    if text == campaign.post_text():
        return campaign  # nothing changed: nobody need consent again
    assert campaign.id is not None
    current = campaign.message_version
    pledged = session.exec(select(Pledge.id).where(Pledge.campaign_id == campaign.id)).first()
    version = current if pledged is None else current + 1
    try:
        with session.begin_nested():
            _write_version(session, campaign, current, campaign.message_text, campaign.link)
            _write_version(session, campaign, version, edit.message_text, edit.link)
            won = session.execute(
                update(Campaign)
                .where(
                    col(Campaign.id) == campaign.id,
                    col(Campaign.message_version) == current,
                    col(Campaign.status).in_(EDITABLE),
                )
                .values(message_text=edit.message_text, link=edit.link, message_version=version)
            )
            if won.rowcount != 1:  # type: ignore[attr-defined]
                raise _LostRace
    except (IntegrityError, _LostRace) as exc:
        session.refresh(campaign)
        raise MessageLocked(
            f"the campaign changed meanwhile (it is {campaign.status}, message version "
            f"{campaign.message_version}): read it again and retry"
        ) from exc
    session.refresh(campaign)
    notify_events.message_changed(session, campaign)  # supporters with receipts are asked again
    return campaign


class _LostRace(Exception):
    pass


def _check_editable(campaign: Campaign, prepare_lead_s: float, now: datetime) -> None:
    if campaign.status not in EDITABLE:
        raise MessageLocked(f"the message of a campaign that is {campaign.status} cannot be edited")
    cutoff = edit_cutoff(campaign, prepare_lead_s)
    if now >= cutoff:
        raise MessageLocked(
            "the message can no longer be edited: the release is being prepared "
            f"(edits end at {cutoff:%Y-%m-%d %H:%M:%S} UTC, {prepare_lead_s:g} s before the "
            "release)"
        )


def _write_version(
    session: Session, campaign: Campaign, version: int, message_text: str, link: str | None
) -> None:
    """Insert or rewrite one version (campaigns older than versioning have no row for 1)."""
    row = session.exec(
        select(MessageVersion).where(
            MessageVersion.campaign_id == campaign.id, MessageVersion.version == version
        )
    ).first()
    if row is None:
        assert campaign.id is not None
        row = MessageVersion(
            campaign_id=campaign.id, version=version, message_text=message_text, link=link
        )
    row.message_text = message_text
    row.link = link
    session.add(row)
    session.flush()


@dataclass(frozen=True)
class ConsentedText:
    """What a supporter agreed to: the text posted in their name, and its version."""

    text: str
    version: int
    personalised: bool


def consented_text(
    campaign: Campaign,
    *,
    version: int,
    digest: str,
    personal_text: str | None,
    text_rules: TextRules,
) -> ConsentedText:
    """Check the form's shown version and the supporter's own wording; raise what refuses it."""
    if version != campaign.message_version or digest != message_digest(campaign):
        raise MessageChanged(campaign)
    default = campaign.post_text()
    if not campaign.personalisation_allowed or personal_text is None:
        return ConsentedText(default, version, personalised=False)
    text = normalise(personal_text)
    if text == default:
        return ConsentedText(default, version, personalised=False)
    problems = personal_text_problems(
        text,
        required=required_fragments(campaign),
        max_length=campaign.personal_max_length,
        text_rules=text_rules,
    )
    if problems:
        raise PersonalTextRefused(problems)
    return ConsentedText(text, version, personalised=True)


def needs_reconsent(pledge: Pledge, campaign: Campaign) -> bool:
    return (
        pledge.status == PledgeStatus.ACTIVE
        and pledge.consented_version != campaign.message_version
    )


def reconsent(
    session: Session,
    pledge: Pledge,
    version: int,
    personal_text: str | None = None,
    *,
    text_rules: TextRules | None = None,
    digest: str | None = None,
    now: datetime | None = None,
) -> Pledge:
    """The supporter agrees to `version` (as shown on their manage page), or their own wording.

    The UPDATE is conditional on the campaign still being open or armed at that very version, so
    a consent racing an edit or the release's lease is refused instead of half-applied.
    """
    now = now or utcnow()
    campaign = session.get(Campaign, pledge.campaign_id)
    assert campaign is not None  # a foreign key
    if pledge.status != PledgeStatus.ACTIVE:
        raise PledgeRefused(
            "Your pledge is withdrawn", "There is nothing to consent to any more.", kind=Conflict
        )
    if campaign.status not in EDITABLE:
        raise PledgeRefused(
            "Too late to change your consent",
            f"This campaign is {campaign.status}; your pledge can no longer change.",
            kind=Conflict,
        )
    rules = text_rules or TEXT_RULES[pledge.platform]
    consented = consented_text(
        campaign,
        version=version,
        digest=message_digest(campaign) if digest is None else digest,
        personal_text=personal_text,
        text_rules=rules,
    )
    current_version = sa.exists().where(
        col(Campaign.id) == pledge.campaign_id,
        col(Campaign.message_version) == consented.version,
        col(Campaign.status).in_(EDITABLE),
    )
    won = session.execute(
        update(Pledge)
        .where(col(Pledge.id) == pledge.id, col(Pledge.status) == PledgeStatus.ACTIVE)
        .where(current_version)
        .values(
            post_text=consented.text,
            consented_version=consented.version,
            consented_at=now,
            personalised=consented.personalised,
        )
    )
    session.refresh(pledge)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(campaign)
        raise MessageChanged(campaign)
    return pledge


def drop_unconsented(session: Session, *, campaign_id: int, now: datetime) -> int:
    """At preparation: fail every pending row whose text is not consented to the current version.

    A non-personalised pledge must also hold exactly the current text: that closes the one gap an
    in-place edit (before any pledge) could open against a consent form submitted at that moment.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    stale = sa.or_(
        col(Pledge.consented_version) != campaign.message_version,
        sa.and_(sa.not_(col(Pledge.personalised)), col(Pledge.post_text) != campaign.post_text()),
    )
    pending = select(Delivery.id).join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
    ids = [
        i
        for i in session.exec(
            pending.where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                stale,
            )
        ).all()
        if i is not None
    ]
    if not ids:
        return 0
    reason = (
        "the supporter has not consented to the edited message "
        f"(version {campaign.message_version}), so it was not posted"
    )
    done = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.status) == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, error=reason, finished_at=now)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
