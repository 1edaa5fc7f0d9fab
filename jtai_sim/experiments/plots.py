"""Charts for experiments, as SVG text to inline in an offline HTML report.

Drawn in the one jtai-sim style (:func:`jtai_sim.results.charts.svg_style`: the
object API, a fixed ``svg.hashsalt``, no date in the metadata, text kept as
text), so the same results give byte-identical SVG; every id carries the
chart's ``prefix``, so several charts can share the comparison report's page.

>>> svg = interval_chart(["Base", "More staff"], [10.0, 7.5], [9.0, 6.8], [11.0, 8.1],
...                      title="Mean wait", unit="days")
>>> svg.startswith("<svg") and svg == interval_chart(["Base", "More staff"], [10.0, 7.5],
...     [9.0, 6.8], [11.0, 8.1], title="Mean wait", unit="days")
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from jtai_sim.results.charts import PALETTE, figure_svg, svg_style


def _finite(values: Sequence[float]) -> list[float]:
    return [v if math.isfinite(v) else math.nan for v in values]


def interval_chart(
    labels: Sequence[str],
    means: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    *,
    title: str,
    unit: str,
    zero_line: bool = False,
    prefix: str = "interval",
) -> str:
    """One row per label: a dot at the mean and a bar for the 95% interval."""
    with svg_style():
        n = len(labels)
        fig = Figure(figsize=(6.4, 0.5 + 0.42 * max(n, 1)))
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        scale = 100.0 if unit == "share" else 1.0
        mean = np.asarray(_finite(means), dtype=float) * scale
        low = np.asarray(_finite(lows), dtype=float) * scale
        high = np.asarray(_finite(highs), dtype=float) * scale
        err = np.vstack([np.nan_to_num(mean - low), np.nan_to_num(high - mean)])
        for i in range(n):
            ax.errorbar(
                mean[i],
                y[i],
                xerr=err[:, i : i + 1],
                fmt="o",
                capsize=3,
                color=PALETTE[i % len(PALETTE)],
            )
        if zero_line:
            ax.axvline(0.0, color="#555555", linewidth=0.8, linestyle="--")
        ax.set_yticks(y, labels=list(labels))
        ax.set_xlabel(("percentage points" if zero_line else "%") if unit == "share" else unit)
        ax.set_title(title, loc="left")
        ax.margins(y=0.3)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        return figure_svg(fig, prefix=prefix, title=title, tight=True)


def distribution_chart(
    quantiles: Sequence[float],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    prefix: str = "distribution",
) -> str:
    """Waiting-time distributions: the share of children waiting up to x days, per variant."""
    with svg_style():
        fig = Figure(figsize=(6.4, 3.2))
        ax = fig.add_subplot()
        q = np.asarray(quantiles, dtype=float)
        for i, (label, days) in enumerate(series.items()):
            ax.step(
                np.asarray(days, dtype=float),
                q * 100,
                where="post",
                label=label,
                color=PALETTE[i % len(PALETTE)],
                linewidth=1.4,
            )
        ax.set_xlabel("wait (days)")
        ax.set_ylabel("children waiting up to this long (%)")
        ax.set_ylim(0, 100)
        ax.set_xlim(left=0)
        ax.set_title(title, loc="left")
        ax.grid(color="#eeeeee", linewidth=0.6)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        return figure_svg(fig, prefix=prefix, title=title, tight=True)


def breach_chart(
    clocks: Sequence[str],
    variants: Sequence[str],
    means: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    *,
    prefix: str = "breaches",
) -> str:
    """Breach rates per clock (rows) and variant (bars), with 95% intervals."""
    with svg_style():
        n, k = len(clocks), len(variants)
        fig = Figure(figsize=(6.4, 0.6 + 0.3 * max(n * k, 1) + 0.2 * n))
        ax = fig.add_subplot()
        height = 0.8 / max(k, 1)
        for j, name in enumerate(variants):
            y = np.arange(n)[::-1] + (k - 1 - j - (k - 1) / 2) * height
            m = np.nan_to_num(means[:, j]) * 100
            err = (
                np.vstack(
                    [
                        np.nan_to_num(means[:, j] - lows[:, j]),
                        np.nan_to_num(highs[:, j] - means[:, j]),
                    ]
                ).clip(min=0)
                * 100
            )
            ax.barh(
                y,
                m,
                height=height * 0.9,
                color=PALETTE[j % len(PALETTE)],
                label=name,
                xerr=err,
                error_kw={"capsize": 2, "linewidth": 0.8},
            )
        ax.set_yticks(np.arange(n)[::-1], labels=[_wrap(c) for c in clocks])
        ax.set_xlabel("breached (%)")
        ax.set_xlim(left=0)
        title = "Breach rates per statutory clock"
        ax.set_title(title, loc="left")
        ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
        ax.legend(frameon=False, fontsize=8, loc="best")
        return figure_svg(fig, prefix=prefix, title=title, tight=True)


def welch_chart(
    time_days: Sequence[float] | np.ndarray,
    ensemble: Sequence[float] | np.ndarray,
    smoothed: Sequence[float] | np.ndarray,
    warmup_days: float,
    *,
    title: str,
    ylabel: str,
    prefix: str = "welch",
) -> str:
    """Welch's plot: the ensemble average over replications, its moving average, the cut."""
    with svg_style():
        fig = Figure(figsize=(6.4, 3.0))
        ax = fig.add_subplot()
        ax.plot(time_days, ensemble, color="#bbbbbb", linewidth=0.8, label="mean over replications")
        ax.plot(time_days, smoothed, color=PALETTE[0], linewidth=1.6, label="moving average")
        ax.axvline(
            warmup_days,
            color=PALETTE[3],
            linestyle="--",
            linewidth=1.0,
            label=f"suggested warm-up: {warmup_days:g} days",
        )
        ax.set_xlabel("day of the run")
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        ax.grid(color="#eeeeee", linewidth=0.6)
        ax.legend(frameon=False, fontsize=8)
        return figure_svg(fig, prefix=prefix, title=title, tight=True)


def _wrap(text: str, width: int = 38) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


__all__ = [
    "PALETTE",
    "breach_chart",
    "distribution_chart",
    "interval_chart",
    "welch_chart",
]
