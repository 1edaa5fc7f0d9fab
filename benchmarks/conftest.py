"""Options and the results table of the speed and memory benchmarks.

``make bench`` (``pytest benchmarks -m benchmark --benchmark-enable``) runs them.
The 10^6-customer case takes minutes, so it only runs with ``--million`` or
``JTAI_BENCH_MILLION=1``. Each benchmark records what it measured and whether
it met its target (:mod:`bench_results`); at the end of the session the table is
printed (a missed target says ``MISSED`` in capitals) and written as JSON to
``.benchmarks/jtai-sim-results.json``. A missed target does not fail the run:
timings on a shared machine are noisy, so the numbers are reported, not asserted.
Times are CPU time of the benchmarking process (``time.process_time``), which
other programs on the machine disturb far less than wall-clock time; pass
``--benchmark-timer=time.perf_counter`` for wall-clock time in pytest-benchmark's
own table.
"""

from __future__ import annotations

import json
import os
import platform
from typing import Any

import pytest
from bench_results import RESULTS, RESULTS_FILE, ROOT, line


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--million",
        action="store_true",
        default=False,
        help="also time jtai-sim (and plain SimPy) at 10^6 customers (minutes)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Time with the process's CPU clock unless told otherwise: the machine is shared,
    and wall-clock time counts whatever else runs on it."""
    if getattr(config.option, "benchmark_timer", None) == "time.perf_counter":
        config.option.benchmark_timer = "time.process_time"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    tr = terminalreporter
    tr.section("jtai-sim benchmark results")
    for name, r in RESULTS.items():
        tr.write_line(line(name, r))
    missed = [n for n, r in RESULTS.items() if r["met"] is False]
    if missed:
        tr.write_line(f"TARGET MISSED: {', '.join(missed)}")
    else:
        tr.write_line("every measured target was met")
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    payload = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "results": RESULTS,
    }
    RESULTS_FILE.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    tr.write_line(f"written to {RESULTS_FILE.relative_to(ROOT)}")
