"""What an owner is told when a platform's budget cannot carry the blast at the release."""

from __future__ import annotations

from amplifier.release.limits import LimitKey, LimitPolicy, capacity_warnings, policy_for
from config.settings import Settings

SETTINGS = Settings()


def policies(key: LimitKey) -> LimitPolicy:
    return policy_for(key, SETTINGS)


def test_no_warning_when_everything_fits() -> None:
    assert (
        capacity_warnings({"x": 5_000, "mastodon": 3_000}, release_window_s=60, policies=policies)
        == []
    )
    assert capacity_warnings({"x": 0}, release_window_s=0, policies=policies) == []


def test_x_app_quota_beyond_the_day() -> None:
    (warning,) = capacity_warnings({"x": 12_000}, release_window_s=60, policies=policies)
    # 10,000 at once plus one every 8.64 s for a minute; the 12,000th leaves 2,000 x 8.64 s later.
    assert warning == (
        "X allows 10,000 posts per 24 h for this app: 12,000 pledges on X cannot all be posted "
        "at the release; 1,994 would be late, the last about 4 h 48 min after the release time "
        "(assuming no other campaign uses the app's budget in the 24 h before). Lower the goal "
        "to 10,006 on X, or raise the app's X access tier."
    )


def test_x_concurrency_spreads_a_large_blast_over_seconds() -> None:
    # 200 in flight, half a second each: 400 posts per second at most.
    warnings = capacity_warnings({"x": 9_000}, release_window_s=10, policies=policies)
    assert len(warnings) == 1
    assert "9,000 pledges on X" in warnings[0]
    assert "the last about 22 s after the release time" in warnings[0]


def test_a_busy_mastodon_instance_is_spread_politely() -> None:
    key = LimitKey("mastodon", "https://mastodon.social")
    (warning,) = capacity_warnings({key: 12_000}, release_window_s=60, policies=policies)
    assert warning == (
        "We send at most 100 posts per second to Mastodon on https://mastodon.social so as not "
        "to overload it: 12,000 pledges there take about 2 min to leave, so 5,950 would leave "
        "more than 1 min after the release time."
    )


def test_plain_mastodon_counts_are_read_as_one_instance() -> None:
    (warning,) = capacity_warnings({"mastodon": 1_000}, release_window_s=5, policies=policies)
    assert "to Mastodon on one instance" in warning
    assert "1,000 pledges there" in warning


def test_a_custom_policy_speaks_of_its_own_numbers() -> None:
    def slow(_key: LimitKey) -> LimitPolicy:
        return LimitPolicy(rate=1, per_s=2.0)

    (warning,) = capacity_warnings({"bluesky": 10}, release_window_s=4, policies=slow)
    assert "We send at most one post every 2 s to Bluesky" in warning
    assert "10 pledges there take about 18 s to leave, so 7 would leave" in warning
