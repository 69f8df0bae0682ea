"""Browser tests: Playwright for Python driving Debian's chromium, for what only a browser shows
(a page moving by itself across the deadline and T, the time zone a browser reports, sideways
scrolling on a 390-px phone).

Skipped, saying why, when /usr/bin/chromium (`apt-get install chromium`) or the playwright
package is missing; Playwright's own browser download is never used. A failing test leaves a
screenshot of each of its pages in its pytest tmp dir and prints the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("AMPLIFIER_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}  # fmt: skip

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, and later tests that call asyncio.run() (the firer) must not find one."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


NewPage = Callable[..., Any]


@pytest.fixture
def new_page(chromium: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewPage]:
    """new_page(**context options) -> a page in a fresh context (its own cookies, zone, size)."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(**options: Any) -> Any:
        context = chromium.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        for n, page in enumerate(pages):
            shot = tmp_path / f"failure-{n}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot of page {n} ({page.url}): {shot}")
            except Exception as exc:  # a crashed page: say so, keep the test's own error
                print(f"\nno screenshot of page {n}: {exc}")
    for context in contexts:
        context.close()
