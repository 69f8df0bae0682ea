"""The limiter's policy comes from the platform's declared windows (issue 8, §1): no unit test
here names a budget the declaration does not give."""

from __future__ import annotations

import pytest

from amplifier.platforms.declaration import LimitWindow, WindowScope
from amplifier.release.limits import LimitKey, LimitPolicy, policy_for
from amplifier.release.limits.policy import policy_from
from config.settings import Settings

HOUR_S, DAY_S = 3600.0, 86400.0


def test_an_hourly_and_a_daily_app_window_are_both_honoured() -> None:
    """Tumblr's shape: 1,000 per hour and 5,000 per day per app."""
    policy = policy_from(
        [LimitWindow(1_000, HOUR_S, WindowScope.APP), LimitWindow(5_000, DAY_S, WindowScope.APP)],
        concurrency=None,
    )
    assert policy.per_second == 5_000 / DAY_S  # the day's rate, never faster
    assert policy.capacity == 1_000  # never more at once than the hour allows


def test_per_user_windows_pace_nothing_since_we_post_once_per_account() -> None:
    policy = policy_from(
        [LimitWindow(100, 900.0, WindowScope.USER), LimitWindow(10_000, DAY_S, WindowScope.APP)],
        concurrency=200,
    )
    assert policy == LimitPolicy(rate=10_000, per_s=DAY_S, concurrency=200)


def test_without_a_shared_window_the_fallback_is_polite() -> None:
    policy = policy_from([LimitWindow(300, 300.0, WindowScope.USER)], concurrency=5)
    assert policy.per_second == 10.0 and policy.concurrency == 5


def test_the_documented_environment_variables_still_set_the_budgets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AMPLIFIER_LIMIT_X_APP_PER_DAY", "1667")
    monkeypatch.setenv("AMPLIFIER_LIMIT_X_CONCURRENCY", "7")
    monkeypatch.setenv("AMPLIFIER_LIMIT_MASTODON_PER_S", "4")
    monkeypatch.setenv("AMPLIFIER_LIMIT_MASTODON_CONCURRENCY", "3")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    x = policy_for(LimitKey("x", "app"), settings)
    assert (x.rate, x.per_s, x.concurrency) == (1667, DAY_S, 7)
    m = policy_for(LimitKey("mastodon", "https://mastodon.example"), settings)
    assert (m.rate, m.per_s, m.concurrency) == (4, 1.0, 3)
