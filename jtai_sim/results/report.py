"""The run report: one self-contained HTML page describing a single simulated run.

Owns the jinja2 environment for run reports (autoescape on, strict undefined)
and what goes on the page: what was run, a short list of plain-language
headlines, the metric tables and the charts. Every number is read from the
tables of :mod:`jtai_sim.results.metrics` (gathered once in :class:`RunTables`); the
template only formats them. The page has no generation time and no paths, so
the same scenario and seed give the same bytes; timings belong in ``run.json``.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=5, days=40)
>>> html = render_report(run, RunTables.of(run), ScenarioSource.of_scenario(run.scenario))
>>> html.startswith("<!DOCTYPE html>") and "Jackson network" in html
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import jinja2
import pandas as pd
from markupsafe import Markup

from jtai_sim.results import censored, charts, equity, registry, trust
from jtai_sim.results.drawing import partnership_svg
from jtai_sim.results.markup import markup_text
from jtai_sim.results.suppression import MARK, THRESHOLD
from jtai_sim.scenario.loading import scenario_to_dict
from jtai_sim.scenario.model import FLOW_STAGES, Inject

if TYPE_CHECKING:
    from jtai_sim.scenario.model import Scenario
    from jtai_sim.simulation.run import Run

TEMPLATES = Path(__file__).resolve().parent / "templates"


@attrs.frozen
class RunTables:
    """The metric tables of one run, each computed once from its event log."""

    waits: pd.DataFrame
    censored_waits: pd.DataFrame
    clocks: pd.DataFrame
    flow: pd.DataFrame
    camhs: pd.DataFrame
    handoffs: pd.DataFrame
    mental_health: pd.DataFrame
    utilisation: pd.DataFrame
    reviews: pd.DataFrame

    @classmethod
    def of(cls, run: Run) -> RunTables:
        """Every table of ``run`` (computed from its log once, and kept by the run)."""
        return cls(
            waits=run.table("waits"),
            censored_waits=run.table("censored_waits"),
            clocks=run.table("clocks"),
            flow=run.table("flow"),
            camhs=run.table("camhs_outcomes"),
            handoffs=run.table("handoffs"),
            mental_health=run.table("mental_health"),
            utilisation=run.table("utilisation"),
            reviews=run.table("reviews"),
        )

    def as_dict(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}


@attrs.frozen
class ScenarioSource:
    """Where a run's scenario came from: the file name shown (no folders) and a hash.

    ``sha256`` is of the file's bytes, or, for a scenario built in code, of its
    resolved form as canonical JSON (``hashed`` says which).
    """

    file: str | None
    sha256: str
    hashed: str

    @classmethod
    def of_file(cls, path: str | Path) -> ScenarioSource:
        """The source of a scenario read from ``path``."""
        data = Path(path).read_bytes()
        return cls(Path(path).name, hashlib.sha256(data).hexdigest(), "file")

    @classmethod
    def of_scenario(cls, scenario: Scenario) -> ScenarioSource:
        """The source of a scenario built in code (hash of its resolved form)."""
        text = json.dumps(scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"))
        return cls(None, hashlib.sha256(text.encode()).hexdigest(), "resolved scenario")


# -- formatting filters (formatting only: no arithmetic on metrics beyond scaling) ------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_share(value: Any, digits: int = 0) -> str:
    """A share as a percentage; a dash when there is none.

    >>> fmt_share(0.9731), fmt_share(float("nan")), fmt_share(0.0004, 1)
    ('97%', '–', '0.0%')
    """
    return "–" if _missing(value) else f"{float(value):.{digits}%}"


def fmt_number(value: Any, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals; a dash when none.

    >>> fmt_number(12345.678), fmt_number(3, 0), fmt_number(None)
    ('12,345.7', '3', '–')
    """
    return "–" if _missing(value) else f"{float(value):,.{digits}f}"


def fmt_count(value: Any) -> str:
    """A whole count with thousands separators.

    >>> fmt_count(1234567.0)
    '1,234,567'
    """
    return "–" if _missing(value) else f"{round(float(value)):,}"


def fmt_span(value: Any, unit: str) -> str:
    """An amount of time with its unit, singular or plural.

    >>> fmt_span(1.0, "working_days"), fmt_span(4.0, "weeks"), fmt_span(1.5, "days")
    ('1 working day', '4 weeks', '1.5 days')
    """
    if _missing(value):
        return "–"
    words = unit.replace("_", " ")
    if float(value) == 1 and words.endswith("s"):
        words = words[:-1]
    return f"{float(value):g} {words}"


def environment(templates: Path = TEMPLATES, *, autoescape: bool = True) -> jinja2.Environment:
    """A jinja2 environment over ``templates`` (the run templates by default): undefined
    names fail, blocks leave no stray blank lines, and the number filters are there."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=markup_text,  # no control character reaches a page (jtai_sim.results.markup)
    )
    env.filters["share"] = fmt_share
    env.filters["number"] = fmt_number
    env.filters["count"] = fmt_count
    env.filters["span"] = fmt_span
    return env


# -- what the page says -----------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (None if _missing(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _unit(group: str, stat: str) -> str:
    entry = registry.statistic(group, stat)
    return entry.unit if entry else ""


def headlines(run: Run, tables: RunTables, label: Callable[[str], str]) -> list[str]:
    """Short plain-language findings, worst first within each theme."""
    out: list[str] = []
    clocks = [r for r in _records(tables.clocks) if r["met"] + r["breached"] > 0]
    breached = sorted(
        (r for r in clocks if r["breached"] > 0), key=lambda r: (r["met_share"], r["clock"])
    )
    for r in breached[:3]:
        decided = int(r["met"] + r["breached"])
        out.append(
            f"{r['label']}: met for {fmt_share(r['met_share'])} of {decided:,} "
            f"({int(r['breached']):,} breached)."
        )
    if clocks and not breached:
        total = sum(int(r["met"]) for r in clocks)
        out.append(f"Every clock that stopped or ran out was met ({total:,} in all).")
    queues = {k for k, a in run.scenario.agencies.items() if a.servers is not None}
    waits = [
        r
        for r in _records(tables.waits)
        if r["agency"] in queues and r.get("mean_days") and r.get("p90_days")
    ]
    held = {str(r["agency"]): r for r in _records(tables.censored_waits)}
    for r in sorted(waits, key=lambda r: (-r["mean_days"], r["agency"]))[:3]:
        split = ""
        if r.get("urgent_mean_days") is not None and r.get("routine_mean_days") is not None:
            split = (
                f" (urgent referrals {fmt_number(r['urgent_mean_days'])}, routine "
                f"{fmt_number(r['routine_mean_days'])})"
            )
        out.append(
            f"Waits for {label(r['agency'])} ({r['activity']}): "
            f"{fmt_number(r['mean_days'])} days on average{split}; one child in ten waited "
            f"more than {fmt_number(r['p90_days'])} days."
        )
        c = held.get(str(r["agency"]))
        if c and c.get("still_waiting_share") and c["still_waiting_share"] >= 0.05:
            out[-1] += (
                f" Those figures leave out the {fmt_share(c['still_waiting_share'])} of "
                f"referrals still waiting at the end; counting them (Kaplan-Meier), the "
                f"restricted mean wait (waits up to {fmt_number(c['horizon_days'], 0)} days) "
                f"is {fmt_number(c.get('restricted_mean_days'))} days."
            )
    camhs = {r["measure"]: r["value"] for r in _records(tables.camhs)}
    if camhs.get("referrals"):
        out.append(
            f"Of {fmt_count(camhs['referrals'])} CAMHS referrals, "
            f"{fmt_share(camhs.get('supported_share'))} received support, "
            f"{fmt_share(camhs.get('closed_share'))} were closed without it and "
            f"{fmt_share(camhs.get('waiting_share'))} were still waiting at the end."
        )
    handoffs = [r for r in _records(tables.handoffs) if r["lost_share"] > 0]
    for r in sorted(handoffs, key=lambda r: (-r["lost_share"], r["pathway"]))[:2]:
        what = "notifications" if r.get("mode") == "notify" else "hand-offs"
        out.append(
            f"Information was lost on {fmt_share(r['lost_share'])} of the "
            f"{int(r['handoffs']):,} {what} from {label(r['source'])} to {label(r['to'])}."
        )
    health = _records(tables.mental_health)
    crises = sum(int(r["crises"]) for r in health)
    worse = sum(int(r["deteriorations"]) for r in health)
    if crises or worse:
        out.append(
            f"While waiting, children's mental health worsened {worse:,} times and "
            f"{crises:,} crises happened."
        )
    busy = [r for r in _records(tables.utilisation) if r["utilisation"] is not None]
    if busy:
        top = sorted(busy, key=lambda r: (-r["utilisation"], r["agency"]))[0]
        out.append(
            f"Busiest service: {label(top['agency'])}, with {fmt_share(top['utilisation'])} "
            "of its caseload places in use."
        )
    return out


#: The statistics of the censored-waits table, in its column order.
_CENSORED_CELLS = (
    "km_median_days",
    "restricted_mean_days",
    "over_18_weeks_share",
    "urgent_km_median_days",
    "routine_km_median_days",
)


def censored_rows(scenario: Scenario, table: pd.DataFrame) -> list[dict[str, Any]]:
    """The censored-waits table's rows, each with its formatted ``cells``: a value, a dash
    where the statistic does not apply (urgency on a list that does not prioritise), or
    why there is no value (:func:`jtai_sim.results.registry.why_missing`). Agencies where
    no child waited are left out."""
    out = []
    for r in _records(table):
        if not (r["still_waiting"] or r.get("restricted_mean_days") or not r["cohort"]):
            continue  # no child waited there
        cells = []
        for stat in _CENSORED_CELLS:
            value = r.get(stat)
            split = stat.startswith(("urgent_", "routine_"))
            if value is not None:
                text = fmt_share(value) if stat.endswith("_share") else fmt_number(value, 1)
                cells.append({"text": text, "missing": False})
            elif split and not scenario.prioritises(str(r["agency"])):
                cells.append({"text": "–", "missing": False})
            else:
                reason = registry.why_missing("wait", stat if r["cohort"] else "cohort")
                cells.append({"text": reason, "missing": True})
        out.append({**r, "cells": cells})
    return out


def render_report(
    run: Run,
    tables: RunTables,
    source: ScenarioSource,
    *,
    files: Sequence[str] = (),
    chart_svgs: Mapping[str, str] | None = None,
    partnership: str | None = None,
) -> str:
    """The run report as HTML text. ``files`` are names in the result folder to link.

    ``chart_svgs`` and ``partnership`` (the drawing's SVG, standalone or not) may be
    passed in when already drawn; otherwise they are drawn here.
    """
    scenario = run.scenario
    names = {k: (a.label or k) for k, a in scenario.agencies.items()}

    def label(key: str) -> str:
        return names.get(key, key)

    svgs = dict(chart_svgs) if chart_svgs is not None else charts.all_charts(run, tables.as_dict())
    flow_stages = {
        stage: [label(k) for k in getattr(scenario.flow, stage)] for stage in FLOW_STAGES
    }
    drawing = partnership or partnership_svg(scenario, standalone=False, prefix="partnership")
    end = run.calendar.date_of(run.duration_days - 1e-9)
    context = {
        "scenario": scenario,
        "run": run,
        "source": source,
        "end_date": end,
        "children": len(run.children),
        "events": len(run.log),
        "window_days": run.window_days,
        "headlines": headlines(run, tables, label),
        "waits": _records(tables.waits),
        "censored_waits": censored_rows(run.scenario, tables.censored_waits),
        "censored_method": censored.METHOD,
        "horizon_days": min(censored.HORIZON_DAYS, run.window_days),
        "over_weeks": censored.OVER_WEEKS,
        "warnings": trust.run_warnings(run.record, tables.censored_waits),
        "clocks": _records(tables.clocks),
        "flow": [
            {
                **r,
                "name": registry.label("flow", str(r["measure"])),
                "is_share": _unit("flow", str(r["measure"])) == "share",
            }
            for r in _records(tables.flow)
        ],
        "flow_stages": flow_stages,
        "camhs": [
            {**r, "name": registry.label("camhs", str(r["measure"]))}
            for r in _records(tables.camhs)
        ],
        "handoffs": _records(tables.handoffs),
        "mental_health": _records(tables.mental_health),
        "utilisation": _records(tables.utilisation),
        "reviews": _records(tables.reviews),
        "equity": equity.sections(equity.equity(run)),
        "equity_threshold": THRESHOLD,
        "mark": MARK,
        "label": label,
        "agencies": scenario.agencies,
        "charts": {k: Markup(v) for k, v in svgs.items()},
        "partnership": Markup(drawing[drawing.index("<svg") :]),
        "files": list(files),
        "injects": [inject_words(i, label) for i in scenario.injects],
    }
    return _run_template().render(context)


def inject_words(inject: Inject, label: Callable[[str], str]) -> str:
    """One inject as the report lists it: its days, its label, and what it changed.

    >>> from jtai_sim.scenario.model import Inject
    >>> inject_words(Inject(kind="staff", agency="mash", change=-2, from_day=200.0,
    ...     days=30.0, label="two screeners off sick"), str.upper)
    'days 200 to 230: two screeners off sick (MASH: 2 staff fewer)'
    """
    if inject.kind == "staff":
        change = inject.change or 0
        more = "more" if change > 0 else "fewer"
        what = f"{label(inject.agency or '')}: {abs(change)} staff {more}"
    elif inject.kind == "demand":
        streams = ", ".join(inject.streams) if inject.streams else "every demand stream"
        what = f"{streams}: arrivals times {inject.factor:g}"
    else:
        what = f"{inject.pathway}: {inject.lost_share:.0%} of information lost"
        if inject.delay_mean_days is not None:
            what += f", the rest after {inject.delay_mean_days:g} days on average"
    period = f"days {inject.from_day:g} to {inject.until_day:g}"
    return f"{period}: {inject.label} ({what})" if inject.label else f"{period}: {what}"


@functools.cache
def _run_template() -> jinja2.Template:
    """The run report's template, compiled once a process (compiling it costs more than
    rendering it)."""
    return environment().get_template("run_report.html.j2")


__all__ = [
    "RunTables",
    "ScenarioSource",
    "censored_rows",
    "environment",
    "fmt_count",
    "fmt_number",
    "fmt_share",
    "fmt_span",
    "headlines",
    "render_report",
]
