"""What an image costs before the release, told to the owner with the other capacity warnings.

Why: with an image, every post is staged during preparation (uploads belong to each
supporter's account), in the `release_prepare_lead_s` before T. Those calls have budgets of
their own on most platforms (`Declaration.upload_windows`: so many uploads a day per app, so
many per half hour per account), and preparation has a limited number of
stagings in flight (`staging._CONCURRENCY`): an image on a large campaign can make posts late
even where the text alone would leave on time. A post staged late is staged again at T by the
sender (never sent without its image), so "late" means "after T", not "lost".

    upload_warnings({platform: 60_000}, prepare_lead_s=60, settings=…)
    → ["<Label> allows 50,000 image uploads per 24 h for this app: 60,000 pledges on <Label>
        with an image need 120,000 upload calls before the release; …"]
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from amplifier.platforms.declaration import LimitWindow, WindowScope
from amplifier.platforms.registry import PLATFORMS
from amplifier.release.limits.capacity import _duration
from amplifier.release.limits.policy import LimitKey
from config.settings import Settings, get_settings

STAGINGS_IN_FLIGHT = 32  # staging._CONCURRENCY: stagings one preparation runs at once


def upload_warnings(
    pledges: Mapping[str, int] | Mapping[LimitKey, int] | Mapping[str | LimitKey, int],
    *,
    prepare_lead_s: float,
    settings: Settings | None = None,
    call_s: float = 0.5,
) -> list[str]:
    """Sentences for an owner whose campaign has an image, where its uploads do not fit the
    platforms' upload budgets or the preparation time before T; empty when they do.

    `pledges`: counts by platform name or `LimitKey` (summed per platform: the upload budgets
    declared are per app or per account). `call_s`: the assumed duration of one call."""
    settings = settings or get_settings()
    by_platform: dict[str, int] = {}
    for key, n in pledges.items():
        name = key.platform if isinstance(key, LimitKey) else key
        by_platform[name] = by_platform.get(name, 0) + max(0, n)
    warnings: list[str] = []
    stage_s = 0.0  # the time all stagings take, run STAGINGS_IN_FLIGHT at once
    for name, n in by_platform.items():
        found = PLATFORMS.get(name)
        if found is None or found.upload_calls <= 0 or n <= 0:
            continue
        stage_s += n * found.upload_calls * call_s / STAGINGS_IN_FLIGHT
        for window in found.upload_windows(found.settings_of(settings)):
            warning = _window_warning(found.label, window, n, found.upload_calls, prepare_lead_s)
            if warning:
                warnings.append(warning)
    if stage_s > prepare_lead_s:
        warnings.append(
            f"Uploading the image to every supporter's account takes about "
            f"{_duration(stage_s)}, more than the {_duration(prepare_lead_s)} preparation "
            "starts before the release: the posts whose upload is not done by then are "
            "uploaded at the release time and leave late. Raise AMPLIFIER_RELEASE_PREPARE_"
            "LEAD_S, or remove the image."
        )
    return warnings


def _window_warning(
    label: str, window: LimitWindow, pledges: int, calls: int, lead_s: float
) -> str | None:
    # a full budget at the start of preparation, refilled over the lead
    allowed = window.requests * (1 + math.floor(lead_s / window.per_s))
    if window.scope is WindowScope.USER:
        if calls <= allowed:
            return None
        return (
            f"{label} allows {window.requests:,} image uploads per {_duration(window.per_s)} "
            f"for each account, and each post with the image needs {calls}: the image cannot "
            f"be uploaded on {label}."
        )
    need = pledges * calls
    if need <= allowed:
        return None
    posts_ok = allowed // calls
    where = "for this app" if window.scope is WindowScope.APP else "on one server"
    return (
        f"{label} allows {window.requests:,} image uploads per {_duration(window.per_s)} "
        f"{where}: {pledges:,} pledges on {label} with an image need {need:,} upload calls "
        f"before the release, so about {pledges - posts_ok:,} would be dropped or late "
        f"(assuming no other campaign uses the budget). Lower the goal to {posts_ok:,} on "
        f"{label}, or remove the image."
    )
