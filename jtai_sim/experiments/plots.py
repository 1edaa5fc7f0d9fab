"""Charts for experiments, as SVG text to inline in the comparison report.

Drawn like the run report's charts (:mod:`jtai_sim.results.charts`: the same
canvas, axes, legends, palette and fonts, written straight from the numbers with
no plotting library), so the same results give byte-identical SVG, each chart
has its title drawn and as its accessible name, and text is kept as ``<text>``.
The only ids (the clips of the lines) carry the chart's ``prefix``, so several
charts can share the comparison report's page. A value that is missing or not
finite is left out of the picture; a row with nothing to draw says "no value".

>>> svg = interval_chart(["Base", "More staff"], [10.0, 7.5], [9.0, 6.8], [11.0, 8.1],
...                      title="Mean wait", unit="days")
>>> svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
...                'aria-label="Mean wait"')
True
>>> svg == interval_chart(["Base", "More staff"], [10.0, 7.5], [9.0, 6.8], [11.0, 8.1],
...                       title="Mean wait", unit="days")
True
>>> ">no value</text>" in interval_chart(["Base"], [float("nan")], [float("nan")],
...                                      [float("inf")], title="Mean wait", unit="days")
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import attrs
import numpy as np

from jtai_sim.results.charts import (
    AXIS,
    DASH,
    LEGEND_SIZE,
    LEGEND_WIDTH,
    MUTED,
    PALETTE,
    WIDTH,
    Axes,
    chart_height,
    chart_title,
    clip_path,
    empty_chart,
    legend_rows,
    linear_ticks,
    row_axes,
    row_labels,
    swatches,
    tick_width,
    title_lines,
    wrap,
    x_axis,
    y_axis,
)
from jtai_sim.results.svg import Canvas

Entry = tuple[str, str, str]


def _finite(values: Iterable[float | None], scale: float = 1.0) -> list[float]:
    """``values`` times ``scale``, with anything missing or not finite as NaN."""
    out = []
    for v in values:
        f = math.nan if v is None else float(v)
        out.append(f * scale if math.isfinite(f) else math.nan)
    return out


def _span(values: Iterable[float], *, zero: bool = False) -> tuple[float, float]:
    """The range of the finite ``values`` (with 0 if ``zero``), widened 5% each side."""
    seen = [v for v in values if math.isfinite(v)] + ([0.0] if zero else [])
    if not seen:
        return 0.0, 1.0
    low, high = min(seen), max(seen)
    pad = 0.05 * (high - low) if high > low else max(abs(high) * 0.1, 1.0)
    return low - pad, high + pad


def _most(ax: Axes) -> int:
    """How many steps of tick labels fit across ``ax``, at least 50 points apart."""
    return max(int((ax.right - ax.left) / 50.0), 2)


def _runs(xy: Iterable[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The stretches of two or more points with both coordinates finite, in order."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in xy:
        if math.isfinite(x) and math.isfinite(y):
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) > 1]


def _legend(canvas: Canvas, ax: Axes, rows: Sequence[Sequence[Entry]]) -> None:
    """Legend rows under the axis title."""
    for n, row in enumerate(rows):
        swatches(canvas, row, (ax.left + ax.right) / 2, ax.bottom + 42.0 + 12.0 * n, LEGEND_SIZE)


def _below(legend: Sequence[Sequence[Entry]]) -> float:
    """Room under the axes for the ticks, the axis title and ``legend``, in points."""
    return 36.0 + 12.0 * len(legend) + (8.0 if legend else 0.0)


def _whisker(
    canvas: Canvas,
    ax: Axes,
    low: float,
    high: float,
    y: float,
    cap: float,
    *,
    stroke: str,
    width: float,
) -> None:
    """An interval from ``low`` to ``high`` at ``y``, capped at both ends."""
    canvas.line(ax.x(low), y, ax.x(high), y, stroke=stroke, width=width)
    for end in (low, high):
        canvas.line(ax.x(end), y - cap, ax.x(end), y + cap, stroke=stroke, width=width)


def _no_value(canvas: Canvas, ax: Axes, y: float) -> None:
    canvas.text(ax.left + 4.0, y + 0.35 * LEGEND_SIZE, "no value", size=LEGEND_SIZE, fill=MUTED)


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
    """One row per label: a dot at the mean and a bar for the 95% interval (a share in
    %, or in percentage points from a dashed zero line with ``zero_line``)."""
    heading = title_lines(title)
    extra = 12.0 * (len(heading) - 1)
    height = chart_height(len(labels), 0.9, 0.42) + extra
    if not labels:
        return empty_chart(f"{title}: nothing to show.", height)
    scale = 100.0 if unit == "share" else 1.0
    mean, low, high = (_finite(v, scale) for v in (means, lows, highs))
    rows = [wrap(str(label), 40) for label in labels]
    left, right = _span(mean + low + high, zero=zero_line)
    ax = row_axes(rows, height, top=26.0 + extra, low=left, high=right)
    ticks = linear_ticks(ax.low, ax.high, _most(ax))
    canvas = Canvas(WIDTH, height, title=title)
    label = ("percentage points" if zero_line else "%") if unit == "share" else unit
    x_axis(canvas, ax, ticks, label)
    if zero_line:
        canvas.line(ax.x(0.0), ax.top, ax.x(0.0), ax.bottom, stroke=MUTED, width=0.8, dash=DASH)
    for i, (m, lo, hi) in enumerate(zip(mean, low, high, strict=True)):
        y, colour = ax.row(i), PALETTE[i % len(PALETTE)]
        if math.isfinite(lo) and math.isfinite(hi):
            _whisker(canvas, ax, lo, hi, y, 3.0, stroke=colour, width=1.2)
        if math.isfinite(m):
            canvas.circle(ax.x(m), y, 3.2, fill=colour, stroke=colour)
        elif not (math.isfinite(lo) and math.isfinite(hi)):
            _no_value(canvas, ax, y)
    row_labels(canvas, ax, rows)
    chart_title(canvas, ax, heading)
    return canvas.svg()


def distribution_chart(
    quantiles: Sequence[float],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    prefix: str = "distribution",
) -> str:
    """Waiting-time distributions: the share of children waiting up to x days, per variant
    (a step from each quantile's wait to the next)."""
    heading = title_lines(title)
    top = 26.0 + 12.0 * (len(heading) - 1)
    entries = [("line", PALETTE[i % len(PALETTE)], str(n)) for i, n in enumerate(series)]
    legend = legend_rows(entries, LEGEND_WIDTH, LEGEND_SIZE)
    height = top + 160.0 + _below(legend)
    q = _finite(quantiles, 100.0)
    days = {name: _finite(values) for name, values in series.items()}
    waits = [d for values in days.values() for d in values if math.isfinite(d)]
    if not waits:
        return empty_chart(f"{title}: no waits to show.", height)
    y_ticks = linear_ticks(0.0, 100.0)
    ax = Axes(left=tick_width(y_ticks) + 30.0, top=top, right=WIDTH - 14.0, bottom=top + 160.0,
              low=0.0, high=max(*waits, 1.0) * 1.05, y_low=0.0, y_high=100.0)  # fmt: skip
    canvas = Canvas(WIDTH, height, title=title)
    y_axis(canvas, ax, y_ticks, "children waiting up to this long (%)")
    x_axis(canvas, ax, linear_ticks(0.0, ax.high, _most(ax)), "wait (days)")
    clip = f"{prefix}-axes"
    for (_, colour, _), values in zip(entries, days.values(), strict=True):
        for run in _runs(zip(values, q, strict=True)):
            steps = [run[0]]
            for (_, y), (x, y_next) in itertools.pairwise(run):
                steps += [(x, y), (x, y_next)]
            canvas.polyline([(ax.x(x), ax.y(y)) for x, y in steps], stroke=colour, width=1.4,
                            clip=clip)  # fmt: skip
    _legend(canvas, ax, legend)
    chart_title(canvas, ax, heading)
    return canvas.svg(defs=clip_path(clip, ax))


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
    n, k = len(clocks), len(variants)
    title = "Breach rates per statutory clock"
    entries = [("box", PALETTE[j % len(PALETTE)], str(v)) for j, v in enumerate(variants)]
    legend = legend_rows(entries, LEGEND_WIDTH, LEGEND_SIZE)
    height = chart_height(n, 0.5, 0.3 * max(k, 1) + 0.2) + _below(legend)
    if not n or not k:
        return empty_chart("No statutory clock to show.", height)
    m, lo, hi = (
        np.asarray(_finite(np.ravel(a), 100.0)).reshape(n, k) for a in (means, lows, highs)
    )
    seen = [v for v in np.concatenate([m.ravel(), hi.ravel()]) if math.isfinite(v)]
    right = max(max(seen, default=0.0), 1.0) * 1.05
    rows = [wrap(str(c), 38) for c in clocks]
    ax = row_axes(rows, height, top=26.0, low=0.0, high=right)
    ax = attrs.evolve(ax, bottom=height - _below(legend))
    canvas = Canvas(WIDTH, height, title=title)
    x_axis(canvas, ax, linear_ticks(0.0, right, _most(ax)), "breached (%)")
    slot = 0.8 * ax.band / max(k, 1)
    for i in range(n):
        for j in range(k):
            y = ax.row(i) - 0.4 * ax.band + (j + 0.5) * slot
            if math.isfinite(m[i, j]):
                canvas.rect(ax.x(0.0), y - 0.45 * slot, ax.x(m[i, j]) - ax.x(0.0), 0.9 * slot,
                            fill=entries[j][1])  # fmt: skip
            else:
                _no_value(canvas, ax, y)
            if math.isfinite(lo[i, j]) and math.isfinite(hi[i, j]):
                _whisker(canvas, ax, max(lo[i, j], 0.0), hi[i, j], y, min(2.0, 0.3 * slot),
                         stroke=AXIS, width=0.8)  # fmt: skip
    row_labels(canvas, ax, rows)
    _legend(canvas, ax, legend)
    chart_title(canvas, ax, title)
    return canvas.svg()


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
    heading = title_lines(title)
    top = 26.0 + 12.0 * (len(heading) - 1)
    cut = _finite([warmup_days])[0]
    entries = [
        ("line", "#bbbbbb", "mean over replications"),
        ("line", PALETTE[0], "moving average"),
    ]
    if math.isfinite(cut):
        entries.append(("dash", PALETTE[3], f"suggested warm-up: {cut:g} days"))
    legend = legend_rows(entries, LEGEND_WIDTH, LEGEND_SIZE)
    height = top + 140.0 + _below(legend)
    t, mean, smooth = _finite(time_days), _finite(ensemble), _finite(smoothed)
    if not any(math.isfinite(d) for d in t):
        return empty_chart(f"{title}: nothing to show.", height)
    days = [d for d in [*t, cut] if math.isfinite(d)]
    first, last = min(days), max(days)
    pad = max(last - first, 7.0) * 0.03
    # the wait axis starts at 0 (or the lowest value, if below) and leaves room above the highest
    seen = [v for v in [*mean, *smooth] if math.isfinite(v)]
    y_low = min([0.0, *seen])
    y_high = max(seen) if seen and max(seen) > y_low else y_low + 1.0
    y_high += 0.1 * (y_high - y_low)
    y_ticks = linear_ticks(y_low, y_high)
    ax = Axes(left=tick_width(y_ticks) + 30.0, top=top, right=WIDTH - 14.0, bottom=top + 140.0,
              low=first - pad, high=last + pad, y_low=y_low, y_high=y_high)  # fmt: skip
    canvas = Canvas(WIDTH, height, title=title)
    y_axis(canvas, ax, y_ticks, ylabel)
    x_axis(canvas, ax, linear_ticks(ax.low, ax.high, _most(ax)), "day of the run")
    clip = f"{prefix}-axes"
    for values, colour, width in ((mean, "#bbbbbb", 0.8), (smooth, PALETTE[0], 1.6)):
        for run in _runs(zip(t, values, strict=True)):
            canvas.polyline([(ax.x(x), ax.y(y)) for x, y in run], stroke=colour, width=width,
                            clip=clip)  # fmt: skip
    if math.isfinite(cut):
        canvas.line(ax.x(cut), ax.top, ax.x(cut), ax.bottom, stroke=PALETTE[3], width=1.0,
                    dash=DASH)  # fmt: skip
    _legend(canvas, ax, legend)
    chart_title(canvas, ax, heading)
    return canvas.svg(defs=clip_path(clip, ax))


__all__ = [
    "PALETTE",
    "breach_chart",
    "distribution_chart",
    "interval_chart",
    "welch_chart",
]
