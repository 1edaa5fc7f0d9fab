"""Speed of the mock JTAI week on Midshire's default week, for each shipped theme (``make bench``).

Midshire is simulated once up to the notification date (setup, not timed). The
benchmark then times what ``jtai-sim mock-week`` does after the simulation: the
calendar, cohort, selection, findings and letter; the on-site timetable (building
the CP-SAT model and solving it); and the facilitator pack. As in the rest of the
benchmarks, times are CPU time of this process (the machine is shared); the
timetable's solve is also recorded as wall time and as CP-SAT's deterministic
time, which is the same on any machine. Target: the timetable in under 2 seconds.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from bench_results import record

from jtai_sim import load_scenario
from jtai_sim.inspection.casebook import casebook_from_run
from jtai_sim.inspection.model import CaseBook
from jtai_sim.inspection.theme import load_theme, theme_names
from jtai_sim.simulation.run import simulate
from runner.mockweek.checker import check_timetable
from runner.mockweek.pack import pack_files
from runner.mockweek.pipeline import mock_week, simulation_days
from runner.mockweek.settings import theme_settings

pytestmark = pytest.mark.benchmark

#: The Tuesday `make demo` uses: year two of Midshire.
NOTIFY = dt.date(2025, 6, 3)
TIMETABLE_TARGET_S = 2.0


@pytest.fixture(scope="module")
def midshire_book() -> CaseBook:
    scenario = load_scenario("midshire")
    return casebook_from_run(simulate(scenario, days=simulation_days(scenario, NOTIFY)))


@pytest.mark.parametrize("theme_name", theme_names())
def test_mock_week_midshire(benchmark: Any, midshire_book: CaseBook, theme_name: str) -> None:
    theme = load_theme(theme_name)
    settings = theme_settings(theme)
    seed = load_scenario("midshire").seed
    stages: list[dict[str, float]] = []

    def once() -> int:
        c0 = time.process_time()
        week = mock_week(midshire_book, NOTIFY, settings, seed=seed, theme=theme)
        c1 = time.process_time()
        files = pack_files(week)
        c2 = time.process_time()
        t = week.timings
        stages.append(
            {
                "selection": t["selection_and_findings_cpu"],
                "timetable": t["timetable_cpu"],
                "solve": t["timetable_solve_cpu"],
                "solve_wall": t["timetable_solve"],
                "dettime": week.timetable.deterministic_time,
                "pack": c2 - c1,
                "total": c2 - c0,
                "sessions": float(len(week.plan.sessions)),
            }
        )
        check_timetable(week.timetable)
        return len(files)

    benchmark.pedantic(once, rounds=3, iterations=1)
    best = {key: min(s[key] for s in stages) for key in stages[0]}
    tag = f" ({theme_name})"
    print(record("mock week: selection, findings, letter" + tag, best["selection"], "s CPU"))
    print(
        record(
            "mock week: timetable solve" + tag,
            best["solve"],
            "s CPU",
            target=f"< {TIMETABLE_TARGET_S:g}",
            met=best["solve"] < TIMETABLE_TARGET_S,
            sessions=best["sessions"],
        )
    )
    print(record("mock week: timetable solve, wall" + tag, best["solve_wall"], "s"))
    print(record("mock week: timetable deterministic time" + tag, best["dettime"], "CP-SAT units"))
    print(record("mock week: timetable incl. sessions built" + tag, best["timetable"], "s CPU"))
    print(record("mock week: pack" + tag, best["pack"], "s CPU"))
    print(record("mock week: selection + timetable + pack" + tag, best["total"], "s CPU"))
