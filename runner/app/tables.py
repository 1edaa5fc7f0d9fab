"""The table a finished what-if shows: each key metric for the base, the variant and their
paired difference, each with its 95% interval.

Every number comes from the experiments layer (:meth:`Results.summary` and
:meth:`Results.differences`, the metrics of :meth:`Results.key_metrics`) and is
written by its formatting functions, so the app says what ``jtai-sim compare`` prints.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from jtai_sim.experiments import Results


@attrs.frozen
class Row:
    """One metric's line: its words and key, and three cells of text."""

    metric: str
    phrase: str
    base: str
    variant: str
    difference: str


def _cell(mean: float, low: float, high: float, unit: str) -> str:
    from jtai_sim.experiments.naming import format_range, format_value

    if math.isnan(mean):
        return "no value"
    return f"{format_value(mean, unit)}  95% CI {format_range(low, high, unit)}"


def headline_rows(results: Results) -> list[Row]:
    """The key metrics of ``results`` (a base and one variant) as rows of text."""
    from jtai_sim.experiments.naming import describe

    keys = results.key_metrics()
    summary = results.summary(keys).set_index(["metric", "variant"])
    differences = results.differences(keys).set_index("metric")
    base, variant = results.names[0], results.names[1]
    rows = []
    for key in keys:
        info = describe(key, results.base.scenario)
        cells = []
        for name in (base, variant):
            s = summary.loc[(key, name)]
            cells.append(
                _cell(float(s["mean"]), float(s["low"]), float(s["high"]), info.unit)
                if int(s["n"])
                else "no value"
            )
        if key in differences.index:
            d = differences.loc[key]
            change = _cell(float(d["difference"]), float(d["low"]), float(d["high"]), info.unit)
        else:
            change = "no value"
        rows.append(Row(key, info.phrase, cells[0], cells[1], change))
    return rows


__all__ = ["Row", "headline_rows"]
