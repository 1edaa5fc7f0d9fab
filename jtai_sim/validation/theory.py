"""Queueing theory for checking the engine: Erlang C and open Jackson networks.

Pure functions, no simulation. They give the answers a scenario *should*
produce when it is a plain queueing network (Poisson demand at a constant rate,
exponential service, unconditional probabilistic routing, agencies working
24/7), so the tests can hold the engine to them:

* :func:`erlang_c` is the chance an arriving child has to wait at an M/M/c
  agency, :func:`mmc_mean_wait` the mean wait before service starts;
* :func:`external_arrival_rates` and :func:`arrival_rates` solve the traffic
  equations ``lambda = gamma + P^T lambda`` of a :class:`~jtai_sim.scenario.model.Scenario`'s
  demand and pathways (a parallel referral adds a journey, so it counts in
  ``P`` like a referral; a notification moves no one, so it does not);
* :func:`jackson` puts them together: per agency, the arrival rate,
  utilisation, chance of waiting, mean wait and mean number present.

Rates are per day of the simulation clock, times in days. A scenario that is
not a plain queueing network (a conditional pathway, seasonal demand, office
hours, non-exponential service at a queue, deterioration or re-referrals) is
refused with :class:`NotAQueueingNetwork`, which lists every reason, rather
than given a wrong answer.

>>> round(erlang_c(servers=2, offered_load=1.0), 4)   # M/M/2 at 50% utilisation
0.3333
>>> round(mmc_mean_wait(arrival_rate=1.0, mean_service_days=1.0, servers=2), 4)
0.3333
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from jtai_sim.calendar import DAYS_PER_YEAR
from jtai_sim.errors import NotAQueueingNetwork
from jtai_sim.scenario.model import Scenario


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B), by the stable recursion.

    ``offered_load`` is ``arrival rate x mean service time`` (in Erlangs).

    >>> erlang_b(1, 1.0)
    0.5
    >>> round(erlang_b(10, 5.0), 6)
    0.018385
    """
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    if offered_load < 0:
        raise ValueError(f"offered_load must be >= 0, got {offered_load}")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Chance an arrival waits at an M/M/c queue (Erlang C); 1.0 when it is unstable.

    >>> erlang_c(1, 0.8)  # M/M/1: the chance of waiting is the utilisation
    0.8
    >>> round(erlang_c(4, 3.2), 4)
    0.5964
    >>> erlang_c(3, 3.0)
    1.0
    """
    if offered_load >= servers:
        return 1.0
    b = erlang_b(servers, offered_load)
    rho = offered_load / servers
    return b / (1.0 - rho + rho * b)


def mmc_mean_wait(arrival_rate: float, mean_service_days: float, servers: int) -> float:
    """Mean wait before service (days) at an M/M/c queue; ``inf`` when it is unstable.

    >>> mmc_mean_wait(0.5, 1.0, 1)   # M/M/1: rho / (mu - lambda)
    1.0
    >>> mmc_mean_wait(2.0, 1.0, 2)
    inf
    """
    offered = arrival_rate * mean_service_days
    if offered >= servers:
        return math.inf
    if offered == 0:
        return 0.0
    return erlang_c(servers, offered) * mean_service_days / (servers - offered)


@attrs.frozen
class Station:
    """What theory says about one agency of a plain queueing network (days, per day)."""

    agency: str
    arrival_rate_per_day: float
    servers: int | None  # None: no queue (unlimited places)
    mean_service_days: float
    utilisation: float  # busy places / places (0 when unlimited)
    wait_probability: float
    mean_wait_days: float
    mean_queue_length: float  # children waiting, time average
    mean_present: float  # children waiting or in service, time average


def external_arrival_rates(scenario: Scenario) -> dict[str, float]:
    """New children a day arriving at each agency from the scenario's demand streams.

    Only constant-rate demand has a single rate; anything modulated is refused.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> external_arrival_rates(load_scenario("jackson"))
    {'A': 10.0, 'B': 0.0, 'C': 0.0}
    """
    rates = dict.fromkeys(scenario.agency_ids, 0.0)
    reasons = []
    for key, demand in scenario.demand.items():
        if (
            demand.seasonality != "none"
            or demand.weekend_factor != 1.0
            or demand.trend_per_year != 0.0
        ):
            reasons.append(f"demand.{key} varies over time")
        rates[demand.agency] += (
            demand.rate_per_10k_per_year * scenario.children / 10_000 / DAYS_PER_YEAR
        )
    if reasons:
        raise NotAQueueingNetwork(reasons)
    return rates


def routing_matrix(scenario: Scenario) -> np.ndarray:
    """``P[i, j]``: journeys arriving at agency ``j`` per journey ending at agency ``i``.

    Rows and columns follow ``scenario.agency_ids``. Referrals and parallel
    referrals both count; notifications do not. A pathway with conditions
    (``when``, ``unless``, ages) or a transit ``delay`` makes the routing depend
    on the child or adds a hidden station, so it is refused.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> routing_matrix(load_scenario("jackson")).tolist()
    [[0.0, 0.35, 0.25], [0.2, 0.0, 0.3], [0.0, 0.0, 0.0]]
    """
    index = {k: i for i, k in enumerate(scenario.agency_ids)}
    matrix = np.zeros((len(index), len(index)))
    reasons = []
    for pathway in scenario.pathways:
        if pathway.mode == "notify":
            continue
        if (
            pathway.when
            or pathway.unless
            or pathway.min_age is not None
            or (pathway.max_age is not None)
        ):
            reasons.append(f"pathway {pathway.name} applies only to some children")
        if pathway.delay is not None:
            reasons.append(f"pathway {pathway.name} has a transit delay")
        matrix[index[pathway.source], index[pathway.to]] += pathway.probability
    if reasons:
        raise NotAQueueingNetwork(reasons)
    return matrix


def arrival_rates(scenario: Scenario) -> dict[str, float]:
    """Total arrivals a day at each agency: the solution of ``lambda = gamma + P^T lambda``.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> {k: round(v, 3) for k, v in arrival_rates(load_scenario("jackson")).items()}
    {'A': 10.753, 'B': 3.763, 'C': 3.817}
    """
    gamma = np.array(list(external_arrival_rates(scenario).values()))
    p = routing_matrix(scenario)
    try:
        lam = np.linalg.solve(np.eye(len(gamma)) - p.T, gamma)
    except np.linalg.LinAlgError:
        raise NotAQueueingNetwork(["the routing traps journeys (I - P is singular)"]) from None
    if np.any(lam < -1e-9):
        raise NotAQueueingNetwork(["the traffic equations have no non-negative solution"])
    return {k: float(max(v, 0.0)) for k, v in zip(scenario.agency_ids, lam, strict=True)}


def station(
    agency: str, arrival_rate: float, mean_service_days: float, servers: int | None
) -> Station:
    """Theory for one M/M/c agency (or M/G/infinity when ``servers`` is ``None``).

    >>> s = station("desk", 2.4, 1.0, 3)
    >>> round(s.utilisation, 3), round(s.wait_probability, 4), round(s.mean_wait_days, 4)
    (0.8, 0.6472, 1.0787)
    >>> round(s.mean_present, 4)    # Little: lambda x (wait + service)
    4.9888
    """
    offered = arrival_rate * mean_service_days
    if servers is None:
        return Station(agency, arrival_rate, None, mean_service_days, 0.0, 0.0, 0.0, 0.0, offered)
    wait = mmc_mean_wait(arrival_rate, mean_service_days, servers)
    return Station(
        agency=agency,
        arrival_rate_per_day=arrival_rate,
        servers=servers,
        mean_service_days=mean_service_days,
        utilisation=offered / servers,
        wait_probability=erlang_c(servers, offered),
        mean_wait_days=wait,
        mean_queue_length=arrival_rate * wait,
        mean_present=arrival_rate * wait + offered,
    )


def queueing_problems(scenario: Scenario) -> list[str]:
    """Why ``scenario`` is not a plain (Jackson) queueing network; empty if it is."""
    reasons: list[str] = []
    for call in (external_arrival_rates, routing_matrix):
        try:
            call(scenario)
        except NotAQueueingNetwork as exc:
            reasons += exc.reasons
    for key, agency in scenario.agencies.items():
        if agency.servers is None:
            continue  # no queue: the mean number present holds for any service law
        if agency.service.kind != "exponential":
            reasons.append(f"agencies.{key}.service is {agency.service.kind}, not exponential")
        if agency.working != "always":
            reasons.append(f"agencies.{key} works office hours")
        if agency.deterioration_while_waiting and scenario.mental_health.crisis_agency:
            reasons.append(f"agencies.{key}: waiting children can go into crisis")
    rr = scenario.mental_health.re_referral
    if any(rr.probability) or rr.at_risk_probability:
        reasons.append("closed children can come back (re-referral)")
    return reasons


def jackson(scenario: Scenario) -> dict[str, Station]:
    """Theory for every agency of an open Jackson network described by ``scenario``.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> net = jackson(load_scenario("jackson"))
    >>> [(k, round(s.utilisation, 3), round(s.mean_wait_days, 4)) for k, s in net.items()]
    [('A', 0.806, 0.2356), ('B', 0.815, 0.645), ('C', 0.802, 0.6879)]
    """
    reasons = queueing_problems(scenario)
    if reasons:
        raise NotAQueueingNetwork(reasons)
    rates = arrival_rates(scenario)
    return {
        key: station(key, rates[key], agency.service.mean, agency.servers)
        for key, agency in scenario.agencies.items()
    }


__all__ = [
    "NotAQueueingNetwork",
    "Station",
    "arrival_rates",
    "erlang_b",
    "erlang_c",
    "external_arrival_rates",
    "jackson",
    "mmc_mean_wait",
    "queueing_problems",
    "routing_matrix",
    "station",
]
