"""The parts of SimPy's insides the engine relies on (``simpy>=4.1,<4.2`` in pyproject.toml).

The engine pushes onto and pops from ``Environment._queue`` itself, numbers its
entries with ``Environment._eid`` and moves the clock by writing
``Environment._now`` (docs/performance.md says why, and what it saves). None of
this is SimPy's public API, so these tests fail loudly if a SimPy release
changes it: raise the pin only once they pass on the new release.
"""

from __future__ import annotations

from heapq import heappush
from importlib.metadata import version
from itertools import count
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT

from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.simulation.engine import DemandStream, Engine, _Timer

ONE_DESK = scenario_from_toml(
    """
name = "One desk"
duration_days = 30.0
[demand.d]
agency = "desk"
rate_per_10k_per_year = 3652.5
[agencies.desk]
staff = 1
service = { mean_days = 0.5 }
"""
)


def test_the_installed_simpy_is_the_pinned_series() -> None:
    major, minor = (int(part) for part in version("simpy").split(".")[:2])
    assert (major, minor) == (4, 1), f"simpy {version('simpy')}: check these tests, then the pin"


def test_the_environment_has_the_private_attributes_the_engine_uses() -> None:
    env = simpy.Environment()
    assert isinstance(env._queue, list) and env._queue == []
    assert env._now == env.now == 0
    assert isinstance(env._eid, count)
    first, second = next(env._eid), next(env._eid)
    assert second == first + 1


def test_priorities_order_urgent_before_normal() -> None:
    assert (URGENT, NORMAL) == (0, 1)


def test_schedule_pushes_time_priority_id_event() -> None:
    """``Environment.schedule`` builds the same heap entry the engine pushes itself."""
    env = simpy.Environment()
    event = env.event()
    last = next(env._eid)
    env.schedule(event, NORMAL, 2.5)
    assert env._queue == [(2.5, NORMAL, last + 1, event)]


def test_writing_now_moves_the_clock() -> None:
    env = simpy.Environment()
    env._now = 7.0
    assert env.now == 7.0
    timeout = env.timeout(1.0)
    assert env._queue[0][0] == 8.0 and env._queue[0][3] is timeout


def test_step_pops_the_earliest_entry_and_calls_its_callbacks() -> None:
    """``step`` needs only ``callbacks`` and ``_ok`` of what it pops: an engine timer will do,
    and entries come out by (time, priority, id)."""
    env = simpy.Environment()
    seen: list[tuple[float, str, object]] = []

    def callback(name: str) -> Any:
        return lambda event: seen.append((env.now, name, event.callbacks))

    for when, priority, name in [(2.0, NORMAL, "b"), (1.0, NORMAL, "a"), (2.0, URGENT, "c")]:
        timer = _Timer((callback(name),), None, None, 0, 0.0)
        heappush(env._queue, (when, priority, next(env._eid), timer))
    for _ in range(3):
        env.step()
    assert seen == [(1.0, "a", None), (2.0, "c", None), (2.0, "b", None)]
    assert env._queue == []


def test_the_engine_schedules_simpy_entries_simpy_can_step() -> None:
    engine = Engine(ONE_DESK, seed=1)
    env = engine.env
    assert engine._queue is env._queue and engine._eid is env._eid
    fired: list[_Timer] = []
    engine._at(0.25, (fired.append,), value=3.0)
    (entry,) = env._queue
    when, priority, eid, timer = entry
    assert (when, priority, type(eid), type(timer)) == (0.25, NORMAL, int, _Timer)
    env.step()
    assert env.now == 0.25 and fired == [timer] and timer.value == 3.0


def test_the_engine_run_matches_simpy_stepping_its_queue() -> None:
    """The engine's own loop and SimPy's ``run`` give the same log for the same seed."""
    ours = Engine(ONE_DESK, seed=4)
    ours.run()
    by_simpy = Engine(ONE_DESK, seed=4)
    # every timer straight onto SimPy's heap (no buckets), started as run() starts them,
    # then stepped by SimPy itself
    by_simpy._near = float("inf")
    for i, (key, demand) in enumerate(ONE_DESK.demand.items()):
        DemandStream(by_simpy, i, key, demand).start()
    by_simpy.env.run(until=ONE_DESK.duration_days)
    by_simpy.log.flush()
    assert ours.log.records().tobytes() == by_simpy.log.records().tobytes()
