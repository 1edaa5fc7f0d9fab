"""The facilitator pack: offline printable HTML and Markdown from one context.

:func:`pack_context` turns a :class:`~runner.mockweek.pipeline.MockWeek` into
plain data (strings, lists, dicts) and the jinja2 templates in
``runner/mockweek/templates`` lay it out: ``pack.html.j2`` (autoescaped, one
self-contained file with its CSS inline, no scripts, nothing fetched) and
``pack.md.j2`` (every value passed through the ``md`` filter, which escapes
characters Markdown would read as markup). :func:`pack_files` returns every
file of the pack by name; nothing in it depends on the clock or on where it is
written, so the same inputs give the same bytes.

Sections: overview; the three-week calendar; week 1 (the set-up discussion,
the data request and the meetings planned during the on-site week, from
:mod:`runner.mockweek.request`); the timetable by inspector and by agency; a
case pack per tracked child; the multi-agency audit of each tracked child and
the inspectors' evaluation of the audits (:mod:`runner.mockweek.audit`); the
reading record of the sample; conversation prompts; the mock findings letter;
"would the inspectors see it?" (when detection probabilities are given); the
people list with absences.

Printing: the HTML prints on A4 (portrait, the two timetables on landscape
pages), each audit sheet on one page, a timetable day never split across pages,
no heading left alone at a page foot. Bulky per-event detail is kept out of
the printed pack: a case pack shows the events its findings cite, and every
tracked child's full chronology is in ``chronology.csv`` beside it (the planned
meetings in ``planned-meetings.csv``).

>>> md_escape("a <b> | c*")
'a &lt;b&gt; \\\\| c\\\\*'
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import jinja2
import pandas as pd

from jtai_sim.cells import text_cells
from jtai_sim.inspection.casebook import fmt_date
from jtai_sim.inspection.cohort import cohort_table, summarise
from jtai_sim.inspection.criteria import finding_kinds
from jtai_sim.inspection.model import Criterion, Finding, LetterSection
from jtai_sim.inspection.partners import PARTNERS, join_words
from jtai_sim.results.report import environment
from jtai_sim.vocabulary import MentalHealth
from runner.mockweek.audit import (
    AUDIT_QUALITY,
    SCALE,
    audit_sheets,
    evaluation_rows,
    reading_records,
)
from runner.mockweek.chronology import chronology
from runner.mockweek.replan import changes_words
from runner.mockweek.request import data_request, meetings_table
from runner.mockweek.week import SESSION_WORDS, child_agencies, people_table

if TYPE_CHECKING:
    from runner.mockweek.pipeline import MockWeek

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(value: Any) -> str:
    """Text safe inside Markdown (and inside a Markdown table cell)."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = environment(TEMPLATES, autoescape=autoescape)
    env.filters["md"] = md_escape
    return env


def child_labels(week: MockWeek) -> dict[int, str]:
    """How the pack names each chosen child."""
    ids = set(week.selection.children)
    kids = week.book.children
    sub = kids[kids["child"].isin(ids)]
    column = "label" if "label" in sub.columns else "child"
    labels = {int(c): str(v) for c, v in zip(sub["child"], sub[column], strict=True)}
    return {c: labels.get(c, f"Child {c}") for c in sorted(ids)}


def pack_context(
    week: MockWeek, criteria_map: Mapping[str, Criterion] | None = None
) -> dict[str, Any]:
    """Everything the templates show, as plain data.

    ``criteria_map`` (key to criterion) is what the audit sheets rate and the
    prompts ask about; by default the inspection's criteria.
    """
    crit = dict(week.theme.criteria if criteria_map is None else criteria_map)
    plan, tt, sel = week.plan, week.timetable, week.selection
    labels = child_labels(week)
    agency_labels = {k: a.label for k, a in week.book.agencies.items()}
    sessions = {s.id: s for s in plan.sessions}
    booking_of = {b.session: b for b in tt.bookings}
    tracked_ids = [p.child for p in sel.tracked]
    anchors = {c: f"child-{c}" for c in tracked_ids}
    anchors.update({p.child: f"sample-{p.child}" for p in sel.sample})
    inspectorate = {k: v.label for k, v in week.settings.inspectorates.items()}

    def when(session_id: str) -> str:
        b = booking_of[session_id]
        return f"{plan.dates[b.day]:%a} {plan.slots[b.slot]}"

    def cite(child: int) -> dict[str, str]:
        return {"label": labels.get(child, f"Child {child}"), "anchor": anchors.get(child, "")}

    until = week.book.calendar.day_of(week.calendar.notification) + 1.0
    chronologies = {c: chronology(week.book, c, until) for c in tracked_ids}
    findings_by_child: dict[int, list[Finding]] = defaultdict(list)
    for f in week.findings:
        findings_by_child[f.child].append(f)
    cited = {str(i) for f in week.findings if f.child in anchors for i in f.event_ids}
    linked = {row["id"] for rows in chronologies.values() for row in rows if row["id"] in cited}
    loads = tt.load()
    team = [
        {
            "name": i.name,
            "inspectorate": inspectorate[i.inspectorate],
            "lead": i.lead and "lead" not in i.name.lower(),
            "sessions": loads[i.name],
            "away": ", ".join(f"{plan.dates[d]:%a}" for d in sorted(plan.away.get(i.name, ()))),
        }
        for i in plan.inspectors
    ]
    kinds = finding_kinds(week.theme)
    concerns = sum(1 for f in week.findings if not f.strength)

    overview = {
        "name": week.name,
        "source": "a simulated run" if week.book.source == "simulation" else "the case list",
        "notification": fmt_date(week.calendar.notification),
        "on_site": f"{fmt_date(plan.dates[0])} to {fmt_date(plan.dates[-1])}",
        "eligible": len(week.cohort),
        "theme": week.theme.short,
        "tracked": len(sel.tracked),
        "sample": len(sel.sample),
        "findings": len(week.findings),
        "concerns": concerns,
        "strengths": len(week.findings) - concerns,
        "sessions": len(plan.sessions),
        "status": tt.status,
        "seed": week.seed,
        "rooms": ", ".join(plan.rooms),
        "notes": list(sel.notes),
        "away": sum(1 for who in plan.away if who in plan.people),
        "team": team,
    }
    return {
        "title": f"Mock JTAI: {week.name}",
        "overview": overview,
        "calendar": _calendar(week),
        "by_inspector": _by_inspector(week, labels),
        "by_agency": _by_agency(week, agency_labels),
        "cases": _cases(week, labels, agency_labels, findings_by_child, when, kinds, chronologies),
        "week1": _week1(week),
        "audits": audit_sheets(
            sel.tracked,
            criteria=crit,
            kinds={k: a.kind for k, a in week.book.agencies.items()},
            labels=agency_labels,
            child_labels=labels,
            met={
                c: [a for a, _ in v]
                for c, v in child_agencies(week.book, tracked_ids, until).items()
            },
            facts=lambda c: _summary_facts(week, c),
            lead=tt.leads,
            due=fmt_date(week.calendar.audits_due),
        ),
        "scale": [{"code": c, "words": w} for c, w in SCALE],
        "evaluation": {
            "rows": evaluation_rows(
                sel.tracked,
                findings_by_child,
                labels,
                {k: v.label for k, v in kinds.items()},
            ),
            "quality": list(AUDIT_QUALITY),
        },
        "reading": _reading(week, labels, agency_labels, findings_by_child, when),
        "prompts": [
            {"title": c.title, "description": c.description, "prompts": list(c.prompts)}
            for c in crit.values()
        ],
        "letter": _letter(week, cite, linked),
        "detection": _detection(week.detection),
        "replan": _replan(week),
        "people": people_table(plan).to_dict("records"),
        "legend": [{"kind": k, "words": w.capitalize()} for k, w in SESSION_WORDS.items()],
        "sessions": sessions,
    }


def _calendar(week: MockWeek) -> dict[str, Any]:
    cal = week.calendar
    marks: dict[dt.date, list[str]] = defaultdict(list)
    milestones = []
    for m in cal.milestones:
        marks[m.date].append(m.label)
        milestones.append(
            {"date": fmt_date(m.date), "day": m.day, "label": m.label, "detail": m.detail}
        )
    first = cal.notification - dt.timedelta(days=cal.notification.weekday())
    last = cal.on_site[-1]
    weeks = []
    monday = first
    while monday <= last:
        days = []
        for i in range(5):
            d = monday + dt.timedelta(days=i)
            days.append(
                {
                    "date": f"{d:%a} {d.day} {d:%b}",
                    "marks": marks.get(d, []),
                    "on_site": d in cal.on_site,
                    "before": d < cal.notification,
                }
            )
        weeks.append({"label": f"Week of {monday.day} {monday:%b}", "days": days})
        monday += dt.timedelta(days=7)
    return {"milestones": milestones, "weeks": weeks}


def _by_inspector(week: MockWeek, labels: dict[int, str]) -> dict[str, Any]:
    plan, tt = week.plan, week.timetable
    sessions = {s.id: s for s in plan.sessions}
    invited = ", ".join(plan.describe(p) for p in plan.invited) or "partnership leaders"
    days = []
    for d in range(plan.days):
        rows: list[dict[str, Any]] = []
        for k, time_ in enumerate(plan.slots):
            if k == plan.meeting_slot(d):
                rows.append(
                    {
                        "time": time_,
                        "span": "team_meeting",
                        "text": "Team meeting: all inspectors moderate the day's evidence",
                    }
                )
                continue
            if (d, k) == plan.feedback:
                rows.append(
                    {
                        "time": time_,
                        "span": "feedback",
                        "text": f"Final feedback meeting to leaders (invited: {invited})",
                    }
                )
                continue
            at = {b.inspector: b for b in tt.at(d, k)}
            cells: list[dict[str, str]] = []
            for inspector in plan.inspectors:
                b = at.get(inspector.name)
                if plan.is_away(inspector.name, d):
                    cells.append({"kind": "away", "title": "Away", "who": "", "room": ""})
                elif b is None:
                    cells.append({"kind": "free", "title": "", "who": "", "room": ""})
                else:
                    s = sessions[b.session]
                    cells.append(
                        {
                            "kind": s.kind,
                            "title": s.title,
                            "who": "",
                            "room": b.room or _PLACE.get(s.kind, "On site"),
                            "id": s.id,
                        }
                    )
            rows.append({"time": time_, "span": "", "text": "", "cells": cells})
        days.append({"name": plan.day_name(d), "rows": rows})
    heads = [
        {"name": i.name, "inspectorate": plan.inspectorate_labels[i.inspectorate]}
        for i in plan.inspectors
    ]
    return {"inspectors": heads, "days": days}


def _by_agency(week: MockWeek, agency_labels: dict[str, str]) -> dict[str, Any]:
    plan, tt = week.plan, week.timetable
    sessions = {s.id: s for s in plan.sessions}
    grid: dict[str, list[list[dict[str, str]]]] = {}
    order = [*agency_labels, ""]
    for b in sorted(tt.bookings, key=lambda b: (b.day, b.slot, b.session)):
        s = sessions[b.session]
        key = s.agency if s.agency is not None and s.agency in agency_labels else ""
        row = grid.setdefault(key, [[] for _ in range(plan.days)])
        who = ", ".join(plan.describe(p) for p in s.people)
        row[b.day].append(
            {
                "time": plan.slots[b.slot],
                "title": s.title,
                "inspector": b.inspector,
                "who": who,
                "room": b.room or "",
                "kind": s.kind,
            }
        )
    rows = [
        {"agency": agency_labels[k] if k else "Leaders, focus groups and families", "days": grid[k]}
        for k in order
        if k in grid
    ]
    return {"days": [plan.day_name(d) for d in range(plan.days)], "rows": rows}


def _links(ids: tuple[int, ...] | list[int], linked: set[str]) -> list[dict[str, str]]:
    """Event ids, each with a link to its chronology row when the pack shows it."""
    return [{"id": str(i), "href": f"#e-{i}" if str(i) in linked else ""} for i in ids]


def _finding_rows(
    findings: list[Finding],
    agency_labels: dict[str, str],
    kinds: dict[str, Any],
    linked: set[str],
    crit: Mapping[str, Criterion],
) -> list[dict[str, Any]]:
    return [
        {
            "date": fmt_date(f.date),
            "label": kinds[f.kind].label if f.kind in kinds else f.kind,
            "evidence": f.evidence,
            "events": ", ".join(str(i) for i in f.event_ids),
            "event_links": _links(f.event_ids, linked),
            "agencies": ", ".join(agency_labels.get(a, a) for a in f.agencies),
            "strength": f.strength,
            "criteria": ", ".join(crit[c].title for c in f.criteria if c in crit),
        }
        for f in findings
    ]


#: Where a session without a room is held.
_PLACE = {
    "sample_reads": "Base room",
    "family": "At home or where the family chooses",
    "observation": "At the meeting",
}

_STATUS_WORDS = {
    "cin": "child in need",
    "cp": "child protection plan",
    "looked_after": "looked after",
    "early_help": "early help",
}


def _summary_facts(week: MockWeek, child: int) -> list[tuple[str, str]]:
    c = next((c for c in week.cohort if c.child == child), None)
    if c is None:
        return []
    flags = [
        w
        for w, on in (
            ("at risk of exploitation", c.exploitation),
            ("missing episodes", c.missing),
            ("SEND", c.send),
            ("disabled", c.disability),
            ("youth justice", c.youth_justice),
            ("recent crisis", c.recent_crisis),
        )
        if on
    ]
    need = (
        f"recorded by {week.book.agency_label(c.need_recorded_by)}"
        if c.need_recorded_by
        else "no need recorded"
    )
    facts = [
        ("Age", str(c.age)),
        ("Sex", "female" if c.female else "male"),
        ("Ethnicity", c.ethnicity),
        ("Legal status", _STATUS_WORDS.get(c.legal_status, c.legal_status.replace("_", " "))),
        ("Mental health", need),
        ("Risk on record", "; ".join(c.risks) or "none recorded"),
        ("CAMHS", c.camhs_status),
        ("Also", ", ".join(flags) or "none recorded"),
        ("Last activity", fmt_date(c.last_activity)),
    ]
    if week.book.source == "simulation":
        hidden = f"{c.hidden_mental_health}; {'at' if c.hidden_at_risk else 'not at'} risk"
        facts.append(("Not in the records (simulation only)", hidden))
    return facts


def _cases(
    week: MockWeek,
    labels: dict[int, str],
    agency_labels: dict[str, str],
    findings_by_child: dict[int, list[Finding]],
    when: Any,
    kinds: dict[str, Any],
    chronologies: dict[int, list[dict[str, str]]],
) -> list[dict[str, Any]]:
    plan, tt = week.plan, week.timetable
    linked = {row["id"] for rows in chronologies.values() for row in rows}
    booking_of = {b.session: b for b in tt.bookings}
    out = []
    for pick in week.selection.tracked:
        flagged = {str(i) for f in findings_by_child.get(pick.child, []) for i in f.event_ids}
        rows = [{**row, "flagged": row["id"] in flagged} for row in chronologies[pick.child]]
        convs = [
            s
            for s in plan.sessions
            if s.kind in ("tracking", "family", "observation") and s.child == pick.child
        ]
        convs.sort(key=lambda s: (booking_of[s.id].day, booking_of[s.id].slot))
        out.append(
            {
                "child": pick.child,
                "anchor": f"child-{pick.child}",
                "label": labels[pick.child],
                "reasons": list(pick.reasons),
                "facts": _summary_facts(week, pick.child),
                "lead": tt.leads.get(pick.child, ""),
                "agencies": [agency_labels.get(a, a) for a in pick.agencies],
                "conversations": [
                    {
                        "when": when(s.id),
                        "with": plan.describe(s.people[0]) if s.people else s.title,
                        "kind": s.kind,
                        "inspector": booking_of[s.id].inspector,
                        "room": booking_of[s.id].room or _PLACE.get(s.kind, ""),
                    }
                    for s in convs
                ],
                "findings": _finding_rows(
                    findings_by_child.get(pick.child, []),
                    agency_labels,
                    kinds,
                    linked,
                    week.theme.criteria,
                ),
                "chronology": rows,
                "key_events": [row for row in rows if row["flagged"]],
                "events": len(rows),
            }
        )
    return out


def _missed_needs(week: MockWeek) -> dict[int, str]:
    """For a simulated area: sampled children whose mental-health need no record shows.

    The inspection cannot know this (it chooses only from the record); the facilitator
    can, and it is the missed identification a sampled record may reveal on site.
    """
    if week.book.source != "simulation":
        return {}
    ids = [p.child for p in week.selection.sample]
    seen = summarise(week.book, week.calendar.notification, ids)
    return {
        c.child: f"Not in the records (simulation only): {c.hidden_mental_health} that no "
        "agency has recorded, a missed identification to look for"
        for c in seen
        if not c.need_recorded and c.hidden_mental_health != MentalHealth.NONE.word
    }


def _reading(
    week: MockWeek,
    labels: dict[int, str],
    agency_labels: dict[str, str],
    findings_by_child: dict[int, list[Finding]],
    when: Any,
) -> list[dict[str, Any]]:
    """The sampled children as a compact reading record for the inspectors on site."""
    plan = week.plan
    booking_of = {b.session: b for b in week.timetable.bookings}
    read = {
        c: f"{when(s.id)}, {booking_of[s.id].inspector}"
        for s in plan.sessions
        if s.kind == "sample_reads" and s.id in booking_of
        for c in s.reads
    }
    return reading_records(
        week.selection.sample,
        notes=_missed_needs(week),
        child_labels=labels,
        frame_words=week.theme.frame_label,
        owner_label=lambda p: agency_labels.get(p.owner or "", p.owner or ""),
        read=read,
        findings_by_child=findings_by_child,
        date_words=lambda p: fmt_date(p.date) if p.date else "",
    )


def _week1(week: MockWeek) -> dict[str, Any]:
    """The set-up discussion, the data request and the planned meetings."""
    cal, plan = week.calendar, week.plan
    items = data_request(week.book, cal, week.meetings)
    observed = {(s.child, s.agency, s.day): s for s in plan.sessions if s.kind == "observation"}
    by_day: Counter[tuple[dt.date, str]] = Counter((m.date, m.title) for m in week.meetings)
    titles = sorted({m.title for m in week.meetings})
    leaders = [plan.describe(p) for p in plan.invited]
    return {
        "setup": {
            "date": fmt_date(cal.notification),
            "lead": week.settings.lead,
            "with": ", ".join(leaders) or "the partnership's leaders",
            "agenda": [
                "the theme, the dates and the on-site week's rhythm",
                "the data request below, and who in each agency answers it",
                f"the lists of children, due {fmt_date(cal.lists_due)}",
                f"the tracked children, named on {fmt_date(cal.selection_made)}, and the "
                f"multi-agency audit of each, due {fmt_date(cal.audits_due)}",
                "consent and arrangements to meet each tracked child and their family",
                "a base room, access to records for each inspectorate, and a single contact",
            ],
        },
        "request": [
            {
                "part": i.part,
                "item": i.item,
                "due": fmt_date(i.due),
                "can": "yes" if i.producible else "no",
                "note": i.note,
            }
            for i in items
        ],
        "meeting_titles": titles,
        "meeting_days": [
            {
                "date": fmt_date(d),
                "counts": [by_day.get((d, t), 0) for t in titles],
            }
            for d in cal.on_site
        ],
        "meetings": len(week.meetings),
        "observed": [
            {
                "date": fmt_date(m.date),
                "title": m.title,
                "child": week.book.label(m.child),
                "team": week.book.agency_label(m.agency),
                "basis": m.basis,
            }
            for m in week.meetings
            if (m.child, m.agency, cal.on_site.index(m.date)) in observed
        ],
    }


def _letter(week: MockWeek, cite: Any, linked: set[str]) -> dict[str, Any]:
    """The letter (words, no ids) and its annex (every point cited to children and rows)."""
    letter = week.letter
    annex = letter.annex_points
    number = {id(p): n for n, p in enumerate(annex, start=1)}

    def sections(items: tuple[LetterSection, ...]) -> list[dict[str, Any]]:
        return [
            {
                "title": sec.criterion.title,
                "points": [
                    {
                        "n": number[id(p)],
                        "text": p.text,
                        "cases": [
                            {
                                **cite(child),
                                "events": ", ".join(str(e) for e in events),
                                "event_links": _links(events, linked),
                            }
                            for child, events in (p.evidence or tuple((c, ()) for c in p.children))
                        ],
                    }
                    for p in sec.points
                ],
            }
            for sec in items
        ]

    def statements(items: Any) -> list[dict[str, Any]]:
        return [
            {
                "text": s.text,
                "partners": join_words(PARTNERS[p].title for p in s.partners),
                "annex": ", ".join(str(i + 1) for i in s.points),
            }
            for s in items
        ]

    return {
        "date": fmt_date(letter.date) if letter.date else "",
        "addressees": list(letter.addressees),
        "opening": letter.opening,
        "headline": list(letter.headline),
        "strengths": statements(letter.strengths),
        "improvements": statements(letter.improvements),
        "case_studies": [{"heading": p.heading, "text": p.text} for p in letter.case_studies],
        "partners": [{"heading": p.heading, "text": p.text} for p in letter.partners],
        "to_gather": [{"heading": p.heading, "text": p.text} for p in letter.to_gather],
        "next_steps": letter.next_steps,
        "signatories": list(letter.signatories),
        "theme": week.theme.theme.title,
        "summary": letter.summary,
        "working_well": sections(letter.working_well),
        "to_improve": sections(letter.to_improve),
        "seen": letter.children_seen,
    }


def _detection(table: pd.DataFrame | None) -> dict[str, Any] | None:
    if table is None or table.empty:
        return None
    frame = table.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: f"{v:.2f}")
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": [[str(v) for v in row] for row in frame.itertuples(index=False)],
    }


def render_html(context: dict[str, Any]) -> str:
    """The pack as one self-contained HTML page."""
    return _environment(True).get_template("pack.html.j2").render(**context)


def render_markdown(context: dict[str, Any]) -> str:
    """The pack as Markdown."""
    return _environment(False).get_template("pack.md.j2").render(**context)


def _replan(week: MockWeek) -> dict[str, Any] | None:
    """The re-planned week's changes as the pack shows them (none: no one dropped out)."""
    if week.replan is None:
        return None
    plan = week.replan.timetable.plan
    late = sorted(w for w, days in plan.away.items() if days != week.plan.away.get(w, frozenset()))
    return {
        "from": plan.day_name(week.replan.from_day),
        "away": [plan.describe(w) for w in late],
        "lines": changes_words(plan, week.replan.changes),
    }


def changes_csv(week: MockWeek) -> str:
    """One row per session the re-plan changed: before, after, and who must be told."""
    assert week.replan is not None
    plan = week.replan.timetable.plan
    rows = [
        {
            "session": c.session,
            "change": c.what,
            "date_before": plan.dates[c.before.day].isoformat(),
            "time_before": plan.slots[c.before.slot],
            "inspector_before": c.before.inspector,
            "room_before": c.before.room or "",
            "date_after": plan.dates[c.after.day].isoformat() if c.after else "",
            "time_after": plan.slots[c.after.slot] if c.after else "",
            "inspector_after": c.after.inspector if c.after else "",
            "room_after": (c.after.room or "") if c.after else "",
            "tell": " | ".join(c.tell),
        }
        for c in week.replan.changes
    ]
    columns = list(rows[0]) if rows else ["session", "change", "tell"]
    return _csv(pd.DataFrame(rows, columns=columns))


def timetable_csv(week: MockWeek) -> str:
    """One row per booking, then the daily team meetings and the final feedback meeting."""
    plan = week.plan
    sessions = {s.id: s for s in plan.sessions}
    rows = [
        {
            "date": plan.dates[b.day].isoformat(),
            "time": plan.slots[b.slot],
            "session": b.session,
            "kind": sessions[b.session].kind,
            "title": sessions[b.session].title,
            "inspector": b.inspector,
            "people": " | ".join(sessions[b.session].people),
            "room": b.room or _PLACE.get(sessions[b.session].kind, ""),
        }
        for b in sorted(week.timetable.bookings, key=lambda b: (b.day, b.slot, b.session))
    ]
    everyone = " | ".join(i.name for i in plan.inspectors)
    for d in range(plan.days):
        rows.append(
            {
                "date": plan.dates[d].isoformat(),
                "time": plan.slots[plan.meeting_slot(d)],
                "session": f"TEAM-{d + 1}",
                "kind": "team_meeting",
                "title": "Team meeting: all inspectors moderate the day's evidence",
                "inspector": everyone,
                "people": "",
                "room": "Base room",
            }
        )
    day, slot = plan.feedback
    rows.append(
        {
            "date": plan.dates[day].isoformat(),
            "time": plan.slots[slot],
            "session": "FEEDBACK",
            "kind": "feedback",
            "title": "Final feedback meeting to leaders",
            "inspector": everyone,
            "people": " | ".join(plan.invited),
            "room": "Base room",
        }
    )
    rows.sort(key=lambda r: (r["date"], r["time"], r["session"]))
    columns = ["date", "time", "session", "kind", "title", "inspector", "people", "room"]
    return _csv(pd.DataFrame(rows, columns=columns))


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    text_cells(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def pack_files(week: MockWeek) -> dict[str, str]:
    """Every file of the pack, by name."""
    context = pack_context(week)
    files = {
        "index.html": render_html(context),
        "pack.md": render_markdown(context),
        "timetable.csv": timetable_csv(week),
        "people.csv": _csv(people_table(week.plan)),
        "chronology.csv": _chronology_csv(context),
        "planned-meetings.csv": _csv(meetings_table(week.meetings, week.book)),
        "children-list.csv": _children_list(week),
    }
    if week.replan is not None:
        replanned = attrs.evolve(
            week, plan=week.replan.timetable.plan, timetable=week.replan.timetable
        )
        files["timetable-replanned.csv"] = timetable_csv(replanned)
        files["changes.csv"] = changes_csv(week)
    return files


def _children_list(week: MockWeek) -> str:
    """The theme's list of children as the area would supply it: recorded facts only.

    Children are named by their label (the partnership's own reference for a case
    list), never by the simulation's hidden state.
    """
    frame = cohort_table(week.cohort)
    frame["child"] = frame["label"]
    frame = frame.drop(columns=["label"])
    frame["last_activity"] = frame["last_activity"].map(lambda d: d.isoformat())
    return _csv(frame)


def _chronology_csv(context: dict[str, Any]) -> str:
    """Every tracked child's full chronology, one row per event."""
    rows = [
        {
            "child": case["label"],
            "event_id": row["id"],
            "date": row["date"],
            "agency": row["agency"],
            "what": row["what"],
            "cited": "yes" if row["flagged"] else "",
        }
        for case in context["cases"]
        for row in case["chronology"]
    ]
    columns = ["child", "event_id", "date", "agency", "what", "cited"]
    return _csv(pd.DataFrame(rows, columns=columns))


__all__ = [
    "changes_csv",
    "child_labels",
    "md_escape",
    "pack_context",
    "pack_files",
    "render_html",
    "render_markdown",
    "timetable_csv",
]
