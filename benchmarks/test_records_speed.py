"""How long reading Annex A lists of about 10^6 event rows and learning from them takes
(target: under 30 s of CPU).

Two years of Midshire are written as Annex A lists, and the lists are repeated under
fresh child ids until they hold a million rows (1.3 million events, since an episode's
row gives its start and its end): an area a dozen times Midshire, as its local
authority would export it. Timed in CPU seconds: the loader
(:func:`jtai_sim.records.book.load_records`, pseudonyms included) alone, and with
:func:`jtai_sim.learning.learn_scenario` on the case book it gives. The simulation and the
writing are not timed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from bench_results import record

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection import casebook_from_run
from jtai_sim.learning import learn_scenario
from jtai_sim.records.annex_a import write_annex_a
from jtai_sim.records.book import load_records

pytestmark = pytest.mark.benchmark

ROWS = 1_000_000


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = casebook_from_run(simulate(load_scenario("scenarios/midshire.toml"), seed=2, days=730))
    one = tmp_path_factory.mktemp("one")
    files = write_annex_a(book, one)
    tables = {p.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in files}
    per_copy = sum(len(t) for t in tables.values())
    copies = -(-ROWS // per_copy)
    big = tmp_path_factory.mktemp("big")
    for name, t in tables.items():
        grown = pd.concat(
            [
                t.assign(**{"Child Unique ID": f"A{c}-" + t["Child Unique ID"]})
                for c in range(copies)
            ],
            ignore_index=True,
        )
        grown.to_csv(big / name, index=False)
    return big


def test_read_a_million_rows_of_annex_a(benchmark: Any, lists: Path) -> None:
    times: list[float] = []
    rows: list[int] = []

    def once() -> None:
        t0 = time.process_time()
        book = load_records(lists)
        times.append(time.process_time() - t0)
        rows.append(len(book.events))

    benchmark.pedantic(once, rounds=2, iterations=1)
    print(
        record(
            f"read Annex A: {rows[0]:,} event rows",
            min(times),
            "s CPU",
            target="< 30 s",
            met=min(times) < 30,
        )
    )


def test_read_and_learn_a_million_rows_of_annex_a(benchmark: Any, lists: Path) -> None:
    times: list[float] = []
    rows: list[int] = []

    def once() -> None:
        t0 = time.process_time()
        book = load_records(lists)
        learn_scenario(book, children=960_000)
        times.append(time.process_time() - t0)
        rows.append(len(book.events))

    benchmark.pedantic(once, rounds=2, iterations=1)
    print(
        record(
            f"read + learn Annex A: {rows[0]:,} event rows",
            min(times),
            "s CPU",
            target="< 30 s",
            met=min(times) < 30,
        )
    )
