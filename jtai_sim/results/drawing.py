"""Drawing the partnership: agencies as boxes, pathways as arrows, as SVG.

Owns the layout and the picture used by ``jtai-sim graph`` and the run report.
The layout is layered and deterministic: agencies where demand arrives form
the first column, every other agency sits at the end of the longest chain of
referrals leading to it (loops left out), so children's journeys read left to
right, and within a column agencies are ordered by a few sweeps of the
barycentre rule (ties in file order), which keeps arrows from crossing more
than they need to. No random layout is used, so the same scenario always gives
the same drawing. The layout needs no graph library; the partnership checks in
:mod:`jtai_sim.scenario.partnership` have already made sure every agency is reachable.

Every label goes through :func:`jtai_sim.results.markup.markup_text`, so a name
with a control character in it still gives an SVG that XML parsers read.

Arrows are styled by pathway mode: ``refer`` solid, ``parallel`` dashed,
``notify`` dotted grey; each is labelled with its probability and the
conditions it applies to. Entry agencies have a heavy blue border and say what
arrives there.

>>> from jtai_sim import load_scenario
>>> scenario = load_scenario("scenarios/jackson.toml")
>>> layers(scenario)
{'A': 0, 'B': 1, 'C': 2}
>>> svg = partnership_svg(scenario)
>>> svg.startswith("<?xml") and "</svg>" in svg
True
"""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict

from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from jtai_sim.results.charts import PALETTE, figure_svg, new_figure, styled
from jtai_sim.results.markup import markup_text
from jtai_sim.scenario.model import Pathway, Scenario
from jtai_sim.scenario.partnership import entry_agencies

#: Horizontal and vertical distance between agency boxes, in inches.
COLUMN_IN = 3.3
ROW_IN = 1.25
_LEGEND_IN = 0.45
_TITLE_IN = 0.35
_BOW_IN = 0.6  # room left of the first column for arrows within a column

_MODE_STYLE: dict[str, dict[str, object]] = {
    "refer": {"linestyle": "-", "color": "#333333", "linewidth": 1.1},
    "parallel": {"linestyle": (0, (5, 3)), "color": PALETTE[0], "linewidth": 1.1},
    "notify": {"linestyle": (0, (1.5, 2)), "color": "#777777", "linewidth": 1.1},
}


def layers(scenario: Scenario) -> dict[str, int]:
    """Column of each agency: the longest chain of referrals leading to it from an entry.

    Only pathways that move a child (``refer``, ``parallel``) count;
    notifications and pathways that close a loop are left out, so they do not
    stretch the drawing (they are still drawn, as arrows that bend). Loops are
    found by a depth-first walk that starts from the agencies nobody refers to,
    then the entry agencies, each in file order. Agencies nobody refers to are
    column 0.
    """
    order = list(scenario.agencies)
    entries = entry_agencies(scenario)
    demand = {d.agency for d in scenario.demand.values()}
    successors: dict[str, list[str]] = {k: [] for k in order}
    referred: set[str] = set()
    for p in scenario.pathways:
        moves = p.mode != "notify" and p.to != p.source
        if moves and p.to not in successors[p.source]:
            successors[p.source].append(p.to)
            referred.add(p.to)
    roots = [k for k in order if k not in referred and k in demand]
    roots += [k for k in order if k in demand] + [k for k in order if k in entries] + order
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            key, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[key] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((key, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    column = dict.fromkeys(order, 0)
    incoming = {k: 0 for k in order}
    for key in order:
        for to in successors[key]:
            if (key, to) not in back:
                incoming[to] += 1
    ready = [k for k in order if incoming[k] == 0]
    while ready:
        key = ready.pop(0)
        for to in successors[key]:
            if (key, to) in back:
                continue
            column[to] = max(column[to], column[key] + 1)
            incoming[to] -= 1
            if incoming[to] == 0:
                ready.append(to)
    return column


def layout(scenario: Scenario, sweeps: int = 4) -> dict[str, tuple[float, float]]:
    """Positions (inches) of each agency's box centre: columns left to right,
    rows top to bottom, each column centred vertically.

    >>> from jtai_sim import load_scenario
    >>> layout(load_scenario("scenarios/jackson.toml"))["A"]
    (0.0, 0.0)
    """
    column = layers(scenario)
    order = list(scenario.agencies)
    columns: dict[int, list[str]] = defaultdict(list)
    for key in order:
        columns[column[key]].append(key)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for p in scenario.pathways:
        if p.source != p.to:
            neighbours[p.to].append(p.source)
            neighbours[p.source].append(p.to)

    def rank() -> dict[str, float]:
        return {k: float(i) for members in columns.values() for i, k in enumerate(members)}

    for sweep in range(sweeps):
        sequence = sorted(columns) if sweep % 2 == 0 else sorted(columns, reverse=True)
        for c in sequence:
            position = rank()
            members = columns[c]

            def barycentre(key: str, position: dict[str, float] = position) -> float:
                near = [position[n] for n in neighbours[key] if column[n] != column[key]]
                return sum(near) / len(near) if near else position[key]

            columns[c] = sorted(members, key=lambda k: (barycentre(k), members.index(k)))
    out: dict[str, tuple[float, float]] = {}
    for c, members in columns.items():
        top = (len(members) - 1) / 2
        for i, key in enumerate(members):
            out[key] = (c * COLUMN_IN, (top - i) * ROW_IN)
    return {k: out[k] for k in order}


def pathway_text(pathway: Pathway) -> str:
    """A short label: probability and the children the pathway is for.

    >>> from jtai_sim.scenario.model import Pathway
    >>> pathway_text(Pathway(source="a", to="b", probability=0.25, when=("at_risk",)))
    '25% if at risk'
    """
    text = f"{pathway.probability:.0%}" if pathway.probability < 1 else "all"
    if pathway.when:
        text += " if " + ", ".join(f.replace("_", " ") for f in pathway.when)
    if pathway.unless:
        text += " unless " + ", ".join(f.replace("_", " ") for f in pathway.unless)
    if pathway.min_age is not None or pathway.max_age is not None:
        low = pathway.min_age if pathway.min_age is not None else 0
        high = pathway.max_age if pathway.max_age is not None else "+"
        text += f" (ages {low}-{high})" if high != "+" else f" (ages {low}+)"
    return text


def agency_text(scenario: Scenario, key: str, entries: set[str]) -> str:
    """What an agency's box says: its name, its capacity, what arrives there."""
    agency = scenario.agencies[key]
    lines = textwrap.wrap(markup_text(agency.label or key), 26) or [markup_text(key)]
    if agency.staff is None:
        lines.append("no waiting list")
    else:
        per = f", caseload {agency.caseload}" if agency.caseload > 1 else ""
        lines.append(f"{agency.staff} staff{per}")
    if key in entries:
        rate = sum(d.rate_per_10k_per_year for d in scenario.demand.values() if d.agency == key)
        arrives = [f"{rate:g} per 10k a year"] if rate else []
        if scenario.mental_health.crisis_agency == key:
            arrives.append("crises")
        lines.append("entry: " + " + ".join(arrives))
    return "\n".join(lines)


@styled
def partnership_svg(scenario: Scenario, *, standalone: bool = True, prefix: str = "p") -> str:
    """The partnership drawn as SVG (a full document unless ``standalone`` is false)."""
    positions = layout(scenario)
    entries = entry_agencies(scenario)
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    middle = (max(ys) + min(ys)) / 2
    left, right = min(xs) - COLUMN_IN / 2 - _BOW_IN, max(xs) + COLUMN_IN / 2
    bottom, top = min(ys) - ROW_IN / 2 - _LEGEND_IN, max(ys) + ROW_IN / 2 + _TITLE_IN
    right = max(right, left + 6.0)
    fig = new_figure(right - left, top - bottom)
    fig.set_layout_engine("none")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_axis_off()
    boxes = {}
    for key, (x, y) in positions.items():
        entry = key in entries
        text = ax.text(
            x,
            y,
            agency_text(scenario, key, entries),
            ha="center",
            va="center",
            fontsize=7.5,
            zorder=5,
            linespacing=1.25,
            bbox={
                "boxstyle": "round,pad=0.45",
                "facecolor": "#e8f1fa" if entry else "#f7f7f7",
                "edgecolor": PALETTE[0] if entry else "#555555",
                "linewidth": 2.2 if entry else 0.9,
            },
        )
        boxes[key] = text
    fig.draw_without_rendering()  # size the boxes so arrows can stop at their edges
    column = layers(scenario)
    groups: dict[tuple[str, str, str], list[Pathway]] = defaultdict(list)
    for p in scenario.pathways:
        groups[(p.source, p.to, p.mode)].append(p)
    pairs: dict[frozenset[str], int] = defaultdict(int)
    for source, to, _mode in groups:
        pairs[frozenset((source, to))] += 1
    seen: dict[frozenset[str], int] = defaultdict(int)
    for (source, to, mode), pathways in groups.items():
        pair = frozenset((source, to))
        n = seen[pair]
        seen[pair] += 1
        (x0, y0), (x1, y1) = positions[source], positions[to]
        # bend (inches at the middle): pairs drawn both ways apart; arrows that
        # skip columns, stay in one or go back curve around the boxes between,
        # away from the middle of the drawing
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        bend = 0.22 * (1 + n // 2) if pairs[pair] > 1 else 0.0
        skipped = abs(column[to] - column[source]) - 1
        if skipped > 0 or column[to] < column[source]:
            bend = max(bend, min(0.45 + 0.3 * max(skipped, 0), 1.6))
        elif skipped < 0:  # same column: bow out to the left of the column
            rows = abs(y1 - y0) / ROW_IN
            bend = max(bend, 0.25 + 0.25 * rows)
        rad = 2 * bend / length
        if pairs[pair] == 1 and skipped < 0:
            # arc3 moves the middle by rad * (dy, -dx): leftwards needs rad * dy < 0
            rad = rad if y1 < y0 else -rad
        elif pairs[pair] == 1 and skipped != 0:
            # bow away from the middle of the drawing
            up = (y0 + y1) / 2 >= middle
            rad = -rad if (x1 >= x0) == up else rad
        style = _MODE_STYLE[mode]
        arrow = FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="-|>,head_length=5,head_width=3",
            connectionstyle=f"arc3,rad={rad}",
            patchA=boxes[source].get_bbox_patch(),
            patchB=boxes[to].get_bbox_patch(),
            shrinkA=1.5,
            shrinkB=1.5,
            zorder=2,
            mutation_scale=1.0,
            **style,  # type: ignore[arg-type]
        )
        ax.add_patch(arrow)
        # label at the middle of the arc (arc3's control point is mid + rad * (dy, -dx))
        mx = (x0 + x1) / 2 + 0.5 * rad * (y1 - y0)
        my = (y0 + y1) / 2 - 0.5 * rad * (x1 - x0)
        label = "\n".join(pathway_text(p) for p in pathways)
        if mode != "refer":
            label = f"{mode}: {label}"
        ax.text(
            mx,
            my,
            label,
            ha="center",
            va="center",
            fontsize=6.2,
            zorder=4,
            color=str(style["color"]),
            linespacing=1.15,
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
        )
    handles = [
        Line2D([], [], **_MODE_STYLE["refer"], label="refer (child moves on)"),  # type: ignore[arg-type]
        Line2D([], [], **_MODE_STYLE["parallel"], label="parallel (also referred)"),  # type: ignore[arg-type]
        Line2D([], [], **_MODE_STYLE["notify"], label="notify (information only)"),  # type: ignore[arg-type]
        Line2D(
            [],
            [],
            marker="s",
            linestyle="none",
            markersize=9,
            markerfacecolor="#e8f1fa",
            markeredgecolor=PALETTE[0],
            markeredgewidth=2,
            label="entry agency",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=7,
        frameon=False,
        ncols=4,
        bbox_to_anchor=(0.0, 0.0),
    )
    title = markup_text(f"Partnership: {scenario.name}")
    ax.text(
        0.01,
        0.995,
        title,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=10,
        fontweight="bold",
    )
    return figure_svg(fig, prefix=prefix, title=title, standalone=standalone)


__all__ = [
    "COLUMN_IN",
    "ROW_IN",
    "agency_text",
    "layers",
    "layout",
    "partnership_svg",
    "pathway_text",
]
