"""The similarity measure (amplifier/similarity.py): near-duplicates caught, distinct texts not.

The corpus is what a supporter trying to pass the owner's text off as their own would do:
reorder words, add emoji, change or add hashtags, change case and punctuation, fix or make a
typo, add a word. Each must reach the default threshold of the platform that has the rule; texts
written in a supporter's own words must stay under it. The MinHash bands must bring every
near-duplicate up as a candidate, so the consent check (which compares only candidates) sees it.
"""

from __future__ import annotations

import pytest

from amplifier.campaigns.similarity import HASHER, shingles, similarity, words
from amplifier.platforms.posting import SimilarityRule
from amplifier.platforms.registry import PLATFORMS
from config.settings import Settings

LINK = "https://example.org/library"
BASE = f"Keep our library open late! Students and shift workers need it. #LibraryLate {LINK}"

NEAR_DUPLICATES = {
    "reordered words": f"Students and shift workers need it. Keep our library open late! "
    f"#LibraryLate {LINK}",
    "added emoji": f"Keep our library open late! 📚🙏 Students and shift workers need it. 🌙 "
    f"#LibraryLate {LINK}",
    "changed hashtag": f"Keep our library open late! Students and shift workers need it. "
    f"#SaveOurLibrary {LINK}",
    "added hashtags": f"Keep our library open late! Students and shift workers need it. "
    f"#LibraryLate #Books #Council {LINK}",
    "case": f"KEEP OUR LIBRARY OPEN LATE! students and shift workers need it. #librarylate {LINK}",
    "punctuation": f"Keep our library open late!!! Students & shift-workers need it... "
    f"#LibraryLate {LINK}",
    "newlines": f"Keep our library open late!\n\nStudents and shift workers need it.\n"
    f"#LibraryLate\n{LINK}",
    "typo": f"Keep our libary open late! Students and shift workers need it. #LibraryLate {LINK}",
    "one word added": f"Please keep our library open late! Students and shift workers need "
    f"it. #LibraryLate {LINK}",
    "link without scheme": "Keep our library open late! Students and shift workers need it. "
    "#LibraryLate www.example.org/library",
    "full-width letters": "\uff2b\uff45\uff45\uff50"
    f" our library open late! Students and shift workers need it. "
    f"#LibraryLate {LINK}",
    "all at once": f"students & shift-workers NEED it 📚 — please keep our libary open late!!! "
    f"#SaveOurLibrary {LINK}",
}

DISTINCT = [
    f"I revised for every exam at the library after my evening shift. Late hours got me "
    f"through. #LibraryLate {LINK}",
    f"My kids do their homework there while I work nights: keep the doors open past six. "
    f"#LibraryLate {LINK}",
    f"The council wants to cut evening opening. Write to your councillor before Friday. "
    f"#LibraryLate {LINK}",
    f"Ninety people used the reading room after 7pm last Tuesday. That is not a "
    f"luxury. #LibraryLate {LINK}",
    f"Our library open late is the only warm quiet place for many of us in winter. "
    f"#LibraryLate {LINK}",
]


def _rule() -> SimilarityRule:
    """The default threshold of every registered platform that has the rule."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    rules = [
        rule
        for declared in PLATFORMS.values()
        if (rule := declared.similarity_rule(declared.settings_of(settings))) is not None
    ]
    assert rules, "a registered platform declares a similarity rule"
    return min(rules, key=lambda r: r.threshold)


@pytest.mark.parametrize("case", sorted(NEAR_DUPLICATES))
def test_a_near_duplicate_reaches_the_default_threshold(case: str) -> None:
    rule = _rule()
    score = similarity(BASE, NEAR_DUPLICATES[case])
    assert score >= rule.threshold, (case, score)


@pytest.mark.parametrize("case", sorted(NEAR_DUPLICATES))
def test_a_near_duplicate_shares_a_band_so_the_check_sees_it(case: str) -> None:
    mine = set(HASHER.bands(shingles(BASE)))
    assert mine & set(HASHER.bands(shingles(NEAR_DUPLICATES[case]))), case


def test_texts_in_supporters_own_words_stay_under_it() -> None:
    rule = _rule()
    texts = [BASE, *DISTINCT]
    for i, first in enumerate(texts):
        for second in texts[i + 1 :]:
            score = similarity(first, second)
            assert score < rule.threshold, (first, second, score)


def test_normalisation_keeps_a_link_whole_and_drops_signs() -> None:
    assert words("Hi @Ada! #Books & 📚 https://Example.org/a?b=1.") == [
        "hi",
        "ada",
        "books",
        "example.org/a?b=1",
    ]
    assert similarity("", "") == 1.0
    assert similarity("a b c", "d e f") == 0.0


def test_the_bands_are_the_same_in_every_process() -> None:
    """Stored bands are compared with bands computed later, maybe after a restart."""
    assert HASHER.bands(shingles(BASE))[:3] == HASHER.bands(shingles(BASE))[:3]
    from amplifier.campaigns.similarity import MinHasher

    assert MinHasher().bands(shingles(BASE)) == HASHER.bands(shingles(BASE))
