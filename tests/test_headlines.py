"""Headlines: a comparison leads with what the variant's changes bear on, ranked by
effect against interval; urgent and routine apart; an experiment can name its own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.errors import ExperimentError
from jtai_sim.experiments import Experiment, Results, Variant
from jtai_sim.experiments.headlines import (
    changed_agencies,
    downstream,
    headlines,
    notes,
    wait_metrics,
)
from jtai_sim.experiments.report import render_report
from jtai_sim.experiments.results import VariantInfo
from jtai_sim.experiments.sweep import read_experiment_text
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fewer() -> Results:
    """Minimal with community CAMHS cut to two staff: a list forms there."""
    cut = Variant.from_sets("fewer", ["agencies.camhs.staff=2"], label="Two CAMHS staff")
    return Experiment(
        load_scenario("scenarios/minimal.toml"), (cut,), replications=4, days=400, seed=3
    ).run()


def test_changed_agencies_are_read_from_the_resolved_scenarios() -> None:
    s = load_scenario("scenarios/minimal.toml")

    def changed(*sets: str) -> list[str]:
        return changed_agencies(s, Variant.from_sets("v", list(sets)).apply(s))

    assert changed("agencies.camhs.staff+=1") == ["camhs"]
    assert changed("demand.school_concerns.rate_per_10k_per_year*=1.1") == ["school"]
    assert changed() == []
    assert "camhs" in downstream(s, ["camhs_spa"])
    assert "camhs_spa" not in downstream(s, ["camhs_spa"])


def test_a_list_that_prioritises_leads_with_urgent_and_routine_apart(fewer: Results) -> None:
    assert wait_metrics(fewer, "camhs") == [
        "wait.camhs.routine_restricted_mean_days",
        "wait.camhs.urgent_restricted_mean_days",
    ]
    leading = headlines(fewer)
    keys = [h.metric for h in leading]
    assert set(keys[:2]) == {
        "wait.camhs.routine_restricted_mean_days",
        "wait.camhs.urgent_restricted_mean_days",
    }
    assert "camhs.camhs.supported_share" in keys
    assert "clock.camhs_4_weeks.breach_share" in keys
    # a mean mixing the priorities, or over those who started only, never leads
    assert not {"wait.camhs.mean_days", "wait.camhs.restricted_mean_days"} & set(keys)
    assert not {"camhs.camhs.mean_wait_to_support_days"} & set(keys)
    assert 3 <= len(leading) <= 5
    for h in leading:
        assert h.sentence.startswith("Two CAMHS staff ") and "95% CI" in h.sentence


def test_within_a_tier_the_larger_effect_against_its_interval_leads(fewer: Results) -> None:
    leading = headlines(fewer)
    for tier in ("changed", "outcome"):
        scores = [h.score for h in leading if h.tier == tier]
        assert scores == sorted(scores, reverse=True), tier
    tiers = [h.tier for h in leading]
    assert tiers == sorted(tiers, key=["changed", "outcome", "downstream"].index)


def test_the_full_tables_start_with_the_headline_metrics(fewer: Results) -> None:
    keys = fewer.key_metrics()
    assert keys[: len(headlines(fewer))] == [h.metric for h in headlines(fewer)]
    assert "camhs.camhs.mean_wait_to_support_days" in keys  # the rest stays in the tables


def test_the_report_leads_with_the_headlines(fewer: Results) -> None:
    html = render_report(fewer)
    first = headlines(fewer)[0].sentence.replace("'", "&#39;")
    assert html.index("<h2>Headlines</h2>") < html.index(first) < html.index("<h2>Key metrics per")
    assert html.index("<h2>Headlines</h2>") < html.index("<h2>What was run</h2>")


def _results(change: str, values: dict[str, tuple[list[float], list[float]]]) -> Results:
    """Base and one variant (``change``) of minimal, with replication values chosen by hand."""
    s = load_scenario("scenarios/minimal.toml")
    more = Variant.from_sets("more", [change], label="More staff")
    infos = [
        VariantInfo("base", "Base", s, "a" * 64),
        VariantInfo("more", "More staff", more.apply(s), "b" * 64, (change,)),
    ]
    rows = [
        (name, r, key, float(v))
        for key, pair in values.items()
        for name, series in zip(("base", "more"), pair, strict=True)
        for r, v in enumerate(series)
    ]
    frame = pd.DataFrame(rows, columns=["variant", "replication", "metric", "value"])
    waits = pd.DataFrame(columns=["variant", "replication", "agency", "quantile", "days"])
    return Results(infos, frame, waits, {"name": "hand", "seed": 1})


def test_downstream_agencies_lead_only_with_a_clear_material_change() -> None:
    results = _results(
        "agencies.camhs_spa.staff+=1",
        {
            "wait.camhs_spa.restricted_mean_days": ([10, 11, 9, 10], [5, 6, 4, 5]),
            # downstream: a clear 10% cut, a clear but immaterial one, and none
            "wait.camhs.routine_restricted_mean_days": ([50, 51, 49, 50], [45, 46, 44, 45]),
            "wait.camhs.urgent_restricted_mean_days": ([5, 5.1, 4.9, 5], [4.99, 5.09, 4.89, 4.99]),
            "wait.cin_plan.restricted_mean_days": ([2, 2, 2, 2], [2, 2, 2, 2]),
        },
    )
    leading = headlines(results)
    assert [(h.metric, h.tier) for h in leading] == [
        ("wait.camhs_spa.restricted_mean_days", "changed"),
        ("wait.camhs.routine_restricted_mean_days", "downstream"),
    ]


def _hand_built(mean_up: bool) -> Results:
    """Two variants, four replications, values chosen by hand."""
    values = {  # metric: (base values, variant values)
        "wait.camhs.routine_restricted_mean_days": ([100, 102, 98, 101], [80, 83, 79, 81]),
        "wait.camhs.urgent_restricted_mean_days": ([5, 5.2, 4.9, 5.1], [4.9, 5.2, 4.8, 5.1]),
        "wait.camhs.restricted_mean_days": ([90, 92, 88, 91], [72, 75, 71, 73]),
        "wait.camhs.mean_days": (
            [40, 41, 39, 40],
            [50, 51, 49, 52] if mean_up else [30, 31, 29, 30],
        ),
        "wait.camhs.still_waiting_share": ([0.3] * 4, [0.2] * 4),
        "camhs.camhs.supported_share": ([0.30, 0.31, 0.29, 0.30], [0.36, 0.35, 0.37, 0.36]),
        "wait.assessment.restricted_mean_days": ([3, 3, 3, 3], [3, 3, 3, 3]),
    }
    return _results("agencies.camhs.staff+=2", values)


def test_a_started_only_mean_moving_the_other_way_is_explained() -> None:
    results = _hand_built(mean_up=True)
    leading = headlines(results)
    assert [h.metric for h in leading] == [
        "wait.camhs.routine_restricted_mean_days",
        "wait.camhs.urgent_restricted_mean_days",
        "camhs.camhs.supported_share",
    ]
    assert " cuts " in leading[0].sentence and "no clear difference" in leading[1].sentence
    (line,) = notes(results, leading)
    assert line.startswith("More staff: the mean wait for Community CAMHS rises while")
    assert "30.0% in the base" in line
    assert notes(_hand_built(mean_up=False), headlines(_hand_built(mean_up=False))) == []


EXPERIMENT = """
scenario = "{root}/scenarios/minimal.toml"
replications = 2
days = 200
headline = {headline}
[variants.more]
add = {{ "agencies.camhs.staff" = 1 }}
"""


def _read(headline: str) -> Experiment:
    return read_experiment_text(EXPERIMENT.format(root=ROOT, headline=headline), file="e.toml")


def test_an_experiment_file_names_its_headlines() -> None:
    exp = _read('["clock.camhs_4_weeks.breach_share", "wait.camhs.mean_days"]')
    assert exp.headline == ("clock.camhs_4_weeks.breach_share", "wait.camhs.mean_days")
    results = exp.run()
    assert results.settings["headline"] == list(exp.headline)
    leading = headlines(results)
    assert [h.metric for h in leading] == list(exp.headline)
    assert {h.tier for h in leading} == {"chosen"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["wait.camhz.mean_days"]', "headline: wait.camhz.mean_days: no agency 'camhz'"),
        ("[3]", "headline: must be metric keys (text), got 3"),
        ('"wait.camhs.mean_days"', "headline: must be a list of metric keys"),
    ],
)
def test_a_bad_headline_is_one_line_naming_the_key_and_value(value: str, message: str) -> None:
    with pytest.raises(ExperimentError) as caught:
        _read(value)
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_compare_prints_the_headlines_first(tmp_path: Path) -> None:
    args = ["compare", "minimal", "--set", "agencies.camhs.staff=2", "--label", "Two staff"]
    args += ["-r", "3", "--days", "300", "-q", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Headlines: Two staff against Base") < out.index("Key metrics")
    lead = out[out.index("Headlines:") : out.index("Key metrics")]
    first = "\n".join(lead.splitlines()[1:3])
    assert "routine referrals for Community CAMHS" in first
    assert "urgent referrals for Community CAMHS" in first
    assert "the share of CAMHS referrals supported" in lead
    bullets = [line for line in out.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5  # the other comparisons stay in the tables
    assert (tmp_path / "summary.html").exists() and (tmp_path / "summary.md").exists()


@pytest.mark.slow
def test_more_camhs_on_midshire_leads_with_its_waits_and_share_supported(tmp_path: Path) -> None:
    variant = ROOT / "scenarios/experiments/variants/more_camhs.toml"
    args = ["compare", "midshire", str(variant), "-r", "3", "--days", "730", "-q"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lead = result.output.split("Headlines:", 1)[1].split("Key metrics", 1)[0]
    bullets = [line for line in lead.splitlines() if line.startswith("- ")]
    # the two waits lead (ranked by effect against interval, so either first), then the share
    waits = sorted(bullets[:2], key=lambda b: "urgent" in b)
    assert "restricted mean wait of routine referrals for Community CAMHS" in waits[0]
    assert "urgent referrals for Community CAMHS" in waits[1]
    assert "the share of CAMHS referrals supported" in bullets[2]
    assert all("95% CI" in b for b in bullets)
    # where a started-only mean in the full tables moves clearly against the leading wait
    # that counts the children still waiting, a note says why (no silent contradiction)
    from jtai_sim.experiments import results_from_store

    results = results_from_store(tmp_path)
    name = results.names[1]

    def direction(key: str) -> int:
        row = results.differences([key]).iloc[0]
        return 1 if row["low"] > 0 else -1 if row["high"] < 0 else 0

    counted = direction("wait.camhs_community.restricted_mean_days")
    for started in ("camhs.camhs.mean_wait_to_support_days", "wait.camhs_community.mean_days"):
        moved = direction(started)
        if moved and counted and moved != counted:
            phrase = (
                "the mean wait from CAMHS referral to support"
                if "camhs.camhs" in started
                else "mean wait"
            )
            assert f"note: {results.info(name).title}:" in result.output and phrase in lead


def test_a_changed_clock_leads_with_its_breach_share() -> None:
    cut = Variant.from_sets("tight", ["clocks.camhs_4_weeks.limit=1"], label="One week")
    results = Experiment(
        load_scenario("scenarios/minimal.toml"), (cut,), replications=3, days=300, seed=2
    ).run()
    leading = headlines(results)
    assert [(h.metric, h.tier) for h in leading] == [
        ("clock.camhs_4_weeks.breach_share", "outcome")
    ]


def test_a_change_bearing_on_nothing_named_leads_with_the_clear_defaults() -> None:
    results = _results(
        "clocks.front_door_decision.limit=2",  # its breach share was not measured here
        {
            "wait.camhs.mean_days": ([10, 11, 9, 10], [5, 6, 4, 5]),
            "wait.camhs_spa.mean_days": ([2, 2.1, 1.9, 2], [2, 2.2, 1.8, 2]),
        },
    )
    assert [(h.metric, h.tier) for h in headlines(results)] == [("wait.camhs.mean_days", "ranked")]
