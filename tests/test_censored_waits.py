"""Waits that count the children still waiting (Kaplan-Meier), and the warnings about waits.

* on a log built by hand, every figure can be worked out on paper;
* the acceptance check: on an overloaded agency the censoring-aware wait rises with the
  run's length while the mean over children who started barely moves, and the reports
  and the command line name the method;
* variants are judged on the same cohort (common random numbers give both arms the same
  referrals to an entry agency);
* a list that settles is not called growing; one that grows is, on standard error too.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, simulate
from jtai_sim.calendar import calendar_for
from jtai_sim.results import censored
from jtai_sim.results.censored import METHOD, censored_waits, kaplan_meier
from jtai_sim.results.metrics import waits
from jtai_sim.results.record import RunRecord
from jtai_sim.results.report import RunTables, ScenarioSource, render_report
from jtai_sim.scenario.builtin import load_text
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import EventKind, ExitReason, Origin

K = EventKind

#: One clinic with two staff seeing a child a day each (2 a day) and 2.8 referrals a day,
#: 68% of them urgent: urgent children (1.9 a day) are seen, routine ones mostly wait on.
OVERLOADED = """\
name = "Overloaded clinic"
children = 10000
duration_days = 450.0
warmup_days = 100.0
start_date = 2025-04-01

[calendar]
bank_holidays = false

[demand.walk_in]
agency = "clinic"
rate_per_10k_per_year = 1022.7
profile = { at_risk = 0.68 }

[agencies.clinic]
label = "The clinic"
staff = 2
urgent_if = ["at_risk"]
service = { kind = "exponential", mean_days = 1.0 }
"""


@pytest.fixture(scope="module")
def overloaded() -> Scenario:
    return load_text(OVERLOADED, "overloaded.toml")


def record_of(rows: list[tuple[float, int, EventKind, int, float]]) -> RunRecord:
    """A log at minimal's front door (4 places), no warm-up, a 365-day run."""
    scenario = attrs.evolve(load_scenario("minimal"), warmup_days=0.0)
    door = scenario.agency_ids.index("front_door")
    log = EventLog(scenario.agency_ids)
    for time, child, kind, detail, value in sorted(rows, key=lambda r: r[0]):
        other = int(Origin.NEW) if kind == K.ARRIVE else -1
        log.add(time, child, door, int(kind), other, detail, value)
    return RunRecord(scenario, calendar_for(scenario), log.records())


def test_a_hand_built_log_gives_the_kaplan_meier_figures_worked_on_paper() -> None:
    record = record_of(
        [
            (10.0, 1, K.ARRIVE, 0, 0.0),
            (10.0, 1, K.WAIT, 0, 4.0),
            (12.0, 1, K.START, 0, 2.0),  # waited 2 days
            (20.0, 2, K.ARRIVE, 0, 0.0),
            (20.0, 2, K.WAIT, 0, 4.0),  # still waiting at day 365: censored at 345
            (30.0, 3, K.ARRIVE, 0, 0.0),
            (30.0, 3, K.WAIT, 0, 4.0),
            (40.0, 3, K.EXIT, 0, float(ExitReason.TAKEN_OFF)),  # taken off: censored at 10
            (50.0, 4, K.ARRIVE, 0, 0.0),
            (50.0, 4, K.START, 0, 0.0),  # seen at once
            (100.0, 5, K.ARRIVE, 0, 0.0),
            (100.0, 5, K.WAIT, 0, 4.0),
            (104.0, 5, K.START, 0, 4.0),  # waited 4 days
            (110.0, 5, K.END, 0, 6.0),
            (110.0, 5, K.EXIT, 1, float(ExitReason.LEFT)),  # leaving after help: no censoring
        ]
    )
    row = censored_waits(record).set_index("agency").loc["front_door"]
    # survival: 4/5 after 0 days, 3/5 after 2, 2/5 after 4; then only censored waits
    assert (row["cohort"], row["started"], row["still_waiting"]) == (5, 3, 1)
    assert row["still_waiting_share"] == pytest.approx(0.2)
    assert row["km_median_days"] == pytest.approx(4.0)
    assert row["restricted_mean_days"] == pytest.approx(0.8 * 2 + 0.6 * 2 + 0.4 * 361)
    assert row["over_18_weeks_share"] == pytest.approx(0.4)
    assert row["horizon_days"] == 365.0
    # the started-only mean of the same log: 2 days, blind to the child still waiting
    assert waits(record).set_index("agency").loc["front_door", "mean_days"] == pytest.approx(2)


def test_without_censoring_the_estimates_are_the_plain_ones() -> None:
    rng = np.random.default_rng(5)
    wait = rng.exponential(10.0, 501)
    t, s = kaplan_meier(wait, np.ones(len(wait), bool))
    assert censored.km_median(t, s) == pytest.approx(np.median(wait))
    assert censored.restricted_mean(t, s, wait.max() + 1) == pytest.approx(wait.mean())
    assert censored.survival_at(t, s, 10.0) == pytest.approx((wait > 10.0).mean())


def test_every_child_censored_leaves_the_median_not_reached() -> None:
    t, s = kaplan_meier(np.array([3.0, 5.0]), np.array([False, False]))
    assert np.isnan(censored.km_median(t, s))
    assert censored.restricted_mean(t, s, 4.0) == 4.0


def _waits_at(scenario: Scenario, days: float, seed: int) -> tuple[float, float]:
    run = simulate(scenario, seed=seed, days=days)
    row = run.table("censored_waits").set_index("agency").loc["clinic"]
    return float(run.waits().set_index("agency").loc["clinic", "mean_days"]), float(
        row["restricted_mean_days"]
    )


def test_on_an_overloaded_agency_the_censoring_aware_wait_rises_with_the_run(
    overloaded: Scenario,
) -> None:
    """The acceptance check: the started-only mean barely moves as the run grows from 150
    to 350 days after warm-up; the censoring-aware wait (restricted to the window) more than
    doubles, as the list of routine children does."""
    seeds = (1, 2, 3)
    short = np.array([_waits_at(overloaded, 250.0, s) for s in seeds]).mean(axis=0)
    long = np.array([_waits_at(overloaded, 450.0, s) for s in seeds]).mean(axis=0)
    started_rise, censored_rise = long - short
    assert long[1] > 2 * short[1]
    assert censored_rise > 10 * abs(started_rise)
    assert short[1] > 5 * short[0] and long[1] > 5 * long[0]


def test_the_run_report_names_the_method_and_warns(overloaded: Scenario) -> None:
    run = simulate(overloaded, seed=1)
    html = render_report(run, RunTables.of(run), ScenarioSource.of_scenario(run.scenario))
    assert "Waits counting the children still waiting" in html
    assert METHOD in html
    assert "Trusting the numbers" in html
    assert "The clinic&#39;s waiting list grew steadily over the run" in html
    routine = "not reached: more than half were still waiting at the end"
    assert routine in html  # the routine median, which no replication reaches
    assert "counting them (Kaplan-Meier), the restricted mean wait" in html


def test_the_run_command_warns_on_standard_error(overloaded: Scenario, tmp_path: Path) -> None:
    from runner.cli import cli

    path = tmp_path / "overloaded.toml"
    path.write_text(OVERLOADED)
    result = CliRunner().invoke(
        cli, ["run", str(path), "--out", str(tmp_path / "out"), "--no-events"]
    )
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("warning: ")]
    assert any("waiting list grew steadily" in x for x in lines)
    assert any("365-day horizon" in x for x in lines)
    assert "warning" not in result.stdout


def test_a_settled_list_is_not_called_growing() -> None:
    desk = load_scenario("scenarios/single_desk.toml")
    for seed in (1, 2, 3):
        run = simulate(desk, seed=seed, days=800)
        assert run.table("censored_waits")["growing_list_share"].tolist() == [0.0]


def test_too_short_a_run_for_a_clock_is_warned_of() -> None:
    from jtai_sim.results.trust import run_warnings

    run = simulate(load_scenario("minimal"), seed=1, days=90)
    lines = run_warnings(run.record, run.table("censored_waits"))
    assert any("is too short to judge" in x for x in lines)
    assert any("365-day horizon" in x for x in lines)


def test_variants_are_judged_on_the_same_cohort() -> None:
    """Common random numbers: both arms have the same referrals to the entry agency, so the
    censoring-aware waits compare the same children, however many each arm saw."""
    from jtai_sim.experiments import Experiment, Variant

    exp = Experiment(
        load_scenario("scenarios/single_desk.toml"),
        (Variant.from_sets("four", ["agencies.desk.staff=4"]),),
        replications=3,
        days=300,
    )
    res = exp.run()
    cohort = res.table("wait.desk.cohort")
    assert (cohort["base"] == cohort["four"]).all() and (cohort["base"] > 100).all()
    assert "wait.desk.restricted_mean_days" in res.metric_keys()


def test_the_comparison_report_names_the_method(overloaded: Scenario) -> None:
    from jtai_sim.experiments import Experiment, Variant
    from jtai_sim.experiments.report import render_report

    exp = Experiment(
        overloaded,
        (Variant.from_sets("three", ["agencies.clinic.staff=3"], label="Three staff"),),
        replications=3,
        days=300,
    )
    html = render_report(exp.run())
    assert METHOD in html
    assert "wait.clinic.restricted_mean_days" in html  # a default key metric here
    assert "Base: The clinic&#39;s waiting list grew steadily" in html


def test_the_table_is_fast_on_a_big_log() -> None:
    """Vectorised: 500 days of Jackson's network are measured in well under a
    second (a loop over children would take several)."""
    import time

    run = simulate(load_scenario("jackson"), seed=3, days=500)
    censored_waits(run.record)  # scipy's import is not the table's cost
    t0 = time.perf_counter()
    censored_waits(run.record)
    assert time.perf_counter() - t0 < 1.0
