"""Midshire reproduces the national figures it is calibrated to, flows and stocks.

Within 15%, or for a figure that swings widely between replications (the mean CAMHS wait)
with the national figure inside the simulated 95% interval.
"""

from __future__ import annotations

import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.validation.calibration import NATIONAL_TARGETS, calibration_table, stocks_at


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
