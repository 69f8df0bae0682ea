"""Which characters a text field refuses: one rule for every field, every face, every database.

Owners, admins and supporters type texts that others read — on pages, in posts, in a terminal.
Some characters do harm there without showing: C0 and C1 control characters (ESC starts terminal
escape sequences; NUL is refused by PostgreSQL but stored by SQLite, so the same request would
fail on one database and pass on the other), bidirectional overrides and isolates (U+202A to U+202E,
U+2066 to U+2069: they make a text read differently from what it says, "Trojan Source",
CVE-2021-42574), and unpaired surrogates (not Unicode text at all; JSON's "\\ud800" makes one).
Line breaks (LF) and tabs are ordinary in a field that holds several lines (a story, a message, a
reason), and refused in a one-line field (a title, a name, a link). A browser sends a textarea's
line breaks as CR LF: multi-line fields turn CR LF and CR into LF (`one_kind_of_line_break`)
before they are judged, so positions count characters as the textarea showed them.

`character_problem` names the first offending characters by position, so a person can find
them. The API models, the web forms and the CLI reach it through the same domain rules
(`campaigns.CampaignCreate`, `consent.MessageEdit`, `moderation.clean_reason`,
`accounts.check_name`, `owners.check_token_name`, `personalise.personal_text_problems`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\t")
_SHOWN = 3  # how many offending characters a message names

# C0 and C1 controls have no Unicode name; these are the ones people meet.
_CONTROL_NAMES = {
    0x00: "NUL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x09: "TAB",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
}


@dataclass(frozen=True)
class RefusedCharacter:
    position: int  # 1-based, in characters (code points) of the text as it was sent
    character: str

    def describe(self) -> str:
        """E.g. `character 5 is U+001B (ESCAPE)`."""
        code = ord(self.character)
        category = unicodedata.category(self.character)
        if category == "Cs":
            name = "an unpaired surrogate"
        elif category == "Cc":
            name = _CONTROL_NAMES.get(code, "a control character")
        else:
            name = unicodedata.name(self.character, "a format character")
        return f"character {self.position} is U+{code:04X} ({name})"


def is_refused(ch: str, *, multiline: bool) -> bool:
    """Whether one character is refused in a one-line (`multiline=False`) or multi-line field."""
    if multiline and ch in _MULTILINE_ALLOWED:
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS


def refused_characters(text: str, *, multiline: bool) -> list[RefusedCharacter]:
    """Every refused character of `text`, in order."""
    return [
        RefusedCharacter(position, ch)
        for position, ch in enumerate(text, start=1)
        if is_refused(ch, multiline=multiline)
    ]


def character_problem(text: str, *, multiline: bool) -> str | None:
    """None if `text` may be stored, else a sentence naming the first refused characters.

    E.g. "character 5 is U+001B (ESCAPE) and character 9 is U+202E (RIGHT-TO-LEFT OVERRIDE):
    remove them (control characters and bidirectional overrides are not allowed; keep it on one
    line)". The caller puts the field's name in front.
    """
    found = refused_characters(text, multiline=multiline)
    if not found:
        return None
    named = [r.describe() for r in found[:_SHOWN]]
    if len(found) > _SHOWN:
        named.append(f"{len(found) - _SHOWN} more")
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    allowed = "line breaks and tabs are allowed" if multiline else "keep it on one line"
    return (
        f"{listed}: remove {'it' if len(found) == 1 else 'them'} (control characters and "
        f"bidirectional overrides are not allowed; {allowed})"
    )


def checked(text: str, *, multiline: bool) -> str:
    """`text` unchanged, or ValueError(`character_problem`): for pydantic field validators."""
    problem = character_problem(text, multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    return text


def harmless(text: str) -> str:
    """`text` for a terminal or a log line: each refused character (line breaks too) shown as
    U+FFFD, so text a platform sent cannot move the cursor, recolour or rewrite the screen."""
    return "".join("\ufffd" if is_refused(ch, multiline=False) else ch for ch in text)


def one_kind_of_line_break(text: str) -> str:
    """CR LF and lone CR become LF, as a multi-line field stores them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
