"""Reference implementations of the Jackson network of ``scenarios/jackson.toml``.

These are what the benchmarks measure jtai-sim against, in the same process:
a plain SimPy model (one process per customer, ``simpy.Resource``, no event
log) and, when it is installed, the same network in Ciw.
"""

from __future__ import annotations

import numpy as np
import simpy

ARRIVAL_RATE = 10.0
STAFF = {"A": 4, "B": 6, "C": 3}
MEAN_SERVICE = {"A": 0.30, "B": 1.30, "C": 0.63}
ROUTING = {"A": [("B", 0.35), ("C", 0.25)], "B": [("C", 0.30), ("A", 0.20)], "C": []}


def plain_simpy(customers: int, seed: int = 1) -> int:
    """Run the network until ``customers`` have arrived; return how many left."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    resources = {k: simpy.Resource(env, capacity=c) for k, c in STAFF.items()}
    done = [0]

    def customer(first: str):  # type: ignore[no-untyped-def]
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

    def source():  # type: ignore[no-untyped-def]
        for _ in range(customers):
            yield env.timeout(rng.exponential(1 / ARRIVAL_RATE))
            env.process(customer("A"))

    env.process(source())
    env.run()
    return done[0]


def ciw_model(customers: int, seed: int = 1) -> int:
    """The same network in Ciw, run for the time ``customers`` arrivals take."""
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
    return len(sim.get_all_records())
