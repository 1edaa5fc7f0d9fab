"""The shared vocabulary of the mock inspection: case books, picks, findings.

Everything the mock JTAI week needs flows through these frozen classes, so the
selection, the findings, the timetable and the facilitator pack agree on one
shape whether the children come from a simulated run or from a partnership's
own case list.

* :class:`CaseBook`: the children and their events (the same columns as
  :meth:`jtai_sim.simulation.eventlog.EventLog.to_pandas` plus dates), with each agency's
  kind and label, and the working-day calendar.
* :class:`InspectionCalendar`: the dates of the three-week inspection and after.
* :class:`ChildSummary`: one eligible child as inspectors would see them.
* :class:`Pick`: a tracked or sampled child and why they were picked.
* :class:`Selection`: the tracked children and the sample.
* :class:`Finding`: something the records show, tied to agencies, criteria and
  the event rows that prove it.
* :class:`Criterion`, :class:`LetterPoint`, :class:`LetterSection`,
  :class:`Letter`: the evaluation criteria and the mock findings letter.
* :class:`Milestone`: one dated step of the inspection calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
from attrs import field, frozen

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.scenario.model import Clock

Role = Literal["tracked", "sampled"]
#: Where the evidence for a criterion comes from: the records (findings), the
#: partnership's own audits of the tracked children, or conversations on site.
EvidenceSource = Literal["records", "audits", "conversations"]
CamhsStatus = Literal["none", "treated", "waiting", "rejected", "closed"]


@frozen(kw_only=True)
class AgencyInfo:
    """What the inspection needs to know about one agency."""

    key: str
    kind: str
    label: str
    #: starting service here counts as mental-health support (CAMHS treatment, MHST)
    support: bool = False


@frozen(kw_only=True)
class CaseBook:
    """Children and their events, from a simulated run or a partnership's case list.

    ``events`` has columns ``time`` (clock day), ``date``, ``child``, ``agency``,
    ``kind``, ``other``, ``detail``, ``value`` (see :class:`jtai_sim.simulation.eventlog.EventKind`
    for what ``detail`` and ``value`` mean per kind) and keeps the log's row order in
    its index (``event_id``), so a finding can cite the exact row.
    ``children`` has one row per child (columns as :attr:`jtai_sim.simulation.run.Run.children`).

    Added by :mod:`jtai_sim.inspection.casebook`: ``events.origin`` says where an
    ``arrive`` came from (``new``, ``crisis``, ``return``, ``referral`` or ``initial``,
    empty for other kinds) and ``events.line`` is the line in the case-list file (-1 for a
    simulation); ``children`` also has ``reference`` (the id as the partnership
    writes it), ``label`` (how reports name the child) and ``date_of_birth``
    (``NaT`` when only the age is known).

    ``clocks`` are the timescales findings measure (the scenario's, or standard
    defaults for a case list); ``handoff_due_days`` says, per ``(from, mode, to)``
    (see :func:`jtai_sim.results.clocktime.handoff_due`), how late information may arrive
    before it counts as late (``default_due_days`` for hand-offs not listed).
    ``covers_until`` is the last day the records describe (``None``: taken as
    complete up to any notification).
    """

    children: pd.DataFrame = field(eq=False)
    events: pd.DataFrame = field(eq=False)
    agencies: dict[str, AgencyInfo]
    calendar: WorkingCalendar = field(eq=False)
    source: str = "simulation"
    name: str = ""
    clocks: dict[str, Clock] = field(factory=dict)
    handoff_due_days: dict[tuple[str, str, str], float] = field(factory=dict)
    default_due_days: float = 1.0
    covers_until: dt.date | None = None

    def label(self, child: int) -> str:
        """How reports name ``child`` (its ``label`` in the children table)."""
        labels = self.children.set_index("child")["label"]
        return str(labels.get(child, f"Child {child}"))

    def agency_label(self, key: str) -> str:
        """The label of agency ``key`` (the key itself if unknown)."""
        info = self.agencies.get(key)
        return info.label if info is not None else key


@frozen(kw_only=True)
class Milestone:
    """One dated step of the inspection: ``day`` counts working days from notification = 1."""

    date: dt.date
    day: int
    label: str
    detail: str = ""


@frozen(kw_only=True)
class InspectionCalendar:
    """The dates of one mock inspection (all working days).

    ``milestones`` lists every step in date order (for the pack's calendar).
    """

    notification: dt.date
    lists_due: dt.date
    selection_made: dt.date
    audits_due: dt.date
    on_site: tuple[dt.date, ...]
    draft_letter: dt.date
    publication: dt.date
    action_statement: dt.date
    milestones: tuple[Milestone, ...] = ()


@frozen(kw_only=True)
class ChildSummary:
    """One child as the area's records show them on the notification date.

    Everything but the two ``hidden_`` fields is what an agency has recorded. The
    hidden fields are the simulation's truth, kept only to show what the
    inspection could not see (they are never used to choose a child).
    """

    child: int
    age: int
    legal_status: str
    #: the agency that first recorded a mental-health need (``None``: none recorded)
    need_recorded_by: str | None
    #: recorded signs of risk, in words (a section 47 enquiry, a plan, care, exploitation ...)
    risks: tuple[str, ...]
    exploitation: bool
    missing: bool
    send: bool
    disability: bool
    female: bool
    ethnicity: str
    agencies: tuple[str, ...]
    camhs_status: CamhsStatus
    youth_justice: bool
    recent_crisis: bool
    last_activity: dt.date
    label: str = ""
    #: the agency holding the child's current legal status (their social work team)
    owner: str | None = None
    hidden_mental_health: str = ""
    hidden_at_risk: bool = False

    @property
    def at_risk(self) -> bool:
        """Whether the record shows a risk of abuse, neglect or exploitation."""
        return bool(self.risks)

    @property
    def need_recorded(self) -> bool:
        """Whether any agency has recorded a mental-health need."""
        return self.need_recorded_by is not None


@frozen(kw_only=True)
class Pick:
    """A child chosen by the inspectors, and why."""

    child: int
    role: Role
    frame: str
    reasons: tuple[str, ...]
    agencies: tuple[str, ...] = ()
    owner: str | None = None
    #: the event row that put a sampled child in the frame (``None`` for tracked children)
    event_id: int | None = None
    date: dt.date | None = None


@frozen(kw_only=True)
class Selection:
    """The tracked children and the sample, reproducible from ``seed``."""

    tracked: tuple[Pick, ...]
    sample: tuple[Pick, ...]
    eligible: int
    seed: int
    #: what the selection could not do (a situation no eligible child is in, a small frame)
    notes: tuple[str, ...] = ()

    @property
    def children(self) -> tuple[int, ...]:
        """Tracked then sampled child ids."""
        return tuple(p.child for p in self.tracked + self.sample)

    def pick(self, child: int) -> Pick | None:
        """The pick of ``child`` (``None`` if not chosen)."""
        for p in self.tracked + self.sample:
            if p.child == child:
                return p
        return None


@frozen(kw_only=True)
class Finding:
    """Something a child's records show that inspectors would note."""

    child: int
    kind: str
    agencies: tuple[str, ...]
    criteria: tuple[str, ...]
    date: dt.date
    event_ids: tuple[int, ...]
    evidence: str
    strength: bool = False
    #: what the finding is about: a clock key, a pathway ``"from -> to"`` or an agency key
    subject: str = ""


#: Every kind of finding the detectors of :mod:`jtai_sim.inspection.findings` report,
#: and whether it is a strength (something working well) or a concern.
FINDING_STRENGTH: dict[str, bool] = {
    "wait_beyond_standard": False,
    "help_within_standard": True,
    "late_decision": False,
    "late_assessment": False,
    "late_conference": False,
    "late_health_assessment": False,
    "late_review_health_assessment": False,
    "late_crisis_response": False,
    "information_lost": False,
    "information_partial": False,
    "information_late": False,
    "information_complete": True,
    "closed_then_back": False,
    "turned_away": False,
    "signposted_at_triage": True,
    "late_review": False,
    "reviews_on_time": True,
    "crisis_while_waiting": False,
    "worse_while_waiting": False,
    "supported_while_waiting": True,
    "signposted_while_waiting": True,
    "escalated_while_waiting": True,
    "waited_without_support": False,
    "identified_at_youth_justice": False,
    "identified_early": True,
    "household_needs_known": True,
    "household_needs_unshared": False,
    "late_return_interview": False,
    "partner_absent": False,
    "partners_present": True,
    "placement_broke_help": False,
    "held_waiting_for_bed": False,
    "admitted_far_from_home": False,
}


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@frozen(kw_only=True)
class Criterion:
    """One evaluation criterion of the inspection (in our own words)."""

    key: str = field(default="", metadata=_doc("set from the table name"))
    title: str = field(metadata=_doc("the criterion's heading"))
    description: str = field(metadata=_doc("what good looks like, in a sentence or two"))
    prompts: tuple[str, ...] = field(
        default=(), metadata=_doc("questions for conversations and audits")
    )
    evidence: tuple[EvidenceSource, ...] = field(
        default=("records",),
        metadata=_doc("where its evidence comes from: records, audits, conversations"),
    )
    partners: tuple[str, ...] = field(
        default=(), metadata=_doc("partner agencies it concerns (none: the whole partnership)")
    )
    points: tuple[int, ...] = field(
        default=(), metadata=_doc("numbers of the guidance points it covers")
    )
    kinds: tuple[str, ...] = field(
        default=(),
        metadata=_doc("agency kinds whose findings also bear on it (a partner's own criterion)"),
    )

    @property
    def from_records(self) -> bool:
        """Whether findings from the records can evidence it."""
        return "records" in self.evidence


@frozen(kw_only=True)
class LetterPoint:
    """One point of the letter: the same finding seen in one or more children."""

    text: str
    kind: str
    subject: str
    strength: bool
    criterion: str
    other_criteria: tuple[str, ...]
    children: tuple[int, ...]
    event_ids: tuple[int, ...]
    agencies: tuple[str, ...]
    #: per child, the event rows that show it (children in the order of ``children``)
    evidence: tuple[tuple[int, tuple[int, ...]], ...] = ()


@frozen(kw_only=True)
class LetterSection:
    """The points of the letter under one criterion."""

    criterion: Criterion
    points: tuple[LetterPoint, ...]


@frozen(kw_only=True)
class LetterStatement:
    """A key strength or an area for improvement: words, not counts, and who it concerns."""

    criterion: str
    title: str
    text: str
    #: partner agencies it names (keys of :data:`jtai_sim.inspection.partners.PARTNERS`)
    partners: tuple[str, ...]
    #: the annex points it rests on (indexes into the annex's points, in order)
    points: tuple[int, ...] = ()
    #: children seen who show it (for ranking; never printed in the letter)
    children: int = 0


@frozen(kw_only=True)
class LetterParagraph:
    """A headed paragraph of the letter (a partner agency's, a case study, a prompt)."""

    heading: str
    text: str
    #: for a partner agency's paragraph, its key
    partner: str = ""


@frozen(kw_only=True)
class Letter:
    """A mock findings letter in the form the inspectorates write, and its evidence annex.

    The letter itself (``addressees`` to ``signatories``) speaks in words and names
    no child or event. ``working_well`` and ``to_improve`` are the facilitator's
    annex: every point counted and cited to the children and event rows.
    """

    working_well: tuple[LetterSection, ...]
    to_improve: tuple[LetterSection, ...]
    children_seen: int
    summary: str
    area: str = ""
    date: dt.date | None = None
    addressees: tuple[str, ...] = ()
    opening: str = ""
    headline: tuple[str, ...] = ()
    strengths: tuple[LetterStatement, ...] = ()
    improvements: tuple[LetterStatement, ...] = ()
    case_studies: tuple[LetterParagraph, ...] = ()
    partners: tuple[LetterParagraph, ...] = ()
    #: criteria the records cannot evidence: where the panel must find the evidence
    to_gather: tuple[LetterParagraph, ...] = ()
    next_steps: str = ""
    signatories: tuple[str, ...] = ()

    @property
    def annex_points(self) -> tuple[LetterPoint, ...]:
        """Every annex point, strengths first, in order (what statements' ``points`` index)."""
        return tuple(p for sec in self.working_well + self.to_improve for p in sec.points)
