"""X's Post Web Intent links (amplifier/platforms/x/intent.py), for every kind of text.

Documented at https://docs.x.com/x-for-websites/post-button/guides/web-intent: `text` and `url`
are UTF-8, URL-encoded. Each case checks the exact encoding of the characters that would break
a link left unencoded, and that the link decodes back to exactly the pledged text.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from amplifier.platforms.registry import PLATFORMS

LINK = "https://example.org/a?b=1&c=2#top"

CASES = [
    ("plain", "Save the river", None, "text=Save%20the%20river"),
    ("emoji", "Save it 🌊🙏", None, "text=Save%20it%20%F0%9F%8C%8A%F0%9F%99%8F"),
    ("hashtag", "Go #River", None, "text=Go%20%23River"),
    ("ampersand and equals", "Rock & roll = fun", None, "text=Rock%20%26%20roll%20%3D%20fun"),
    ("newlines", "one\ntwo\r\nthree", None, "text=one%0Atwo%0D%0Athree"),
    ("plus and percent", "1+1 is 100%", None, "text=1%2B1%20is%20100%25"),
    ("mention and question", "@ada? yes/no", None, "text=%40ada%3F%20yes%2Fno"),
    (
        "link at the end",
        f"Save it #River {LINK}",
        LINK,
        "text=Save%20it%20%23River&url=https%3A%2F%2Fexample.org%2Fa%3Fb%3D1%26c%3D2%23top",
    ),
    ("link inside", f"See {LINK} now", LINK, None),
    ("CJK", "川を守ろう", None, "text=%E5%B7%9D%E3%82%92%E5%AE%88%E3%82%8D%E3%81%86"),
]


def _x_intent(text: str, link: str | None) -> str:
    links = [d.intent_link(text, link) for d in PLATFORMS.values()]
    found = [url for url in links if url is not None and "x.com/intent" in url]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(("case", "text", "link", "query"), CASES, ids=[c[0] for c in CASES])
def test_the_intent_link_encodes_every_kind_of_text(
    case: str, text: str, link: str | None, query: str | None
) -> None:
    url = _x_intent(text, link)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "x.com", "/intent/tweet")
    assert parts.fragment == ""  # a raw '#' would have cut the text here
    if query is not None:
        assert parts.query == query
    decoded = parse_qs(parts.query, keep_blank_values=True)
    posted = decoded["text"][0]
    if "url" in decoded:  # X appends the url after a space
        posted = f"{posted} {decoded['url'][0]}"
    assert posted == text
    assert set(parts.query) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%=&"
    ), "only unreserved characters, escapes and the separators"
