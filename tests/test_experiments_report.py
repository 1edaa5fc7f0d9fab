"""The comparison report: contents, the same bytes every time, and offline in a browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from jtai_sim import load_scenario
from jtai_sim.experiments import Experiment, Results, Variant, write_report
from jtai_sim.experiments.report import STRESS_DES, render_report


@pytest.fixture(scope="module")
def results() -> Results:
    more = Variant.from_sets(
        "more_camhs",
        ["agencies.camhs_spa.staff+=1", "agencies.camhs.staff+=3"],
        label="Three more CAMHS clinicians",
    )
    up = Variant.from_sets(
        "demand_up", ["demand.*.rate_per_10k_per_year*=1.15"], label="Demand up 15%"
    )
    return Experiment(
        load_scenario("scenarios/minimal.toml"),
        (more, up),
        replications=4,
        days=240,
        seed=8,
        name="Minimal what-if",
    ).run()


def test_report_states_what_was_run(results: Results) -> None:
    html = render_report(results)
    assert results.base.scenario_hash in html
    for text in (
        "Root seed",
        "8",
        "Replications per variant",
        "Run length",
        "240 days",
        "Warm-up",
        "60 days",
        "jtai-sim version",
        "agencies.camhs.staff+=3",
        "demand.*.rate_per_10k_per_year*=1.15",
    ):
        assert text in html, text


def test_report_sections_and_sentences(results: Results) -> None:
    html = render_report(results)
    for section in (
        "Key metrics per variant",
        "Differences from the base",
        "Waiting-time distributions",
        "Breach rates per statutory clock",
        "Reporting checklist (STRESS-DES)",
    ):
        assert section in html
    sentence = results.sentence("camhs.camhs.mean_wait_to_support_days", "demand_up")
    assert sentence.startswith("Demand up 15% ")
    assert "95% CI" in sentence
    assert sentence.replace("'", "&#39;") in html
    assert len(re.findall(r"<svg", html)) >= 8
    for item, _, _ in STRESS_DES:
        assert f"<td>{item}</td>" in html


def test_ids_are_unique_across_the_inline_charts(results: Results) -> None:
    html = render_report(results)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for ref in set(re.findall(r"url\(#([^)]+)\)", html)):
        assert ref in ids
    named = re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="[^"]+"', html
    )
    assert len(named) == html.count("<svg") >= 8


def test_sentences_say_which_way_and_how_sure(results: Results) -> None:
    d = results.differences(["wait.camhs_spa.mean_days"]).set_index("variant")
    sentence = results.sentence("wait.camhs_spa.mean_days", "more_camhs")
    if d.loc["more_camhs", "high"] < 0:
        assert " cuts the mean wait for CAMHS single point of access from " in sentence
        assert sentence.endswith("days shorter).")
    else:
        assert "makes no clear difference" in sentence


def test_same_results_same_bytes(results: Results, tmp_path: Path) -> None:
    a = write_report(results, tmp_path / "a")
    b = write_report(results, tmp_path / "b.html")
    assert a.name == "report.html"
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.rglob("*.partial*"))


def test_report_has_no_external_references(results: Results) -> None:
    html = render_report(results)
    assert "<script" not in html
    links = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert all(link.startswith("#") for link in links), links
    assert "@import" not in html
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", html))


@pytest.mark.browser
def test_report_works_offline_in_a_browser(
    results: Results, tmp_path: Path, offline_page: Any
) -> None:
    path = write_report(results, tmp_path)
    page = offline_page.open(path)
    assert offline_page.blocked == []
    assert offline_page.page_errors == []
    assert page.locator("h2").count() == 9  # with "Trusting the numbers"
    assert page.locator("svg").count() >= 8
    width = page.evaluate(
        "document.querySelector('section#metrics svg').getBoundingClientRect().width"
    )
    assert width > 200
