"""Intervals that keep to their metric's bounds, metrics with no value, precision warnings.

* a wait, count or rate never has an interval below zero, and a share's interval stays
  within 0 and 1, however small the mean or few the replications;
* with many replications and a mean far from the bound, the bounded interval is close to
  the plain t interval (it only bends where the bound is near);
* an experiment's summary, report and command-line output keep to the bounds, say why
  a metric has no value, and warn when a key metric is less precise than asked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.experiments import Experiment, Variant
from jtai_sim.experiments.report import render_report
from jtai_sim.experiments.results import Results
from jtai_sim.experiments.stats import (
    BOUNDED_METHOD,
    bound_of,
    bounded_interval,
    t_interval,
)
from jtai_sim.results.registry import statistic


@pytest.mark.parametrize("seed", range(40))
def test_no_interval_of_a_positive_quantity_goes_below_zero(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    values = rng.exponential(1.0, n) * (rng.random(n) < 0.6)  # many zeros
    iv = bounded_interval(values, "positive")
    assert 0.0 <= iv.low <= iv.mean <= iv.high
    assert iv.method == "log t"


@pytest.mark.parametrize("seed", range(40))
def test_no_interval_of_a_share_leaves_zero_to_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    centre = rng.choice([0.01, 0.5, 0.99])
    values = np.clip(rng.normal(centre, 0.05, n), 0.0, 1.0)
    iv = bounded_interval(values, "share")
    assert 0.0 <= iv.low <= iv.mean <= iv.high <= 1.0
    assert iv.method == "logit t"


def test_where_the_plain_interval_would_go_below_zero_the_bounded_one_does_not() -> None:
    values = [0.0, 0.0, 0.0, 0.4, 0.0]
    assert t_interval(values).low < 0
    assert bounded_interval(values, "positive").low > 0
    assert bounded_interval(values, "share").low > 0


def test_far_from_the_bound_the_interval_is_nearly_the_t_interval() -> None:
    values = np.random.default_rng(1).normal(40.0, 2.0, 50)
    plain, bounded = t_interval(values), bounded_interval(values, "positive")
    assert bounded.low == pytest.approx(plain.low, rel=0.002)
    assert bounded.high == pytest.approx(plain.high, rel=0.002)
    assert bounded.half_width == plain.half_width  # what the precision rule reads


def test_values_on_the_bound_and_single_values() -> None:
    zeros = bounded_interval([0.0, 0.0, 0.0], "positive")
    assert (zeros.low, zeros.high) == (0.0, 0.0)
    ones = bounded_interval([1.0, 1.0], "share")
    assert (ones.low, ones.high) == (1.0, 1.0)
    one = bounded_interval([0.3], "share")
    assert (one.low, one.high) == (0.0, 1.0)
    assert math.isinf(bounded_interval([3.0], "positive").high)
    assert math.isnan(bounded_interval([], "share").mean)


def test_every_registered_unit_has_a_bound() -> None:
    assert bound_of(statistic("clock", "met_share").unit) == "share"  # type: ignore[union-attr]
    assert bound_of(statistic("wait", "mean_days").unit) == "positive"  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def results() -> Results:
    """A short, noisy comparison: three replications of a desk near its capacity."""
    exp = Experiment(
        load_scenario("scenarios/single_desk.toml"),
        (Variant.from_sets("four", ["agencies.desk.staff=4"], label="Four staff"),),
        replications=3,
        days=160,
    )
    return exp.run()


def test_an_experiment_summary_keeps_every_interval_within_its_bounds(results: Results) -> None:
    summary = results.summary()
    measured = summary[summary["n"] > 0]
    assert (measured["low"] >= 0).all()
    shares = measured[measured["interval"] == "logit t"]
    assert len(shares) and (shares["high"] <= 1).all()
    assert set(measured["interval"]) <= {"log t", "logit t"}


def test_the_report_states_the_method_and_shows_bounded_ends(results: Results) -> None:
    html = render_report(results)
    assert BOUNDED_METHOD in html
    assert "± " not in html  # the all-metrics table gives the interval's two ends
    assert "Trusting the numbers" in html


def test_a_metric_no_replication_produced_says_why(results: Results) -> None:
    from jtai_sim.experiments.report import report_context

    # the 18-week share needs a run after warm-up of 18 weeks; this one is 60 days
    rows = report_context(results)["all_metrics"]["rows"]
    assert not [r for r in rows if r["key"] == "wait.desk.over_18_weeks_share"]
    keyed = Results(
        results.variants,
        results.values,
        results.waits,
        {**results.settings, "metrics": ["wait.desk.over_18_weeks_share"]},
    )
    summary = keyed.summary(["wait.desk.over_18_weeks_share"])
    assert (summary["n"] == 0).all()
    context = report_context(keyed)
    # a metric never measured is not listed as a key metric; one chosen and missing is
    # explained wherever its row is printed
    chosen = [m for m in context["metrics"] if m["key"] == "wait.desk.over_18_weeks_share"]
    assert chosen  # after the headlines' metrics
    for m in chosen:
        for r in m["per_variant"]:
            assert r["interval"] == "the run after warm-up is shorter than 18 weeks"


def test_too_few_replications_are_warned_of(results: Results) -> None:
    lines = results.warnings()
    assert any("is not precise enough" in x and "above 10%" in x for x in lines)
    assert all("\n" not in x for x in lines)
    loose = results.warnings(precision=5.0)
    assert not any("is not precise enough" in x for x in loose)


def test_compare_prints_no_value_and_warnings(tmp_path: object) -> None:
    from runner.cli import cli

    out = CliRunner().invoke(
        cli,
        [
            "compare",
            "scenarios/single_desk.toml",
            "--set",
            "agencies.desk.staff=4",
            "--replications",
            "2",
            "--days",
            "160",
            "--metric",
            "wait.desk.km_median_days",
            "--metric",
            "wait.desk.over_18_weeks_share",
            "--out",
            f"{tmp_path}/cmp",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "no value: the run after warm-up is shorter than 18 weeks" in out.stdout
    warnings = [x for x in out.stderr.splitlines() if x.startswith("warning: ")]
    assert any("365-day horizon" in x for x in warnings)


def test_a_metric_measured_in_some_replications_or_none_is_warned_of(results: Results) -> None:
    """A median not reached in some replications averages the rest; one never reached has
    no value at all: both are said, with why."""
    key = "wait.desk.km_median_days"
    values = results.values
    gappy = values[~((values["metric"] == key) & (values["replication"] == 0))]
    chosen = {**results.settings, "metrics": [key, "wait.desk.over_18_weeks_share"]}
    lines = Results(results.variants, gappy, results.waits, chosen).warnings(precision=5.0)
    some = [x for x in lines if "has a value in only some replications" in x]
    assert len(some) == 1 and "Base 2 of 3, Four staff 2 of 3" in some[0]
    assert "not reached: more than half were still waiting at the end" in some[0]
    none = [x for x in lines if "has no value in any replication" in x]
    assert none == [
        "The share of referrals to The desk waiting over 18 weeks (Kaplan-Meier) "
        "(wait.desk.over_18_weeks_share) has no value in any replication: the run after "
        "warm-up is shorter than 18 weeks"
    ]
