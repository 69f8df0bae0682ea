"""The sandbox's layout holds: it imports nothing of the app, an emulator imports only the kit,
itself and its vendor's folder, and no platform is named outside its emulator folder, its
vendor's folder and the registry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import amplifier.sandbox
from amplifier.sandbox.registry import EMULATORS

ROOT = Path(amplifier.sandbox.__file__).parent
# words that name a platform in code or prose; a new emulator adds its own line
TELLTALES: dict[str, list[str]] = {
    "x": [
        r"(?<![\\\w])X\b(?!-)",  # the name (not a header such as X-RateLimit-Limit, not \X)
        r"\bx_\w+",
        r"""[=!]=\s*["']x["']|["']x["']\s*[:,)\]]""",
        r"(?i)\btweets?\b",
        r"(?i)twitter(?![-_]text|/twitter-text)",  # twitter-text is a library several use
    ],
    "mastodon": [r"(?i)mastodon", r"(?i)\btoots?\b", r"joinmastodon"],
    "facebook_pages": [r"(?i)facebook[ _]pages?\b", r"fb_exchange_token", r"me/accounts"],
    "threads": [r"threads_publish", r"th_exchange_token", r"threads\.net", r"threads_basic"],
    "linkedin": [r"(?i)linkedin", r"urn:li:", r"(?i)restli"],
    "tumblr": [r"(?i)tumblr", r"(?i)\bnpf\b", r"(?i)neue post"],
    "bluesky": [r"(?i)bluesky", r"(?i)\bbsky\b", r"(?i)atproto"],
}

# vendor folders: what one company's emulated APIs share (no platform of their own, no line in
# the registry), and the emulators that may use them
VENDORS: dict[str, set[str]] = {"meta": {"facebook_pages", "threads"}}


def _vendor_of(emulator: str) -> str | None:
    return next((v for v, members in VENDORS.items() if emulator in members), None)


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_the_sandbox_imports_nothing_of_the_app() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules()
        for name in _imports(path)
        if name.split(".")[0] == "amplifier" and not name.startswith("amplifier.sandbox")
    ]
    assert wrong == []


def test_an_emulator_imports_only_the_kit_and_itself() -> None:
    wrong = []
    for path in _modules():
        parts = path.relative_to(ROOT).parts
        if parts[0] != "emulators" or len(parts) < 3:
            continue
        allowed = [f"amplifier.sandbox.emulators.{parts[1]}", "amplifier.sandbox.kit"]
        vendor = _vendor_of(parts[1])
        if vendor is not None:
            allowed.append(f"amplifier.sandbox.emulators.{vendor}")
        for name in _imports(path):
            if name.startswith("amplifier.") and not name.startswith(tuple(allowed)):
                wrong.append(f"{'/'.join(parts)}: {name}")
    assert wrong == []


def test_the_kit_never_imports_an_emulator_or_the_registry() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "kit").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("amplifier.sandbox.emulators", "amplifier.sandbox.registry"))
    ]
    assert wrong == []


def test_every_registered_emulator_has_a_folder_and_telltale_words() -> None:
    names = [e.name for e in EMULATORS]
    assert len(set(names)) == len(names)
    assert sorted(names) == sorted(TELLTALES)
    folders = {p.name for p in (ROOT / "emulators").iterdir() if (p / "__init__.py").exists()}
    assert folders == set(names) | set(VENDORS)
    assert all(members <= set(names) for members in VENDORS.values())


def test_no_platform_is_named_outside_its_emulator_folder_and_the_registry() -> None:
    found = []
    for path in _modules():
        parts = path.relative_to(ROOT).parts
        if parts == ("registry.py",):
            continue
        folder = parts[1] if parts[0] == "emulators" and len(parts) > 2 else None
        own = VENDORS.get(folder or "", {folder})
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for platform, patterns in TELLTALES.items():
                if platform in own:
                    continue
                if any(re.search(pattern, line) for pattern in patterns):
                    found.append(f"{'/'.join(parts)}:{number} names {platform}: {line.strip()}")
    assert found == []
