"""How long ``learn`` takes on a case book of about 10^6 event rows (target: under 30 s).

The area of ``tests/test_learn.py`` (two queued agencies, term-time demand) is simulated
for two years at 300,000 children, about a million event rows; the simulation is not
timed. Timed in CPU seconds: :func:`jtai_sim.learning.learn_scenario` on that case
book, and, since a case-list file may hold at most 8 MiB (about 140,000 event rows,
``scenarios/cases/README.md``), importing the largest case list that limit allows
(written from the same run with :func:`jtai_sim.inspection.write_case_list`) and
learning from it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
from bench_results import record

from jtai_sim import scenario_from_toml, simulate
from jtai_sim.inspection import casebook_from_run, write_case_list
from jtai_sim.learning import learn_scenario, read_case_book

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_learn import AREA

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def book() -> Any:
    area = attrs.evolve(scenario_from_toml(AREA), children=300_000)
    return casebook_from_run(simulate(area, seed=7))


def test_learn_a_million_rows(benchmark: Any, book: Any) -> None:
    times: list[float] = []

    def once() -> None:
        t0 = time.process_time()
        learn_scenario(book, children=300_000)
        times.append(time.process_time() - t0)

    benchmark.pedantic(once, rounds=3, iterations=1)
    rows = len(book.events)
    print(
        record(
            f"learn: {rows:,} event rows", min(times), "s CPU", target="< 30 s", met=min(times) < 30
        )
    )


def test_import_and_learn_largest_case_list(benchmark: Any, book: Any, tmp_path: Path) -> None:
    # children in arrival order until the events file would pass about 7.5 MiB
    per_child = book.events.groupby("child").size()
    chosen = per_child.index[per_child.cumsum() <= 120_000].tolist()
    folder = write_case_list(book, tmp_path / "cases", chosen)
    times: list[float] = []
    rows: list[int] = []

    def once() -> None:
        t0 = time.process_time()
        small = read_case_book(folder)
        learn_scenario(small, children=300_000)
        times.append(time.process_time() - t0)
        rows.append(len(small.events))

    benchmark.pedantic(once, rounds=3, iterations=1)
    size = (Path(folder) / "events.csv").stat().st_size / 2**20
    print(
        record(
            f"import + learn: case list of {rows[0]:,} rows ({size:.1f} MiB)",
            min(times),
            "s CPU",
            target="< 30 s",
            met=min(times) < 30,
        )
    )
