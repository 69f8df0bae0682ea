"""A Page post's text rule: Facebook takes up to 63,206 characters in a Page post's message.

Characters are counted as Unicode code points, the count Facebook's own limit is usually quoted
in; a link counts as the characters it has.
"""

from __future__ import annotations

MAX_CHARACTERS = 63_206


def text_problems(text: str, limit: int = MAX_CHARACTERS) -> list[str]:
    problems: list[str] = []
    if not text.strip():
        problems.append("The message is empty: Facebook posts nothing without text.")
    if len(text) > limit:
        problems.append(
            f"The message is {len(text)} characters; a Facebook Page post takes at most {limit}."
        )
    return problems
