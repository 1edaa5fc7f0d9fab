"""Charts for the run report: matplotlib figures rendered to SVG text for inlining.

Owns the one style every jtai-sim chart is drawn in, the run report's, the
partnership drawing's and the comparison report's alike (:data:`PALETTE`,
:func:`svg_style`, :func:`figure_svg`): the object API, a fixed
``svg.hashsalt``, no date in the metadata, text kept as ``<text>`` so it is
searchable and escaped, and every id prefixed so several charts can share a
page. It also owns the four run-report charts: waits per agency, clock met
shares, hand-off completeness and weekly arrivals.

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
import functools
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jtai_sim.scenario.model import FLOW_STAGES
from jtai_sim.vocabulary import EventKind

if TYPE_CHECKING:
    from jtai_sim.simulation.run import Run

P = ParamSpec("P")
R = TypeVar("R")

#: Colour-blind-safe palette (Okabe and Ito), yellow last: it is the faintest on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
COMPLETE, PARTIAL, LOST = "#009E73", "#E69F00", "#D55E00"

_RC: dict[str, Any] = {
    "svg.hashsalt": "jtai-sim",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "path.simplify": True,
}

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


@contextmanager
def svg_style() -> Iterator[None]:
    """The matplotlib settings every jtai-sim SVG is drawn with."""
    with mpl.rc_context(cast(Any, _RC)):
        yield


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` (which builds and renders a figure) inside :func:`svg_style`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with svg_style():
            return function(*args, **kwargs)

    return wrapper


_ID = re.compile(r'\bid="([^"]+)"')
#: Where an SVG names an id: its definition and the two ways to refer to it.
_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)([")])')


def figure_svg(
    fig: Figure, *, prefix: str, title: str = "", standalone: bool = False, tight: bool = False
) -> str:
    """``fig`` as SVG text with every id prefixed by ``prefix`` (unique within a page).

    Without ``standalone`` the XML declaration and doctype are dropped so the
    text can be placed inside HTML; ``title`` becomes the accessible name.
    ``tight`` crops the figure to what is drawn (for figures without a layout).
    """
    buffer = io.StringIO()
    with svg_style():
        fig.savefig(
            buffer, format="svg", metadata={"Date": None}, bbox_inches="tight" if tight else None
        )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\n?", "", text, flags=re.S)
    ids = set(_ID.findall(text))

    def prefixed(m: re.Match[str]) -> str:
        return f"{m[1]}{prefix}-{m[2]}{m[3]}" if m[2] in ids else m[0]

    text = _REFERENCE.sub(prefixed, text)
    label = f' role="img" aria-label="{_attr(title)}"' if title else ""
    text = text.replace("<svg ", f'<svg class="chart"{label} ', 1)
    if standalone:
        text = '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + text
    return text


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure (object API, no pyplot state); build it inside :func:`svg_style`."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


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


# -- the charts -------------------------------------------------------------------------


def _day_axis(ax: Any, high: float) -> None:
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    end = next((v for v, _ in _DAY_TICKS if v >= max(high, 1.0)), _DAY_TICKS[-1][0])
    fine = [(v, t) for v, t, upto in _FINE_TICKS if end <= upto]
    ticks = sorted([(v, t) for v, t in _DAY_TICKS if v <= end] + fine)
    ax.set_xticks([v for v, _ in ticks], [t for _, t in ticks])
    ax.set_xlim(0.0, max(end, high) * 1.05)
    ax.minorticks_off()
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


@styled
def waits_chart(run: Run, waits: pd.DataFrame, *, prefix: str = "waits") -> str:
    """Boxes of waits per agency where some child waited: quartiles, whiskers at the
    10th and 90th percentiles, a dot at the mean (from ``waits``)."""
    samples = wait_samples(run)
    rows = [
        r
        for r in waits.to_dict("records")
        if r["children"] > 0 and float(r.get("mean_days", 0.0)) > 0
    ]
    fig = new_figure(7.0, 0.9 + 0.42 * max(len(rows), 1))
    ax = fig.add_subplot()
    if not rows:
        return _empty(fig, ax, "No child waited for any agency.", prefix)
    stats = []
    for r in reversed(rows):
        w = samples[str(r["agency"])]
        q10, q25, q50, q75, q90 = np.quantile(w, [0.1, 0.25, 0.5, 0.75, 0.9])
        stats.append(
            {
                "label": agency_label(run, str(r["agency"])),
                "whislo": q10,
                "q1": q25,
                "med": q50,
                "q3": q75,
                "whishi": q90,
                "mean": float(r["mean_days"]),
                "fliers": [],
            }
        )
    ax.bxp(
        stats,
        orientation="horizontal",
        showmeans=True,
        showfliers=False,
        widths=0.55,
        patch_artist=True,
        boxprops={"facecolor": "#cfe3f3", "edgecolor": PALETTE[0]},
        medianprops={"color": PALETTE[0], "linewidth": 2},
        meanprops={
            "marker": "o",
            "markerfacecolor": PALETTE[3],
            "markeredgecolor": "white",
            "markersize": 5,
        },
    )
    _day_axis(ax, max(s["whishi"] for s in stats) if stats else 1.0)
    ax.set_xlabel("wait from referral to start of service (days, log scale beyond 1 day)")
    ax.set_title("Waits per agency")
    return figure_svg(fig, prefix=prefix, title="Waits per agency")


@styled
def clocks_chart(clocks: pd.DataFrame, *, prefix: str = "clocks") -> str:
    """Bars of the share of each clock met, annotated with met of decided."""
    rows = [r for r in clocks.to_dict("records") if r["met"] + r["breached"] > 0]
    fig = new_figure(7.0, 0.9 + 0.42 * max(len(rows), 1))
    ax = fig.add_subplot()
    if not rows:
        return _empty(fig, ax, "No clock was met or breached in the window.", prefix)
    rows.reverse()
    y = np.arange(len(rows))
    shares = np.array([float(r["met_share"]) for r in rows])
    colours = [PALETTE[2] if s >= 0.9 else PALETTE[1] if s >= 0.7 else PALETTE[3] for s in shares]
    ax.barh(y, shares, color=colours, height=0.6)
    for yi, r in zip(y, rows, strict=True):
        decided = int(r["met"]) + int(r["breached"])
        share = float(r["met_share"])
        inside = share > 0.35
        ax.text(
            0.01 if inside else share + 0.01,
            float(yi),
            f"{share:.0%}  ({int(r['met']):,} of {decided:,})",
            va="center",
            ha="left",
            fontsize=8,
            color="white" if inside else "black",
        )
    ax.set_yticks(y, [_wrap(str(r["label"]), 48) for r in rows])
    ax.set_xlim(0, 1)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.axvline(1.0, color="#999999", linewidth=0.6)
    ax.set_xlabel("share met (of clocks met or breached)")
    ax.set_title("Statutory and NHS clocks met")
    return figure_svg(fig, prefix=prefix, title="Statutory and NHS clocks met")


@styled
def handoffs_chart(run: Run, handoffs: pd.DataFrame, *, prefix: str = "handoffs") -> str:
    """Stacked bars per pathway: complete, partial and lost information shares."""
    rows = handoffs.to_dict("records")
    fig = new_figure(7.0, 1.2 + 0.38 * max(len(rows), 1))
    ax = fig.add_subplot()
    if not rows:
        return _empty(fig, ax, "No information-sharing was recorded on any pathway.", prefix)
    rows.reverse()
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for column, colour, name in (
        ("complete_share", COMPLETE, "complete"),
        ("partial_share", PARTIAL, "partial"),
        ("lost_share", LOST, "lost"),
    ):
        values = np.array([float(r[column]) for r in rows])
        ax.barh(y, values, left=left, color=colour, height=0.6, label=name)
        left += values
    labels = [
        f"{agency_label(run, str(r['source']))} → {agency_label(run, str(r['to']))}"
        f"  ({_mode(r)}n={int(r['handoffs']):,})"
        for r in rows
    ]
    ax.set_yticks(y, [_wrap(t, 56) for t in labels])
    ax.set_xlim(0, 1)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_xlabel("share of hand-offs and notifications")
    ax.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, title=None)
    ax.set_title("How information arrived, per pathway", pad=22)
    return figure_svg(fig, prefix=prefix, title="How information arrived, per pathway")


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


@styled
def arrivals_chart(run: Run, agencies: Sequence[str], *, prefix: str = "arrivals") -> str:
    """Lines of referrals arriving per week at ``agencies``; warm-up shaded."""
    weekly = weekly_arrivals(run, agencies)
    fig = new_figure(7.0, 3.6)
    ax = fig.add_subplot()
    if weekly.empty or not agencies:
        return _empty(fig, ax, "The run is shorter than one week.", prefix)
    x = np.array([np.datetime64(d) for d in weekly["week_start"]])
    for i, key in enumerate(agencies):
        ax.plot(
            x,
            weekly[key].to_numpy(),
            color=PALETTE[i % len(PALETTE)],
            linewidth=1.4,
            label=agency_label(run, key),
        )
    if run.warmup_days > 0:
        end = run.scenario.start_date + dt.timedelta(days=run.warmup_days)
        ax.axvspan(
            cast(float, x[0]),  # dates: matplotlib converts them
            cast(float, np.datetime64(end)),
            color="#eeeeee",
            zorder=0,
            label="warm-up (not counted)",
        )
    # scale to the weeks after warm-up, so a start-up surge does not flatten the rest
    counts = weekly[list(agencies)].to_numpy()
    settled = (
        counts[int(run.warmup_days // 7) + 1 :] if len(counts) > run.warmup_days / 7 + 1 else counts
    )
    top = max(float(settled.max()) * 1.15 if settled.size else 0.0, 1.0)
    ax.set_ylim(0, top)
    peak = float(counts.max())
    if peak > top:
        at = int(np.argmax(counts.max(axis=1)))
        who = agency_label(run, agencies[int(np.argmax(counts[at]))])
        ax.annotate(
            f"off the scale: {int(peak):,} at {who} in the week of {weekly['week_start'][at]}",
            xy=(0.01, 0.97),
            xycoords="axes fraction",
            ha="left",
            va="top",
            fontsize=7.5,
            color="#555555",
        )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_ylabel("referrals arriving per week")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3)
    ax.set_title("Weekly arrivals at the main agencies")
    return figure_svg(fig, prefix=prefix, title="Weekly arrivals at the main agencies")


def _empty(fig: Figure, ax: Any, message: str, prefix: str) -> str:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    return figure_svg(fig, prefix=prefix, title=message)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


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
    "all_charts",
    "arrivals_chart",
    "clocks_chart",
    "figure_svg",
    "handoffs_chart",
    "main_agencies",
    "new_figure",
    "svg_style",
    "wait_samples",
    "waits_chart",
    "weekly_arrivals",
]
