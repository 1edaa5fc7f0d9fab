"""What-if experiments: replications with intervals, variants, sweeps, and where they run.

Three functions answer most questions and return pandas tables:

* :func:`replicate`: R replications of one scenario, each metric's mean and 95% interval;
* :func:`compare`: the base and its variants (common random numbers), each metric per
  variant and the paired difference from the base with its interval;
* :func:`sweep`: an experiment file (factors and levels, or named variants), the same table.

Each takes ``jobs`` (local processes), ``dask`` (a Dask scheduler address, or
``"local"``), or any ``executor``; and ``store``, a folder for the DuckDB result
store, so an interrupted experiment resumes where it stopped. For the full
results (per replication, waits, sentences) use :class:`Experiment` and
:class:`Results`, and :func:`write_report` for the HTML report.

Importing the package loads pandas and the engine, but not scipy, jinja2 or
DuckDB: the modules that use them import them when an interval is computed, a
report rendered or a store opened. The charts are written as SVG by hand, so no
plotting library is loaded at all. The names here
are imported eagerly, not on first use as in :mod:`jtai_sim`: the submodules
``replicate`` and ``sweep`` share their names with functions of this package,
and a submodule imported after the package would replace the function.

>>> from jtai_sim import load_scenario
>>> desk = load_scenario("scenarios/single_desk.toml")
>>> table = replicate(desk, replications=3, days=400)
>>> int(table.loc["wait.desk.mean_days", "n"])
3
>>> t = compare(desk, {"four_staff": {"agencies.desk.staff": 4}}, replications=3, days=400)
>>> row = t[(t.metric == "wait.desk.mean_days") & (t.variant == "four_staff")].iloc[0]
>>> bool(row.difference < 0 and row.difference_high < 0)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd

from jtai_sim.scenario.builtin import load_scenario
from jtai_sim.scenario.model import Scenario

from .detection import breakdowns, detection_probability
from .equity import equity_differences
from .experiment import Experiment, results_from_store
from .export import export_csv, export_excel, summary_table
from .report import write_report
from .results import Results, VariantInfo
from .store import Store
from .sweep import read_experiment
from .variants import Variant, as_variant, load_variant, parse_set
from .warmup import mser5, suggest_warmup

VariantSpec = Variant | Mapping[str, Any] | str | Path


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def replicate(
    scenario: Scenario | str | Path,
    *,
    replications: int = 10,
    seed: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    metrics: Iterable[str] = (),
    precision: float | None = None,
    max_replications: int = 100,
    jobs: int = 1,
    dask: str | None = None,
    executor: Executor | None = None,
    store: str | Path | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Replications of one scenario: a table indexed by metric with n, mean, sd and interval."""
    experiment = Experiment(
        _scenario(scenario),
        (),
        replications=replications,
        seed=seed,
        days=days,
        warmup_days=warmup_days,
        metrics=tuple(metrics),
        precision=precision,
        max_replications=max_replications,
    )
    results = experiment.run(store, jobs=jobs, dask=dask, executor=executor, progress=progress)
    chosen = list(metrics) or None
    table = results.summary(chosen).drop(columns="variant").set_index("metric")
    return table


def compare(
    base: Scenario | str | Path,
    variants: Mapping[str, VariantSpec] | Iterable[Variant],
    *,
    replications: int = 10,
    seed: int | None = None,
    days: float | None = None,
    warmup_days: float | None = None,
    metrics: Iterable[str] = (),
    precision: float | None = None,
    max_replications: int = 100,
    jobs: int = 1,
    dask: str | None = None,
    executor: Executor | None = None,
    store: str | Path | None = None,
    progress: bool = False,
    equity: bool = False,
) -> pd.DataFrame:
    """The base and its variants: one row per (metric, variant) with mean, interval and
    the paired difference from the base (``difference``, ``low``, ``high``).

    ``variants`` maps names to overrides (``{"agencies.camhs.staff": 14}``), to a
    variant file, or to a :class:`Variant`; or is a list of :class:`Variant`. With
    ``equity`` each run also measures every group of children (``equity.*`` metrics;
    :func:`equity_differences` gives them per group from an :class:`Experiment`'s results).
    """
    if isinstance(variants, Mapping):
        chosen = tuple(as_variant(name, spec) for name, spec in variants.items())
    else:
        chosen = tuple(variants)
    experiment = Experiment(
        _scenario(base),
        chosen,
        replications=replications,
        seed=seed,
        days=days,
        warmup_days=warmup_days,
        metrics=tuple(metrics),
        precision=precision,
        max_replications=max_replications,
        equity=equity,
    )
    results = experiment.run(store, jobs=jobs, dask=dask, executor=executor, progress=progress)
    return summary_table(results, list(metrics) or None)


def sweep(
    experiment_file: str | Path,
    *,
    jobs: int = 1,
    dask: str | None = None,
    executor: Executor | None = None,
    store: str | Path | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run an experiment file; the same table as :func:`compare`, one row per cell and metric."""
    experiment = read_experiment(experiment_file)
    results = experiment.run(store, jobs=jobs, dask=dask, executor=executor, progress=progress)
    return summary_table(results, list(experiment.metrics) or None)


__all__ = [
    "Experiment",
    "Results",
    "Store",
    "Variant",
    "VariantInfo",
    "breakdowns",
    "compare",
    "detection_probability",
    "equity_differences",
    "export_csv",
    "export_excel",
    "load_variant",
    "mser5",
    "parse_set",
    "read_experiment",
    "replicate",
    "results_from_store",
    "suggest_warmup",
    "summary_table",
    "sweep",
    "write_report",
]
