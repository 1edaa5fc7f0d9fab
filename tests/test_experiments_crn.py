"""Common random numbers: variants share their streams, and pairing pays off."""

from __future__ import annotations

import numpy as np

from jtai_sim import Scenario, load_scenario, simulate
from jtai_sim.experiments import Experiment, Variant

DESK = "scenarios/single_desk.toml"


def test_paired_interval_for_a_small_capacity_change_is_narrower_than_unpaired() -> None:
    """Service 5% faster at the desk: a small change, hard to see without pairing."""
    faster = Variant.from_sets("faster", ["agencies.desk.service.mean_days=0.95"])
    results = Experiment(
        load_scenario(DESK), (faster,), replications=10, days=400, warmup_days=30, seed=5
    ).run()
    row = results.differences(["wait.desk.mean_days"]).iloc[0]
    assert row["n"] == 10
    assert row["half_width"] < row["unpaired_half_width"] / 2
    # the effect is found: shorter waits, with an interval that excludes zero
    assert row["high"] < 0


def test_pairing_also_narrows_a_staffing_change_in_a_network() -> None:
    """One more member of staff at agency B of the Jackson network (6 to 7)."""
    more = Variant.from_sets("more", ["agencies.B.staff=7"])
    results = Experiment(
        load_scenario("scenarios/jackson.toml"),
        (more,),
        replications=8,
        days=300,
        warmup_days=30,
        seed=5,
    ).run()
    row = results.differences(["wait.B.mean_days"]).iloc[0]
    assert row["half_width"] < row["unpaired_half_width"]
    assert row["high"] < 0


def test_variants_see_the_same_children_arrive() -> None:
    """A change of capacity leaves the arrival stream as it was, replication by
    replication, while different replications see different arrivals."""
    base = load_scenario(DESK)
    more = Variant.from_sets("more", ["agencies.desk.staff=4"]).apply(base)

    def arrivals(scenario: Scenario, replication: int) -> np.ndarray:
        events = simulate(scenario, seed=9, replication=replication, days=100).events
        return events.loc[events["kind"] == "child", "time"].to_numpy()

    for replication in (0, 1):
        np.testing.assert_array_equal(arrivals(base, replication), arrivals(more, replication))
    assert len(arrivals(base, 0)) != len(arrivals(base, 1)) or not np.array_equal(
        arrivals(base, 0), arrivals(base, 1)
    )


def test_adding_replications_never_changes_earlier_ones() -> None:
    scenario = load_scenario(DESK)
    few = Experiment(scenario, replications=3, days=200).run()
    many = Experiment(scenario, replications=6, days=200).run()
    key = "wait.desk.mean_days"
    assert few.table(key)["base"].tolist() == many.table(key)["base"].tolist()[:3]
