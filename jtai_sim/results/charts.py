"""Charts for the run report, written as SVG text for inlining.

Owns the four run-report charts (waits per agency, clock met shares, hand-off
completeness and weekly arrivals), the palette every jtai-sim picture is drawn
in (:data:`PALETTE`), and the axes, ticks, legends and titles every jtai-sim
chart is drawn with (the experiment charts of :mod:`jtai_sim.experiments.plots`
too, so there is one chart style). The charts are written straight from the
numbers with :mod:`jtai_sim.results.svg` (no plotting library, so writing a run
stays cheaper than simulating it): each has its title drawn and as its
accessible name, labelled axes, and text kept as ``<text>``; the only id (the
clip of the arrivals lines) carries the chart's ``prefix``, so charts can share
a page.

The summary numbers shown in charts come from :mod:`jtai_sim.results.metrics` tables
passed in by the caller. Two charts need more than a summary, namely the spread
of waits (for boxes) and arrivals week by week, so :func:`wait_samples` and
:func:`weekly_arrivals` read those straight from the event log using the same
selection rules as :func:`jtai_sim.results.metrics.waits`.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=3, days=60)
>>> svg = waits_chart(run, run.waits(), prefix="w")
>>> svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
True
>>> svg == waits_chart(run, run.waits(), prefix="w")
True
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from jtai_sim.results.svg import Canvas, num, text_width
from jtai_sim.scenario.model import FLOW_STAGES
from jtai_sim.vocabulary import EventKind

if TYPE_CHECKING:
    from jtai_sim.simulation.run import Run

#: Colour-blind-safe palette (Okabe and Ito), yellow last: it is the faintest on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
COMPLETE, PARTIAL, LOST = "#009E73", "#E69F00", "#D55E00"
GRID, AXIS, MUTED = "#dddddd", "#000000", "#555555"
DASH = "4 2"  # the stroke-dasharray of dashed lines (a zero line, a cut)

#: Tick marks for wait axes: meaningful spans of time, in days (the fine ones only
#: on short axes, so labels never collide on the log scale).
_DAY_TICKS = (
    (0.0, "0"),
    (1.0, "1 day"),
    (7.0, "1 week"),
    (28.0, "4 weeks"),
    (91.0, "3 months"),
    (365.0, "1 year"),
    (730.0, "2 years"),
    (1461.0, "4 years"),
)
_FINE_TICKS = ((2.0, "2 days", 7.0), (14.0, "2 weeks", 28.0))

WIDTH = 504.0  # 7 inches, in points
LABEL_SIZE, TITLE_SIZE, NOTE_SIZE = 9.0, 10.0, 8.0  # labels and ticks, titles, notes on bars
LEGEND_SIZE, LEGEND_WIDTH = 7.5, WIDTH - 28.0  # legends under the axes
_SHARE_TICKS = tuple((v / 5, f"{v * 20}%") for v in range(6))
#: matplotlib's symlog with ``linthresh=1, linscale=0.6``: linear to 1 day, then log10.
_LINSCALE = 0.6 / (1 - 1 / 10)


def agency_label(run: Run, key: str) -> str:
    """The name an agency is shown by."""
    return run.scenario.agencies[key].label or key


# -- data read from the log for charts ------------------------------------------------


def wait_samples(run: Run) -> dict[str, np.ndarray]:
    """Every wait (days, referral to start) per agency, children arriving in the window.

    The same selection as :func:`jtai_sim.results.metrics.waits`, so a box's median is
    the table's median.
    """
    rec = run.log.records()
    sel = rec[rec["kind"] == int(EventKind.START)]
    wait = sel["value"].astype(np.float64)
    keep = (sel["time"] - wait) >= run.warmup_days
    agency, wait = sel["agency"][keep], np.maximum(wait[keep], 0.0)
    return {key: wait[agency == i] for i, key in enumerate(run.agency_ids)}


def weekly_arrivals(run: Run, agencies: Sequence[str]) -> pd.DataFrame:
    """Referrals arriving at each of ``agencies`` per week of the run.

    One row per week (``week_start`` date), one column per agency. A last
    partial week is left out so it does not look like a drop.
    """
    rec = run.log.records()
    weeks = int(run.duration_days // 7)
    arrive = rec[(rec["kind"] == int(EventKind.ARRIVE)) & (rec["time"] < weeks * 7)]
    index = {k: i for i, k in enumerate(run.agency_ids)}
    frame = pd.DataFrame(
        {"week_start": [run.scenario.start_date + dt.timedelta(days=7 * w) for w in range(weeks)]}
    )
    for key in agencies:
        times = arrive["time"][arrive["agency"] == index[key]]
        frame[key] = np.bincount((times // 7).astype(np.int64), minlength=weeks)[:weeks]
    return frame


# -- axes -------------------------------------------------------------------------------


def symlog(days: float) -> float:
    """Where ``days`` sits on a wait axis: linear up to one day, logarithmic beyond.

    >>> symlog(0.0), round(symlog(1.0), 3), round(symlog(10.0), 3)
    (0.0, 0.667, 1.667)
    """
    return days * _LINSCALE if days <= 1.0 else _LINSCALE + math.log10(days)


def _linear(value: float) -> float:
    return value


@attrs.frozen
class Axes:
    """A plotting area of a canvas: data ``low`` to ``high`` across (through ``scale``),
    ``rows`` bands (or ``y_low`` to ``y_high``) down; all in points."""

    left: float
    top: float
    right: float
    bottom: float
    low: float
    high: float
    scale: Callable[[float], float] = _linear
    rows: int = 1
    y_low: float = 0.0
    y_high: float = 1.0

    def x(self, value: float) -> float:
        """Across, in points, of a data value."""
        a, b = self.scale(self.low), self.scale(self.high)
        return self.left + (self.scale(value) - a) / ((b - a) or 1.0) * (self.right - self.left)

    def y(self, value: float) -> float:
        """Down, in points, of a value on the vertical axis."""
        span = (self.y_high - self.y_low) or 1.0
        return self.bottom - (value - self.y_low) / span * (self.bottom - self.top)

    @property
    def band(self) -> float:
        """Height of one row."""
        return (self.bottom - self.top) / max(self.rows, 1)

    def row(self, i: int) -> float:
        """Middle of row ``i`` (0 at the top)."""
        return self.top + (i + 0.5) * self.band


def x_axis(canvas: Canvas, ax: Axes, ticks: Sequence[tuple[float, str]], label: str) -> None:
    """Grid lines, the bottom and left spines, tick marks and labels, the axis title."""
    for value, _ in ticks:
        canvas.line(ax.x(value), ax.top, ax.x(value), ax.bottom, stroke=GRID, width=0.6)
    canvas.line(ax.left, ax.bottom, ax.right, ax.bottom, stroke=AXIS, width=0.8)
    canvas.line(ax.left, ax.top, ax.left, ax.bottom, stroke=AXIS, width=0.8)
    for value, text in ticks:
        x = ax.x(value)
        canvas.line(x, ax.bottom, x, ax.bottom + 3.5, stroke=AXIS, width=0.8)
        canvas.text(x, ax.bottom + 13.0, text, size=LABEL_SIZE, anchor="middle")
    canvas.text((ax.left + ax.right) / 2, ax.bottom + 27.0, label, size=LABEL_SIZE, anchor="middle")


def row_labels(canvas: Canvas, ax: Axes, labels: Sequence[Sequence[str]]) -> None:
    """Category labels, right-aligned left of the axes, one (or a few lines) a row."""
    for i, lines in enumerate(labels):
        y = ax.row(i)
        canvas.line(ax.left - 3.5, y, ax.left, y, stroke=AXIS, width=0.8)
        canvas.lines(ax.left - 6.0, y, lines, size=LABEL_SIZE, anchor="end")


def y_axis(canvas: Canvas, ax: Axes, ticks: Sequence[tuple[float, str]], label: str) -> None:
    """Grid lines across, tick marks and labels left of the axes, the axis title upright.

    Drawn before :func:`x_axis` (or the spines), so the spines lie over the grid.
    """
    for value, text in ticks:
        y = ax.y(value)
        canvas.line(ax.left, y, ax.right, y, stroke=GRID, width=0.6)
        canvas.line(ax.left - 3.5, y, ax.left, y, stroke=AXIS, width=0.8)
        canvas.text(ax.left - 6.0, y + 3.0, text, size=LABEL_SIZE, anchor="end")
    canvas.text(ax.left - tick_width(ticks) - 16.0, (ax.top + ax.bottom) / 2, label,
                size=LABEL_SIZE, anchor="middle", rotate=-90.0)  # fmt: skip


def tick_width(ticks: Sequence[tuple[float, str]]) -> float:
    """Width of the widest tick label, in points."""
    return max((text_width(text, LABEL_SIZE) for _, text in ticks), default=0.0)


def row_axes(
    labels: Sequence[Sequence[str]],
    height: float,
    *,
    top: float,
    low: float,
    high: float,
    **kw: Any,
) -> Axes:
    """Axes of a chart ``height`` points tall, a row per label (wrapped into lines), with
    room at the left for the widest line and 36 points below for the axis."""
    widest = max((text_width(t, LABEL_SIZE) for lines in labels for t in lines), default=0.0)
    return Axes(
        left=min(widest + 12.0, WIDTH * 0.6),
        top=top,
        right=WIDTH - 14.0,
        bottom=height - 36.0,
        low=low,
        high=high,
        rows=len(labels),
        **kw,
    )


def chart_title(canvas: Canvas, ax: Axes, text: str | Sequence[str], y: float = 15.0) -> None:
    """The title (a line, or lines 12 points apart from ``y``) centred over the axes, moved
    in as far as a long line needs to stay on the canvas."""
    for i, line in enumerate([text] if isinstance(text, str) else text):
        half = text_width(line, TITLE_SIZE, bold=True) / 2
        x = min(max((ax.left + ax.right) / 2, half + 6.0), canvas.width - half - 6.0)
        canvas.text(x, y + 12.0 * i, line, size=TITLE_SIZE, anchor="middle", bold=True)


def title_lines(text: str) -> list[str]:
    """A title wrapped to fit across the canvas (by the width of its own characters)."""
    room = (WIDTH - 24.0) / text_width(text, TITLE_SIZE, bold=True) if text else 1.0
    return wrap(text, max(int(len(text) * room), 20))


def swatches(
    canvas: Canvas, entries: Sequence[tuple[str, str, str]], x: float, y: float, size: float
) -> None:
    """A legend row centred on ``x``: (kind ``box``, ``line`` or ``dash``, colour, name) each."""
    widths = [_swatch_width(name, size) for _, _, name in entries]
    total = sum(widths) + 10.0 * (len(entries) - 1)
    at = max(min(x - total / 2, canvas.width - 6.0 - total), 6.0)  # kept on the canvas
    for (kind, colour, name), width in zip(entries, widths, strict=True):
        if kind == "box":
            canvas.rect(at, y - size * 0.7, 14.0, size * 0.7, fill=colour)
        else:
            dash = DASH if kind == "dash" else ""
            canvas.line(at, y - size * 0.35, at + 14.0, y - size * 0.35, stroke=colour, width=1.4,
                        dash=dash)  # fmt: skip
        canvas.text(at + 18.0, y, name, size=size)
        at += width + 10.0


def _swatch_width(name: str, size: float) -> float:
    return 22.0 + text_width(name, size)


def legend_rows(
    entries: Sequence[tuple[str, str, str]], width: float, size: float, most: int = 3
) -> list[list[tuple[str, str, str]]]:
    """``entries`` of :func:`swatches` in rows of at most ``most``, each fitting in ``width``
    points (an entry wider than that has a row of its own)."""
    rows: list[list[tuple[str, str, str]]] = []
    used = 0.0
    for entry in entries:
        need = _swatch_width(entry[2], size)
        if rows and len(rows[-1]) < most and used + 10.0 + need <= width:
            rows[-1].append(entry)
            used += 10.0 + need
        else:
            rows.append([entry])
            used = need
    return rows


def clip_path(name: str, ax: Axes) -> str:
    """A clip path ``name`` (an id: give it the chart's prefix) to the plotting area."""
    box = f'x="{num(ax.left)}" y="{num(ax.top)}" width="{num(ax.right - ax.left)}"'
    return f'<clipPath id="{name}"><rect {box} height="{num(ax.bottom - ax.top)}"/></clipPath>'


def chart_height(rows: int, base_in: float, per_row_in: float) -> float:
    """Height in points of a chart of ``rows`` rows: ``base_in`` inches and ``per_row_in`` a row."""
    return (base_in + per_row_in * max(rows, 1)) * 72.0


def empty_chart(message: str, height: float) -> str:
    """A chart with nothing to draw: ``message`` in the middle, and as its name."""
    canvas = Canvas(WIDTH, height, title=message)
    canvas.text(WIDTH / 2, height / 2 + 3.0, message, size=LABEL_SIZE, anchor="middle")
    return canvas.svg()


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters (at least one line)."""
    return textwrap.wrap(text, width) or [text]


# -- the charts -------------------------------------------------------------------------


def day_ticks(high: float) -> list[tuple[float, str]]:
    """Ticks of a wait axis reaching at least ``high`` days.

    >>> [t for _, t in day_ticks(20.0)]
    ['0', '1 day', '1 week', '2 weeks', '4 weeks']
    """
    end = next((v for v, _ in _DAY_TICKS if v >= max(high, 1.0)), _DAY_TICKS[-1][0])
    fine = [(v, t) for v, t, upto in _FINE_TICKS if end <= upto]
    return sorted([(v, t) for v, t in _DAY_TICKS if v <= end] + fine)


def waits_chart(run: Run, waits: pd.DataFrame, *, prefix: str = "waits") -> str:
    """Boxes of waits per agency where some child waited: quartiles, whiskers at the
    10th and 90th percentiles, a dot at the mean (from ``waits``)."""
    samples = wait_samples(run)
    rows = [
        r
        for r in waits.to_dict("records")
        if r["children"] > 0 and float(r.get("mean_days", 0.0)) > 0
    ]
    height = chart_height(len(rows), 0.9, 0.42)
    if not rows:
        return empty_chart("No child waited for any agency.", height)
    title = "Waits per agency"
    stats = []
    for r in rows:
        q = np.quantile(samples[str(r["agency"])], [0.1, 0.25, 0.5, 0.75, 0.9])
        stats.append((agency_label(run, str(r["agency"])), [float(v) for v in q], r["mean_days"]))
    high = max(s[1][4] for s in stats)
    ticks = day_ticks(high)
    labels = [[label] for label, _, _ in stats]
    ax = row_axes(labels, height, top=26.0, low=0.0, high=max(ticks[-1][0], high) * 1.05)
    ax = attrs.evolve(ax, scale=symlog)
    canvas = Canvas(WIDTH, height, title=title)
    x_axis(
        canvas, ax, ticks, "wait from referral to start of service (days, log scale beyond 1 day)"
    )
    half = ax.band * 0.55 / 2
    for i, (_, (q10, q25, q50, q75, q90), mean) in enumerate(stats):
        y = ax.row(i)
        canvas.line(ax.x(q10), y, ax.x(q25), y, stroke=PALETTE[0], width=1.0)
        canvas.line(ax.x(q75), y, ax.x(q90), y, stroke=PALETTE[0], width=1.0)
        for q in (q10, q90):
            canvas.line(ax.x(q), y - half / 2, ax.x(q), y + half / 2, stroke=PALETTE[0])
        canvas.rect(
            ax.x(q25),
            y - half,
            ax.x(q75) - ax.x(q25),
            2 * half,
            fill="#cfe3f3",
            style=f"stroke:{PALETTE[0]};stroke-width:1",
        )
        canvas.line(ax.x(q50), y - half, ax.x(q50), y + half, stroke=PALETTE[0], width=2.0)
        canvas.circle(ax.x(float(mean)), y, 2.8, fill=PALETTE[3], stroke="#ffffff")
    row_labels(canvas, ax, labels)
    chart_title(canvas, ax, title)
    return canvas.svg()


def _share_colour(share: float) -> str:
    return PALETTE[2] if share >= 0.9 else PALETTE[1] if share >= 0.7 else PALETTE[3]


def clocks_chart(clocks: pd.DataFrame, *, prefix: str = "clocks") -> str:
    """Bars of the share of each clock met, annotated with met of decided."""
    rows = [r for r in clocks.to_dict("records") if r["met"] + r["breached"] > 0]
    height = chart_height(len(rows), 0.9, 0.42)
    if not rows:
        return empty_chart("No clock was met or breached in the window.", height)
    title = "Statutory and NHS clocks met"
    labels = [wrap(str(r["label"]), 48) for r in rows]
    ax = row_axes(labels, height, top=26.0, low=0.0, high=1.0)
    canvas = Canvas(WIDTH, height, title=title)
    x_axis(canvas, ax, _SHARE_TICKS, "share met (of clocks met or breached)")
    for i, r in enumerate(rows):
        y, share = ax.row(i), float(r["met_share"])
        decided = int(r["met"]) + int(r["breached"])
        canvas.rect(ax.x(0), y - 0.3 * ax.band, ax.x(share) - ax.x(0), 0.6 * ax.band,
                    fill=_share_colour(share))  # fmt: skip
        inside = share > 0.35
        canvas.text(
            ax.x(0.01 if inside else share + 0.01),
            y + 0.35 * NOTE_SIZE,
            f"{share:.0%}  ({int(r['met']):,} of {decided:,})",
            size=NOTE_SIZE,
            fill="#ffffff" if inside else "#000000",
        )
    canvas.line(ax.x(1.0), ax.top, ax.x(1.0), ax.bottom, stroke="#999999", width=0.6)
    row_labels(canvas, ax, labels)
    chart_title(canvas, ax, title)
    return canvas.svg()


def handoffs_chart(run: Run, handoffs: pd.DataFrame, *, prefix: str = "handoffs") -> str:
    """Stacked bars per pathway: complete, partial and lost information shares."""
    rows = handoffs.to_dict("records")
    height = chart_height(len(rows), 1.2, 0.38)
    if not rows:
        return empty_chart("No information-sharing was recorded on any pathway.", height)
    title = "How information arrived, per pathway"
    labels = [
        wrap(
            f"{agency_label(run, str(r['source']))} → {agency_label(run, str(r['to']))}"
            f"  ({_mode(r)}n={int(r['handoffs']):,})",
            56,
        )
        for r in rows
    ]
    ax = row_axes(labels, height, top=44.0, low=0.0, high=1.0)
    canvas = Canvas(WIDTH, height, title=title)
    x_axis(canvas, ax, _SHARE_TICKS, "share of hand-offs and notifications")
    parts = (
        ("complete_share", COMPLETE, "complete"),
        ("partial_share", PARTIAL, "partial"),
        ("lost_share", LOST, "lost"),
    )
    for i, r in enumerate(rows):
        y, left = ax.row(i), 0.0
        for column, colour, _ in parts:
            value = float(r[column])
            canvas.rect(ax.x(left), y - 0.3 * ax.band, ax.x(left + value) - ax.x(left),
                        0.6 * ax.band, fill=colour)  # fmt: skip
            left += value
    row_labels(canvas, ax, labels)
    swatches(
        canvas, [("box", c, n) for _, c, n in parts], (ax.left + ax.right) / 2, 36.0, LABEL_SIZE
    )
    chart_title(canvas, ax, title)
    return canvas.svg()


def _mode(row: Mapping[Any, Any]) -> str:
    mode = row.get("mode")
    return f"{mode}, " if isinstance(mode, str) and mode != "refer" else ""


def main_agencies(run: Run, limit: int = 6) -> list[str]:
    """The agencies the arrivals chart follows: the funnel's stages if the scenario
    names them, else the agencies with most arrivals (ties in file order)."""
    flow = run.scenario.flow
    chosen: list[str] = []
    for stage in sorted(FLOW_STAGES, key=lambda s: s == "plan"):  # plans last: fewest arrive
        for key in getattr(flow, stage):
            if key not in chosen:
                chosen.append(key)
    if chosen:
        return chosen[:limit]
    rec = run.log.records()
    arrive = rec["agency"][rec["kind"] == int(EventKind.ARRIVE)]
    counts = np.bincount(arrive[arrive >= 0], minlength=len(run.agency_ids))
    order = sorted(range(len(counts)), key=lambda i: (-int(counts[i]), i))
    return [run.agency_ids[i] for i in order if counts[i] > 0][:limit]


def linear_ticks(
    low: float, high: float, most: int = 6, *, whole: bool = False
) -> list[tuple[float, str]]:
    """Round values from ``low`` to ``high``, and their labels: a step of 1, 2 or 5 times a
    power of ten (at least 1 if ``whole``) apart, the smallest that makes at most ``most``
    steps of the span. Labels have as many decimals as the step, and a minus sign.

    >>> [t for _, t in linear_ticks(-0.3, 1.05)]
    ['0.0', '0.5', '1.0']
    >>> [t for _, t in linear_ticks(-12.0, 3.0)]
    ['−10', '−5', '0']
    >>> [t for _, t in linear_ticks(0.0, 1200.0)]
    ['0', '200', '400', '600', '800', '1,000', '1,200']
    """
    span = high - low
    if not (math.isfinite(low) and math.isfinite(span)) or span <= 0:
        return (
            [(float(low), f"{low:,g}".replace("-", "\N{MINUS SIGN}"))] if math.isfinite(low) else []
        )
    power = math.floor(math.log10(span / most))
    if whole:
        power = max(power, 0)
    step, decimals = 1.0, 0
    for p, base in ((p, b) for p in range(power, power + 2) for b in (1, 2, 5)):
        step, decimals = base * 10.0**p, max(-p, 0)
        if span / step <= most + 1e-9:
            break
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    values = [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]
    return [(v, f"{v:,.{decimals}f}".replace("-", "\N{MINUS SIGN}")) for v in values]


def count_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to at most ``top``, a round step apart, at most ``most``.

    >>> count_ticks(37.0), count_ticks(2.3), count_ticks(1200.0)
    ([0, 10, 20, 30], [0, 1, 2], [0, 200, 400, 600, 800, 1000, 1200])
    """
    return [int(v) for v, _ in linear_ticks(0.0, top, most, whole=True)] or [0]


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_ticks(start: dt.date, end: dt.date, most: int = 9) -> list[tuple[dt.date, str]]:
    """First days of months from ``start`` to ``end``, a round number of months apart:
    January (and the first tick) named with its year, the others by month. A span with
    fewer than three month starts is ticked by weeks from ``start`` instead.

    >>> [t for _, t in date_ticks(dt.date(2024, 4, 1), dt.date(2026, 3, 30))]
    ['Apr 2024', 'Jul', 'Oct', '2025', 'Apr', 'Jul', 'Oct', '2026']
    >>> [t for _, t in date_ticks(dt.date(2024, 4, 10), dt.date(2024, 4, 30))]
    ['10 Apr 2024', '17 Apr', '24 Apr']
    """
    for step in (1, 2, 3, 4, 6, 12, 24, 60, 120, 240, 600):
        first = start.year * 12 + start.month - 1 + (start.day > 1)
        months = [m for m in range(first, end.year * 12 + end.month) if m % step == 0]
        if len(months) <= most:
            break
    if len(months) < 3:
        days = (end - start).days
        weeks = next(w for w in (1, 2, 4, 8) if days // (7 * w) + 1 <= most or w == 8)
        dates = [start + dt.timedelta(days=d) for d in range(0, days + 1, 7 * weeks)]
        return [
            (d, f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if i == 0 else ""))
            for i, d in enumerate(dates)
        ]
    ticks = []
    for i, m in enumerate(months):
        day = dt.date(m // 12, m % 12 + 1, 1)
        if day.month == 1:
            text = str(day.year)
        else:
            text = f"{_MONTHS[day.month - 1]} {day.year}" if i == 0 else _MONTHS[day.month - 1]
        ticks.append((day, text))
    return ticks


def arrivals_chart(run: Run, agencies: Sequence[str], *, prefix: str = "arrivals") -> str:
    """Lines of referrals arriving per week at ``agencies``; warm-up shaded."""
    weekly = weekly_arrivals(run, agencies)
    height = 3.6 * 72.0
    if weekly.empty or not agencies:
        return empty_chart("The run is shorter than one week.", height)
    title = "Weekly arrivals at the main agencies"
    start = run.scenario.start_date
    counts = weekly[list(agencies)].to_numpy()
    # scale to the weeks after warm-up, so a start-up surge does not flatten the rest
    settled = (
        counts[int(run.warmup_days // 7) + 1 :] if len(counts) > run.warmup_days / 7 + 1 else counts
    )
    top = max(float(settled.max()) * 1.15 if settled.size else 0.0, 1.0)
    y_ticks = [(float(t), f"{t:,}") for t in count_ticks(top)]
    names = [agency_label(run, key) for key in agencies]
    entries = [("line", PALETTE[i % len(PALETTE)], n) for i, n in enumerate(names)]
    if run.warmup_days > 0:
        entries.append(("box", "#eeeeee", "warm-up (not counted)"))
    legend = legend_rows(entries, LEGEND_WIDTH, LEGEND_SIZE)
    last = 7.0 * (len(weekly) - 1)
    pad = max(last, 7.0) * 0.03
    ax = Axes(
        left=tick_width(y_ticks) + 30.0,
        top=26.0,
        right=WIDTH - 14.0,
        bottom=height - 24.0 - 12.0 * len(legend),
        low=-pad,
        high=last + pad,
        y_low=0.0,
        y_high=top,
    )
    canvas = Canvas(WIDTH, height, title=title)
    if run.warmup_days > 0:
        x0, x1 = ax.x(0.0), min(ax.x(run.warmup_days), ax.right)
        canvas.rect(x0, ax.top, x1 - x0, ax.bottom - ax.top, fill="#eeeeee")
    y_axis(canvas, ax, y_ticks, "referrals arriving per week")
    canvas.line(ax.left, ax.bottom, ax.right, ax.bottom, stroke=AXIS, width=0.8)
    canvas.line(ax.left, ax.top, ax.left, ax.bottom, stroke=AXIS, width=0.8)
    end = start + dt.timedelta(days=last)
    for day, text in date_ticks(start, end):
        x = ax.x(float((day - start).days))
        canvas.line(x, ax.bottom, x, ax.bottom + 3.5, stroke=AXIS, width=0.8)
        canvas.text(x, ax.bottom + 13.0, text, size=LABEL_SIZE, anchor="middle")
    clip = f"{prefix}-axes"
    xs = [ax.x(7.0 * w) for w in range(len(weekly))]
    for i in range(len(agencies)):
        line = [(x, ax.y(float(c))) for x, c in zip(xs, counts[:, i], strict=True)]
        canvas.polyline(line, stroke=PALETTE[i % len(PALETTE)], width=1.4, clip=clip)
    peak = float(counts.max())
    if peak > top:
        at = int(np.argmax(counts.max(axis=1)))
        who = agency_label(run, agencies[int(np.argmax(counts[at]))])
        canvas.text(
            ax.left + 0.01 * (ax.right - ax.left),
            ax.top + 9.0,
            f"off the scale: {int(peak):,} at {who} in the week of {weekly['week_start'][at]}",
            size=7.5,
            fill=MUTED,
        )
    for n, row in enumerate(legend):
        swatches(canvas, row, (ax.left + ax.right) / 2, ax.bottom + 30.0 + 12.0 * n, LEGEND_SIZE)
    chart_title(canvas, ax, title)
    return canvas.svg(defs=clip_path(clip, ax))


def all_charts(run: Run, tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Every report chart as inline SVG, keyed by name."""
    return {
        "waits": waits_chart(run, tables["waits"]),
        "clocks": clocks_chart(tables["clocks"]),
        "handoffs": handoffs_chart(run, tables["handoffs"]),
        "arrivals": arrivals_chart(run, main_agencies(run)),
    }


__all__ = [
    "PALETTE",
    "Axes",
    "all_charts",
    "arrivals_chart",
    "chart_height",
    "chart_title",
    "clip_path",
    "clocks_chart",
    "count_ticks",
    "date_ticks",
    "day_ticks",
    "empty_chart",
    "handoffs_chart",
    "legend_rows",
    "linear_ticks",
    "main_agencies",
    "row_axes",
    "row_labels",
    "swatches",
    "symlog",
    "tick_width",
    "title_lines",
    "wait_samples",
    "waits_chart",
    "weekly_arrivals",
    "wrap",
    "x_axis",
    "y_axis",
]
