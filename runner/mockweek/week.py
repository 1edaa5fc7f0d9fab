"""The on-site week as a problem to timetable: people, sessions, slots and absences.

:func:`plan_week` turns a selection of children (and the case book they come
from) into a :class:`WeekPlan`: the inspectors, the people the inspectors must
meet (a practitioner per tracked child and role, an audit lead per agency whose
records are sampled, the leaders), the sessions (tracking conversations, sample
reads, leader interviews, focus groups, conversations with children and
families, observations of planned meetings), the day's slots, the rooms, and
who is away on which day. :mod:`runner.mockweek.timetable` solves it
and :mod:`runner.mockweek.checker` re-checks the answer against it.

Each tracked child has one conversation per practitioner *role* involved (the
social worker, the CAMHS clinician, the school's safeguarding lead, ...), held
with the agency of that role the child saw most recently; the social worker is
met first. Sample reads of one owning agency are grouped, ``reads_per_session``
records to a session, each with one of that agency's audit leads (a lead takes
up to ``sessions_per_audit_lead`` sessions, so a busy front door nominates more
than one).

Children and families: each tracked child has one conversation, arranged with
consent by the social worker in week 1. A child aged at least
``child_conversation_age`` (8 by default) is invited with their parent or
carer if they wish; for a younger child the parent or carer is met. It is held
by an inspector of ``family_inspectorates`` at home or where the family
chooses (no room), after the social worker's conversation, so the inspector
knows the child's story first.

Observations: up to ``observe`` of the meetings the area lists as planned
during the on-site week (:func:`runner.mockweek.request.planned_meetings`),
taken in the order of the ``observations`` preferences by kind: a tracked
child's meeting first, then one on a day not yet used, then the earliest. An
observation is fixed to the meeting's day.

The last day: the team meeting comes before the final feedback meeting (the
feedback takes the last slot and the team meeting the slot before it, when the
usual team meeting slot is not already earlier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
from attrs import field, frozen

from jtai_sim.inspection.model import CaseBook, Pick, Selection
from runner.mockweek.absences import AbsenceRow, drawn_absences, resolve_absences
from runner.mockweek.request import PlannedMeeting
from runner.mockweek.settings import InspectionSettings, Inspector

PersonKind = Literal["practitioner", "audit_lead", "leader", "family"]
SessionKind = Literal["tracking", "sample_reads", "leader", "focus_group", "family", "observation"]

#: Words used for each kind of session in the pack and in explanations.
SESSION_WORDS: dict[str, str] = {
    "tracking": "tracking conversation",
    "sample_reads": "sample reads",
    "leader": "leader interview",
    "focus_group": "focus group",
    "family": "child and family",
    "observation": "observation",
    "team_meeting": "team meeting",
    "feedback": "feedback meeting",
}


@frozen(kw_only=True)
class Person:
    """Someone (not an inspector) the inspectors meet."""

    id: str
    name: str
    kind: PersonKind
    agency: str | None = None
    child: int | None = None


@frozen(kw_only=True)
class Session:
    """One thing to timetable: one inspector from ``candidates`` meets ``people``."""

    id: str
    kind: SessionKind
    title: str
    candidates: tuple[str, ...]
    people: tuple[str, ...] = ()
    room: bool = True
    child: int | None = None
    agency: str | None = None
    role: str | None = None
    reads: tuple[int, ...] = ()
    first: bool = False
    need: str = ""
    #: the on-site day the session must be held on (a planned meeting), or any day
    day: int | None = None


@frozen(kw_only=True)
class WeekPlan:
    """Everything the timetable must respect."""

    dates: tuple[dt.date, ...]
    slots: tuple[str, ...]
    session_minutes: int
    team_meeting: int
    feedback: tuple[int, int]
    #: the team meeting's slot on the feedback day (``None``: the usual slot)
    final_meeting: int | None = None
    inspectors: tuple[Inspector, ...]
    inspectorate_labels: dict[str, str]
    people: dict[str, Person]
    sessions: tuple[Session, ...]
    rooms: tuple[str, ...]
    away: dict[str, frozenset[int]]
    inspector_limit: int
    practitioner_limit: int
    invited: tuple[str, ...] = ()
    child_labels: dict[int, str] = field(factory=dict)
    agency_labels: dict[str, str] = field(factory=dict)
    agency_kinds: dict[str, str] = field(factory=dict)
    meets: dict[str, tuple[str, ...]] = field(factory=dict)

    @property
    def days(self) -> int:
        """Number of on-site days."""
        return len(self.dates)

    def work_slots(self, day: int) -> tuple[int, ...]:
        """Slots of ``day`` open to sessions (not the team meeting or the feedback)."""
        return tuple(
            k
            for k in range(len(self.slots))
            if k != self.meeting_slot(day) and (day, k) != self.feedback
        )

    def meeting_slot(self, day: int) -> int:
        """The slot of the team meeting on ``day`` (earlier on the feedback day)."""
        if day == self.feedback[0] and self.final_meeting is not None:
            return self.final_meeting
        return self.team_meeting

    def is_away(self, who: str, day: int) -> bool:
        """True if person or inspector ``who`` is away on ``day``."""
        return day in self.away.get(who, frozenset())

    def day_name(self, day: int) -> str:
        """``Wednesday 17 June`` for on-site day ``day``."""
        date = self.dates[day]
        return f"{date:%A} {date.day} {date:%B}"

    def describe(self, who: str) -> str:
        """A person's name, or an inspector's name as it is."""
        person = self.people.get(who)
        return person.name if person is not None else who


def child_agencies(
    book: CaseBook, children: Sequence[int], until: float | None
) -> dict[int, list[tuple[str, float]]]:
    """Per child, the agencies they met with the time of their last event there, latest last."""
    events = book.events
    sel = events[events["child"].isin(list(children))]
    if until is not None:
        sel = sel[sel["time"] <= until]
    sel = sel[sel["agency"].notna()]
    out: dict[int, list[tuple[str, float]]] = {c: [] for c in children}
    if sel.empty:
        return out
    last = sel.groupby(["child", "agency"], observed=True)["time"].max().reset_index()
    ordered = last.sort_values(["child", "time", "agency"])
    for child, agency, when in zip(
        ordered["child"].tolist(), ordered["agency"].tolist(), ordered["time"].tolist(), strict=True
    ):
        out[int(child)].append((str(agency), float(when)))
    return out


def _label(book: CaseBook, child: int) -> str:
    try:
        return book.label(child)
    except KeyError:
        return f"Child {child}"


def plan_week(
    book: CaseBook,
    selection: Selection,
    settings: InspectionSettings,
    dates: Sequence[dt.date],
    *,
    seed: int,
    until: float | None = None,
    absences: Sequence[AbsenceRow] | None = None,
    absences_file: str = "absences.csv",
    ages: Mapping[int, int] | None = None,
    meetings: Sequence[PlannedMeeting] = (),
) -> WeekPlan:
    """Build the week to timetable from ``selection``.

    ``ages`` gives each tracked child's age at notification (for who is met in
    the conversation with the child and family; unknown ages count as old
    enough); ``meetings`` are the meetings planned during the on-site week, from
    which observations are chosen.

    Absences come from ``absences`` (CSV rows) when given, else are drawn for
    every practitioner, audit lead and leader with ``settings.absence_rate``.
    ``until`` is the clock day of notification: later events are not known.
    """
    kinds = {key: info.kind for key, info in book.agencies.items()}
    labels = {key: info.label or key for key, info in book.agencies.items()}
    people: dict[str, Person] = {}
    sessions: list[Session] = []
    child_labels: dict[int, str] = {}

    tracked_ids = [p.child for p in selection.tracked]
    met = child_agencies(book, tracked_ids + [p.child for p in selection.sample], until)
    for n, pick in enumerate(selection.tracked, start=1):
        child_labels[pick.child] = _label(book, pick.child)
        sessions += _tracking(
            pick, n, met[pick.child], kinds, labels, settings, people, child_labels[pick.child]
        )
    sessions += _sample_reads(
        selection.sample, met, kinds, labels, settings, people, book, child_labels
    )
    present = set(kinds.values())
    for key, leader in settings.leaders.items():
        if leader.when_kinds and not present.intersection(leader.when_kinds):
            continue
        pid = f"leader:{key}"
        people[pid] = Person(id=pid, name=leader.title, kind="leader")
        sessions.append(
            Session(
                id=f"L-{key}",
                kind="leader",
                title=f"Interview: {leader.title}",
                candidates=settings.inspectors_of(leader.inspectorates),
                people=(pid,),
                need=_need(settings, leader.inspectorates),
            )
        )
    for n, group in enumerate(settings.focus_groups, start=1):
        if present.intersection(group.kinds):
            sessions.append(
                Session(
                    id=f"F{n}",
                    kind="focus_group",
                    title=f"Focus group: {group.title}",
                    candidates=settings.inspectors_of(group.inspectorates),
                    need=_need(settings, group.inspectorates),
                )
            )
    for n, pick in enumerate(selection.tracked, start=1):
        sessions.append(_family(pick, n, settings, people, child_labels, ages))
    sessions += _observations(meetings, selection, settings, tuple(dates), labels, child_labels)

    days = len(dates)
    slots = settings.day.slots
    meeting = slots.index(settings.day.team_meeting)
    feedback_slot = len(slots) - 1
    final_meeting = meeting if meeting < feedback_slot else feedback_slot - 1
    if absences is None:
        # families are met when they can be: the conversation is arranged around them
        drawn = sorted(p for p in people if people[p].kind != "family")
        away = drawn_absences(drawn, days, settings.absence_rate, seed)
    else:
        away = resolve_absences(
            absences,
            file=absences_file,
            dates=tuple(dates),
            groups=absence_groups(people, settings),
        )
    away = {k: v for k, v in away.items() if v}
    return WeekPlan(
        dates=tuple(dates),
        slots=slots,
        session_minutes=settings.day.session_minutes,
        team_meeting=meeting,
        feedback=(days - 1, feedback_slot),
        final_meeting=final_meeting,
        inspectors=settings.team,
        inspectorate_labels={k: v.label for k, v in settings.inspectorates.items()},
        people=dict(sorted(people.items())),
        sessions=tuple(sessions),
        rooms=settings.rooms,
        away=dict(sorted(away.items())),
        inspector_limit=settings.day.inspector_limit,
        practitioner_limit=settings.day.practitioner_limit,
        invited=tuple(p for p in sorted(people) if p.startswith("leader:")),
        child_labels=child_labels,
        agency_labels=dict(labels),
        agency_kinds=dict(kinds),
        meets={k: tuple(v.meets) for k, v in settings.inspectorates.items()},
    )


def _family(
    pick: Pick,
    n: int,
    settings: InspectionSettings,
    people: dict[str, Person],
    child_labels: Mapping[int, str],
    ages: Mapping[int, int] | None,
) -> Session:
    """The conversation with a tracked child and/or their parent or carer."""
    label = child_labels[pick.child]
    age = None if ages is None else ages.get(pick.child)
    with_child = age is None or age >= settings.child_conversation_age
    who = f"{label} and their parent or carer" if with_child else f"{label}'s parent or carer"
    pid = f"family:{pick.child}"
    people[pid] = Person(id=pid, name=who[:1].upper() + who[1:], kind="family", child=pick.child)
    words = "child and family" if with_child else "parent or carer"
    return Session(
        id=f"C{n}",
        kind="family",
        title=f"Conversation with {who} (with consent)",
        candidates=settings.inspectors_of(settings.family_inspectorates),
        people=(pid,),
        room=False,
        child=pick.child,
        role=words,
        need=_need(settings, settings.family_inspectorates),
    )


def choose_observations(
    meetings: Sequence[PlannedMeeting],
    selection: Selection,
    settings: InspectionSettings,
    dates: Sequence[dt.date],
) -> list[tuple[PlannedMeeting, int]]:
    """Which planned meetings are observed, each with its preference's index.

    Preferences are taken in turn (round after round) until ``settings.observe``
    meetings are chosen or none is left: for each, a tracked child's meeting of
    that kind first, then one on a day not yet used, then the earliest.
    """
    tracked = {p.child for p in selection.tracked}
    on_site = set(dates)
    left = [m for m in meetings if m.date in on_site]
    chosen: list[tuple[PlannedMeeting, int]] = []
    used_days: set[dt.date] = set()
    progress = True
    while len(chosen) < settings.observe and left and progress:
        progress = False
        for n, pref in enumerate(settings.observations):
            if len(chosen) >= settings.observe:
                break
            fits = [m for m in left if m.kind == pref.kind]
            if not fits:
                continue
            best = min(
                fits, key=lambda m: (m.child not in tracked, m.date in used_days, m.date, m.child)
            )
            chosen.append((best, n))
            used_days.add(best.date)
            left.remove(best)
            progress = True
    return chosen


def _observations(
    meetings: Sequence[PlannedMeeting],
    selection: Selection,
    settings: InspectionSettings,
    dates: tuple[dt.date, ...],
    labels: Mapping[str, str],
    child_labels: Mapping[int, str],
) -> list[Session]:
    out: list[Session] = []
    for n, (meeting, pref) in enumerate(
        choose_observations(meetings, selection, settings, dates), start=1
    ):
        obs = settings.observations[pref]
        child = child_labels.get(meeting.child, f"Child {meeting.child}")
        team = labels.get(meeting.agency, meeting.agency)
        out.append(
            Session(
                id=f"O{n}",
                kind="observation",
                title=f"Observe: {meeting.title} for {child} ({team})",
                candidates=settings.inspectors_of(obs.inspectorates),
                room=False,
                child=meeting.child,
                agency=meeting.agency,
                need=_need(settings, obs.inspectorates),
                day=dates.index(meeting.date),
            )
        )
    for n, standing in enumerate(settings.standing, start=1):
        for day in standing.days:
            if day > len(dates):
                continue
            out.append(
                Session(
                    id=f"M{n}-{day}",
                    kind="observation",
                    title=f"Observe: {standing.title}",
                    candidates=settings.inspectors_of(standing.inspectorates),
                    room=False,
                    need=_need(settings, standing.inspectorates),
                    day=day - 1,
                )
            )
    return out


def _need(settings: InspectionSettings, inspectorates: Sequence[str]) -> str:
    return " or ".join(settings.inspectorates[g].label for g in inspectorates)


def _tracking(
    pick: Pick,
    n: int,
    met: list[tuple[str, float]],
    kinds: Mapping[str, str],
    labels: Mapping[str, str],
    settings: InspectionSettings,
    people: dict[str, Person],
    child_label: str,
) -> list[Session]:
    """One conversation per role the child met, at the role's most recent agency."""
    agencies = [a for a, _ in met] or list(pick.agencies)
    if pick.agencies:
        agencies = [a for a in agencies if a in pick.agencies] + [
            a for a in pick.agencies if a not in agencies
        ]
    latest: dict[str, str] = {}
    for agency in agencies:  # latest last, so the last one seen wins
        role_of = settings.role_of_kind(kinds.get(agency, "generic"))
        if role_of is not None:
            latest[role_of] = agency
    out: list[Session] = []
    for role_key, role in settings.roles.items():
        found = latest.get(role_key)
        if found is None:
            continue
        agency = found
        pid = f"practitioner:{agency}:{pick.child}"
        title = role.label[:1].upper() + role.label[1:]
        name = f"{title}, {labels.get(agency, agency)} ({child_label})"
        people[pid] = Person(
            id=pid, name=name, kind="practitioner", agency=agency, child=pick.child
        )
        kind = kinds.get(agency, "generic")
        out.append(
            Session(
                id=f"T{n}-{role_key}",
                kind="tracking",
                title=f"{child_label}: {role.label} ({labels.get(agency, agency)})",
                candidates=settings.inspectors_for_kind(kind),
                people=(pid,),
                child=pick.child,
                agency=agency,
                role=role_key,
                first=role_key == settings.first_role,
                need=_need_kind(settings, kind),
            )
        )
    return out


def _need_kind(settings: InspectionSettings, kind: str) -> str:
    names = [g.label for g in settings.inspectorates.values() if kind in g.meets]
    return " or ".join(names) if names else f"an inspectorate that meets {kind.replace('_', ' ')}"


def _owner(pick: Pick, met: list[tuple[str, float]]) -> str | None:
    if pick.owner:
        return pick.owner
    if pick.agencies:
        return pick.agencies[0]
    return met[-1][0] if met else None


def _sample_reads(
    sample: Sequence[Pick],
    met: Mapping[int, list[tuple[str, float]]],
    kinds: Mapping[str, str],
    labels: Mapping[str, str],
    settings: InspectionSettings,
    people: dict[str, Person],
    book: CaseBook,
    child_labels: dict[int, str],
) -> list[Session]:
    """Sample records grouped by agency, ``reads_per_session`` to a session.

    Each inspectorate reads its own agencies' records of a sampled child: the
    record that put the child in the sample (its owning agency's), and, for every
    other inspectorate on the team, the record of the agency of a kind it meets
    that the child saw most recently. So a child sampled at the front door who
    had come through the police has their police record read by HMICFRS too, as
    on a real JTAI, where each inspectorate looks at its own agencies' work.
    """
    by_owner: dict[str, list[int]] = {}
    inspectorate_of = {i.name: i.inspectorate for i in settings.team}

    def inspectorates(agency: str) -> set[str]:
        kind = kinds.get(agency, "generic")
        return {inspectorate_of[n] for n in settings.inspectors_for_kind(kind)}

    for pick in sample:
        seen = met.get(pick.child, [])
        owner = _owner(pick, seen)
        if owner is None:
            continue
        by_owner.setdefault(owner, []).append(pick.child)
        covered = inspectorates(owner)
        for agency, _ in sorted(seen, key=lambda m: -m[1]):
            extra = inspectorates(agency) - covered
            if extra and agency != owner:
                by_owner.setdefault(agency, []).append(pick.child)
                covered |= extra
        child_labels.setdefault(pick.child, _label(book, pick.child))
    out: list[Session] = []
    size = settings.reads_per_session
    per_lead = settings.sessions_per_audit_lead
    for owner in sorted(by_owner, key=lambda a: list(kinds).index(a) if a in kinds else 0):
        children = by_owner[owner]
        kind = kinds.get(owner, "generic")
        parts = list(range(0, len(children), size))
        leads = -(-len(parts) // per_lead)
        for n, part in enumerate(parts):
            lead = n // per_lead + 1
            pid = f"audit:{owner}:{lead}"
            number = f" {lead}" if leads > 1 else ""
            people[pid] = Person(
                id=pid,
                name=f"Audit lead{number}, {labels.get(owner, owner)}",
                kind="audit_lead",
                agency=owner,
            )
            reads = tuple(children[part : part + size])
            records = f"{len(reads)} record" + ("s" if len(reads) != 1 else "")
            out.append(
                Session(
                    id=f"S-{owner}-{n + 1}",
                    kind="sample_reads",
                    title=f"Sample reads: {labels.get(owner, owner)} ({records})",
                    candidates=settings.inspectors_for_kind(kind),
                    people=(pid,),
                    room=False,
                    agency=owner,
                    reads=reads,
                    need=_need_kind(settings, kind),
                )
            )
    return out


def absence_groups(
    people: Mapping[str, Person], settings: InspectionSettings
) -> dict[str, tuple[str, ...]]:
    """Every name an absence row may use, and who it covers."""
    groups: dict[str, tuple[str, ...]] = {pid: (pid,) for pid in people}
    for inspector in settings.team:
        groups[f"inspector:{inspector.name}"] = (inspector.name,)
    for key in settings.inspectorates:
        groups[f"inspectorate:{key}"] = tuple(
            i.name for i in settings.team if i.inspectorate == key
        )
    agencies: dict[str, list[str]] = {}
    for pid, person in people.items():
        if person.agency is not None:
            agencies.setdefault(f"agency:{person.agency}", []).append(pid)
    groups.update({k: tuple(v) for k, v in agencies.items()})
    groups["leaders"] = tuple(p for p in people if people[p].kind == "leader")
    groups["practitioners"] = tuple(p for p in people if people[p].kind not in ("leader", "family"))
    groups["families"] = tuple(p for p in people if people[p].kind == "family")
    groups["everyone"] = tuple(people) + tuple(i.name for i in settings.team)
    return groups


def people_table(plan: WeekPlan) -> pd.DataFrame:
    """Who the inspectors meet, with the ids an absence CSV uses."""
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "agency": p.agency or "",
            "child": "" if p.child is None else str(p.child),
            "away": " ".join(plan.dates[d].isoformat() for d in sorted(plan.away.get(p.id, ()))),
        }
        for p in plan.people.values()
    ]
    return pd.DataFrame(rows, columns=["id", "name", "kind", "agency", "child", "away"])


__all__ = [
    "SESSION_WORDS",
    "Person",
    "Session",
    "WeekPlan",
    "absence_groups",
    "child_agencies",
    "choose_observations",
    "people_table",
    "plan_week",
]
