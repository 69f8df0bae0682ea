"""The registry is the one place that names a platform (issue 8, §1).

Outside `amplifier/platforms/` and the sandbox, code asks a platform's declaration instead of
writing its name: a string literal equal to a registered platform's name, in any module of
`amplifier/`, `workers/` or `config/`, or a quoted name in any template, fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from amplifier.platforms.registry import PLATFORMS, UnknownPlatform, declaration, label
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = (ROOT / "amplifier" / "platforms", ROOT / "amplifier" / "sandbox")
SCANNED = (ROOT / "amplifier", ROOT / "workers", ROOT / "config")


def literal_names(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every string literal in `source` that is exactly a platform's name."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
    ]


def template_names(text: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every quoted platform name in a template (`name == "x"`, value='x')."""
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    quoted = re.compile(r"""["'](""" + alternatives + r""")["']""")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in quoted.finditer(text)]


def _outside_platforms(suffix: str) -> list[Path]:
    files = [p for base in SCANNED for p in base.rglob(f"*{suffix}")]
    return [p for p in files if not any(p.is_relative_to(a) for a in ALLOWED)]


def test_the_scanners_see_a_named_platform() -> None:
    names = {"mastodon", "x"}
    assert literal_names('if platform == "mastodon":\n    pass\n', names) == [(1, "mastodon")]
    assert literal_names("LABELS = {'x': 'X'}\n", names) == [(1, "x")]
    assert literal_names("x = mastodon_url\nprint('xylophone')\n", names) == []
    page = "<p>\n{% if name == \"mastodon\" %}<input value='x'>{% endif %}"
    assert template_names(page, names) == [(2, "mastodon"), (2, "x")]
    assert template_names('<p class="text">{{ name }}</p>', names) == []


def test_no_module_outside_the_platforms_names_one() -> None:
    names = set(PLATFORMS)
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for path in _outside_platforms(".py")
        for line, name in literal_names(path.read_text(encoding="utf-8"), names)
    ]
    assert found == [], "ask the platform's declaration instead:\n" + "\n".join(found)


def test_no_template_outside_the_platforms_names_one() -> None:
    names = set(PLATFORMS)
    templates = [p for p in _outside_platforms(".html")] + [
        p for p in _outside_platforms(".txt") if "templates" in p.parts
    ]
    assert templates, "the scan found no templates: has the layout moved?"
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for path in templates
        for line, name in template_names(path.read_text(encoding="utf-8"), names)
    ]
    assert found == [], "ask the platform's declaration instead:\n" + "\n".join(found)


def test_each_platform_is_registered_under_its_own_name() -> None:
    assert list(PLATFORMS) == [
        "x",
        "mastodon",
        "facebook_pages",
        "threads",
        "linkedin",
        "tumblr",
        "bluesky",
    ]
    for name, found in PLATFORMS.items():
        assert found.name == name and declaration(name) is found
        assert label(name) == found.label
    assert label("friendica") == "friendica"
    with pytest.raises(
        UnknownPlatform,
        match="choose from x, mastodon, facebook_pages, threads, linkedin, tumblr, bluesky",
    ):
        declaration("friendica")


def test_each_platform_has_its_own_settings_and_no_flat_name_collides() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    flat = set(Settings.model_fields)
    for name, found in PLATFORMS.items():
        assert isinstance(settings.platform(name), found.settings_model)
        clashes = [f for f in flat if f.startswith((f"{name}_", f"limit_{name}_"))]
        assert clashes == [], f"{name}: flat settings would be taken for the platform's: {clashes}"
