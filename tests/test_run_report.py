"""The offline run report: content from the metric tables, escaping, charts, a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.results import charts
from jtai_sim.results.output import write_run
from jtai_sim.results.report import RunTables, ScenarioSource, fmt_count, fmt_share, render_report
from jtai_sim.scenario.builtin import load_text
from jtai_sim.simulation.run import Run

ROOT = Path(__file__).resolve().parent.parent
ATTACK = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def minimal_run() -> Run:
    return simulate(load_scenario("minimal"), seed=11, days=240)


@pytest.fixture(scope="module")
def minimal_html(minimal_run: Run) -> str:
    tables = RunTables.of(minimal_run)
    return render_report(
        minimal_run, tables, ScenarioSource.of_file(ROOT / "scenarios/minimal.toml")
    )


def hostile_scenario_text() -> str:
    text = (ROOT / "scenarios" / "minimal.toml").read_text()
    text = text.replace('label = "Police"', f'label = "{ATTACK}"')
    return text.replace('name = "Minimal"', 'name = "Minimal <i>& friends</i>"')


def test_page_is_self_contained(minimal_html: str) -> None:
    assert minimal_html.startswith("<!DOCTYPE html>")
    assert "<script" not in minimal_html.lower()
    assert "<link" not in minimal_html.lower()
    assert not re.search(r"\bsrc=", minimal_html)
    assert "@import" not in minimal_html and "url(http" not in minimal_html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", minimal_html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_page_has_every_section_and_chart(minimal_html: str) -> None:
    for section in (
        "run",
        "headlines",
        "partnership",
        "waits",
        "clocks",
        "flow",
        "camhs",
        "handoffs",
        "mental-health",
        "utilisation",
        "reviews",
        "arrivals",
    ):
        assert f'<section id="{section}">' in minimal_html
    assert minimal_html.count("<svg ") == 5  # four charts and the partnership
    assert minimal_html.count("<table") >= 9


def test_ids_are_unique_across_inline_svgs(minimal_html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', minimal_html)
    assert len(ids) == len(set(ids))
    for ref in set(re.findall(r"url\(#([^)]+)\)", minimal_html)):
        assert ref in ids


def test_numbers_come_from_the_metric_tables(minimal_run: Run, minimal_html: str) -> None:
    for clock in minimal_run.clocks().to_dict("records"):
        decided = clock["met"] + clock["breached"]
        cell = f'{fmt_share(clock["met_share"], 1)}</strong> <span class="of">'
        assert cell + f"({fmt_count(clock['met'])} of {fmt_count(decided)})" in minimal_html
    for wait in minimal_run.waits().to_dict("records"):
        assert f'<td class="n">{fmt_count(wait["children"])}</td>' in minimal_html
    camhs = minimal_run.camhs().set_index("measure")["value"]
    assert fmt_share(camhs["supported_share"], 1) in minimal_html
    assert f"{len(minimal_run.log):,}" in minimal_html


def test_headlines_name_the_worst_clock_first(minimal_run: Run, minimal_html: str) -> None:
    clocks = minimal_run.clocks()
    clocks = clocks[clocks["breached"] > 0].sort_values("met_share")
    headlines = re.search(r'<ul class="headlines">(.*?)</ul>', minimal_html, re.S)
    assert headlines is not None
    first = re.search(r"<li>(.*?)</li>", headlines.group(1))
    assert first is not None and first.group(1).startswith(clocks.iloc[0]["label"])


def test_no_generation_time_or_paths(minimal_html: str) -> None:
    assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:", minimal_html)
    assert str(ROOT) not in minimal_html and "/tmp" not in minimal_html


def test_labels_are_escaped() -> None:
    scenario = load_text(hostile_scenario_text())
    run = simulate(scenario, seed=1, days=90)
    html = render_report(run, RunTables.of(run), ScenarioSource.of_scenario(scenario))
    assert ATTACK not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>" not in html and "Minimal &lt;i&gt;&amp; friends&lt;/i&gt;" in html


def test_scenario_without_clocks_or_funnel_renders() -> None:
    run = simulate(load_scenario("jackson"), seed=2, days=50)
    html = render_report(run, RunTables.of(run), ScenarioSource.of_scenario(run.scenario))
    assert "This scenario defines no clocks." in html
    assert "names no funnel stages" in html
    assert "built in code" in html


def test_box_medians_match_the_waits_table(minimal_run: Run) -> None:
    samples = charts.wait_samples(minimal_run)
    for row in minimal_run.waits().to_dict("records"):
        wait = samples[row["agency"]]
        assert len(wait) == row["children"]
        if len(wait):
            assert np.median(wait) == pytest.approx(row["median_days"])
            assert wait.mean() == pytest.approx(row["mean_days"])


def test_weekly_arrivals_count_every_arrival(minimal_run: Run) -> None:
    agencies = charts.main_agencies(minimal_run)
    assert agencies[0] == "front_door"  # the first funnel stage
    weekly = charts.weekly_arrivals(minimal_run, agencies)
    events = minimal_run.events
    weeks = len(weekly)
    arrivals = events[(events["kind"] == "arrive") & (events["time"] < weeks * 7)]
    for key in agencies:
        assert weekly[key].sum() == (arrivals["agency"] == key).sum()


def test_charts_are_reproducible(minimal_run: Run) -> None:
    tables = RunTables.of(minimal_run).as_dict()
    assert charts.all_charts(minimal_run, tables) == charts.all_charts(minimal_run, tables)


# -- in a real browser -----------------------------------------------------------------


@pytest.mark.browser
def test_report_in_headless_chromium(offline_page: Any, tmp_path: Path) -> None:
    scenario = load_text(hostile_scenario_text(), file="hostile.toml")
    run = simulate(scenario, seed=4, days=150)
    folder = write_run(run, tmp_path / "hostile")
    dialogs: list[str] = []
    offline_page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = offline_page.open(folder / "report.html")
    assert offline_page.console_errors == []
    assert offline_page.page_errors == []
    assert offline_page.blocked == []
    assert dialogs == []
    assert page.locator("table").count() >= 9
    assert page.locator("figure svg").count() == 5
    for svg in page.locator("figure svg").all():
        box = svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    # the hostile label is shown as text, in tables and in the drawing
    assert page.get_by_text(ATTACK, exact=True).count() >= 2
    assert page.locator("script").count() == 0
    assert page.title() == "Minimal <i>& friends</i>: simulated run (seed 4)"
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
