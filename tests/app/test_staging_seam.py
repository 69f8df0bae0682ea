"""The stage seam's own rules: what a delivery row's staging means when it is read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from amplifier.platforms.base import Staged
from amplifier.staging import decode, encode

T = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def test_a_staging_reads_back_as_it_was_kept() -> None:
    staged = Staged(("111", "222"), T + timedelta(hours=24))
    assert decode(encode(staged), staged.expires_at) == staged


def test_an_unreadable_or_missing_staging_is_none_so_the_post_is_staged_again() -> None:
    assert decode(None, None) is None
    assert decode("", None) is None
    assert decode("not json", T) is None
    assert decode('{"id": "1"}', T) is None
    assert decode("[1, 2]", T) is None


def test_a_staging_is_usable_only_before_it_expires() -> None:
    staged = Staged(("1",), T)
    assert staged.usable_at(T - timedelta(seconds=1))
    assert not staged.usable_at(T)
    assert Staged(("1",), None).usable_at(T + timedelta(days=365))
