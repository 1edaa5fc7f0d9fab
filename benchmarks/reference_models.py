"""The Jackson network of ``scenarios/jackson.toml`` four ways, for the speed benchmarks.

* :func:`jtai_model`: jtai-sim itself, through the public :func:`jtai_sim.simulate`,
  with its event log on (the way a user runs it);
* :func:`plain_simpy`: a plain SimPy model, one process per customer and a
  ``simpy.Resource`` per agency, no event log;
* :func:`ciw_model`: the same network in Ciw;
* :func:`heapq_model`: a hand-written event loop on :mod:`heapq`, no library and no
  log: the pure-Python reference, close to the least a Python simulation of the
  network can cost.

Each runs until about ``customers`` children have arrived (10 a day into A)
and returns how many arrived, so times can be divided per customer. The plain
SimPy model stops creating customers after exactly ``customers`` and then
drains; jtai-sim and Ciw stop the clock at ``customers / 10`` days.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator
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


def heapq_model(customers: int, seed: int = 1) -> int:
    """The network as a bare event loop: a heap of ``(time, seq, node, customer)``.

    It stops the clock at ``customers / 10`` days, as jtai-sim does, and returns how
    many customers arrived. Customers keep an identity (an id carried through the
    queues), but nothing is logged. Variates come from numpy in blocks of 4,096,
    served from a list, the way jtai-sim draws them; ``node`` is -1 for an
    arrival, else the node whose service ends.
    """
    rng = np.random.default_rng(seed)

    def served(draw: Callable[[], np.ndarray]) -> Callable[[], float]:
        buffer: list[float] = []

        def next_value() -> float:
            if not buffer:
                buffer.extend(draw().tolist())
            return buffer.pop()

        return next_value

    gap = served(lambda: rng.standard_exponential(4096) / ARRIVAL_RATE)
    nodes = list(STAFF)
    means = [MEAN_SERVICE[k] for k in nodes]
    service = [served(lambda m=m: rng.standard_exponential(4096) * m) for m in means]
    uniform = served(lambda: rng.random(4096))
    routes = []
    for k in nodes:
        total = 0.0
        steps = []
        for target, p in ROUTING[k]:
            total += p
            steps.append((total, nodes.index(target)))
        routes.append(steps)
    servers = [STAFF[k] for k in nodes]
    busy = [0] * len(nodes)
    waiting: list[deque[int]] = [deque() for _ in nodes]
    horizon = customers / ARRIVAL_RATE
    heap: list[tuple[float, int, int, int]] = [(gap(), 0, -1, 1)]
    push, pop = heapq.heappush, heapq.heappop
    seq = 1
    arrived = 0
    while heap:
        now, _, node, customer = pop(heap)
        if now >= horizon:
            break
        if node < 0:  # a customer arrives from outside, at the first node
            arrived += 1
            seq += 1
            push(heap, (now + gap(), seq, -1, customer + 1))
            to = 0
        else:  # service ends at node: the next in line starts, the customer moves on
            queue = waiting[node]
            if queue:
                seq += 1
                push(heap, (now + service[node](), seq, node, queue.popleft()))
            else:
                busy[node] -= 1
            u = uniform()
            to = -1
            for cum, target in routes[node]:
                if u < cum:
                    to = target
                    break
            if to < 0:
                continue
        if busy[to] < servers[to]:
            busy[to] += 1
            seq += 1
            push(heap, (now + service[to](), seq, to, customer))
        else:
            waiting[to].append(customer)
    return arrived
