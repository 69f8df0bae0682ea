"""What an owner is told: the policies turned into sentences about their release."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from amplifier.platforms.declaration import AccountHome
from amplifier.platforms.registry import PLATFORMS
from amplifier.release.limits.policy import LimitKey, LimitPolicy, policy_for


def _label(platform: str) -> str:
    found = PLATFORMS.get(platform)
    return found.label if found is not None else platform.capitalize()


def _on_hosts(platform: str) -> bool:
    """Whether the platform's budget is per supporter-named host (one Mastodon server each)."""
    found = PLATFORMS.get(platform)
    return found is not None and found.home is AccountHome.SUPPORTER_HOST


def capacity_warnings(
    pledges_by_platform: Mapping[str, int] | Mapping[LimitKey, int] | Mapping[str | LimitKey, int],
    *,
    release_window_s: float,
    policies: Callable[[LimitKey], LimitPolicy] = policy_for,
    call_s: float = 0.5,
) -> list[str]:
    """Sentences for an owner whose posts cannot all leave within `release_window_s` seconds of
    the release time; an empty list when they can.

    Keys are platform names (an app-wide platform's budget; for a platform whose supporters
    name their host, read as "all on one instance", the worst case) or `LimitKey`s (one host
    each). `call_s` is the assumed duration of one platform call, which turns a concurrency
    cap into a rate.
    The estimate assumes the budget is full at the release: nothing else spent it just before.
    """
    warnings: list[str] = []
    for raw_key, pledges in pledges_by_platform.items():
        if pledges <= 0:
            continue
        if isinstance(raw_key, LimitKey):
            key, where = raw_key, f" on {raw_key.scope}"
        else:
            on_hosts = _on_hosts(raw_key)
            key = LimitKey(raw_key, "*" if on_hosts or raw_key not in PLATFORMS else "app")
            where = " on one instance" if on_hosts else ""
        policy = policies(key)
        warning = _capacity_warning(key, policy, pledges, release_window_s, call_s, where)
        if warning:
            warnings.append(warning)
    return warnings


def _capacity_warning(
    key: LimitKey,
    policy: LimitPolicy,
    pledges: int,
    window_s: float,
    call_s: float,
    where: str,
) -> str | None:
    rate = policy.per_second
    # Calls started by t seconds after the release: each bucket allows its depth + its rate*t
    # (the least of them binds); a concurrency cap C allows C at once and then C more every
    # `call_s` seconds.
    cap = policy.concurrency
    started = policy.started_by(window_s)
    if cap is not None:
        started = min(started, cap + cap / call_s * window_s)
    if pledges <= started:
        return None
    finish_s = policy.all_started_after(pledges)
    if cap is not None:
        finish_s = max(finish_s, (pledges - cap) / (cap / call_s))
    flow = rate if cap is None else min(rate, cap / call_s)
    in_window = math.floor(started)
    late = pledges - in_window
    name = _label(key.platform)
    budget = _budget_words(policy)
    longest = max(per_s for _, per_s in ((policy.rate, policy.per_s), *policy.also))
    if policy.per_s >= 3600:
        # A quota (X's per-app day): the owner must shrink the blast or raise the quota.
        return (
            f"{name} allows {budget} for this app: {pledges:,} pledges on {name}{where} cannot "
            f"all be posted at the release; {late:,} would be late, the last about "
            f"{_duration(finish_s)} after the release time (assuming no other campaign uses "
            f"the app's budget in the {_duration(longest)} before). Lower the goal to "
            f"{in_window:,} on {name}, or raise the app's {name} access tier."
        )
    # A politeness rate (a Mastodon instance): the posts leave, spread over a longer time.
    return (
        f"We send at most {_flow_words(flow)} to {name}{where} so as not to overload it: "
        f"{pledges:,} pledges there take about {_duration(finish_s)} to leave, so {late:,} "
        f"would leave more than {_duration(window_s)} after the release time."
    )


def _budget_words(policy: LimitPolicy) -> str:
    windows = policy.also or ((policy.rate, policy.per_s),)
    return " and ".join(f"{n:,} posts per {_duration(per_s)}" for n, per_s in windows)


def _flow_words(per_s: float) -> str:
    if per_s >= 1:
        return f"{per_s:,.0f} posts per second"
    return f"one post every {_duration(1 / per_s)}"


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, sec = divmod(s, 60)
        return f"{m} min" + (f" {sec} s" if sec else "")
    h, rest = divmod(s, 3600)
    m = rest // 60
    return f"{h} h" + (f" {m} min" if m else "")
