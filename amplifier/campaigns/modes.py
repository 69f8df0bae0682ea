"""A campaign's posting mode on each of its platforms (platforms/posting.py), platform-free.

Stored on the campaign as "name=mode,…" (`Campaign.platform_modes`), resolved once at creation
from what the owner chose and the platform's default for this deployment; a platform missing
from it (a campaign made before modes existed) is posted automatically, as it always was. A
platform the owner turns off is simply not among the campaign's platforms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amplifier.models import Campaign
from amplifier.platforms.posting import PostingMode
from amplifier.platforms.registry import PLATFORMS, label


def decode(stored: str) -> dict[str, PostingMode]:
    modes: dict[str, PostingMode] = {}
    for item in stored.split(","):
        name, _, mode = item.partition("=")
        if name and mode in PostingMode.__members__.values():
            modes[name] = PostingMode(mode)
    return modes


def encode(modes: Mapping[str, PostingMode]) -> str:
    return ",".join(f"{name}={mode.value}" for name, mode in modes.items())


def mode_of(campaign: Campaign, platform: str) -> PostingMode:
    return decode(campaign.platform_modes).get(platform, PostingMode.AUTOMATIC)


def platforms_in(campaign: Campaign, mode: PostingMode) -> list[str]:
    return [p for p in campaign.platform_list if mode_of(campaign, p) is mode]


def problems(platforms: Sequence[str], chosen: Mapping[str, str]) -> list[str]:
    """Why `chosen` ({platform: mode}) cannot be used with `platforms`, in words to act on."""
    found: list[str] = []
    for name, mode in chosen.items():
        if name not in platforms:
            found.append(f"platform_modes: {name!r} is not among the campaign's platforms")
            continue
        offered = [m.value for m in PLATFORMS[name].posting_modes]
        if mode not in offered:
            found.append(f"platform_modes: {label(name)} offers {', '.join(offered)}, not {mode!r}")
    if not found and platforms and all(chosen.get(p) == PostingMode.OFF for p in platforms):
        found.append("platform_modes: every platform is off: keep at least one")
    return found


def resolve(
    platforms: Sequence[str], chosen: Mapping[str, str], settings: Any | None
) -> tuple[list[str], dict[str, PostingMode]]:
    """(the platforms used, each one's mode): what the owner chose, else the platform's default
    for this deployment (`settings`: config.settings.Settings; None: the first mode offered)."""
    modes: dict[str, PostingMode] = {}
    for name in platforms:
        declared = PLATFORMS[name]
        if name in chosen:
            mode = PostingMode(chosen[name])
        elif settings is not None:
            mode = declared.default_mode(declared.settings_of(settings))
        else:
            mode = declared.posting_modes[0]
        if mode is not PostingMode.OFF:
            modes[name] = mode
    return list(modes), modes


def sentences(campaign: Campaign) -> list[tuple[str, str]]:
    """(platform label, what happens there) for every platform of the campaign."""
    return [(label(p), mode_of(campaign, p).words) for p in campaign.platform_list]
