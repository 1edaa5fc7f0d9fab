"""Shared test fixtures: built-in scenarios and a real headless Chromium.

The browser is Debian's ``/usr/bin/chromium`` (installed by
``scripts/install-browser.sh``, which ``make test`` runs), driven by Playwright.
Every request that leaves ``file://`` is blocked and recorded, so a page that
reaches for the network fails its test.

Property tests explore new examples on every run, except under
``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``), where they draw the same examples
every time, so a merge is judged on a fixed, repeatable set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from runner.mockweek import screenshot

settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
CHROMIUM = Path(screenshot.CHROMIUM)


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    """The folder of built-in scenarios."""
    return SCENARIOS


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A Playwright browser running Debian's chromium (skips if it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=screenshot.ARGS, headless=True
        )
        yield browser
        browser.close()


class OfflinePage:
    """A page whose network requests are blocked; what it tried and logged is kept."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda err: self.page_errors.append(str(err)))

        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "about:")):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()

        page.route("**/*", route)

    def open(self, path: Path) -> Any:
        """Load a local file and wait for it to settle."""
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page


@pytest.fixture()
def offline_page(chromium: Any) -> Iterator[OfflinePage]:
    """A fresh page in its own context with all network requests blocked."""
    context = chromium.new_context()
    try:
        yield OfflinePage(context.new_page())
    finally:
        context.close()
