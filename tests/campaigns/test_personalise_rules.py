"""The personalisation rules as pure functions, and the owner's settings checked at creation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from amplifier.campaigns.personalise import control_characters, personal_text_problems
from amplifier.campaigns.rules import CampaignCreate
from amplifier.platforms.x.text import text_problems as x_text_problems
from tests import factories

REQUIRED = ["#River", "https://example.org/river"]


def _problems(text: str, max_length: int | None = 120) -> list[str]:
    return personal_text_problems(
        text, required=REQUIRED, max_length=max_length, text_rules=x_text_problems
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_an_accepted_text_always_keeps_every_rule(text: str) -> None:
    if _problems(text):
        return
    assert all(fragment in text for fragment in REQUIRED)
    assert len(text) <= 120 and not control_characters(text)
    assert x_text_problems(text) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf")), max_size=15),
        min_size=3,
        max_size=3,
    )
)
def test_words_around_the_fragments_are_accepted(pieces: list[str]) -> None:
    text = f"{pieces[0]} {REQUIRED[0]} {pieces[1]} {REQUIRED[1]} {pieces[2]}".strip()
    if x_text_problems(text):  # e.g. the pieces made the URL longer: X's count is separate
        return
    assert _problems(text) == [], text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50), st.sampled_from(REQUIRED))
def test_a_text_without_a_fragment_is_refused_and_named(text: str, missing: str) -> None:
    text = text.replace(missing, "")
    others = " ".join(f for f in REQUIRED if f != missing)
    candidate = f"{text} {others}"
    if missing in candidate:  # the other fragment or the words rebuilt it
        return
    assert any(f"“{missing}”" in problem for problem in _problems(candidate))


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\u202e", "\u2066", "\r"])
def test_control_characters_are_refused(char: str) -> None:
    problems = _problems(f"Save it{char} #River https://example.org/river")
    assert any(f"U+{ord(char):04X}" in p for p in problems)


def test_line_breaks_and_emoji_are_fine() -> None:
    assert _problems("Save it 🌊\n#River https://example.org/river") == []


def _create(**overrides: Any) -> CampaignCreate:
    return CampaignCreate.model_validate(factories.payload(**overrides))


def test_the_owners_fragments_must_be_in_the_message() -> None:
    ok = _create(personalisation_allowed=True, personal_required=[" #River "])
    assert ok.personal_required == ["#River"]
    with pytest.raises(ValidationError, match="'#Lake' does not appear in the message"):
        _create(personalisation_allowed=True, personal_required=["#Lake"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"personal_required": ["#River"] * 11}, "at most 10 items"),
        ({"personal_required": ["x" * 201]}, "longer than 200 characters"),
        ({"personal_required": [""]}, "is empty"),
        ({"personal_required": ["#River\ntoday"]}, "spans lines"),
        ({"personal_max_length": 20}, "raise it"),
        ({"personal_max_length": 0}, "greater than or equal to 1"),
        ({"personal_max_length": 5001}, "less than or equal to 5000"),
    ],
)
def test_bad_personalisation_settings_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _create(personalisation_allowed=True, **overrides)


def test_the_stored_fragments_fit_their_column() -> None:
    long_message = "#" + "a" * 300  # fragments may overlap: 6 of ~200 fit a 301-character text
    fragments = ["a" * (200 - i) for i in range(6)]
    with pytest.raises(ValidationError, match="together may have at most 1000"):
        _create(
            message_text=long_message,
            platforms=["mastodon"],
            link=None,
            personal_required=fragments,
        )
