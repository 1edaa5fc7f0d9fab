"""The Jackson network of ``scenarios/jackson.toml`` three ways, for the speed benchmarks.

* :func:`jtai_model`: jtai-sim itself, through the public :func:`jtai_sim.simulate`,
  with its event log on (the way a user runs it);
* :func:`plain_simpy`: a plain SimPy model, one process per customer and a
  ``simpy.Resource`` per agency, no event log;
* :func:`ciw_model`: the same network in Ciw.

Each runs until about ``customers`` children have arrived (10 a day into A)
and returns how many arrived, so times can be divided per customer. The plain
SimPy model stops creating customers after exactly ``customers`` and then
drains; jtai-sim and Ciw stop the clock at ``customers / 10`` days.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import nullcontext
from typing import Any

import attrs
import numpy as np
import simpy

from jtai_sim import load_scenario, simulate

ARRIVAL_RATE = 10.0
MAX_SCENARIO_DAYS = 36525.0  # the longest run a scenario file may ask for (100 years)
STAFF = {"A": 4, "B": 6, "C": 3}
MEAN_SERVICE = {"A": 0.30, "B": 1.30, "C": 0.63}
ROUTING = {"A": [("B", 0.35), ("C", 0.25)], "B": [("C", 0.30), ("A", 0.20)], "C": []}


def jtai_model(customers: int, seed: int = 1, log_events: bool = True) -> int:
    """jtai-sim on ``scenarios/jackson.toml`` for ``customers / 10`` days, from scratch.

    10^6 customers take 100,000 days, beyond the 100 years a scenario file may ask
    for; the benchmark lifts that check (and only that: the scenario is the file's).
    """
    scenario = attrs.evolve(load_scenario("jackson"), warmup_days=0.0)
    days = customers / ARRIVAL_RATE
    with attrs.validators.disabled() if days > MAX_SCENARIO_DAYS else nullcontext():
        run = simulate(scenario, seed=seed, days=days, log_events=log_events)
    run.log.records()  # pack the whole log, as any reader of it would
    return int(run.describe()["children"])


def plain_simpy(customers: int, seed: int = 1) -> int:
    """Run the network until ``customers`` have arrived and all have left; return how many."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    resources = {k: simpy.Resource(env, capacity=c) for k, c in STAFF.items()}
    done = [0]

    def customer(first: str) -> Generator[simpy.Event, Any, None]:
        node: str | None = first
        while node is not None:
            with resources[node].request() as req:
                yield req
                yield env.timeout(rng.exponential(MEAN_SERVICE[node]))
            u = rng.random()
            nxt = None
            total = 0.0
            for target, p in ROUTING[node]:
                total += p
                if u < total:
                    nxt = target
                    break
            node = nxt
        done[0] += 1

    def source() -> Generator[simpy.Event, Any, None]:
        for _ in range(customers):
            yield env.timeout(rng.exponential(1 / ARRIVAL_RATE))
            env.process(customer("A"))

    env.process(source())
    env.run()
    return done[0]


def ciw_model(customers: int, seed: int = 1) -> int:
    """The same network in Ciw, run for the time ``customers`` arrivals take.

    Returns the number of customers who arrived from outside.
    """
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVAL_RATE), None, None],
        service_distributions=[ciw.dists.Exponential(1 / MEAN_SERVICE[k]) for k in "ABC"],
        routing=[[0.0, 0.35, 0.25], [0.20, 0.0, 0.30], [0.0, 0.0, 0.0]],
        number_of_servers=[STAFF[k] for k in "ABC"],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(customers / ARRIVAL_RATE)
    return int(sim.nodes[0].number_of_individuals)
