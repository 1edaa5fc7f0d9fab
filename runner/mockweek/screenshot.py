"""A picture of a pack's timetable for the documentation, taken with headless Chromium.

Run it after writing a pack::

    python -m runner.mockweek.screenshot out/midshire-mock-week/index.html \\
        docs/images/mock-week-timetable.png

It uses Debian's ``/usr/bin/chromium`` through Playwright (a development
dependency, installed by ``make setup``; ``make browser`` installs chromium),
with every request that leaves ``file://`` blocked, and keeps the top of the
timetable by inspector (the legend, the team and the first day and a half).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
#: how chromium is started here and in the tests' browser checks: headless, quiet, offline
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


def screenshot_timetable(
    html: Path, png: Path, *, width: int = 1280, height: int = 980, browser: Any = None
) -> Path:
    """Save the top ``height`` pixels of the pack's timetable section as ``png``.

    ``browser`` is a running Playwright browser to use; without one, chromium is
    started for this picture and closed after.
    """
    if browser is not None:
        return _shoot(browser, html, png, width, height)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            return _shoot(own, html, png, width, height)
        finally:
            own.close()


def _shoot(browser: Any, html: Path, png: Path, width: int, height: int) -> Path:
    def offline(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()

    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.route("**/*", offline)
        page.goto(html.resolve().as_uri())
        box = page.locator("#timetable").bounding_box()
        if box is None:
            raise ValueError(f"{html}: no timetable section")
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(png),
            full_page=True,
            clip={
                "x": box["x"],
                "y": box["y"],
                "width": box["width"],
                "height": min(height, box["height"]),
            },
        )
    finally:
        context.close()
    return png


def main(argv: list[str]) -> int:
    """``python -m runner.mockweek.screenshot PACK.html OUT.png``."""
    if len(argv) != 2:
        print("usage: python -m runner.mockweek.screenshot PACK.html OUT.png", file=sys.stderr)
        return 2
    print(screenshot_timetable(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
