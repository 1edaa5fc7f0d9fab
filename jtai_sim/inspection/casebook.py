"""Case books: the children and events an inspection reads, from a simulated run.

:func:`casebook_from_run` turns a :class:`~jtai_sim.simulation.run.Run` into a
:class:`~jtai_sim.inspection.model.CaseBook`, and :func:`casebook_from_log` does the same
from what a run wrote (its event log and child register, read back from a result folder
by :mod:`jtai_sim.records.run_folder`); :func:`as_recorded` takes out what only the
simulation knows. A case list from a partnership's own records comes through
:mod:`jtai_sim.inspection.cases_csv`. This module also
owns the helpers every later stage shares: the event kind categories, the events
visible at a notification date, agencies by kind, and the standard clocks used
when a case list brings none.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=120)
>>> book = casebook_from_run(run)
>>> book.events.index.name, list(book.events.columns)[-2:]
('event_id', ['origin', 'line'])
>>> sorted(book.clocks)[:2]
['assessment_45wd', 'camhs_4_weeks']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd

from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.results import clocktime
from jtai_sim.results.clocktime import handoff_due
from jtai_sim.scenario.model import Clock, ClockPoint
from jtai_sim.vocabulary import KIND_KEYS, ORIGIN_KEYS, EventKind, Origin

if TYPE_CHECKING:
    from jtai_sim.calendar import WorkingCalendar
    from jtai_sim.scenario.model import Scenario
    from jtai_sim.simulation.run import Run

#: The categories of ``events.kind`` (a category's code is the :class:`EventKind` value).
KIND_NAMES: tuple[str, ...] = KIND_KEYS

#: Agency kinds whose service is mental-health help for a child.
CAMHS_KINDS = frozenset(
    {"camhs_spa", "camhs_community", "mhst", "eating_disorder", "early_intervention_psychosis"}
)
#: Agency kinds that count as specialist mental-health support when a case list does not say.
#: A neurodevelopmental (autism or ADHD) assessment is a diagnosis, not mental-health help.
SUPPORT_KINDS = frozenset(
    {
        "camhs_community",
        "mhst",
        "crisis_team",
        "inpatient",
        "eating_disorder",
        "early_intervention_psychosis",
    }
)
#: Agency kinds that see children in crisis.
CRISIS_KINDS = frozenset({"emergency_department", "crisis_team", "inpatient"})
#: Agency kinds that hold a child's legal status in children's social care.
SOCIAL_CARE_KINDS = frozenset(
    {"assessment", "strategy", "conference", "cin_plan", "cp_plan", "looked_after"}
)


def casebook_from_run(run: Run) -> CaseBook:
    """The case book of a simulated run: its children, events, agencies and clocks.

    The clocks are the scenario's, or :func:`standard_clocks` if it has none.
    ``origin`` of an arrival is its :class:`~jtai_sim.vocabulary.Origin` in the raw
    log; arrivals of children from a demand stream marked ``crisis`` count as crisis
    arrivals too.
    """
    return casebook_from_log(
        run.scenario, run.log.written(run.calendar), run.children, run.calendar
    )


def casebook_from_log(
    scenario: Scenario, log: pd.DataFrame, children: pd.DataFrame, calendar: WorkingCalendar
) -> CaseBook:
    """The case book of a run from what it wrote: ``log`` in the layout of its event log's
    files (:meth:`~jtai_sim.simulation.eventlog.EventLog.written`, with ``origin``),
    ``children`` as its child register (:attr:`~jtai_sim.simulation.run.Run.children`),
    the ``scenario`` it ran and its ``calendar``. See :func:`casebook_from_run`."""
    origin = log["origin"].cat.codes.to_numpy(np.int8).copy()
    crisis_streams = [key for key, d in scenario.demand.items() if d.crisis]
    if crisis_streams:
        crisis_children = children.loc[
            children["stream"].astype(str).isin(crisis_streams), "child"
        ].to_numpy()
        first = (origin == ORIGIN_KEYS.index(Origin.NEW.key)) & np.isin(
            log["child"].to_numpy(), crisis_children
        )
        origin[first] = ORIGIN_KEYS.index(Origin.CRISIS.key)
    events = pd.DataFrame(
        {
            "time": log["time"],
            "date": log["date"],
            "child": log["child"],
            "agency": log["agency"],
            "kind": log["kind"],
            "other": log["other"],
            "detail": log["detail"],
            "value": log["value"],
            "origin": pd.Categorical.from_codes(origin, categories=pd.Index(list(ORIGIN_KEYS))),
            "line": np.full(len(log), -1, dtype=np.int32),
        }
    )
    events.index = pd.RangeIndex(len(events), name="event_id")
    kids = children.copy()
    kids["reference"] = kids["child"].astype(str)
    kids["label"] = "Child " + kids["reference"]
    kids["date_of_birth"] = pd.Series(pd.NaT, index=kids.index, dtype="datetime64[s]")
    agencies = {
        key: AgencyInfo(key=key, kind=a.kind, label=a.label or key, support=a.support)
        for key, a in scenario.agencies.items()
    }
    last_day = max(math.ceil(scenario.duration_days) - 1, 0)
    return CaseBook(
        children=kids,
        events=events,
        agencies=agencies,
        calendar=calendar,
        source="simulation",
        name=scenario.name,
        clocks=dict(scenario.clocks) or standard_clocks(agencies),
        handoff_due_days=handoff_due(scenario.pathways),
        default_due_days=1.0,
        covers_until=calendar.date_of(last_day),
    )


#: Event kinds only a simulation knows: a change in a child's true mental-health state.
#: An agency records what it noticed (``identify``, ``crisis``), not the state itself.
HIDDEN_KINDS = frozenset({EventKind.DETERIORATE.key, EventKind.IMPROVE.key})


def as_recorded(book: CaseBook) -> CaseBook:
    """``book`` with the simulation's truth taken out, as an area's records would hold it:
    every child's ``mental_health`` unknown (counted as none, as a case list without the
    column has it) and no events of :data:`HIDDEN_KINDS`. A book read from records has
    none of it to take out."""
    kids = book.children.assign(mental_health=np.zeros(len(book.children), dtype=np.int64))
    kept = book.events[~book.events["kind"].isin(HIDDEN_KINDS).to_numpy()]
    events = kept.reset_index(drop=True)
    events.index = pd.RangeIndex(len(events), name="event_id")
    return attrs.evolve(book, children=kids, events=events)


# ---------------------------------------------------------------- shared helpers


def kind_codes(events: pd.DataFrame) -> np.ndarray:
    """The :class:`EventKind` value of each row."""
    return np.asarray(events["kind"].cat.codes.to_numpy(), dtype=np.int16)


def agency_codes(events: pd.DataFrame, column: str = "agency") -> np.ndarray:
    """The agency code of each row (-1 for none)."""
    return np.asarray(events[column].cat.codes.to_numpy(), dtype=np.int32)


def agency_keys(book: CaseBook) -> list[str]:
    """Agency keys in code order."""
    return [str(c) for c in book.events["agency"].cat.categories]


def codes_of_kind(book: CaseBook, kinds: Iterable[str]) -> list[int]:
    """Codes of the agencies whose kind is in ``kinds``."""
    wanted = set(kinds)
    return [i for i, key in enumerate(agency_keys(book)) if book.agencies[key].kind in wanted]


def support_codes(book: CaseBook) -> list[int]:
    """Codes of the agencies whose service is mental-health support."""
    return [i for i, key in enumerate(agency_keys(book)) if book.agencies[key].support]


def clock_outcomes(
    book: CaseBook,
    t_end: float,
    *,
    events: pd.DataFrame | None = None,
    clocks: Mapping[str, Clock] | None = None,
    since: float = 0.0,
) -> pd.DataFrame:
    """Every clock of ``clocks`` (the book's own by default) started at or after ``since``
    in ``events`` (the book's own by default, or some of them), judged at ``t_end`` by
    the one rule, :func:`jtai_sim.results.clocktime.clock_instances`; episodes open when
    the records began (arrivals of origin ``initial``) start none."""
    ev = book.events if events is None else events
    time = ev["time"].to_numpy(np.float64)
    child = ev["child"].to_numpy(np.int64)
    agency = agency_codes(ev).astype(np.int64)
    kind = kind_codes(ev).astype(np.int64)
    initial = (ev["origin"].astype(str) == Origin.INITIAL.key).to_numpy()
    log = clocktime.LogColumns(
        time=time,
        child=child,
        agency=agency,
        kind=kind,
        value=ev["value"].to_numpy(np.float64),
        ids=ev.index.to_numpy(np.int64),
        carried=clocktime.carried_rows(time, child, agency, kind, initial),
        detail=ev["detail"].to_numpy(np.int64),
    )
    index = {k: i for i, k in enumerate(agency_keys(book))}
    chosen = book.clocks if clocks is None else clocks
    return clocktime.clock_instances(log, book.calendar, chosen, index, t_end, since)


def end_of_day(book: CaseBook, date: dt.date) -> float:
    """The clock time at the end of ``date`` (events before it are on or before ``date``)."""
    return float(book.calendar.day_of(date) + 1)


def visible(book: CaseBook, notification: dt.date) -> pd.DataFrame:
    """The events dated on or before ``notification`` (what the records show that day)."""
    t = end_of_day(book, notification)
    return book.events[book.events["time"].to_numpy() < t]


def months_before(date: dt.date, months: int) -> dt.date:
    """``date`` moved back by whole calendar months (clamped to the month's last day).

    >>> months_before(dt.date(2026, 8, 31), 6)
    datetime.date(2026, 2, 28)
    """
    y, m = divmod(date.year * 12 + date.month - 1 - months, 12)
    m += 1
    for day in (date.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def fmt_date(date: dt.date) -> str:
    """A date as reports write it: ``Tue 3 Mar 2026``.

    >>> fmt_date(dt.date(2026, 3, 3))
    'Tue 3 Mar 2026'
    """
    return f"{date:%a} {date.day} {date:%b %Y}"


def standard_clocks(agencies: dict[str, AgencyInfo]) -> dict[str, Clock]:
    """The standard timescales, for the agencies present, when a case list brings no clocks.

    Front-door decision within 1 working day; assessment within 45 working days
    of referral (Working Together 2023: from the referral agency's receipt, or the
    assessment team's where the area has no separate referral step);
    initial conference within 15 working days of the strategy discussion; CAMHS
    help within 4 weeks of referral; initial health assessment within 20 working
    days of coming into care; crisis response within 24 hours; a return home
    interview within 72 hours of the end of every missing episode.

    >>> a = {"mash": AgencyInfo(key="mash", kind="front_door", label="MASH")}
    >>> list(standard_clocks(a))
    ['front_door_decision']
    """

    def of(*kinds: str) -> tuple[str, ...]:
        return tuple(k for k, a in agencies.items() if a.kind in kinds)

    support = tuple(k for k, a in agencies.items() if a.kind in CAMHS_KINDS and a.support)
    specs: list[tuple[str, str, tuple[str, ...], str, tuple[str, ...], str, float, str]] = [
        (
            "front_door_decision",
            "Front-door decision within 1 working day",
            of("front_door", "referral"),
            "arrive",
            of("front_door", "referral"),
            "end",
            1.0,
            "working_days",
        ),
        (
            "assessment_45wd",
            "Assessment completed within 45 working days of referral",
            of("referral") or of("assessment"),
            "arrive",
            of("assessment"),
            "end",
            45.0,
            "working_days",
        ),
        (
            "icpc_15wd",
            "Initial conference within 15 working days of the strategy discussion",
            of("strategy"),
            "start",
            of("conference"),
            "start",
            15.0,
            "working_days",
        ),
        (
            "camhs_4_weeks",
            "CAMHS help starts within 4 weeks of referral",
            of("camhs_spa"),
            "arrive",
            support,
            "start",
            4.0,
            "weeks",
        ),
        (
            "iha_20wd",
            "Initial health assessment within 20 working days of coming into care",
            of("looked_after"),
            "arrive",
            of("health_assessment"),
            "start",
            20.0,
            "working_days",
        ),
        (
            "crisis_24h",
            "Crisis response within 24 hours",
            of("crisis_team"),
            "arrive",
            of("crisis_team"),
            "start",
            24.0,
            "hours",
        ),
    ]
    out: dict[str, Clock] = {}
    for key, label, a, ea, b, eb, limit, unit in specs:
        if a and b:
            out[key] = Clock(
                label=label,
                start=ClockPoint(agency=a, event=ea),
                stop=ClockPoint(agency=b, event=eb),
                limit=limit,
                unit=unit,  # type: ignore[arg-type]
                source="standard default (jtai_sim.inspection.standard_clocks)",
            )
    missing, interview = of("missing_episode"), of("return_interview")
    if missing and interview:  # owed after every episode (DfE statutory guidance, 2014)
        out["return_interview_72h"] = Clock(
            label="Return home interview within 72 hours of a missing child's return",
            start=ClockPoint(agency=missing, event="end"),
            stop=ClockPoint(agency=interview, event="start"),
            limit=72.0,
            unit="hours",
            owed_to_all=True,
            source="standard default (jtai_sim.inspection.standard_clocks)",
        )
    return out
