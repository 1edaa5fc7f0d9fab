"""Pictures of a pack's timetable and letter for the documentation, taken with headless Chromium.

Run it after writing a pack::

    python -m runner.mockweek.screenshot out/midshire-mock-week/index.html \\
        docs/images/mock-week-timetable.png
    python -m runner.mockweek.screenshot out/midshire-mock-week/index.html \\
        docs/images/mock-week-letter.png letter

The letter is drawn as it prints: print styles, the width of an A4 page and the
height of its first page.

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


#: An A4 page at 96 pixels to the inch.
A4_PIXELS = (794, 1123)


def screenshot_timetable(
    html: Path, png: Path, *, width: int = 1280, height: int = 980, browser: Any = None
) -> Path:
    """Save the top ``height`` pixels of the pack's timetable section as ``png``.

    ``browser`` is a running Playwright browser to use; without one, chromium is
    started for this picture and closed after.
    """
    return _with_browser(browser, html, png, width, height, "timetable", False)


def screenshot_letter(html: Path, png: Path, *, browser: Any = None) -> Path:
    """Save the letter's first A4 page, as it prints, as ``png``."""
    width, height = A4_PIXELS
    return _with_browser(browser, html, png, width, height, "letter", True)


def _with_browser(
    browser: Any, html: Path, png: Path, width: int, height: int, section: str, printed: bool
) -> Path:
    if browser is not None:
        return _shoot(browser, html, png, width, height, section, printed)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            return _shoot(own, html, png, width, height, section, printed)
        finally:
            own.close()


def _shoot(
    browser: Any,
    html: Path,
    png: Path,
    width: int,
    height: int,
    section: str = "timetable",
    printed: bool = False,
) -> Path:
    def offline(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()

    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.route("**/*", offline)
        if printed:
            page.emulate_media(media="print")
        page.goto(html.resolve().as_uri())
        box = page.locator(f"#{section}").bounding_box()
        if box is None:
            raise ValueError(f"{html}: no {section} section")
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
    """``python -m runner.mockweek.screenshot PACK.html OUT.png [timetable|letter]``."""
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] not in ("timetable", "letter")):
        print(
            "usage: python -m runner.mockweek.screenshot PACK.html OUT.png [timetable|letter]",
            file=sys.stderr,
        )
        return 2
    take = screenshot_letter if argv[2:] == ["letter"] else screenshot_timetable
    print(take(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
