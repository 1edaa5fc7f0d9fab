"""Pages that fit, checked in the real Chromium: the run report's clock table keeps every
column on screen and on A4, and the partnership drawing fits the page width, says what
arrives at every entry agency and keeps its arrows and labels off the legend and inside
the picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.results.drawing import agency_text, partnership_svg
from jtai_sim.results.output import write_run
from jtai_sim.scenario.partnership import entry_agencies

BUILT_IN = ("midshire", "minimal", "jackson", "single_desk")
#: Widths (CSS pixels): a laptop screen, a small one, and A4 portrait's printable width
#: (210 mm less Chromium's default margins of about 10 mm a side).
SCREENS = (1400, 1024)
A4_PRINT = 718

#: Right edges of a table's cells beyond what holds it (0 when everything shows).
_OVERFLOW = """(selector) => {
  const table = document.querySelector(selector);
  const holder = table.parentElement;
  const edge = Math.min(holder.getBoundingClientRect().right,
                        document.documentElement.clientWidth);
  const cells = Array.from(table.querySelectorAll("th, td"));
  const worst = Math.max(...cells.map(c => c.getBoundingClientRect().right));
  return Math.max(0, worst - edge, holder.scrollWidth - holder.clientWidth);
}"""
#: How far the partnership drawing runs past its section, and its scale (shown / drawn).
_DRAWING = """() => {
  const svg = document.querySelector("#partnership svg");
  const section = document.querySelector("#partnership").getBoundingClientRect();
  const box = svg.getBoundingClientRect();
  return {over: Math.max(0, box.right - Math.min(section.right,
                              document.documentElement.clientWidth)),
          scale: box.width / svg.viewBox.baseVal.width};
}"""


@pytest.fixture(scope="module")
def midshire_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = simulate(load_scenario("midshire"), seed=5, days=200)
    return write_run(run, tmp_path_factory.mktemp("report") / "midshire") / "report.html"


@pytest.mark.browser
@pytest.mark.parametrize("width", [*SCREENS, A4_PRINT])
def test_clock_table_and_drawing_fit(offline_page: Any, midshire_report: Path, width: int) -> None:
    page = offline_page.page
    page.set_viewport_size({"width": width, "height": 900})
    if width == A4_PRINT:
        page.emulate_media(media="print")
    offline_page.open(midshire_report)
    assert page.evaluate(_OVERFLOW, "#clocks table") <= 1.0
    drawing = page.evaluate(_DRAWING)
    assert drawing["over"] <= 1.0
    # fitting by shrinking a long strip to nothing would not do: text stays legible
    assert drawing["scale"] >= 0.5, drawing


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_entry_agency_says_what_arrives(name: str) -> None:
    scenario = load_scenario(name)
    entries = entry_agencies(scenario)
    for key in entries:
        last = agency_text(scenario, key, entries).splitlines()[-1]
        assert last.startswith("entry: ") and last.removeprefix("entry: ").strip(), (key, last)


_GEOMETRY = """() => {
  const svg = document.querySelector("svg");
  const view = svg.getBoundingClientRect();
  const legend = svg.querySelector("g.legend").getBoundingClientRect();
  const drawn = Array.from(svg.querySelectorAll("path, polygon, rect, text"))
    .filter(e => !e.closest("g.legend")).map(e => e.getBoundingClientRect());
  const hits = drawn.filter(b => b.bottom > legend.top && b.left < legend.right
                                 && b.right > legend.left).length;
  const outside = drawn.filter(b => b.left < view.left - 0.5 || b.top < view.top - 0.5
                                    || b.right > view.right + 0.5
                                    || b.bottom > view.bottom + 0.5).length;
  return {hits, outside};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("name", BUILT_IN)
def test_drawing_keeps_off_the_legend_and_inside_the_picture(
    offline_page: Any, tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.svg"
    path.write_text(partnership_svg(load_scenario(name)), encoding="utf-8")
    page = offline_page.open(path)
    geometry = page.evaluate(_GEOMETRY)
    assert geometry == {"hits": 0, "outside": 0}
