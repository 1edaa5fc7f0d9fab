"""The hand-written SVG of the report's charts and the partnership drawing: valid XML,
titled and labelled, escaped, measured text, axes that map the numbers where they belong."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.results import charts
from jtai_sim.results.report import RunTables
from jtai_sim.results.svg import Canvas, escape, num, text_width
from jtai_sim.simulation.run import Run

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def run() -> Run:
    return simulate(load_scenario("minimal"), seed=11, days=240)


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_text_width_matches_the_font() -> None:
    """The width table is DejaVu Sans's: matplotlib (which ships the font) agrees to 2%."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    for text in ("Front door (MASH)", "Waits per agency", "90% if at risk"):
        for bold in (False, True):
            prop = FontProperties(family="DejaVu Sans", size=9, weight="bold" if bold else "normal")
            width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
            assert text_width(text, 9, bold=bold) == pytest.approx(width, rel=0.02)
    assert text_width("→é", 10) == 20.0  # outside ASCII: counted wide


def test_numbers_and_escaping() -> None:
    assert [num(v) for v in (0.0, -0.001, 1.5, 2.345678, 1e6)] == [
        "0",
        "0",
        "1.5",
        "2.35",
        "1000000",
    ]
    assert escape('a<b & "c"\x01') == "a&lt;b &amp; &quot;c&quot;\\x01"


def test_canvas_is_valid_xml_with_a_name() -> None:
    canvas = Canvas(50, 20, title="<x>")
    canvas.lines(0, 10, ["one", "two & three"], size=8)
    root = ET.fromstring(canvas.svg(standalone=True).encode())
    assert root.get("role") == "img" and root.get("aria-label") == "<x>"
    assert root.find(f"{SVG}title").text == "<x>"  # type: ignore[union-attr]
    assert [t.text for t in root.iter(f"{SVG}text")] == ["one", "two & three"]


def test_every_chart_is_titled_labelled_and_valid(run: Run) -> None:
    svgs = charts.all_charts(run, RunTables.of(run).as_dict())
    titles = {
        "waits": "Waits per agency",
        "clocks": "Statutory and NHS clocks met",
        "handoffs": "How information arrived, per pathway",
        "arrivals": "Weekly arrivals at the main agencies",
    }
    axis = {
        "waits": "wait from referral to start of service (days, log scale beyond 1 day)",
        "clocks": "share met (of clocks met or breached)",
        "handoffs": "share of hand-offs and notifications",
        "arrivals": "referrals arriving per week",
    }
    for name, svg in svgs.items():
        root = ET.fromstring(svg)
        assert root.get("aria-label") == titles[name]
        assert titles[name] in texts(svg) and axis[name] in texts(svg)
        assert 300 < float(root.get("width", "0pt")[:-2]) <= 504
    assert "Front door (MASH)" in texts(svgs["waits"])
    assert {"complete", "partial", "lost"} <= set(texts(svgs["handoffs"]))


def test_clock_bars_are_as_long_as_their_share(run: Run) -> None:
    clocks = run.clocks()
    svg = charts.clocks_chart(clocks)
    bars = [r for r in ET.fromstring(svg).iter(f"{SVG}rect")]
    decided = clocks[clocks["met"] + clocks["breached"] > 0]
    assert len(bars) == len(decided)
    full = max(float(b.get("width", 0)) for b in bars) / max(decided["met_share"])
    for bar, share in zip(bars, decided["met_share"], strict=True):
        assert float(bar.get("width", 0)) == pytest.approx(full * share, abs=0.02)


def test_empty_charts_say_why() -> None:
    import pandas as pd

    svg = charts.clocks_chart(pd.DataFrame({"met": [], "breached": [], "met_share": []}))
    assert texts(svg) == ["No clock was met or breached in the window."]


def test_axes_helpers() -> None:
    assert charts.symlog(0.5) < charts.symlog(1.0) < charts.symlog(7.0) < charts.symlog(365.0)
    assert charts.count_ticks(0.5) == [0]
    assert charts.count_ticks(9.0) == [0, 2, 4, 6, 8]
    ticks = charts.date_ticks(dt.date(2020, 1, 1), dt.date(2030, 1, 1))
    assert 4 <= len(ticks) <= 9 and all(t == str(d.year) for d, t in ticks)
    weeks = charts.date_ticks(dt.date(2024, 4, 10), dt.date(2024, 5, 20))  # under 3 months
    assert [d.weekday() for d, _ in weeks] == [dt.date(2024, 4, 10).weekday()] * len(weeks)
    assert len(weeks) >= 3 and weeks[0][1] == "10 Apr 2024"
    ax = charts.Axes(left=10, top=0, right=110, bottom=50, low=0, high=1, rows=2)
    assert (ax.x(0.5), ax.row(0), ax.row(1), ax.y(1.0)) == (60.0, 12.5, 37.5, 0.0)


def test_run_report_needs_no_matplotlib() -> None:
    """``jtai-sim run`` draws without matplotlib, so it is not even imported."""
    code = (
        "import sys, tempfile, pathlib\n"
        "from jtai_sim import load_scenario, simulate\n"
        "from jtai_sim.results.output import write_run\n"
        "run = simulate(load_scenario('jackson'), seed=1, days=20)\n"
        "write_run(run, pathlib.Path(tempfile.mkdtemp()) / 'r')\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
