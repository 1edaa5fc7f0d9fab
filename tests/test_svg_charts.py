"""The hand-written SVG of the run report's and the experiments' charts and the partnership
drawing: valid XML, titled and labelled, escaped, measured text, axes that map the numbers
where they belong, and no plotting library loaded to draw them."""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.experiments import plots
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


def experiment_charts(nan: float = 1.0, inf: float = 1.0) -> dict[str, str]:
    """One of each experiment chart; ``nan`` and ``inf`` multiply some of the values."""
    return {
        "interval": plots.interval_chart(
            ["Base", "More staff"],
            [0.25, 0.2 * nan],
            [0.2, 0.15 * nan],
            [0.3 * inf, 0.25],
            title="Share seen within 4 weeks",
            unit="share",
            zero_line=True,
            prefix="i",
        ),
        "distribution": plots.distribution_chart(
            [0.25, 0.5, 0.75],
            {"Base": [2.0, 5.0 * nan, 9.0], "More staff": [1.0, 3.0, 6.0 * inf]},
            title="Waits for the desk",
            prefix="d",
        ),
        "breaches": plots.breach_chart(
            ["Decision within 1 working day", "Seen within 4 weeks"],
            ["Base", "More staff"],
            np.array([[0.1, 0.05 * nan], [0.4, 0.3]]),
            np.array([[0.05, 0.02], [0.3 * inf, 0.2]]),
            np.array([[0.15, 0.08], [0.5, 0.4]]),
            prefix="b",
        ),
        "welch": plots.welch_chart(
            [2.5, 7.5, 12.5, 17.5],
            [1.0, 3.0 * nan, 4.0, 4.2 * inf],
            [1.5, 2.5, 3.5, 4.0],
            10.0,
            title="Mean wait at the desk by arrival",
            ylabel="mean wait (days)",
            prefix="w",
        ),
    }


def test_experiment_charts_are_titled_labelled_and_valid() -> None:
    svgs = experiment_charts()
    titles = {
        "interval": "Share seen within 4 weeks",
        "distribution": "Waits for the desk",
        "breaches": "Breach rates per statutory clock",
        "welch": "Mean wait at the desk by arrival",
    }
    labels = {
        "interval": {"percentage points", "Base", "More staff"},
        "distribution": {"wait (days)", "children waiting up to this long (%)", "More staff"},
        "breaches": {"breached (%)", "Seen within 4 weeks", "Base", "More staff"},
        "welch": {
            "day of the run",
            "mean wait (days)",
            "mean over replications",
            "moving average",
            "suggested warm-up: 10 days",
        },
    }
    for name, svg in svgs.items():
        root = ET.fromstring(svg)
        assert root.get("aria-label") == titles[name], name
        assert root.find(f"{SVG}title").text == titles[name]  # type: ignore[union-attr]
        assert titles[name] in texts(svg) and labels[name] <= set(texts(svg)), name
        assert root.get("width") == "504pt"
        for element in root.iter():
            if element.get("id"):  # only clip paths, named for their chart
                assert element.get("id", "").startswith(f"{name[0]}-")
    assert svgs == experiment_charts()  # the same numbers, the same bytes


def test_experiment_charts_leave_out_what_is_not_finite() -> None:
    """NaN and infinite values are drawn as missing: no coordinate says nan or inf."""
    svgs = experiment_charts(nan=math.nan, inf=math.inf)
    for svg in svgs.values():
        ET.fromstring(svg)
        numbers = re.findall(r'(?:x|y|x1|x2|y1|y2|cx|cy|width|height|points)="([^"]*)"', svg)
        assert not any(re.search(r"nan|inf", n, re.I) for n in numbers)
    assert "no value" in texts(svgs["breaches"])  # the bar with no mean
    assert "no value" in texts(svgs["interval"])  # the variant with neither mean nor interval
    circles = list(ET.fromstring(svgs["interval"]).iter(f"{SVG}circle"))
    assert len(circles) == 1  # the variant's mean is missing: only the base's dot
    polylines = list(ET.fromstring(svgs["welch"]).iter(f"{SVG}polyline"))
    assert len(polylines) == 1  # the ensemble mean has no two finite points in a row


def test_interval_dots_and_breach_bars_sit_at_their_values() -> None:
    svg = plots.interval_chart(
        ["a", "b", "c"], [1.0, 2.0, 4.0], [0.5, 1.5, 3.0], [1.5, 2.5, 5.0], title="t", unit="days"
    )
    x = [float(c.get("cx", 0)) for c in ET.fromstring(svg).iter(f"{SVG}circle")]
    assert (x[2] - x[1]) == pytest.approx(2 * (x[1] - x[0]), abs=0.02)
    means = np.array([[0.1, 0.2], [0.4, 0.0]])
    svg = plots.breach_chart(["one", "two"], ["A", "B"], means, means * 0.8, means * 1.2)
    widths = [float(r.get("width", 0)) for r in ET.fromstring(svg).iter(f"{SVG}rect")][:4]
    full = widths[2] / 0.4  # the legend's boxes come after the bars
    assert widths == pytest.approx([full * m for m in means.ravel()], abs=0.02)


def test_compare_needs_no_matplotlib(tmp_path: Path) -> None:
    """``jtai-sim compare`` draws its report's charts without matplotlib, so it is not even
    imported; every chart in the report is named, titled and has its axis labelled."""
    out = tmp_path / "c"
    code = (
        "import sys\n"
        "from runner.cli import main\n"
        "sys.argv = ['jtai-sim', 'compare', 'minimal', '--set', 'agencies.camhs.staff+=1',\n"
        f"            '-r', '2', '--days', '61', '--warmup', '0', '--out', {str(out)!r}, '-q']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    html = (out / "report.html").read_text()
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) >= 8
    axes = {"days", "%", "percentage points", "wait (days)", "breached (%)"}
    for svg in svgs:
        root = ET.fromstring(svg)
        title = root.get("aria-label")
        assert title and root.find(f"{SVG}title").text == title  # type: ignore[union-attr]
        assert title in " ".join(texts(svg))  # drawn, wrapped if long
        assert axes & set(texts(svg)), title
