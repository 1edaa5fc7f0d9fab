"""An experiment: a base scenario, its variants and how many replications, run to results.

:class:`Experiment` is checked as a whole before anything runs (every variant
resolved and validated, every metric name known), so a mistake costs nothing
and leaves an existing result store untouched. :meth:`Experiment.run` then

1. opens the result store (when given a folder) and records the definition;
2. skips every run the store already holds finished (same scenario, seed,
   replication and version), which is how an interrupted sweep resumes;
3. runs the rest on the chosen executor, writing each run as it completes;
4. with a precision target, adds replications (to the estimated number needed,
   up to ``max_replications``) until every chosen metric of every variant has a
   95% half-width within ``precision`` of its mean.

Every variant runs replication ``i`` on the same root seed, so variants share
their random streams (common random numbers) and pair by replication.

>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments.variants import Variant
>>> exp = Experiment(load_scenario("scenarios/single_desk.toml"),
...                  (Variant.from_sets("four", ["agencies.desk.staff=4"]),),
...                  replications=3, days=400)
>>> res = exp.run()
>>> d = res.differences(["wait.desk.mean_days"])
>>> bool(d["difference"].iloc[0] < 0)   # a fourth member of staff shortens the wait
True
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import attrs

from jtai_sim.budget import Estimate, Job, check, estimate
from jtai_sim.errors import ExperimentError, ScenarioError
from jtai_sim.scenario.loading import structure
from jtai_sim.scenario.model import SEED, Scenario
from jtai_sim.simulation.run import package_version

from . import stats
from .executors import open_executor, run_all
from .naming import check_metrics
from .replicate import (
    QUANTILES,
    ReplicationResult,
    ReplicationTask,
    run_key,
    run_replication,
)
from .replicate import key_version as replicate_key_version
from .results import Results, VariantInfo
from .store import Store
from .variants import BASE, Variant, scenario_hash, scenario_json


def check_seed(seed: int, key: str = "seed") -> int:
    """``seed`` if it is a root seed a scenario may have (:data:`~jtai_sim.scenario.model.SEED`:
    0 to 15 digits, which every result file records exactly), else an error.

    >>> check_seed(2**63)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ExperimentError: seed: must be at most 999,999,999,999,999 (...), got 92...
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not SEED.holds(seed):
        raise ExperimentError(f"{SEED.refusal(seed)}, got {seed!r}", key=key)
    return seed


def _variants(values: Iterable[Variant]) -> tuple[Variant, ...]:
    return tuple(values)


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class Experiment:
    """What to run: a base scenario, variants of it, replications and run settings."""

    base: Scenario = attrs.field(kw_only=False)
    variants: tuple[Variant, ...] = attrs.field(default=(), converter=_variants, kw_only=False)
    name: str = ""
    base_label: str = ""
    replications: int = 10
    seed: int | None = None
    days: float | None = None
    warmup_days: float | None = None
    metrics: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    #: metrics the comparison leads with, in this order (default: chosen from what the
    #: variants change; see :mod:`jtai_sim.experiments.headlines`)
    headline: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    precision: float | None = None
    max_replications: int = 100
    keep_events: bool = False
    all_metrics: bool = True
    #: also measure each group of children in every run (``equity.*`` metrics)
    equity: bool = False
    source: str = ""

    @property
    def groups(self) -> tuple[str, ...]:
        """Metric groups each run computes: all (empty) unless ``all_metrics`` is off."""
        if self.all_metrics or not self.metrics:
            return ()
        return tuple(sorted({m.split(".", 1)[0] for m in self.metrics}))

    @property
    def root_seed(self) -> int:
        """The root seed every variant uses (the base scenario's unless set)."""
        return self.base.seed if self.seed is None else self.seed

    def check(self) -> None:
        """Reject impossible settings with one line naming the setting."""
        if self.replications < 2:
            raise ExperimentError(
                f"must be >= 2 (an interval needs two), got {self.replications}", key="replications"
            )
        if self.seed is not None:  # the base scenario's own seed was checked as it loaded
            check_seed(self.seed)
        if self.precision is not None:
            if not 0 < self.precision < 1:
                raise ExperimentError(
                    f"must be a share between 0 and 1 (0.05 is 5%), got {self.precision}",
                    key="precision",
                )
            if not self.metrics:
                raise ExperimentError(
                    "needs at least one metric to judge it by (--metric)", key="precision"
                )
            if self.max_replications < self.replications:
                raise ExperimentError(
                    f"must be >= replications ({self.replications}), got {self.max_replications}",
                    key="max_replications",
                )
        names = Counter(v.name for v in self.variants)
        for name in names:
            if name == BASE:
                raise ExperimentError(
                    f"{BASE!r} is the unchanged scenario; choose another name",
                    key=f"variant {name}",
                )
            if names[name] > 1:
                raise ExperimentError("two variants have this name", key=f"variant {name}")

    def run_base(self) -> Scenario:
        """The base scenario with the experiment's run length and warm-up."""
        scenario = self.base
        changes: dict[str, float] = {}
        if self.days is not None:
            if not self.days > 0 or math.isinf(self.days):
                raise ExperimentError(f"must be > 0, got {self.days}", key="days")
            changes["duration_days"] = float(self.days)
        if self.warmup_days is not None:
            if not self.warmup_days >= 0:
                raise ExperimentError(f"must be >= 0, got {self.warmup_days}", key="warmup_days")
            changes["warmup_days"] = float(self.warmup_days)
        elif self.days is not None and scenario.warmup_days >= self.days:
            raise ExperimentError(
                f"{self.days:g} days is not longer than the scenario's warm-up "
                f"({scenario.warmup_days:g} days); set a shorter warm-up",
                key="days",
            )
        if not changes:
            return scenario
        try:
            return attrs.evolve(
                scenario,
                duration_days=changes.get("duration_days", scenario.duration_days),
                warmup_days=changes.get("warmup_days", scenario.warmup_days),
            )
        except (ScenarioError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            raise ExperimentError(
                message, key="warmup_days" if "warmup" in message else "days"
            ) from None

    def resolve(self) -> list[VariantInfo]:
        """Every variant (the base first) resolved and validated; raises before any run."""
        self.check()
        base = self.run_base()
        infos = [VariantInfo(BASE, self.base_label or "Base", base, scenario_hash(base), ())]
        for variant in self.variants:
            scenario = variant.apply(base)
            infos.append(
                VariantInfo(
                    variant.name,
                    variant.label,
                    scenario,
                    scenario_hash(scenario),
                    tuple(o.text for o in variant.overrides),
                )
            )
        check_metrics(self.metrics, base, origin="metrics")
        check_metrics(self.headline, base, origin="headline")
        return infos

    def budget(
        self, infos: list[VariantInfo], *, at_once: int = 1, allow_large: bool = False
    ) -> Estimate:
        """The estimated size of running ``infos``, refused past the budget's limits."""
        largest = max(
            (Job(scenario=i.scenario, days=i.scenario.duration_days) for i in infos),
            key=lambda job: estimate(job).events_per_run,
        )
        job = attrs.evolve(largest, runs=self.planned_runs, at_once=at_once)
        return check(job, allow_large=allow_large)

    @property
    def planned_runs(self) -> int:
        """Runs of every variant (the base included) a precision target may go up to."""
        replications = self.max_replications if self.precision else self.replications
        return (len(self.variants) + 1) * replications

    def settings(self, replications: int) -> dict[str, Any]:
        """What was run, for the store and the report."""
        base = self.run_base()
        return {
            "name": self.name or self.base.name,
            "scenario": self.base.name,
            "source": self.source,
            "seed": self.root_seed,
            "replications": replications,
            "duration_days": base.duration_days,
            "warmup_days": base.warmup_days,
            "metrics": list(self.metrics),
            "headline": list(self.headline),
            "precision": self.precision,
            "max_replications": self.max_replications if self.precision else None,
            "version": package_version(),
            "groups": list(self.groups),
            "equity": self.equity,
        }

    def run(
        self,
        store: str | Path | None = None,
        *,
        jobs: int = 1,
        dask: str | None = None,
        executor: Executor | None = None,
        progress: bool = False,
        replace: bool = False,
        allow_large: bool = False,
    ) -> Results:
        """Run every replication not already in ``store`` and return the results.

        The job is held to the limits of :mod:`jtai_sim.budget` before anything runs
        (``allow_large`` lifts the soft ones), counting every replication a precision
        target may add and the largest variant for all of them.

        A store that holds another experiment (its base scenario differs) is refused,
        so one experiment's results are never mixed with or lost to another's;
        ``replace`` clears it and starts afresh. The same experiment, or one with more
        variants or replications on the same base, resumes.
        """
        infos = self.resolve()
        self.budget(infos, at_once=jobs, allow_large=allow_large)
        runs = len(infos) * self.replications  # the first round: no more workers than that
        with open_executor(jobs=jobs, dask=dask, executor=executor, runs=runs) as ex:
            if store is None:
                return self._run(infos, None, ex, progress)
            with Store(store) as opened:
                held = opened.base_hash()
                if replace:
                    opened.clear()
                elif held is not None and held != infos[0].scenario_hash:
                    raise ExperimentError(
                        "holds the results of another experiment (its base scenario differs); "
                        "choose another --out, or pass --replace to start this one afresh",
                        file=str(store),
                        key="--out",
                    )
                return self._run(infos, opened, ex, progress)

    def _run(
        self,
        infos: list[VariantInfo],
        store: Store | None,
        executor: Executor | None,
        progress: bool,
    ) -> Results:
        seed = self.root_seed
        version = package_version()
        key_version = replicate_key_version(version, self.groups, self.equity)
        if store is not None:
            store.save_definition(
                self.settings(self.replications),
                [(i.name, i.label, i.scenario_hash, list(i.overrides)) for i in infos],
                {i.scenario_hash: scenario_json(i.scenario) for i in infos},
            )
            done = store.finished_keys()
        else:
            done = set()
        collected: dict[str, ReplicationResult] = {}
        target = self.replications
        while True:
            wanted = {
                run_key(i.scenario_hash, seed, r, key_version): (i, r)
                for i in infos
                for r in range(target)
            }
            stored = [k for k in wanted if k in done and k not in collected]
            if store is not None and stored:
                collected |= load_runs(store, stored)
            tasks = [
                ReplicationTask(
                    info.scenario,
                    info.scenario_hash,
                    seed,
                    rep,
                    version,
                    self.keep_events,
                    self.groups,
                    self.equity,
                )
                for key, (info, rep) in wanted.items()
                if key not in collected
            ]
            for _, result in run_all(
                run_replication,
                tasks,
                executor,
                progress=progress,
                description=self.name or "replications",
            ):
                if store is not None:
                    store.save_run(result)
                collected[result.run_key] = result
            results = _assemble(infos, collected, seed, key_version, target, self.settings(target))
            if self.precision is None or target >= self.max_replications:
                break
            needed = _needed(results, self.metrics, self.precision)
            if needed <= target:
                break
            target = min(self.max_replications, needed)
        if store is not None:
            store.set_meta("replications", target)
        return results


def _needed(results: Results, metrics: Sequence[str], precision: float) -> int:
    summary = results.summary(metrics)
    needed = 0
    for row in summary.itertuples():
        iv = stats.Interval(
            mean=float(row.mean), half_width=float(row.half_width), n=int(row.n), sd=float(row.sd)
        )
        needed = max(needed, stats.replications_needed(iv, precision))
    return needed


def _assemble(
    infos: list[VariantInfo],
    collected: dict[str, ReplicationResult],
    seed: int,
    version: str,
    replications: int,
    settings: dict[str, Any],
) -> Results:
    runs: dict[str, list[ReplicationResult]] = {}
    for info in infos:
        runs[info.name] = [
            collected[k]
            for r in range(replications)
            if (k := run_key(info.scenario_hash, seed, r, version)) in collected
        ]
    return Results.from_runs(infos, runs, settings)


def load_runs(store: Store, keys: Sequence[str]) -> dict[str, ReplicationResult]:
    """Finished runs from the store, rebuilt as :class:`ReplicationResult` objects."""
    runs = store.runs(keys)
    metrics = store.metrics(keys)
    waits = store.waits(keys)
    by_key_metrics = {
        k: dict(zip(g["metric"], g["value"], strict=True)) for k, g in metrics.groupby("run_key")
    }
    by_key_waits: dict[str, dict[str, list[float]]] = {}
    for (key, agency), g in waits.groupby(["run_key", "agency"]):
        days = g.sort_values("quantile")["days"].tolist()
        if len(days) == len(QUANTILES):
            by_key_waits.setdefault(str(key), {})[str(agency)] = days
    out = {}
    for row in runs.itertuples():
        key = str(row.run_key)
        out[key] = ReplicationResult(
            run_key=key,
            scenario_hash=str(row.scenario_hash),
            seed=int(row.seed),
            replication=int(row.replication),
            version=str(row.version),
            metrics={str(k): float(v) for k, v in by_key_metrics.get(key, {}).items()},
            waits=by_key_waits.get(key, {}),
            children=int(row.children),
            events=int(row.events),
            seconds=float(row.seconds),
        )
    return out


def results_from_store(folder: str | Path) -> Results:
    """The results recorded in an experiment folder (finished runs only)."""
    with Store(folder, create=False) as store:
        settings = store.definition()
        if not settings:
            raise ExperimentError("the result store holds no experiment", file=str(folder))
        variants = store.variants()
        infos = []
        for row in variants.itertuples():
            data = json.loads(store.scenario_text(str(row.scenario_hash)))
            scenario = structure(data, Scenario)
            infos.append(
                VariantInfo(
                    str(row.name),
                    str(row.label),
                    scenario,
                    str(row.scenario_hash),
                    tuple(row.overrides),
                )
            )
        seed = int(settings["seed"])
        version = replicate_key_version(
            str(settings["version"]),
            tuple(settings.get("groups") or ()),
            bool(settings.get("equity")),
        )
        target = int(settings["replications"])
        keys = [run_key(i.scenario_hash, seed, r, version) for i in infos for r in range(target)]
        collected = load_runs(store, keys)
    return _assemble(infos, collected, seed, version, target, settings)


__all__ = ["Experiment", "check_seed", "load_runs", "results_from_store"]
