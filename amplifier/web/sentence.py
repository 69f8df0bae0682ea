"""A sentence made of parts (text, instants, links), as HTML for a page and as JSON for its script.

The same parts give both, so the sentence a page shows at load and the one its script swaps in
later cannot differ. Instants become `<time>` elements in UTC that the page's script shows in the
viewer's zone; links are kept only if they are http(s) addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup, escape

from amplifier.web.rendering import templates, time_tag, utc_text


@dataclass(frozen=True)
class Link:
    href: str
    text: str


Part = str | datetime | Link
Parts = Sequence[Part]


def _safe_href(href: str) -> bool:
    return href.lower().startswith(("https://", "http://", "/"))


def sentence_html(parts: Parts) -> Markup:
    """The parts as HTML: text escaped, instants as <time>, links as <a> (http(s) only)."""
    out = Markup("")
    for part in parts:
        if isinstance(part, datetime):
            out += time_tag(part)
        elif isinstance(part, Link):
            if _safe_href(part.href):
                out += Markup('<a href="{}">{}</a>').format(part.href, part.text)
            else:
                out += escape(part.text)
        else:
            out += escape(part)
    return out


def sentence_json(parts: Parts) -> list[dict[str, str]]:
    """The parts for a script: [{"text"}, {"time": ISO 8601 UTC, "text": UTC words},
    {"href", "text"}]; the script builds nodes from them (never HTML from a string)."""
    out: list[dict[str, str]] = []
    for part in parts:
        if isinstance(part, datetime):
            out.append({"time": part.astimezone(UTC).isoformat(), "text": utc_text(part)})
        elif isinstance(part, Link):
            out.append(
                {"href": part.href, "text": part.text}
                if _safe_href(part.href)
                else {"text": part.text}
            )
        else:
            out.append({"text": part})
    return out


templates.env.globals["sentence"] = sentence_html
