"""Form mistakes in plain words, each tied to the field it concerns.

Pydantic's messages ("String should have at least 1 character", "pledge_deadline must be in the
future") name columns and speak its own dialect: fine for the API, where a developer reads them,
wrong on a page. `plain_problem` turns one pydantic error into (field, sentence) by its error type
and context (https://docs.pydantic.dev/latest/errors/validation_errors/); an error the model
raised as a whole (no location) is given to the field its message starts with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FORM = "_form"  # problems that belong to no one field: shown above the form

# field name -> how a sentence names it; fields not listed are named from their form name
LABELS: dict[str, str] = {
    "title": "the title",
    "story": "the story",
    "message_text": "the message",
    "link": "the link",
    "goal": "the goal",
    "pledge_deadline": "the pledge deadline",
    "release_at": "the release time",
    "timezone": "the time zone",
    "platforms": "the platforms",
    "personal_required": "what must stay",
    "personal_max_length": "the maximum length",
    "personal_text": "your text",
    "instance": "your Mastodon server",
    "email": "the email address",
    "name": "your name",
    "password": "the password",
}
# a whole-model message starting with one of these belongs to that field
_MESSAGE_FIELDS = {**{name: name for name in LABELS}, "personalisation": "personal_required"}


def label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " "))


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."


_VERBS = ("must ", "is ", "has ", "does ", "can ", "needs ", "should ")
_PLATFORM_PREFIX = re.compile(r"(\.?; )?\b(?:x|mastodon): (?=[A-Z])")


def _in_words(message: str) -> str:
    """A domain message with its column names said as a person would ("pledge_deadline" ->
    "the pledge deadline"); plain words such as "link" are left alone."""
    for name in sorted((n for n in LABELS if "_" in n), key=len, reverse=True):
        message = message.replace(name, label(name))
    # "x: X allows …; mastodon: This server allows …" -> "X allows …. This server allows …"
    return _PLATFORM_PREFIX.sub(lambda m: ". " if m.group(1) else "", message).replace("..", ".")


def _about(what: str, msg: str) -> str:
    """ "the goal" + "must be …" -> "the goal must be …"; other messages follow a colon."""
    return f"{what} {msg}" if msg.startswith(_VERBS) else f"{what}: {msg}"


def plain_problem(error: Mapping[str, Any]) -> tuple[str, str]:
    """(field, sentence) for one pydantic error (`ValidationError.errors()` item)."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = loc[0] if loc else FORM
    what = label(field)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    given = error.get("input")
    msg = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "missing":
        return field, _sentence(f"Fill in {what}")
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return field, _sentence(f"Write {what}: it is empty")
        return field, _sentence(f"{what} needs at least {ctx['min_length']:,} characters")
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else None
        has = f" has {length:,} characters;" if length is not None else " is too long;"
        return field, _sentence(f"{what}{has} at most {ctx.get('max_length', 0):,} are allowed")
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return field, _sentence(f"{what} must be at least {bound:,}")
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return field, _sentence(f"{what} can be at most {bound:,}")
    if kind == "too_long":
        return field, _sentence(f"{what}: at most {ctx.get('max_length', 0):,} entries")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return field, _sentence(f"{what}: enter a whole number")
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return field, _sentence(f"{what}: enter a date and time, such as 2026-12-01 18:00")
    if field == FORM:
        return _whole_model(msg)
    if msg == "must not be empty":
        return field, _sentence(f"Write {what}: it cannot be only spaces")
    return field, _sentence(_about(what, _in_words(msg)))


def _whole_model(msg: str) -> tuple[str, str]:
    """A model validator's message: given to the field it starts with, in words."""
    for prefix in sorted(_MESSAGE_FIELDS, key=len, reverse=True):
        if msg.startswith(prefix):
            rest = msg[len(prefix) :].lstrip(": ")
            field = _MESSAGE_FIELDS[prefix]
            return field, _sentence(_about(label(field), _in_words(rest)))
    return FORM, _sentence(_in_words(msg))


def split_field(message: str, fields: tuple[str, ...]) -> tuple[str, str]:
    """A domain message written as "field: what to do" -> (field, sentence); else the form's."""
    head, sep, rest = message.partition(": ")
    if sep and head in fields:
        return head, _sentence(rest)
    return FORM, _sentence(message)
