"""Midshire's default mock week printed to PDF in the real Chromium: A4, page budget, layout.

The pack is printed with ``page.pdf(format="A4")`` honouring the pack's own
``@page`` sizes; pages are counted from the PDF's ``/Type /Page`` objects (see
:func:`runner.mockweek.printing.page_count`). The layout rules are checked as far
as a browser lets a test see them: the print styles that keep headings with what
follows, start each audit sheet on a new page and keep a timetable day whole are
read back from the page in print media, and each audit sheet and each timetable
day is printed on its own to show it fits one page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from jtai_sim import load_scenario
from runner.mockweek.pipeline import mock_week_from_scenario, write_pack
from runner.mockweek.printing import page_count, pages_alone, print_pdf
from runner.mockweek.settings import default_settings

#: Midshire's default week must print in at most this many A4 pages
PAGE_BUDGET = 40
A4 = {(595, 842), (842, 595)}  # points, portrait and landscape


@pytest.fixture(scope="module")
def midshire_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    week = mock_week_from_scenario(
        load_scenario("midshire"), dt.date(2025, 6, 3), default_settings()
    )
    out = tmp_path_factory.mktemp("print") / "midshire"
    write_pack(week, out)
    return out / "index.html"


@pytest.mark.browser
def test_midshire_pack_prints_on_a4_within_the_budget(
    midshire_pack: Path, chromium: Any, tmp_path: Path
) -> None:
    pdf = print_pdf(midshire_pack, browser=chromium)
    (tmp_path / "pack.pdf").write_bytes(pdf)
    pages = page_count(pdf)
    assert 10 <= pages <= PAGE_BUDGET, f"{pages} pages"
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == pages
    assert {(round(float(w)), round(float(h))) for w, h in boxes} <= A4
    assert (842, 595) in {(round(float(w)), round(float(h))) for w, h in boxes}, "timetables"


@pytest.mark.browser
def test_print_styles_keep_headings_days_and_sheets_together(
    midshire_pack: Path, offline_page: Any
) -> None:
    page = offline_page.open(midshire_pack)
    page.emulate_media(media="print")
    styles = page.evaluate(
        """() => {
      const css = (el, p) => getComputedStyle(el).getPropertyValue(p);
      const all = (sel, p) => [...document.querySelectorAll(sel)].map(el => css(el, p));
      return {
        headings: all('h2, h3, h4', 'break-after'),
        sheets: all('#audits article.sheet', 'break-before'),
        sheetsInside: all('#audits article.sheet', 'break-inside'),
        days: all('#timetable tbody.tt-day', 'break-inside'),
        wide: ['#timetable', '#by-agency'].map(s => css(document.querySelector(s), 'page')),
      };
    }"""
    )
    assert set(styles["headings"]) == {"avoid"}
    assert styles["sheets"] and set(styles["sheets"]) == {"page"}
    assert set(styles["sheetsInside"]) == {"avoid"}
    assert len(styles["days"]) == 5 and set(styles["days"]) == {"avoid"}
    assert styles["wide"] == ["wide", "wide"]


@pytest.mark.browser
def test_each_audit_sheet_and_timetable_day_fits_one_page(
    midshire_pack: Path, chromium: Any
) -> None:
    html = midshire_pack.read_text()
    sheets = html.count('<article class="sheet"')
    assert sheets >= 5
    selectors = [f"#audits article.sheet:nth-of-type({n})" for n in range(1, sheets + 1)]
    selectors += [f"#timetable tbody.tt-day:nth-of-type({n})" for n in range(1, 6)]
    pages = pages_alone(midshire_pack, selectors, browser=chromium)
    assert pages == dict.fromkeys(selectors, 1)
