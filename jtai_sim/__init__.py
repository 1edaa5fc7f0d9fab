"""jtai-sim: simulate a local children's services partnership and rehearse a JTAI.

The public API is small:

* :func:`load_scenario` reads and checks a scenario file;
* :func:`simulate` runs one replication and returns a :class:`Run`, whose
  ``events``, ``children`` and ``metrics`` are pandas tables;
* :func:`replicate`, :func:`compare` and :func:`sweep` run experiments
  (replications, variants with common random numbers, sweeps) and return
  pandas tables.

>>> import jtai_sim
>>> scenario = jtai_sim.load_scenario("scenarios/jackson.toml")
>>> run = jtai_sim.simulate(scenario, seed=7, days=200)
>>> waits = run.waits().set_index("agency")
>>> bool(waits.loc["A", "mean_days"] < waits.loc["B", "mean_days"])
True

This module owns the public names and their loading. ``import jtai_sim`` loads
only the error classes; every other name is imported from its module the first
time it is used (PEP 562), so a script that only reads scenarios never loads
the engine, pandas, scipy or DuckDB.

>>> sorted(set(__all__) - set(dir(jtai_sim)))
[]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jtai_sim.errors import InputError, JtaiError, ScenarioError

# Imports for type checkers and IDEs only (never run). Through a flag, not
# ``if TYPE_CHECKING:`` itself: mypy analyses a module's TYPE_CHECKING imports of
# its own import cycle before their targets, and then binds ``replicate`` and
# ``sweep`` to the submodules of jtai_sim.experiments that share their names.
_STATIC_ONLY = TYPE_CHECKING
if _STATIC_ONLY:
    from jtai_sim.experiments import Experiment, Variant, compare, replicate, sweep
    from jtai_sim.scenario.builtin import load_scenario
    from jtai_sim.scenario.loading import scenario_from_toml
    from jtai_sim.scenario.model import Scenario
    from jtai_sim.scenario.partnership import Partnership
    from jtai_sim.simulation.eventlog import EventLog
    from jtai_sim.simulation.run import Run, simulate
    from jtai_sim.vocabulary import Completeness, EventKind

    __version__: str

#: Where each lazily loaded public name is defined.
_LAZY = {
    "Completeness": "jtai_sim.vocabulary",
    "EventKind": "jtai_sim.vocabulary",
    "EventLog": "jtai_sim.simulation.eventlog",
    "Experiment": "jtai_sim.experiments",
    "Variant": "jtai_sim.experiments",
    "compare": "jtai_sim.experiments",
    "replicate": "jtai_sim.experiments",
    "sweep": "jtai_sim.experiments",
    "scenario_from_toml": "jtai_sim.scenario.loading",
    "Partnership": "jtai_sim.scenario.partnership",
    "Run": "jtai_sim.simulation.run",
    "simulate": "jtai_sim.simulation.run",
    "Scenario": "jtai_sim.scenario.model",
    "load_scenario": "jtai_sim.scenario.builtin",
}


def _installed_version() -> str:
    """The installed jtai-sim version (``0+unknown`` in a source tree that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jtai-sim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, and keep it."""
    if name == "__version__":
        value: Any = _installed_version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Completeness",
    "EventKind",
    "EventLog",
    "Experiment",
    "InputError",
    "JtaiError",
    "Partnership",
    "Run",
    "Scenario",
    "ScenarioError",
    "Variant",
    "__version__",
    "compare",
    "load_scenario",
    "replicate",
    "scenario_from_toml",
    "simulate",
    "sweep",
]
