"""Per-group paired comparisons: how a variant changes what each group of children meets.

With ``equity`` on (``Experiment(..., equity=True)``, ``compare(..., equity=True)``),
every replication also records each measure of the run's equity table
(:func:`jtai_sim.results.equity.equity_table`) for each group of children, as metrics
``equity.CHARACTERISTIC:GROUP.MEASURE`` (the group's rate: mean days, or a share) and
``equity.CHARACTERISTIC:GROUP.MEASURE_ratio`` (its ratio to the other children).
Because the base and its variants share their random numbers, :func:`equity_differences`
pairs them by replication, so a variant that narrows a gap for one group shows it in that
group, with a 95% interval, while the other groups stay where they were. These are model
outputs for comparing designs, not a table to publish: they are not suppressed.

>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments import compare
>>> from jtai_sim.experiments.experiment import Experiment
>>> from jtai_sim.experiments.variants import Variant
>>> base = load_scenario("scenarios/minimal.toml")
>>> results = Experiment(base, [Variant("same")], replications=2, days=200, equity=True).run()
>>> table = equity_differences(results)
>>> sorted(set(table["statistic"]))
['rate', 'ratio']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .results import Results

#: The metric group of the per-group measures.
GROUP = "equity"
#: Columns of :func:`equity_differences`.
COLUMNS = (
    "variant",
    "characteristic",
    "group",
    "measure",
    "statistic",
    "n",
    "base_mean",
    "variant_mean",
    "difference",
    "low",
    "high",
)


def equity_metrics(run: Any) -> dict[str, float]:
    """The per-group metrics of one run (see the module's words); groups with nothing to
    measure (no events) are left out."""
    from jtai_sim.results.equity import ALL

    table = run.equity(suppress=False)
    table = table[(table["group"] != ALL) & (table["events"] > 0)]
    out: dict[str, float] = {}
    for c, g, m, rate, ratio in table[
        ["characteristic", "group", "measure", "rate", "ratio"]
    ].itertuples(index=False):
        stem = f"{GROUP}.{c}:{g}.{m}"
        if np.isfinite(rate):
            out[stem] = float(rate)
        if np.isfinite(ratio):
            out[stem + "_ratio"] = float(ratio)
    return out


def parse(key: str) -> tuple[str, str, str, str]:
    """An ``equity.*`` metric key as (characteristic, group, measure, statistic).

    >>> parse("equity.deprivation:deprived.camhs_rejected_ratio")
    ('deprivation', 'deprived', 'camhs_rejected', 'ratio')
    """
    _, _, rest = key.partition(".")
    who, _, measure = rest.rpartition(".")
    characteristic, _, group = who.partition(":")
    if measure.endswith("_ratio"):
        return characteristic, group, measure[: -len("_ratio")], "ratio"
    return characteristic, group, measure, "rate"


def equity_differences(results: Results, measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Each variant minus the base, per group of children, paired by replication (common
    random numbers) with its 95% interval: one row per (variant, characteristic, group,
    measure, statistic), with columns :data:`COLUMNS`. ``measures`` keeps only those
    measures (keys of :data:`jtai_sim.results.equity.MEASURES`). Empty if the experiment
    was run without ``equity``.
    """
    keys = [k for k in results.metric_keys() if k.startswith(GROUP + ".")]
    if measures is not None:
        wanted = set(measures)
        keys = [k for k in keys if parse(k)[2] in wanted]
    if not keys:
        return pd.DataFrame(columns=list(COLUMNS))
    diff = results.differences(keys)
    parts = pd.DataFrame(
        [parse(k) for k in diff["metric"]],
        columns=["characteristic", "group", "measure", "statistic"],
        index=diff.index,
    )
    out = pd.concat([diff, parts], axis=1)
    # in the equity tables' order: characteristic, group, measure (then rate before ratio)
    from jtai_sim.results.equity import CHARACTERISTICS, MEASURES

    rank = {c: i for i, c in enumerate(CHARACTERISTICS)}
    order = {m: i for i, m in enumerate(MEASURES)}
    out = out.assign(
        _c=out["characteristic"].map(rank).fillna(len(rank)),
        _m=out["measure"].map(order).fillna(len(order)),
        _v=out["variant"].map({n: i for i, n in enumerate(results.names)}),
    ).sort_values(["_v", "_c", "group", "_m", "statistic"], kind="stable")
    return out[list(COLUMNS)].reset_index(drop=True)


__all__ = ["COLUMNS", "GROUP", "equity_differences", "equity_metrics", "parse"]
