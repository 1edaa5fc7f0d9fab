"""Midshire reproduces the national figures it is calibrated to, flows and stocks.

Within 15%, or for a figure that swings widely between replications (the mean CAMHS wait)
with the national figure inside the simulated 95% interval.
"""

from __future__ import annotations

import attrs
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.calendar import calendar_for
from jtai_sim.results.record import RunRecord
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.validation.calibration import (
    NATIONAL_TARGETS,
    calibration_table,
    stocks_at,
    youth_justice_first_time_entrants,
)
from jtai_sim.vocabulary import EventKind


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return calibration_table(load_scenario("midshire"), replications=3, days=730.0)


@pytest.mark.parametrize("target", NATIONAL_TARGETS, ids=lambda t: t.key)
def test_midshire_matches_national_figure(table, target) -> None:  # type: ignore[no-untyped-def]
    row = table.set_index("key").loc[target.key]
    assert row["within_tolerance"], (
        f"{target.label}: simulated {row['simulated']:.4g}, target {target.value:.4g} "
        f"({row['relative_error']:+.1%}; 95% CI {row['ci_low']:.4g} to {row['ci_high']:.4g})"
    )


def test_interval_is_reported(table) -> None:  # type: ignore[no-untyped-def]
    assert (table["ci_low"] <= table["simulated"]).all()
    assert (table["simulated"] <= table["ci_high"]).all()


NATIONAL_STOCKS = {
    t.key.split(".", 1)[1]: t.value for t in NATIONAL_TARGETS if t.key.startswith("stock.")
}
#: clock days of Midshire: a month in, the notification date of the mock week (3 June
#: 2025, the scenario starting on 1 April 2024) and the end of a two-year run
DAYS = {"day 30": 30.0, "notification 2025-06-03": 428.0, "two years": 730.0}


@pytest.fixture(scope="module")
def scenario_seed_run():  # type: ignore[no-untyped-def]
    return simulate(load_scenario("midshire"), days=730.0)


@pytest.mark.parametrize("day", DAYS.values(), ids=DAYS.keys())
def test_midshire_stocks_stay_near_national_rates(scenario_seed_run, day: float) -> None:  # type: ignore[no-untyped-def]
    found = stocks_at(scenario_seed_run, day)
    assert found.keys() == NATIONAL_STOCKS.keys()
    for name, national in NATIONAL_STOCKS.items():
        assert abs(found[name] - national) <= 0.15 * national, (name, day, found[name])


def test_first_time_entrants_count_each_child_once_at_10_to_17_after_the_warm_up() -> None:
    """A log built by hand: Midshire's 80,000 children hold 35,555.6 aged 10 to 17 (8 of the
    18 years of age), and the window after the warm-up is one year long."""
    scenario = attrs.evolve(load_scenario("midshire"), warmup_days=180.0, duration_days=545.25)
    code = {k: i for i, k in enumerate(scenario.agency_ids)}
    log = EventLog(scenario.agency_ids)
    rows = [
        # (child, came to notice on day, aged, arrivals at youth justice)
        (1, 100.0, 12, [200.0]),  # counted
        (2, 0.0, 9, [250.0]),  # still 9: too young
        (3, 0.0, 9, [400.0]),  # turned 10 since coming to notice: counted
        (4, 0.0, 15, [0.0, 300.0]),  # open on day 0, before the window: not a first entry
        (5, 190.0, 17, [200.0, 400.0]),  # counted once
        (6, 0.0, 17, [380.0]),  # 18 by then: too old
        (7, 120.0, 14, [170.0]),  # first entered during the warm-up
    ]
    events = []
    for child, noticed, age, arrivals in rows:
        events.append((noticed, child, -1, EventKind.CHILD, -1, 0, float(age)))
        yj = code["youth_justice"]
        events += [(t, child, yj, EventKind.ARRIVE, -1, 0, 0.0) for t in arrivals]
    # a child of the right age who only ever comes to the front door
    events += [
        (150.0, 8, -1, EventKind.CHILD, -1, 0, 14.0),
        (200.0, 8, code["front_door"], EventKind.ARRIVE, -1, 0, 0.0),
    ]
    for time, child, agency, kind, other, detail, value in sorted(events, key=lambda e: e[0]):
        log.add(time, child, agency, int(kind), other, detail, value)
    record = RunRecord(scenario, calendar_for(scenario), log.records())
    # children 1, 3 and 5 in one year, per 100,000 of 80,000 x 8 / 18
    assert youth_justice_first_time_entrants(record) == pytest.approx(3 / (80_000 * 8 / 18) * 1e5)
