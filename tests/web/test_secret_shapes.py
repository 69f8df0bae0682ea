"""The comparisons behind every secret taken from a request, given values no client library can
send (a lone surrogate arrives through JSON's "\\ud800"): wrong, never an exception."""

from __future__ import annotations

import pytest

from amplifier.crypto import hash_secret, new_secret, plausible_secret, same_secret, sign, verify
from amplifier.web.security.csrf import token_for, token_valid

KEY = b"k" * 32
ODD = ["", "é", "\ud800", "\x00", "\u202e", "0" * 100_000, " " * 32, "é" * 32, "\ufeff"]


@pytest.mark.parametrize("value", ODD)
def test_odd_values_are_simply_wrong(value: str) -> None:
    good = sign(KEY, "pledge:1")
    assert verify(KEY, "pledge:1", good)
    assert not verify(KEY, "pledge:1", value)
    assert not verify(KEY, "pledge:1", good.upper())
    assert not token_valid(KEY, "s" * 43, value)
    assert not same_secret(good, value)
    assert not plausible_secret(value)
    assert len(hash_secret(value)) == 64


def test_secrets_we_issue_are_plausible() -> None:
    assert plausible_secret(new_secret(24)) and plausible_secret(new_secret(32))
    assert plausible_secret("amp_" + new_secret(32), prefix="amp_")
    assert not plausible_secret("amp_", prefix="amp_")
    assert not plausible_secret("xyz_" + new_secret(32), prefix="amp_")
    assert token_valid(KEY, "s" * 43, token_for(KEY, "s" * 43))
