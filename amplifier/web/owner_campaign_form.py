"""The owner's new-campaign form: what was typed comes back with each mistake next to its field.

The form goes through the same `CampaignCreate` validation and `create_campaign` as the API and
the CLI, so the web cannot schedule what they would refuse; its words are the page's own
(`form_words`). Times are wall-clock times in a named zone: the browser's zone is filled in by
`timezone.js` (without JavaScript the field asks), the instant is shown in UTC and in that zone
under each field before saving (`/owner/time-preview`, and on every re-shown form), a time that a
DST change skips is refused with words, and one it repeats needs the owner to choose which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from amplifier.campaigns.lifecycle import create_campaign
from amplifier.campaigns.localtime import (
    AmbiguousTime,
    LocalTimeProblem,
    UnknownZone,
    at_wall_time,
    preview,
    zone_named,
)
from amplifier.campaigns.personalise import MAX_FRAGMENTS
from amplifier.campaigns.rules import (
    KNOWN_PLATFORMS,
    CampaignCreate,
    CampaignRuleError,
    message_misfit,
)
from amplifier.models import Owner
from amplifier.platforms.registry import PLATFORMS
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow
from amplifier.web.deps import RuntimeDep, SessionDep, WebOwner
from amplifier.web.form_words import FORM, plain_problem, split_field
from amplifier.web.rendering import page, utc_text

router = APIRouter(include_in_schema=False)

_TIME_FIELDS = ("pledge_deadline", "release_at")
# stand-ins for refused times while the rest of the form is judged (never stored)
_STAND_IN_DEADLINE, _STAND_IN_RELEASE = timedelta(days=7), timedelta(days=8)
_TEXT_FIELDS = ("title", "story", "message_text", "link", "goal", "personal_required")
_MAX_TIME_TEXT = 100


@dataclass
class TimeField:
    """One time field as the form shows it again: the instant it means, or why it means none."""

    preview: str | None = None
    choices: list[tuple[int, str]] = field(default_factory=list)  # (fold, words) for a repeat


def _form_page(
    request: Request,
    rt: Runtime,
    owner: Owner,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    times: dict[str, TimeField],
    code: int,
) -> HTMLResponse:
    response = page(
        request,
        "owner/campaign_new.html",
        code,
        owner=owner,
        values=values,
        errors=errors,
        error_count=sum(len(v) for v in errors.values()),
        times=times,
        platforms=[(p, p in rt.connectors.enabled_platforms()) for p in KNOWN_PLATFORMS],
        platform_rules=[PLATFORMS[p] for p in KNOWN_PLATFORMS if p in PLATFORMS],
        max_fragments=MAX_FRAGMENTS,
        posting_modes={
            p: [(m.value, m.owner_words) for m in PLATFORMS[p].posting_modes] for p in PLATFORMS
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/owner/campaigns/new", response_class=HTMLResponse)
def new_campaign_form(request: Request, rt: RuntimeDep, owner: WebOwner) -> HTMLResponse:
    values: dict[str, Any] = {
        "title": "",
        "story": "",
        "message_text": "",
        "link": "",
        "goal": "",
        "pledge_deadline": "",
        "release_at": "",
        "timezone": "",  # timezone.js puts the browser's zone here; without it the owner types
        "platforms": list(rt.connectors.enabled_platforms()),
        "personalisation_allowed": False,
        "personal_required": "",
        "personal_max_length": "",
    }
    return _form_page(request, rt, owner, values, {}, {}, 200)


def _wall_time(raw: str) -> datetime | None:
    """A datetime-local value ("2026-12-01T18:00") or ISO text with or without an offset."""
    text = raw.strip().replace(" ", "T", 1)
    if not text or len(text) > _MAX_TIME_TEXT:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _fold(raw: str) -> int | None:
    return {"0": 0, "1": 1}.get(raw.strip())


def resolve_time(
    raw: str, zone: ZoneInfo | None, fold: int | None, errors: list[str], shown: TimeField
) -> datetime | None:
    """The instant typed in one time field, with its preview; mistakes appended to `errors`."""
    wall = _wall_time(raw)
    if wall is None:
        errors.append("Enter a date and time, such as 2026-12-01 18:00.")
        return None
    if zone is None and wall.tzinfo is None:
        return None  # the zone's own mistake is told next to the zone
    try:
        if wall.tzinfo is not None:
            instant = at_wall_time(wall, ZoneInfo("UTC"))
            shown.preview = f"= {utc_text(instant)}"
            return instant
        assert zone is not None
        shown.preview = preview(wall, zone, fold=fold).words()
        return at_wall_time(wall, zone, fold=fold)
    except AmbiguousTime as exc:
        errors.append(str(exc))
        shown.choices = [
            (n, f"the {'first' if n == 0 else 'second'}: {utc_text(c)}")
            for n, c in enumerate(exc.choices)
        ]
    except LocalTimeProblem as exc:
        errors.append(str(exc))
    except OverflowError:
        errors.append("Choose a date between the years 1 and 9999.")
    return None


def _schedule_problems(
    deadline: datetime | None, release: datetime | None, errors: dict[str, list[str]]
) -> None:
    """Times in the past or in the wrong order, said next to the field to change."""
    now = utcnow()
    if deadline is not None and deadline <= now:
        errors["pledge_deadline"].append(
            f"The pledge deadline has already passed ({utc_text(deadline)}): choose a later time."
        )
    if release is not None and release <= now:
        errors["release_at"].append(
            f"The release time has already passed ({utc_text(release)}): choose a later time."
        )
    if deadline is not None and release is not None and now < deadline and release <= deadline:
        errors["release_at"].append(
            "The release time must come after the pledge deadline: supporters pledge first, "
            "then every post goes out."
        )


def _whole_number(raw: str, *, blank_ok: bool) -> int | str | None:
    """An int, None for an allowed blank, or the words of the mistake."""
    text = raw.strip()
    if not text and blank_ok:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return "Enter a whole number, such as 100."


@router.post("/owner/campaigns/new", response_class=HTMLResponse)
def new_campaign(
    request: Request,
    session: SessionDep,
    rt: RuntimeDep,
    owner: WebOwner,
    # caps above the rules' own limits, so those are told on the form; beyond them only a
    # forged request goes, and it gets the generic "Please check the form" page
    title: Annotated[str, Form(max_length=1_000)] = "",
    story: Annotated[str, Form(max_length=20_000)] = "",
    message_text: Annotated[str, Form(max_length=10_000)] = "",
    link: Annotated[str, Form(max_length=4_000)] = "",
    goal: Annotated[str, Form(max_length=100)] = "",
    pledge_deadline: Annotated[str, Form(max_length=100)] = "",
    release_at: Annotated[str, Form(max_length=100)] = "",
    pledge_deadline_fold: Annotated[str, Form(max_length=2)] = "",
    release_at_fold: Annotated[str, Form(max_length=2)] = "",
    timezone: Annotated[str, Form(max_length=200)] = "",
    platforms: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies)
    personalisation_allowed: Annotated[str, Form(max_length=10)] = "",
    personal_required: Annotated[str, Form(max_length=10_000)] = "",
    personal_max_length: Annotated[str, Form(max_length=100)] = "",
    platform_modes: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 "name=mode"
) -> Response:
    values: dict[str, Any] = {
        "title": title,
        "story": story,
        "message_text": message_text,
        "link": link,
        "goal": goal,
        "pledge_deadline": pledge_deadline,
        "release_at": release_at,
        "pledge_deadline_fold": pledge_deadline_fold,
        "release_at_fold": release_at_fold,
        "timezone": timezone,
        "platforms": platforms[: len(KNOWN_PLATFORMS)],
        "personalisation_allowed": bool(personalisation_allowed),
        "personal_required": personal_required,
        "personal_max_length": personal_max_length,
        "platform_modes": dict(m.partition("=")[::2] for m in platform_modes[:10]),
    }
    errors: dict[str, list[str]] = {
        name: [] for name in (FORM, "timezone", "platforms", *_TIME_FIELDS, *_TEXT_FIELDS)
    }
    errors["personal_max_length"] = []
    fragments = [line.strip() for line in personal_required.splitlines() if line.strip()]
    if len(fragments) > MAX_FRAGMENTS:
        errors["personal_required"].append(
            f"Give at most {MAX_FRAGMENTS} fragments, one per line ({len(fragments)} given)."
        )
    max_length = _whole_number(personal_max_length, blank_ok=True)
    if isinstance(max_length, str):
        errors["personal_max_length"].append(max_length + " Or leave it empty for no limit.")
    goal_number = _whole_number(goal, blank_ok=False)
    if isinstance(goal_number, str):
        errors["goal"].append(goal_number.replace("100.", "100 supporters."))
    zone = None
    try:
        zone = zone_named(timezone)
    except UnknownZone as exc:
        errors["timezone"].append(str(exc))
    times = {name: TimeField() for name in _TIME_FIELDS}
    deadline = resolve_time(
        pledge_deadline,
        zone,
        _fold(pledge_deadline_fold),
        errors["pledge_deadline"],
        times["pledge_deadline"],
    )
    release = resolve_time(
        release_at, zone, _fold(release_at_fold), errors["release_at"], times["release_at"]
    )
    _schedule_problems(deadline, release, errors)
    if not platforms:
        errors["platforms"].append("Choose at least one platform.")
    # The rules run even when the form's own checks found mistakes, with stand-ins for the
    # fields already refused, so that every mistake is told in one pass (not round by round);
    # only the stand-ins' own complaints are left out.
    refused = {name for name, found in errors.items() if found}
    now = utcnow()
    if refused & set(_TIME_FIELDS) or "timezone" in refused:
        # the times are judged together (release after deadline): stand in for both
        deadline, release = None, None
        refused |= set(_TIME_FIELDS)
    data = None
    try:
        data = CampaignCreate(
            title=title,
            story=story,
            message_text=message_text,
            link=link or None,
            goal=goal_number if isinstance(goal_number, int) else 1,
            pledge_deadline=deadline or now + _STAND_IN_DEADLINE,
            release_at=release or now + _STAND_IN_RELEASE,
            platforms=platforms or list(KNOWN_PLATFORMS)[:1],
            personalisation_allowed=bool(personalisation_allowed),
            personal_required=fragments,
            personal_max_length=max_length if not isinstance(max_length, str) else None,
            platform_modes={
                p: m for p, m in values["platform_modes"].items() if p in (platforms or [])
            },
        )
    except ValidationError as exc:
        for error in exc.errors():
            where, words = plain_problem(error)
            if where not in refused and words not in errors.setdefault(where, []):
                errors[where].append(words)
    if data is None and message_text.strip() and not errors.get("message_text"):
        # the model's own check of the length runs only once every field passed: ask it here
        text = f"{message_text} {link}" if link else message_text
        misfit = message_misfit(text, [p for p in platforms if p in KNOWN_PLATFORMS])
        if misfit:
            where, words = plain_problem({"loc": (), "msg": misfit})
            errors.setdefault(where, []).append(words)
    if data is None or any(errors.values()):
        return _form_page(request, rt, owner, values, errors, times, 400)
    assert owner.id is not None
    try:
        campaign = create_campaign(
            session,
            owner_id=owner.id,
            data=data,
            enabled_platforms=rt.connectors.enabled_platforms(),
            auto_approve=rt.settings.moderation_auto_approve,
            settings=rt.settings,
        )
    except CampaignRuleError as exc:
        where, words = split_field(str(exc), tuple(errors))
        errors[where].append(words)
        return _form_page(request, rt, owner, values, errors, times, 400)
    # `created=1` only chooses the notice's wording on the next page; it grants nothing
    return RedirectResponse(f"/owner/campaigns/{campaign.id}?created=1", status.HTTP_303_SEE_OTHER)


@router.get("/owner/time-preview")
def time_preview(owner: WebOwner, at: str = "", zone: str = "", fold: str = "") -> JSONResponse:
    """What a typed time means, for the words under the field while the owner types:
    {"words": "= … UTC · … in America/New_York" | null, "problem": words | null}."""
    shown = TimeField()
    problems: list[str] = []
    try:
        tz = zone_named(zone[:200])
    except UnknownZone as exc:
        return JSONResponse({"words": None, "problem": str(exc)})
    resolve_time(at[:_MAX_TIME_TEXT], tz, _fold(fold[:2]), problems, shown)
    return JSONResponse(
        {"words": shown.preview if not problems else None, "problem": " ".join(problems) or None},
        headers={"Cache-Control": "no-store"},
    )
