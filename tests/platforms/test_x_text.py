"""X's weighted length equals the official twitter-text 3.1.0 (v3 configuration).

Three sources of truth: twitter-text's own conformance cases (vendored YAML), a corpus of texts
whose lengths the official JavaScript twitter-text computed (scripts/x_text_corpus.py), and named
cases from issue 8 (each checked against the official twitter-text when it was written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from amplifier.platforms.x.text import text_problems as x_text_problems
from amplifier.platforms.x.text import weighted_length as x_weighted_length

DATA = Path(__file__).parent / "data"


def _conformance_cases() -> list[Any]:
    tests = yaml.safe_load((DATA / "twitter_text_validate.yml").read_text(encoding="utf-8"))
    cases = []
    for section in ("WeightedTweetsWithDiscountedEmojiCounterTest",
                    "UnicodeDirectionalMarkerCounterTest"):  # fmt: skip
        for case in tests["tests"][section]:
            expected = case["expected"]["weightedLength"]
            cases.append(pytest.param(case["text"], expected, id=case["description"]))
    return cases


def _corpus_cases() -> list[tuple[str, int]]:
    doc = json.loads((DATA / "x_weighted_corpus.json").read_text(encoding="utf-8"))
    return [(text, length) for text, length in doc["cases"]]


@pytest.mark.parametrize(("text", "expected"), _conformance_cases())
def test_twitter_text_conformance(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_official_corpus() -> None:
    """All of the corpus at once, listing every text whose length differs from twitter-text's."""
    cases = _corpus_cases()
    assert len(cases) > 3000
    wrong = [(text, expected, x_weighted_length(text)) for text, expected in cases]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # issue 8: TLDs outside a short built-in list (twitter-text knows every IANA TLD)
        ("foo.bar", 23),
        ("example.ngo", 23),
        ("see foo.bar/x now", 4 + 23 + 4),
        ("example.invalid", 15),  # not a TLD: not a link
        # issue 8: a bare domain without a path is a link too
        ("bit.ly", 23),
        # issue 8: a zero-width joiner between letters weighs 1 (8192-8205)
        ("a\u200db", 3),
        # emoji sequences
        ("👨\u200d👩\u200d👧\u200d👦", 2),
        ("🧑\u200d🤝\u200d🧑", 8),  # Emoji 12: not in twitter-text's list, counted piece by piece
        ("👍🏽", 2),
        ("🇫🇷🇩🇪", 4),
        ("🇦", 2),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 2),
        ("1\ufe0f\u20e3", 2),
        ("#\u20e3", 2),
        ("©", 1),  # text presentation: a Latin-1 character
        ("©\ufe0f", 2),
        ("❤\ufe0e", 4),
        # CJK, Hangul, NFD input (normalised to NFC first)
        ("日本語", 6),
        ("\u1100\u1161\u11a8", 2),
        ("cafe\u0301", 4),
        ("e\u0301\u0323", 3),
        # URLs: parentheses, trailing punctuation, IDN, t.co
        ("https://example.com/path(with)parens", 23),
        ("https://en.wikipedia.org/wiki/Rome_(disambiguation).", 24),
        ("(see example.com/a)", 1 + 4 + 23 + 1),
        ("example.com/?q=1&", 23),
        ("http://例え.jp", 23),
        ("例え.jp", 7),  # without a scheme only ASCII domains are links
        ("bücher.de", 23),
        ("https://t.co/abcdefghij?x=1/more", 23),
        # mentions, cashtags, addresses: no discount on X
        ("@User.Name@example.social", 25),
        ("$TWTR", 5),
        ("me@example.com", 14),
    ],
)
def test_named_cases(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


def test_text_accepted_at_275_that_x_counts_285_is_refused() -> None:
    """Issue 8: four unknown-TLD links and a ZWJ made a 285 text look like 275."""
    text = "a" * 178 + " foo.bar example.ngo bit.ly x\u200dy " + "b" * 8
    assert x_weighted_length(text) == 178 + 1 + 23 + 1 + 23 + 1 + 23 + 1 + 3 + 1 + 8
    assert x_text_problems(text + "c" * 22) == [
        "X allows 280 weighted characters (URLs count as 23); this text has 285: shorten it by 5."
    ]
