"""The rules a supporter's own wording of a campaign's message must keep.

Identical posts from many accounts break X's automation rules and annoy Mastodon moderators, so
an owner may let supporters rewrite the text. The owner still decides what must survive: every
required fragment (a hashtag, a mention; the campaign's link always) verbatim, and a maximum
length. The text must also fit the supporter's own platform (X's weighted 280, their Mastodon
server's limit) and may carry no control characters (they hide text or break the database).

Lengths here are Unicode code points, what an owner types into `personal_max_length`; the
platforms' own counts are checked separately through `text_rules`.

Pure functions over plain values: the web pages, the consent domain and the campaign validation
all call them, so a rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from amplifier.characters import character_problem, refused_characters
from amplifier.models import Campaign

MAX_FRAGMENTS = 10
MAX_FRAGMENT_LENGTH = 200
MAX_PERSONAL_LENGTH = 5_000  # Pledge.post_text's column
STORED_REQUIRED_MAX = 1_000  # Campaign.personal_required's column: the fragments joined by \n

TextRules = Callable[[str], list[str]]


def normalise(text: str) -> str:
    """Browsers send a textarea's line breaks as CR LF: keep one kind, and no outer blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def encode_required(fragments: Sequence[str]) -> str:
    return "\n".join(fragments)


def decode_required(stored: str) -> list[str]:
    return [line for line in stored.split("\n") if line.strip()]


def required_fragments(campaign: Campaign) -> list[str]:
    """What every personal text of this campaign must contain: the owner's list, and the link."""
    fragments = decode_required(campaign.personal_required)
    if campaign.link and campaign.link not in fragments:
        fragments.append(campaign.link)
    return fragments


def control_characters(text: str) -> list[str]:
    """The characters `amplifier.characters` refuses in a multi-line `text`, as U+XXXX names."""
    return sorted({f"U+{ord(r.character):04X}" for r in refused_characters(text, multiline=True)})


def fragment_problems(fragments: Sequence[str], default_text: str) -> list[str]:
    """Why an owner's list of required fragments cannot be used with this message."""
    problems: list[str] = []
    if len(fragments) > MAX_FRAGMENTS:
        problems.append(f"at most {MAX_FRAGMENTS} required fragments (got {len(fragments)})")
    for fragment in fragments:
        if not fragment.strip():
            problems.append("a required fragment is empty: remove it")
        elif len(fragment) > MAX_FRAGMENT_LENGTH:
            problems.append(
                f"the required fragment {fragment[:40]!r}… is longer than "
                f"{MAX_FRAGMENT_LENGTH} characters"
            )
        elif "\n" in fragment or "\r" in fragment:
            problems.append(f"the required fragment {fragment[:40]!r} spans lines: keep it on one")
        elif (bad := character_problem(fragment, multiline=False)) is not None:
            problems.append(f"in the required fragment {fragment[:40]!r}, {bad}")
        elif fragment not in default_text:
            problems.append(
                f"the required fragment {fragment!r} does not appear in the message or its link"
            )
    if len(encode_required(fragments)) > STORED_REQUIRED_MAX:
        problems.append(
            f"the required fragments together may have at most {STORED_REQUIRED_MAX} characters"
        )
    return problems


def personal_text_problems(
    text: str,
    *,
    required: Sequence[str],
    max_length: int | None,
    text_rules: TextRules,
) -> list[str]:
    """Every reason this personal text is refused, in words the supporter can act on."""
    if not text.strip():
        return ["Your text is empty: write your post, or keep the campaign's text."]
    problems: list[str] = []
    bad = character_problem(text, multiline=True)
    if bad is not None:
        problems.append(f"In your text, {bad}.")
    missing = [fragment for fragment in required if fragment not in text]
    if missing:
        problems.append(
            "Your text must keep, exactly as written: "
            + ", ".join(f"“{fragment}”" for fragment in missing)
            + "."
        )
    limit = min(max_length or MAX_PERSONAL_LENGTH, MAX_PERSONAL_LENGTH)
    if len(text) > limit:
        problems.append(
            f"The organiser allows at most {limit} characters; your text has {len(text)}: "
            f"shorten it by {len(text) - limit}."
        )
    problems.extend(text_rules(text))
    return problems
