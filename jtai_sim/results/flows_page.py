"""The animated partnership: one offline HTML page that plays a run's flows over time.

Owns ``flows.html``. The page is the partnership drawing
(:func:`jtai_sim.results.drawing.placed_partnership`, the picture ``partnership.svg``
holds) with, over it, each agency's list and caseload as two bars and numbers under its
box, and each pathway's hand-offs in the step as a bar at its arrow's middle, split by
how the information arrived (complete, partial, lost, not recorded; a count of those that
came late). A panel beside it gives the date, the totals and the longest lists in large
type for a projector; play and pause, a step back and forward, a slider over the whole
run and a speed choice move through it, all operable from the keyboard.

Everything is in the one file: the drawing as inline SVG, the frames of
:func:`jtai_sim.results.flows.flow_frames` as JSON of flat integer arrays (steps times
agencies, steps times routes times completeness), the styles and a short plain
JavaScript program. Nothing is fetched: no fonts, no scripts, no images.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=30)
>>> page = flows_page(run.record)
>>> page.startswith("<!DOCTYPE html>") and 'id="flows-data"' in page
True
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from jtai_sim.results.charts import COMPLETE, LOST, PALETTE, PARTIAL
from jtai_sim.results.drawing import Placement, placed_partnership
from jtai_sim.results.flows import HANDOFF_COLUMNS, Frames, flow_frames
from jtai_sim.results.record import RunRecord
from jtai_sim.vocabulary import Completeness

#: The file the page is written to in a result folder.
FLOWS_FILE = "flows.html"
#: Colours of the hand-off bar's parts, by :data:`~jtai_sim.results.flows.HANDOFF_COLUMNS`
#: (late is an outline count, not a part of the bar).
HANDOFF_COLOURS = {
    "complete": COMPLETE,
    "partial": PARTIAL,
    "lost": LOST,
    "not_recorded": "#9a9a9a",
    "late": "#000000",
}
#: Colours of an agency's two bars.
WAITING_COLOUR, SERVICE_COLOUR = PALETTE[4], PALETTE[0]


def _words(column: str) -> str:
    if column == "late":
        return "late (counted again)"
    return Completeness.from_key(column).word


def flows_data(record: RunRecord, frames: Frames | None = None) -> dict[str, Any]:
    """What the page plays, as JSON-ready data: the frames (``frames``, else
    :func:`~jtai_sim.results.flows.flow_frames` of ``record``) and where each agency and
    route is in the drawing. Arrays are flat lists of ints, row by row.

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=30)
    >>> data = flows_data(run.record)
    >>> len(data["waiting"]) == len(data["dates"]) * len(data["agencies"]), data["dates"][0]
    (True, 'Tue 1 Apr 2025')
    """
    frames = frames if frames is not None else flow_frames(record)
    return _data(record, frames, placed_partnership(record.scenario)[1])


def _data(record: RunRecord, frames: Frames, placed: Placement) -> dict[str, Any]:
    scenario = record.scenario
    agencies = []
    for key in frames.agencies:
        x, y, w, h = placed.boxes[key]
        spec = scenario.agencies[key]
        agencies.append(
            {
                "key": key,
                "label": spec.label or key,
                "places": spec.servers,
                "box": [round(v, 2) for v in (x, y, w, h)],
            }
        )
    used = np.flatnonzero(frames.handoffs.sum(axis=(0, 2)) > 0)
    routes = []
    for r in used.tolist():
        route = frames.routes[r]
        middle = placed.middles.get((route.source, route.mode, route.to))
        if middle is None:  # a route no pathway draws: between the two boxes
            (x0, y0, *_), (x1, y1, *_) = placed.boxes[route.source], placed.boxes[route.to]
            middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        routes.append(
            {
                "source": route.source,
                "mode": route.mode,
                "to": route.to,
                "at": [round(middle[0], 2), round(middle[1], 2)],
            }
        )
    labels = [frames.date_of(i) for i in range(len(frames))]
    step = frames.step_days
    return {
        "scenario": scenario.name,
        "step_days": step,
        "warmup_days": frames.warmup_days,
        "dates": [f"{d:%a} {d.day} {d:%b %Y}" for d in labels],
        "days": frames.day.tolist(),
        "agencies": agencies,
        "routes": routes,
        "columns": list(HANDOFF_COLUMNS),
        "column_words": [_words(c) for c in HANDOFF_COLUMNS],
        "colours": [HANDOFF_COLOURS[c] for c in HANDOFF_COLUMNS],
        "waiting": frames.waiting.ravel().tolist(),
        "in_service": frames.in_service.ravel().tolist(),
        "handoffs": frames.handoffs[:, used, :].ravel().tolist(),
        "picture": [round(placed.width, 2), round(placed.height, 2)],
    }


def _script_json(data: dict[str, Any]) -> str:
    """``data`` as JSON that cannot end the ``<script>`` element holding it."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def flows_page(record: RunRecord, frames: Frames | None = None, *, seed: int | None = None) -> str:
    """The animated partnership of ``record``'s run as one self-contained HTML page.

    ``frames`` are :func:`~jtai_sim.results.flows.flow_frames` of the record if already
    made (say with another step); ``seed`` is shown in the title when given.
    """
    from markupsafe import Markup

    from jtai_sim.results.report import environment

    frames = frames if frames is not None else flow_frames(record)
    svg, placed = placed_partnership(record.scenario)
    data = _data(record, frames, placed)
    step = frames.step_days
    template = environment().get_template("flows.html.j2")
    return template.render(
        name=record.scenario.name,
        seed=seed,
        step=f"{step} day" if step == 1 else f"{step} days",
        frames=len(frames),
        drawing=Markup(svg),
        data=Markup(_script_json(data)),
        legend=[(_words(c), HANDOFF_COLOURS[c]) for c in HANDOFF_COLUMNS],
        waiting_colour=WAITING_COLOUR,
        service_colour=SERVICE_COLOUR,
    )


__all__ = [
    "FLOWS_FILE",
    "HANDOFF_COLOURS",
    "SERVICE_COLOUR",
    "WAITING_COLOUR",
    "flows_data",
    "flows_page",
]
