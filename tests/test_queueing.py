"""The engine against queueing theory: Erlang C for one desk, Jackson for a network.

Each check runs independent replications (``replication=i`` gives independent
streams from one root seed), takes one mean per replication over the children
who arrived after the warm-up, and asks whether the analytic value lies inside
the t-interval of those replication means: 95% for the mean waits (the
acceptance test), 99% for the supporting checks (chance of waiting, arrival
rates), so that the family of checks does not fail by chance whenever the
random draws move. Each check also asserts the interval is narrow, so a wrong
engine cannot pass by being noisy: the half-width bounds below are errors each
check is sure to catch, and the "wrong staff" tests show an error of one member
of staff falls far outside.
"""

from __future__ import annotations

from typing import Any, cast

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtai_sim import EventKind, Run, Scenario, load_scenario, simulate
from jtai_sim.experiments.stats import t_interval
from jtai_sim.scenario.model import Pathway
from jtai_sim.validation.theory import (
    NotAQueueingNetwork,
    arrival_rates,
    erlang_b,
    erlang_c,
    jackson,
    mmc_mean_wait,
    queueing_problems,
    routing_matrix,
)

REPLICATIONS = 20
SINGLE_DESK_DAYS = 2100.0  # 2000 days after a 100-day warm-up: ~4,800 children a replication
JACKSON_DAYS = 1100.0  # 1000 days after warm-up: ~10,000 children a replication
ACCEPTANCE = 0.95  # level of the intervals for the mean waits
SUPPORTING = 0.99  # level for the supporting checks


def replicate(scenario: Scenario, days: float, n: int = REPLICATIONS) -> list[Run]:
    return [simulate(scenario, replication=i, days=days) for i in range(n)]


def per_replication(runs: list[Run], agency: str, column: str) -> list[float]:
    return [float(cast(float, run.waits().set_index("agency").at[agency, column])) for run in runs]


def arrivals_per_day(run: Run, agency: str) -> float:
    rec = run.log.records()
    code = run.agency_ids.index(agency)
    sel = (
        (rec["kind"] == int(EventKind.ARRIVE))
        & (rec["agency"] == code)
        & (rec["time"] >= run.warmup_days)
    )
    return int(sel.sum()) / run.window_days


@pytest.fixture(scope="module")
def single_desk() -> Scenario:
    return load_scenario("scenarios/single_desk.toml")


@pytest.fixture(scope="module")
def desk_runs(single_desk: Scenario) -> list[Run]:
    return replicate(single_desk, SINGLE_DESK_DAYS)


@pytest.fixture(scope="module")
def network() -> Scenario:
    return load_scenario("scenarios/jackson.toml")


@pytest.fixture(scope="module")
def network_runs(network: Scenario) -> list[Run]:
    return replicate(network, JACKSON_DAYS)


# -- Erlang C: one M/M/3 desk ------------------------------------------------------------


def test_single_desk_is_the_documented_mmc_queue(single_desk: Scenario) -> None:
    desk = jackson(single_desk)["desk"]
    assert desk.arrival_rate_per_day == pytest.approx(2.4)
    assert (desk.servers, desk.mean_service_days) == (3, 1.0)
    assert desk.utilisation == pytest.approx(0.8)
    assert desk.wait_probability == pytest.approx(0.6472, abs=1e-4)  # the file's comment
    assert desk.mean_wait_days == pytest.approx(1.0787, abs=1e-4)


def test_erlang_c_mean_wait_inside_the_replications_interval(
    single_desk: Scenario, desk_runs: list[Run]
) -> None:
    expected = jackson(single_desk)["desk"].mean_wait_days
    ci = t_interval(per_replication(desk_runs, "desk", "mean_days"), ACCEPTANCE)
    assert ci.covers(expected), f"Erlang C mean wait {expected:.4f} outside simulated {ci}"
    assert ci.half_width < 0.12 * expected, f"interval too wide to be decisive: {ci}"


def test_erlang_c_chance_of_waiting_inside_the_replications_interval(
    single_desk: Scenario, desk_runs: list[Run]
) -> None:
    expected = jackson(single_desk)["desk"].wait_probability
    ci = t_interval(per_replication(desk_runs, "desk", "waited_share"), SUPPORTING)
    assert ci.covers(expected), f"Erlang C P(wait) {expected:.4f} outside simulated {ci}"
    assert ci.half_width < 0.05 * expected, f"interval too wide to be decisive: {ci}"


def test_single_desk_arrival_rate(single_desk: Scenario, desk_runs: list[Run]) -> None:
    ci = t_interval([arrivals_per_day(run, "desk") for run in desk_runs], SUPPORTING)
    assert ci.covers(2.4), f"arrivals a day {ci}, expected 2.4"


def test_a_wrong_staff_count_would_be_caught(single_desk: Scenario, desk_runs: list[Run]) -> None:
    """The same interval rejects the answer for a desk with one more member of staff."""
    wrong = mmc_mean_wait(2.4, 1.0, 4)
    ci = t_interval(per_replication(desk_runs, "desk", "mean_days"), ACCEPTANCE)
    assert not ci.covers(wrong)


# -- Jackson: scenarios/jackson.toml ------------------------------------------------------


def test_traffic_equations_come_from_the_scenario(network: Scenario) -> None:
    rates = arrival_rates(network)
    p = routing_matrix(network)
    lam = np.array(list(rates.values()))
    gamma = np.array([10.0, 0.0, 0.0])
    np.testing.assert_allclose(lam, gamma + p.T @ lam)
    # what leaves equals what came in
    leave = 1.0 - p.sum(axis=1)
    assert float(lam @ leave) == pytest.approx(10.0)
    assert rates["A"] == pytest.approx(10 / 0.93)


@pytest.mark.parametrize("agency", ["A", "B", "C"])
def test_jackson_mean_wait_inside_the_replications_interval(
    network: Scenario, network_runs: list[Run], agency: str
) -> None:
    expected = jackson(network)[agency].mean_wait_days
    ci = t_interval(per_replication(network_runs, agency, "mean_days"), ACCEPTANCE)
    assert ci.covers(expected), f"{agency}: Jackson mean wait {expected:.4f} outside simulated {ci}"
    assert ci.half_width < 0.2 * expected, f"{agency}: interval too wide: {ci}"


@pytest.mark.parametrize("agency", ["A", "B", "C"])
def test_one_more_member_of_staff_would_be_caught(
    network: Scenario, network_runs: list[Run], agency: str
) -> None:
    agencies = dict(network.agencies)
    spec = agencies[agency]
    agencies[agency] = attrs.evolve(spec, staff=(spec.staff or 0) + 1)
    wrong = jackson(attrs.evolve(network, agencies=agencies))[agency].mean_wait_days
    ci = t_interval(per_replication(network_runs, agency, "mean_days"), ACCEPTANCE)
    assert not ci.covers(wrong), f"{agency}: {wrong:.4f} is inside {ci}"


@pytest.mark.parametrize("agency", ["A", "B", "C"])
def test_jackson_chance_of_waiting_inside_the_replications_interval(
    network: Scenario, network_runs: list[Run], agency: str
) -> None:
    expected = jackson(network)[agency].wait_probability
    ci = t_interval(per_replication(network_runs, agency, "waited_share"), SUPPORTING)
    assert ci.covers(expected), f"{agency}: Erlang C P(wait) {expected:.4f} outside simulated {ci}"
    assert ci.half_width < 0.08 * expected


@pytest.mark.parametrize("agency", ["A", "B", "C"])
def test_jackson_arrival_rates_match_the_traffic_equations(
    network: Scenario, network_runs: list[Run], agency: str
) -> None:
    expected = arrival_rates(network)[agency]
    ci = t_interval([arrivals_per_day(run, agency) for run in network_runs], SUPPORTING)
    assert ci.covers(expected), f"{agency}: traffic equations {expected:.4f}, simulated {ci}"


# -- the analytic functions themselves ------------------------------------------------------


@given(servers=st.integers(1, 60), utilisation=st.floats(0.0, 0.999))
def test_erlang_c_is_a_probability_above_erlang_b(servers: int, utilisation: float) -> None:
    load = servers * utilisation
    c = erlang_c(servers, load)
    assert 0.0 <= erlang_b(servers, load) <= c <= 1.0


@given(servers=st.integers(1, 30), low=st.floats(0.01, 0.98), step=st.floats(0.001, 0.01))
def test_waits_grow_with_load(servers: int, low: float, step: float) -> None:
    a, b = servers * low, servers * (low + step)
    assert erlang_c(servers, a) <= erlang_c(servers, b)
    assert mmc_mean_wait(a, 1.0, servers) <= mmc_mean_wait(b, 1.0, servers)


@given(rate=st.floats(0.01, 0.99))
def test_mm1_closed_form(rate: float) -> None:
    assert erlang_c(1, rate) == pytest.approx(rate)
    assert mmc_mean_wait(rate, 1.0, 1) == pytest.approx(rate / (1.0 - rate))


def test_a_textbook_erlang_c_value() -> None:
    # 10 agents, 8 Erlangs offered: P(wait) = 0.4092 (standard call-centre tables)
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)


def test_minimal_is_refused_with_every_reason() -> None:
    scenario = load_scenario("scenarios/minimal.toml")
    reasons = queueing_problems(scenario)
    assert any("varies over time" in r for r in reasons)
    assert any("applies only to some children" in r for r in reasons)
    assert any("office hours" in r for r in reasons)
    assert any("re-referral" in r for r in reasons)
    with pytest.raises(NotAQueueingNetwork, match="not a plain queueing network"):
        jackson(scenario)


def test_parallel_referrals_count_in_the_traffic_equations(network: Scenario) -> None:
    extra = Pathway(source="C", to="B", probability=0.5, mode="parallel")
    forked = attrs.evolve(network, pathways=cast(Any, (*network.pathways, extra)))
    rates = arrival_rates(forked)
    assert rates["B"] == pytest.approx(0.35 * rates["A"] + 0.5 * rates["C"])
