"""The one-page board summary: what was run, findings with intervals, caveats; written
by run and compare beside their other files; prints to one A4 page in the browser."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, simulate
from jtai_sim.experiments import Experiment, Results, Variant
from jtai_sim.experiments.board import comparison_board, write_comparison_board
from jtai_sim.results.board import (
    HTML_FILE,
    LIMITS,
    MARKDOWN_FILE,
    Board,
    board_html,
    board_markdown,
    run_board,
    short_caveats,
    wilson,
)
from jtai_sim.results.output import FILES, write_run
from jtai_sim.results.report import RunTables, ScenarioSource
from runner.cli import cli
from runner.mockweek.printing import page_count, print_pdf

ROOT = Path(__file__).resolve().parent.parent
A4 = (595, 842)  # points


@pytest.fixture(scope="module")
def comparison() -> Results:
    cut = Variant.from_sets("fewer", ["agencies.camhs.staff=2"], label="Two CAMHS staff")
    return Experiment(
        load_scenario("scenarios/minimal.toml"), (cut,), replications=3, days=300, seed=5
    ).run()


@pytest.fixture(scope="module")
def demo_board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The board of `make demo`'s run: Midshire, two years, the scenario's seed."""
    out = tmp_path_factory.mktemp("demo") / "midshire"
    result = CliRunner().invoke(
        cli, ["run", str(ROOT / "scenarios/midshire.toml"), "--years", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def _external(html: str) -> list[str]:
    links = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    return [link for link in links if not link.startswith("#")] + re.findall(
        r"<script|@import|@font-face|url\(", html
    )


def test_a_board_in_html_and_markdown() -> None:
    board = Board("Town", (("Seed", "7"),), ("One finding.", "Two."), ("A caveat.",))
    html, md = board_html(board), board_markdown(board)
    assert _external(html) == []
    assert "@page { size: A4" in html
    assert html == board_html(board)  # same board, same bytes
    for text in ("What was run", "Findings", "Caveats", "One finding.", "A caveat.", LIMITS[0]):
        assert text in html and text in md
    assert "1. One finding.\n2. Two.\n" in md
    assert "- **Seed:** 7" in md


def test_wilson_interval_and_short_caveats() -> None:
    low, high = wilson(0, 50)
    assert low == 0.0 and 0.05 < high < 0.08
    assert all(math.isnan(x) for x in wilson(5, 0))  # no trials
    lines = [f"M{i} (m{i}) is not precise enough in Base: ..." for i in range(9)]
    kept = short_caveats(["A list grew", *lines])
    assert kept == (
        "A list grew.",
        "9 of the metrics are less precise than the target or have no value in some "
        "replications; more replications would narrow them (the report lists them).",
    )
    many = short_caveats([f"warning {i}" for i in range(10)], most=4)
    assert len(many) == 4 and many[-1] == "7 more warnings are in the full report."


def test_run_writes_the_board_beside_its_other_files(tmp_path: Path) -> None:
    run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=200)
    folder = write_run(run, tmp_path / "r")
    assert HTML_FILE in FILES and MARKDOWN_FILE in FILES
    md = (folder / MARKDOWN_FILE).read_text()
    assert "**Seed:** 2" in md and "**jtai-sim version:**" in md and "200 days" in md
    assert "This is one run" in md
    assert _external((folder / HTML_FILE).read_text()) == []
    again = write_run(run, tmp_path / "again")
    assert (again / HTML_FILE).read_bytes() == (folder / HTML_FILE).read_bytes()
    assert not list(tmp_path.rglob("*.partial*"))


def test_a_single_runs_findings_are_its_worst_clocks_and_longest_waits() -> None:
    s = load_scenario("scenarios/minimal.toml")
    run = simulate(s, seed=4, days=400)
    board = run_board(run, RunTables.of(run), ScenarioSource.of_scenario(s))
    assert 1 <= len(board.findings) <= 5
    clocks = [f for f in board.findings if "was breached for" in f]
    assert clocks and all("(95% interval " in f for f in clocks)
    shares = [float(re.findall(r"breached for ([\d.]+)%", f)[0]) for f in clocks]
    assert shares == sorted(shares, reverse=True)


def test_the_comparison_board_leads_with_the_headlines(comparison: Results, tmp_path: Path) -> None:
    from jtai_sim.experiments.headlines import headlines

    board = comparison_board(comparison)
    assert 3 <= len(board.findings) <= 5
    assert list(board.findings) == [h.sentence for h in headlines(comparison)][:5]
    what = dict(board.what)
    assert what["Seed"] == "5" and what["Replications"].startswith("3 per variant")
    assert what["Variant: Two CAMHS staff"] == "agencies.camhs.staff=2"
    assert "300 days" in what["Run length"] and what["jtai-sim version"]
    html, md = write_comparison_board(comparison, tmp_path)
    assert html.name == "summary.html" and md.name == "summary.md"
    assert _external(html.read_text()) == []


def test_run_prints_where_the_board_is(tmp_path: Path) -> None:
    args = ["run", "jackson", "--days", "60", "--out", str(tmp_path / "run")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"summary: {tmp_path / 'run' / 'summary.html'}" in result.output


@pytest.mark.browser
def test_the_demo_runs_board_prints_to_one_a4_page(
    demo_board: Path, chromium: Any, tmp_path: Path
) -> None:
    pdf = print_pdf(demo_board / HTML_FILE, browser=chromium)
    (tmp_path / "summary.pdf").write_bytes(pdf)
    assert page_count(pdf) == 1
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert [(round(float(w)), round(float(h))) for w, h in boxes] == [A4]
    md = (demo_board / MARKDOWN_FILE).read_text()
    assert md.count("\n1. ") == 1 and "\n3. " in md  # three to five findings


@pytest.mark.browser
def test_the_comparison_board_prints_to_one_a4_page(
    comparison: Results, chromium: Any, tmp_path: Path
) -> None:
    html, _ = write_comparison_board(comparison, tmp_path)
    assert page_count(print_pdf(html, browser=chromium)) == 1


@pytest.mark.browser
def test_the_board_fetches_nothing(demo_board: Path, offline_page: Any) -> None:
    page = offline_page.open(demo_board / HTML_FILE)
    assert page.title() == "Midshire: board summary"
    assert offline_page.blocked == [] and offline_page.console_errors == []


@pytest.mark.browser
def test_a_grid_of_six_variants_still_fits_one_page(chromium: Any, tmp_path: Path) -> None:
    variants = tuple(
        Variant.from_sets(f"v{i}", [f"agencies.camhs.staff={i}"], label=f"CAMHS staff {i}")
        for i in range(2, 8)
    )
    results = Experiment(
        load_scenario("scenarios/minimal.toml"), variants, replications=2, days=200, seed=1
    ).run()
    board = comparison_board(results)
    assert len(board.findings) == 5 and any(label == "Variants" for label, _ in board.what)
    assert "1 more variant is compared in the full report." in board.caveats
    html, _ = write_comparison_board(results, tmp_path)
    assert page_count(print_pdf(html, browser=chromium)) == 1


def test_replications_of_the_base_alone_have_findings_with_intervals() -> None:
    results = Experiment(
        load_scenario("scenarios/minimal.toml"), (), replications=3, days=300
    ).run()
    board = comparison_board(results)
    assert 1 <= len(board.findings) <= 5
    assert all("95% CI" in f for f in board.findings)
    assert "was breached for" in board.findings[0]
