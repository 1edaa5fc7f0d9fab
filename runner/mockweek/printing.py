"""The facilitator pack printed to PDF in headless Chromium, and its pages counted.

Used by the tests and by hand to check that the pack prints as it should::

    python -m runner.mockweek.printing out/midshire-mock-week/index.html pack.pdf

prints ``index.html`` on A4 (the page sizes its print CSS asks for: portrait,
the timetables landscape) and says how many pages it took. :func:`page_count`
counts the page objects in the PDF's bytes (``/Type /Page``, not ``/Pages``):
Chromium writes each page as one uncompressed object dictionary, so this is
exact for its output without a PDF library. :func:`pages_alone` prints one
element of the pack on its own (with the sections around it, so the same CSS
applies) to check that it fits on one page.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runner.mockweek.screenshot import ARGS, CHROMIUM

_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages in a PDF written by Chromium (its ``/Type /Page`` objects)."""
    return len(_PAGE.findall(pdf))


@contextmanager
def _browser(browser: Any = None) -> Iterator[Any]:
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield own
        finally:
            own.close()


def _offline(route: Any) -> None:
    if route.request.url.startswith(("file:", "data:", "about:")):
        route.continue_()
    else:
        route.abort()


def _pdf(page: Any) -> bytes:
    data: bytes = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    return data


def print_pdf(html: Path, *, browser: Any = None) -> bytes:
    """``html`` printed to PDF on A4 (with the page sizes its CSS asks for)."""
    with _browser(browser) as b:
        context = b.new_context()
        try:
            page = context.new_page()
            page.route("**/*", _offline)
            page.goto(html.resolve().as_uri())
            return _pdf(page)
        finally:
            context.close()


#: keeps only ``element`` (found by a CSS selector) and its ancestors' own boxes
_ISOLATE = """(sel) => {
  const keep = document.querySelector(sel);
  if (!keep) return false;
  let node = keep;
  while (node.parentElement) {
    const parent = node.parentElement;
    for (const child of Array.from(parent.children)) {
      if (child !== node && !['HEAD', 'THEAD', 'COLGROUP', 'STYLE'].includes(child.tagName)) {
        child.remove();
      }
    }
    node = parent;
  }
  keep.style.breakBefore = 'auto';
  return true;
}"""


def pages_alone(html: Path, selectors: list[str], *, browser: Any = None) -> dict[str, int]:
    """Pages each element takes when printed on its own (the rest of the pack removed)."""
    out: dict[str, int] = {}
    with _browser(browser) as b:
        context = b.new_context()
        try:
            page = context.new_page()
            page.route("**/*", _offline)
            for selector in selectors:
                page.goto(html.resolve().as_uri())
                if not page.evaluate(_ISOLATE, selector):
                    raise ValueError(f"{html}: nothing matches {selector!r}")
                out[selector] = page_count(_pdf(page))
        finally:
            context.close()
    return out


def main(argv: list[str]) -> int:
    """``python -m runner.mockweek.printing PACK.html OUT.pdf``."""
    if len(argv) != 2:
        print("usage: python -m runner.mockweek.printing PACK.html OUT.pdf", file=sys.stderr)
        return 2
    data = print_pdf(Path(argv[0]))
    Path(argv[1]).write_bytes(data)
    print(f"{argv[1]}: {page_count(data)} pages")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))


__all__ = ["page_count", "pages_alone", "print_pdf"]
