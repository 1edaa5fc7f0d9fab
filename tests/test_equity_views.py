"""Equity views: the tables by group, their suppression, the run report and the paired
comparison per group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import Run, load_scenario, simulate
from jtai_sim.experiments.equity import equity_differences
from jtai_sim.experiments.experiment import Experiment
from jtai_sim.experiments.results import Results
from jtai_sim.experiments.variants import Variant
from jtai_sim.results.equity import (
    ALL,
    CHARACTERISTICS,
    MEASURES,
    equity,
    equity_table,
    published,
    ratios,
)
from jtai_sim.results.report import RunTables, ScenarioSource, render_report
from jtai_sim.results.suppression import MARK, hidden_cells
from jtai_sim.scenario.loading import scenario_from_toml
from runner.cli import cli

#: GPs refer to a CAMHS point of access, which accepts 80% of referrals, and half as
#: many for Black children (the gradient); support has room for everyone.
ROUTES = """
name = "Routes"
duration_days = 700.0
warmup_days = 100.0
children = 100000
[demand.d]
agency = "gp"
rate_per_10k_per_year = 250.0
profile = { ethnicity = { White = 0.5, Black = 0.3, Asian = 0.2 }, deprived = 0.3 }
[agencies.gp]
[agencies.spa]
kind = "camhs_spa"
staff = 12
service = { mean_days = 1.0 }
[agencies.camhs]
kind = "camhs_community"
staff = 400
support = true
service = { mean_days = 60.0 }
[[pathways]]
from = "gp"
to = "spa"
probability = 1.0
[[pathways]]
from = "spa"
to = "camhs"
probability = 0.8
ethnicity_factors = { Black = 0.5 }
[flow]
camhs_referral = ["spa"]
camhs_support = ["camhs"]
"""


@pytest.fixture(scope="module")
def routes() -> Run:
    return simulate(scenario_from_toml(ROUTES), seed=3)


def row(table: pd.DataFrame, characteristic: str, group: str, measure: str) -> pd.Series:
    found = table[
        (table["characteristic"] == characteristic)
        & (table["group"] == group)
        & (table["measure"] == measure)
    ]
    assert len(found) == 1, (characteristic, group, measure)
    return found.iloc[0]


def test_the_table_shows_the_gap_for_the_group_with_the_gradient(routes: Run) -> None:
    table = equity(routes, suppress=False)
    black = row(table, "ethnicity", "Black", "camhs_rejected")
    white = row(table, "ethnicity", "White", "camhs_rejected")
    # rejected: 0.2 for others and 0.6 for Black children, by construction
    assert black["events"] > 500 and white["events"] > 500
    assert abs(white["rate"] - 0.2) < 0.04
    assert abs(black["rate"] - 0.6) < 0.05
    assert 2.5 < black["ratio"] < 3.5
    # no gradient by deprivation: a ratio near 1
    assert 0.8 < row(table, "deprivation", "deprived", "camhs_rejected")["ratio"] < 1.25
    # closed before support includes the refusals
    assert row(table, "ethnicity", "Black", "camhs_turned_away")["ratio"] > 2.0


def test_every_characteristic_and_its_total_are_in_the_table(routes: Run) -> None:
    table = equity(routes, suppress=False)
    assert list(dict.fromkeys(table["characteristic"])) == list(CHARACTERISTICS)
    assert set(table["measure"]) <= set(MEASURES)
    for (_c, measure), part in table.groupby(["characteristic", "measure"]):
        total = part[part["group"] == ALL].iloc[0]
        groups = part[part["group"] != ALL]
        # the groups of a characteristic partition the events and the counts
        assert groups["events"].sum() == total["events"], measure
        assert groups["count"].sum() == total["count"], measure


def test_a_ratio_is_the_rate_over_the_rate_of_the_other_children(routes: Run) -> None:
    table = equity(routes, suppress=False)
    total = row(table, "sex", ALL, "camhs_turned_away")
    girls = row(table, "sex", "female", "camhs_turned_away")
    rest = (total["rate"] * total["events"] - girls["rate"] * girls["events"]) / (
        total["events"] - girls["events"]
    )
    assert girls["ratio"] == pytest.approx(girls["rate"] / rest)
    assert ratios(table, "camhs_turned_away")[("sex", "female")] == pytest.approx(girls["ratio"])


def test_age_band_and_legal_status_are_read_at_the_time(routes: Run) -> None:
    table = equity(routes, suppress=False)
    ages = table[(table["characteristic"] == "age_band") & (table["group"] != ALL)]
    assert set(ages["group"]) == {"0-4", "5-10", "11-15", "16-17"}
    status = table[(table["characteristic"] == "legal_status") & (table["group"] != ALL)]
    # nobody in this partnership has a legal status: every event is under "none"
    counted = status.groupby("group")["events"].sum()
    assert counted.drop("none").sum() == 0 and counted["none"] > 0


# -- suppression -------------------------------------------------------------------------


def test_small_counts_are_hidden_and_one_hidden_cell_gets_a_partner() -> None:
    frame = pd.DataFrame(
        {
            "table": ["a"] * 4 + ["b"] * 4 + ["c"] * 3,
            "total": [True, False, False, False] * 2 + [True, False, False],
            "n": [100, 3, 40, 57, 100, 3, 7, 90, 5, 0, 5],
        }
    )
    hidden = hidden_cells(frame, ["n"], by=["table"], total="total")["n"].tolist()
    # a: 3 is hidden, and the next smallest (40) so 3 cannot be found from the total
    # b: two hidden already; c: the total itself is small, and so is its one part
    assert hidden == [False, True, True, False, False, True, True, False, True, False, True]


def test_zero_is_shown_and_ten_is_not_hidden() -> None:
    frame = pd.DataFrame({"total": [True, False, False], "n": [10, 0, 10]})
    assert not hidden_cells(frame, ["n"], by=[], total="total")["n"].any()


def small_run() -> Run:
    """Few children: many groups have fewer than ten events."""
    text = ROUTES.replace("rate_per_10k_per_year = 250.0", "rate_per_10k_per_year = 3.0")
    return simulate(scenario_from_toml(text), seed=1)


def test_published_tables_hide_small_counts_and_what_is_built_on_them() -> None:
    run = small_run()
    raw = equity(run, suppress=False)
    shown = equity(run)
    assert (
        (
            shown[["characteristic", "group", "measure"]]
            == raw[["characteristic", "group", "measure"]]
        )
        .all()
        .all()
    )
    assert (shown == MARK).to_numpy().any()
    for column in ("children", "events", "count"):
        values = raw[column].to_numpy()
        small = (values > 0) & (values < 10)
        assert (shown.loc[small, column] == MARK).all(), column
        # no number under 10 but zero is ever shown
        cells = shown[column][shown[column] != MARK].astype(int)
        assert not ((cells > 0) & (cells < 10)).any(), column
    hidden_events = shown["events"] == MARK
    assert (shown.loc[hidden_events, "rate"] == MARK).all()
    assert (shown.loc[hidden_events, "ratio"] == MARK).all()


def test_no_hidden_cell_can_be_worked_out_from_the_total() -> None:
    shown = equity(small_run())
    for column in ("children", "events", "count"):
        for key, part in shown.groupby(["characteristic", "measure"]):
            total_hidden = (part.loc[part["group"] == ALL, column] == MARK).any()
            hidden = int((part.loc[part["group"] != ALL, column] == MARK).sum())
            assert total_hidden or hidden != 1, (key, column)


def test_shares_are_whole_percent_and_waits_one_decimal(routes: Run) -> None:
    shown = equity(routes)
    shares = shown.loc[(shown["unit"] == "share") & (shown["rate"] != MARK), "rate"]
    assert all(isinstance(v, int) for v in shares if v != "–")
    black = row(shown, "ethnicity", "Black", "camhs_rejected")
    raw = row(equity(routes, suppress=False), "ethnicity", "Black", "camhs_rejected")
    assert black["rate"] == round(100 * raw["rate"])
    wait = row(shown, "sex", ALL, "camhs_wait")["rate"]
    assert wait == round(wait, 1)
    assert "rest_rate" not in shown.columns


def test_published_keeps_a_table_with_no_events() -> None:
    empty = equity_table(
        simulate(load_scenario("scenarios/jackson.toml"), seed=5, days=40).record,
        pd.DataFrame(columns=["child"]),
    )
    assert published(empty).empty


# -- the paired comparison per group ------------------------------------------------------


@pytest.fixture(scope="module")
def compared() -> Results:
    base = scenario_from_toml(ROUTES.replace("duration_days = 700.0", "duration_days = 500.0"))
    fair = Variant.from_sets("fair", ["pathways[spa->camhs].ethnicity_factors.Black=1.0"])
    return Experiment(base, [fair], replications=4, equity=True).run()


def test_removing_the_gradient_narrows_that_group_s_gap_only(compared: Results) -> None:
    table = equity_differences(compared, ["camhs_rejected", "camhs_turned_away", "camhs_wait"])
    assert set(table["variant"]) == {"fair"}
    rejected = table[(table["measure"] == "camhs_rejected") & (table["statistic"] == "rate")]
    by_group = rejected[rejected["characteristic"] == "ethnicity"].set_index("group")
    black = by_group.loc["Black"]
    # 0.6 refused before, 0.2 after: the difference and all of its interval are below 0
    assert black["high"] < 0 and abs(black["difference"] + 0.4) < 0.06
    assert black["n"] == 4
    for group in ("White", "Asian"):
        other = by_group.loc[group]
        assert abs(other["difference"]) < 0.02, group  # the same random numbers: unchanged
    ratio = table[
        (table["measure"] == "camhs_rejected")
        & (table["statistic"] == "ratio")
        & (table["characteristic"] == "ethnicity")
        & (table["group"] == "Black")
    ].iloc[0]
    assert ratio["base_mean"] > 2.5 and abs(ratio["variant_mean"] - 1.0) < 0.15
    waits = table[(table["measure"] == "camhs_wait") & (table["statistic"] == "rate")]
    assert len(waits) and np.isfinite(waits[["low", "high"]].to_numpy(float)).all()


def test_runs_without_equity_have_no_per_group_metrics() -> None:
    base = scenario_from_toml(ROUTES.replace("duration_days = 700.0", "duration_days = 200.0"))
    results = Experiment(base, [Variant("same")], replications=2).run()
    assert not any(k.startswith("equity.") for k in results.metric_keys())
    assert equity_differences(results).empty


# -- Midshire -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def midshire() -> Run:
    return simulate(load_scenario("midshire"), seed=1)


def test_midshire_camhs_refuses_deprived_children_about_twice_as_often(midshire: Run) -> None:
    table = equity(midshire, suppress=False)
    deprived = row(table, "deprivation", "deprived", "camhs_rejected")
    assert deprived["events"] > 1000
    assert 1.7 < deprived["ratio"] < 2.3
    # closing before support also counts children taken off the list: less than twice
    closed = row(table, "deprivation", "deprived", "camhs_turned_away")["ratio"]
    assert 1.2 < closed < deprived["ratio"]


def test_midshire_report_has_the_equity_section(midshire: Run) -> None:
    html = render_report(
        midshire, RunTables.of(midshire), ScenarioSource.of_scenario(midshire.scenario)
    )
    start = html.index('<section id="equity">')
    section = html[start : html.index("</section>", start)]
    assert '<a href="#equity">' in html
    for title in ("Sex", "Ethnic group", "Deprivation", "Age band at the time"):
        assert f"<h3>{title}</h3>" in section
    ratio = row(equity(midshire), "deprivation", "deprived", "camhs_rejected")["ratio"]
    assert f"({ratio:.2f})" in section


def test_compare_with_equity_reports_each_group(tmp_path: Path) -> None:
    scenario = tmp_path / "routes.toml"
    scenario.write_text(ROUTES.replace("duration_days = 700.0", "duration_days = 300.0"))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(scenario),
            "--set",
            "pathways[spa->camhs].ethnicity_factors.Black=1.0",
            "--label",
            "Fair triage",
            "-r",
            "2",
            "--equity",
            "-o",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    start = html.index('<section id="equity">')
    section = html[start : html.index("</section>", start)]
    assert "Fair triage" in section and "Black" in section and "Not accepted by CAMHS" in section
    # the per-group metrics are not repeated in the table of every metric
    assert "equity." not in html[html.index('<section id="all">') :]


def test_a_stored_equity_experiment_reads_back_with_its_groups(tmp_path: Path) -> None:
    from jtai_sim.experiments import results_from_store

    base = scenario_from_toml(ROUTES.replace("duration_days = 700.0", "duration_days = 200.0"))
    folder = tmp_path / "store"
    ran = Experiment(base, [Variant("same")], replications=2, equity=True).run(folder)
    read = results_from_store(folder)
    keys = [k for k in read.metric_keys() if k.startswith("equity.")]
    assert keys and keys == [k for k in ran.metric_keys() if k.startswith("equity.")]
    # the same experiment without equity does not reuse those runs' keys
    plain = Experiment(base, [Variant("same")], replications=2).run(tmp_path / "plain")
    assert not any(k.startswith("equity.") for k in plain.metric_keys())
