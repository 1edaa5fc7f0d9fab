"""Drawing the partnership: agencies as boxes, pathways as arrows, as SVG.

Owns the layout and the picture used by ``jtai-sim graph`` and the run report.
The layout is layered and deterministic: agencies where demand arrives form
the first column, every other agency sits at the end of the longest chain of
referrals leading to it (loops left out), so children's journeys read left to
right, and within a column agencies are ordered by a few sweeps of the
barycentre rule (ties in file order), which keeps arrows from crossing more
than they need to. A partnership whose chain is too long to fit a page's width
across (:data:`PAGE_IN`) is drawn down instead: the columns become rows, read top
to bottom, of at most :data:`PER_ROW` boxes each. The picture is sized to hold
every arrow and label, with the legend below them. No random layout is used, so the
same scenario always gives the same drawing. The layout needs no graph library; the
partnership checks in :mod:`jtai_sim.scenario.partnership` have already made sure
every agency is reachable.
The picture is written as SVG directly (:mod:`jtai_sim.results.svg`): boxes sized
from the width of their text, arrows as quadratic curves cut at the boxes' edges.

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
from collections.abc import Callable, Mapping
from typing import Literal

from attrs import frozen

from jtai_sim.results.charts import PALETTE
from jtai_sim.results.markup import markup_text
from jtai_sim.results.svg import Canvas, num, points, text_width
from jtai_sim.scenario.model import Pathway, Scenario
from jtai_sim.scenario.partnership import entry_agencies

#: Horizontal and vertical distance between agency boxes, in inches, drawn across.
COLUMN_IN = 3.3
ROW_IN = 1.25
#: Drawn down: distance between boxes in a row, between rows, and boxes to a row.
ACROSS_IN = 2.25
DOWN_IN = 1.45
PER_ROW = 4
#: The widest drawing (inches) drawn across; a wider one is drawn down, so that it
#: fits the width of a page (A4 less margins is 7.5 in: shown there at 3/4 size or more).
PAGE_IN = 10.0
Direction = Literal["across", "down"]
_LEGEND_IN = 0.45
_TITLE_IN = 0.35
_BOW_IN = 0.6  # room left of the first column for arrows within a column

#: Text and boxes: agency boxes at 7.5 pt, arrow labels at 6.2 pt (sizes in points).
_BOX_FONT, _BOX_PAD, _SPACING = 7.5, 3.4, 1.25
_LABEL_FONT, _LABEL_PAD, _LABEL_SPACING = 6.2, 1.0, 1.15
_HEAD_LENGTH, _HEAD_WIDTH, _SHRINK = 5.0, 3.0, 1.5

#: Arrows by pathway mode: colour and dashes (none for a referral).
_MODE_STYLE: dict[str, dict[str, str]] = {
    "refer": {"colour": "#333333", "dash": ""},
    "parallel": {"colour": PALETTE[0], "dash": ";stroke-dasharray:5.5,3.3"},
    "notify": {"colour": "#777777", "dash": ";stroke-dasharray:1.65,2.2"},
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


def layout(
    scenario: Scenario, sweeps: int = 4, *, direction: Direction = "across"
) -> dict[str, tuple[float, float]]:
    """Positions (inches, y upwards) of each agency's box centre.

    ``across``: columns left to right, each column centred vertically. ``down``: the
    same columns as rows from top to bottom, each of at most :data:`PER_ROW` boxes
    (a longer column wraps onto the next rows), each row centred, so a long chain
    of referrals fits a page's width.

    >>> from jtai_sim import load_scenario
    >>> layout(load_scenario("scenarios/jackson.toml"))["A"]
    (0.0, 0.0)
    >>> layout(load_scenario("scenarios/jackson.toml"), direction="down")["B"]
    (0.0, -1.45)
    """
    out = {k: (f, c) for k, (f, c) in _grid(scenario, sweeps, direction).items()}
    if direction == "across":
        return {k: (f * COLUMN_IN, c * ROW_IN) for k, (f, c) in out.items()}
    return {k: (c * ACROSS_IN, -f * DOWN_IN) for k, (f, c) in out.items()}


def _grid(scenario: Scenario, sweeps: int, direction: Direction) -> dict[str, tuple[int, float]]:
    """Each agency's place as (step along the flow, offset across it, in slots)."""
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
    out: dict[str, tuple[int, float]] = {}
    if direction == "across":
        for c, members in columns.items():
            top = (len(members) - 1) / 2
            for i, key in enumerate(members):
                out[key] = (c, top - i)
        return {k: out[k] for k in order}
    step = 0
    for c in sorted(columns):
        members = columns[c]
        for start in range(0, len(members), PER_ROW):
            row = members[start : start + PER_ROW]
            middle = (len(row) - 1) / 2
            for i, key in enumerate(row):
                out[key] = (step, i - middle)
            step += 1
    return {k: out[k] for k in order}


def direction_for(scenario: Scenario) -> Direction:
    """``across`` when the left-to-right drawing fits :data:`PAGE_IN`, else ``down``."""
    steps = max(layers(scenario).values(), default=0) + 1
    return "across" if steps * COLUMN_IN + _BOW_IN <= PAGE_IN else "down"


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
        if getattr(agency, "backlog", None) is not None:
            arrives.append("open cases on day 0")
        lines.append("entry: " + (" + ".join(arrives) or "demand (no rate set)"))
    return "\n".join(lines)


def _box(lines: list[str], size: float, pad: float, spacing: float) -> tuple[float, float]:
    """Half width and half height (points) of a rounded box around ``lines``."""
    wide = max(text_width(line, size) for line in lines)
    return wide / 2 + pad, size * spacing * len(lines) / 2 + pad


def _leave(
    curve: Callable[[float], tuple[float, float]],
    box: tuple[float, float, float, float],
    *,
    start: bool,
) -> float:
    """Where (0 to 1) ``curve`` crosses the edge of ``box`` (centre x, y, half w, h),
    found by bisection from the end inside it (the start, or else the end)."""

    def inside(t: float) -> bool:
        x, y = curve(t)
        return abs(x - box[0]) <= box[2] and abs(y - box[1]) <= box[3]

    low, high = (0.0, 1.0) if start else (1.0, 0.0)
    if not inside(low) or inside(high):
        return low
    for _ in range(30):
        mid = (low + high) / 2
        if inside(mid):
            low = mid
        else:
            high = mid
    return high


def _arrow(
    canvas: Canvas,
    ends: tuple[tuple[float, float], tuple[float, float]],
    rad: float,
    boxes: tuple[tuple[float, float, float, float], tuple[float, float, float, float]],
    style: Mapping[str, str],
    extent: _Extent,
) -> tuple[float, float]:
    """A curved arrow from box to box (matplotlib's ``arc3``: a quadratic curve whose
    control point is ``rad`` times the chord off its middle); returns the curve's middle
    and adds the points it passes through to ``extent``."""
    (x0, y0), (x2, y2) = ends
    # arc3's offset rad * (dy, -dx) is taken with y up; here y grows downwards
    cx, cy = (x0 + x2) / 2 - rad * (y2 - y0), (y0 + y2) / 2 + rad * (x2 - x0)

    def at(t: float) -> tuple[float, float]:
        u = 1 - t
        return u * u * x0 + 2 * u * t * cx + t * t * x2, u * u * y0 + 2 * u * t * cy + t * t * y2

    grow = _SHRINK
    a = (boxes[0][0], boxes[0][1], boxes[0][2] + grow, boxes[0][3] + grow)
    b = (boxes[1][0], boxes[1][1], boxes[1][2] + grow, boxes[1][3] + grow)
    t0, t1 = _leave(at, a, start=True), _leave(at, b, start=False)
    (sx, sy), (ex, ey) = at(t0), at(t1)
    # the control point of the part of the curve from t0 to t1
    k = t1 - t0
    qx = sx + k * ((1 - t0) * (cx - x0) + t0 * (x2 - cx))
    qy = sy + k * ((1 - t0) * (cy - y0) + t0 * (y2 - cy))
    dx, dy = ex - qx, ey - qy
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = ex - _HEAD_LENGTH * ux, ey - _HEAD_LENGTH * uy
    canvas.path(
        f"M {num(sx)} {num(sy)} Q {num(qx)} {num(qy)} {num(bx)} {num(by)}",
        style=f"fill:none;stroke:{style['colour']};stroke-width:1.1{style['dash']}",
    )
    head = [
        (ex, ey),
        (bx - _HEAD_WIDTH * uy, by + _HEAD_WIDTH * ux),
        (bx + _HEAD_WIDTH * uy, by - _HEAD_WIDTH * ux),
    ]
    canvas.add(f'<polygon points="{points(head)}" fill="{style["colour"]}"/>')
    for i in range(17):  # the drawn part: start, control point qx, qy, and the head
        t = i / 16
        u = 1 - t
        extent.add(
            u * u * sx + 2 * u * t * qx + t * t * bx, u * u * sy + 2 * u * t * qy + t * t * by
        )
    for hx, hy in head:
        extent.add(hx, hy)
    return at(0.5)


@frozen
class Placement:
    """Where things are in the drawing, in its own units (points, ``y`` downwards): each
    agency's box as (centre x, centre y, half width, half height), and the middle of
    each pathway's arrow by ``(source, mode, to)``; the picture is ``width`` by ``height``.
    """

    boxes: dict[str, tuple[float, float, float, float]]
    middles: dict[tuple[str, str, str], tuple[float, float]]
    width: float
    height: float


def partnership_svg(scenario: Scenario, *, standalone: bool = True, prefix: str = "p") -> str:
    """The partnership drawn as SVG (a full document unless ``standalone`` is false).

    Drawn across (left to right) when that fits :data:`PAGE_IN`, else down (top to
    bottom, rows of at most :data:`PER_ROW`). The picture grows to hold every arrow
    and label, and the legend sits below all of them.

    ``prefix`` would name the drawing's ids; it has none, so pages may hold several.
    """
    return placed_partnership(scenario, standalone=standalone)[0]


def placed_partnership(scenario: Scenario, *, standalone: bool = False) -> tuple[str, Placement]:
    """The drawing of :func:`partnership_svg` and where its boxes and arrows are, so a
    picture drawn over it (the animated flows) puts things in the same places.

    >>> from jtai_sim import load_scenario
    >>> svg, placed = placed_partnership(load_scenario("scenarios/jackson.toml"))
    >>> sorted(placed.boxes), len(placed.middles) == 4, svg.startswith("<svg")
    (['A', 'B', 'C'], True, True)
    """
    direction = direction_for(scenario)
    positions = layout(scenario, direction=direction)
    grid = _grid(scenario, 4, direction)
    entries = entry_agencies(scenario)
    across = direction == "across"
    cell_w, cell_h = (COLUMN_IN, ROW_IN) if across else (ACROSS_IN, DOWN_IN)
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    left = min(xs) - cell_w / 2 - (_BOW_IN if across else 0.0)
    top = max(ys) + cell_h / 2 + _TITLE_IN

    def point(x: float, y: float) -> tuple[float, float]:
        return (x - left) * 72.0, (top - y) * 72.0

    title = f"Partnership: {scenario.name}"
    canvas = Canvas(1.0, 1.0, title=title)  # sized below, once everything is drawn
    texts = {key: agency_text(scenario, key, entries).splitlines() for key in positions}
    boxes = {
        key: (*point(*positions[key]), *_box(texts[key], _BOX_FONT, _BOX_PAD, _SPACING))
        for key in positions
    }
    # the bends are worked out as if drawn across: (step along the flow, offset across
    # it) in inches; drawn down, the picture is that one turned a quarter clockwise
    flow = {k: f for k, (f, _) in grid.items()}
    spot = {k: (f * COLUMN_IN, c * ROW_IN) for k, (f, c) in grid.items()}
    middle = (max(c for _, c in spot.values()) + min(c for _, c in spot.values())) / 2
    groups: dict[tuple[str, str, str], list[Pathway]] = defaultdict(list)
    for p in scenario.pathways:
        groups[(p.source, p.to, p.mode)].append(p)
    pairs: dict[frozenset[str], int] = defaultdict(int)
    for source, to, _mode in groups:
        pairs[frozenset((source, to))] += 1
    seen: dict[frozenset[str], int] = defaultdict(int)
    labels: list[tuple[float, float, list[str], str]] = []
    middles: dict[tuple[str, str, str], tuple[float, float]] = {}
    extent = _Extent()
    for x, y, w, h in boxes.values():
        extent.add(x - w, y - h)
        extent.add(x + w, y + h)
    for (source, to, mode), pathways in groups.items():
        pair = frozenset((source, to))
        n = seen[pair]
        seen[pair] += 1
        (x0, y0), (x1, y1) = spot[source], spot[to]
        # bend (inches at the middle): pairs drawn both ways apart; arrows that
        # skip columns, stay in one or go back curve around the boxes between,
        # away from the middle of the drawing
        (px0, py0), (px1, py1) = positions[source], positions[to]
        length = math.hypot(px1 - px0, py1 - py0) or 1.0
        bend = 0.22 * (1 + n // 2) if pairs[pair] > 1 else 0.0
        skipped = abs(flow[to] - flow[source]) - 1
        if skipped > 0 or flow[to] < flow[source]:
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
        mx, my = _arrow(
            canvas,
            (point(*positions[source]), point(*positions[to])),
            rad,
            (boxes[source], boxes[to]),
            style,
            extent,
        )
        lines = [pathway_text(p) for p in pathways]
        if mode != "refer":
            lines[0] = f"{mode}: {lines[0]}"
        labels.append((mx, my, lines, style["colour"]))
        middles[(source, mode, to)] = (mx, my)
    canvas.add('<g class="pathway-labels">')
    for mx, my, lines, colour in labels:
        w, h = _box(lines, _LABEL_FONT, _LABEL_PAD, _LABEL_SPACING)
        extent.add(mx - w, my - h)
        extent.add(mx + w, my + h)
        canvas.rect(mx - w, my - h, 2 * w, 2 * h, fill="#ffffff", rx=2.0,
                    style="fill-opacity:0.85")  # fmt: skip
        canvas.lines(mx, my, lines, size=_LABEL_FONT, spacing=_LABEL_SPACING, anchor="middle",
                     fill=colour)  # fmt: skip
    canvas.add("</g>")
    for key, (x, y, w, h) in boxes.items():
        entry = key in entries
        edge, width = (PALETTE[0], 2.2) if entry else ("#555555", 0.9)
        canvas.rect(x - w, y - h, 2 * w, 2 * h, fill="#e8f1fa" if entry else "#f7f7f7",
                    rx=_BOX_PAD, style=f"stroke:{edge};stroke-width:{width}")  # fmt: skip
        canvas.lines(x, y, texts[key], size=_BOX_FONT, spacing=_SPACING, anchor="middle")
    # move the drawing clear of the title, size the picture to hold it, legend below
    margin, title_band = 6.0, _TITLE_IN * 72.0
    dx, dy = margin - extent.left, title_band - extent.top
    canvas.parts = [f'<g transform="translate({num(dx)},{num(dy)})">', *canvas.parts, "</g>"]
    legend_width = _legend(canvas, extent.bottom + dy + 8.0)
    canvas.width = max(extent.right + dx + margin, legend_width + 2 * margin)
    canvas.height = extent.bottom + dy + 8.0 + _LEGEND_IN * 72.0
    canvas.text(0.01 * canvas.width, 14.0, title, size=10.0, bold=True)
    placement = Placement(
        boxes={k: (x + dx, y + dy, w, h) for k, (x, y, w, h) in boxes.items()},
        middles={k: (x + dx, y + dy) for k, (x, y) in middles.items()},
        width=canvas.width,
        height=canvas.height,
    )
    return canvas.svg(standalone=standalone), placement


class _Extent:
    """The smallest box (points) holding what has been drawn."""

    def __init__(self) -> None:
        self.left = self.top = math.inf
        self.right = self.bottom = -math.inf

    def add(self, x: float, y: float) -> None:
        self.left, self.right = min(self.left, x), max(self.right, x)
        self.top, self.bottom = min(self.top, y), max(self.bottom, y)


def _legend(canvas: Canvas, top: float) -> float:
    """What the arrows and the heavy border mean, in a row at ``top``; returns its width."""
    x, y = 8.0, top + 14.0
    canvas.add('<g class="legend">')
    for mode, name in (
        ("refer", "refer (child moves on)"),
        ("parallel", "parallel (also referred)"),
        ("notify", "notify (information only)"),
    ):
        style = _MODE_STYLE[mode]
        canvas.path(
            f"M {num(x)} {num(y - 2.5)} H {num(x + 20.0)}",
            style=f"fill:none;stroke:{style['colour']};stroke-width:1.1{style['dash']}",
        )
        canvas.text(x + 25.0, y, name, size=7.0)
        x += 40.0 + text_width(name, 7.0)
    canvas.rect(x, y - 7.0, 7.0, 7.0, fill="#e8f1fa", style=f"stroke:{PALETTE[0]};stroke-width:2")
    canvas.text(x + 12.0, y, "entry agency", size=7.0)
    canvas.add("</g>")
    return x + 12.0 + text_width("entry agency", 7.0)


__all__ = [
    "ACROSS_IN",
    "COLUMN_IN",
    "DOWN_IN",
    "PAGE_IN",
    "PER_ROW",
    "ROW_IN",
    "Placement",
    "agency_text",
    "direction_for",
    "layers",
    "layout",
    "partnership_svg",
    "pathway_text",
    "placed_partnership",
]
