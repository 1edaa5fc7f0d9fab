"""What the speed and memory benchmarks measured, and the targets they had.

Each benchmark calls :func:`record`; ``conftest.py`` prints :data:`RESULTS` at the
end of the session and writes them to :data:`RESULTS_FILE`.

>>> print(record("example", 21.5, "bytes/event", target="< 64", met=True))
example                                              21.5 bytes/event  target < 64        met
>>> _ = RESULTS.pop("example")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / ".benchmarks" / "jtai-sim-results.json"

#: What each benchmark measured: name -> {value, unit, target, met, ...}.
RESULTS: dict[str, dict[str, Any]] = {}


def million(config: pytest.Config) -> bool:
    """Whether the 10^6-customer case was asked for."""
    return bool(config.getoption("--million")) or os.environ.get("JTAI_BENCH_MILLION") == "1"


def record(
    name: str,
    value: float,
    unit: str,
    *,
    target: str = "",
    met: bool | None = None,
    **extra: Any,
) -> str:
    """Keep one measurement; return the line that describes it."""
    RESULTS[name] = {"value": value, "unit": unit, "target": target, "met": met, **extra}
    return line(name, RESULTS[name])


def line(name: str, r: dict[str, Any]) -> str:
    """One row of the results table; a missed target says MISSED."""
    verdict = "" if r["met"] is None else ("met" if r["met"] else "MISSED")
    target = f"target {r['target']}" if r["target"] else ""
    return f"{name:<46} {r['value']:>10.4g} {r['unit']:<12} {target:<18} {verdict}".rstrip()
