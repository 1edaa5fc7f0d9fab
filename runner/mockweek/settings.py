"""Inspection settings for a mock JTAI week: the team, the day, rooms, sizes and offsets.

Everything has a built-in default taken from the published pattern of a joint
targeted area inspection (Ofsted social care x2, Ofsted schools x1, CQC x2,
HMICFRS x2, plus HMI Probation x1 because youth justice is in scope). A TOML
file may override any part; tables keyed by name (``inspectorates``, ``roles``,
``leaders``) are merged key by key over the defaults, every other key replaces
its default. A mistake gives one line naming the file, line, key and value.

>>> s = default_settings()
>>> [i.name for i in s.team][:3]
['Ofsted social care 1 (lead)', 'Ofsted social care 2', 'Ofsted schools 1']
>>> s.inspectors_for_kind("camhs_community")
('CQC 1', 'CQC 2')
>>> settings_from_toml('[[team]]\\nname = "A"\\ninspectorate = "ofstead"\\n', file="t.toml")
Traceback (most recent call last):
...
jtai_sim.errors.SettingsError: t.toml:3: team[0].inspectorate: unknown \
inspectorate 'ofstead' (did you mean 'ofsted_schools'?)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from jtai_sim.errors import FieldError, InputError, SettingsError, ThemeError
from jtai_sim.inspection.selection import SAMPLE_RANGE, TRACKED_RANGE
from jtai_sim.inspection.theme import Theme
from jtai_sim.inspection.timeline import MAX_ON_SITE_DAYS
from jtai_sim.inspection.timeline import Offsets as CalendarOffsets
from jtai_sim.scenario.converter import CONVERTER, unknown_name
from jtai_sim.scenario.loading import parse_toml, read_text, structure
from jtai_sim.scenario.model import AgencyKind, in_range
from jtai_sim.scenario.toml_lines import locate

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Bounds on the sizes of the week. A JTAI team has 7 inspectors since 2022 and had up to
# 11 in 2017 (docs/mock-week.md, "Default team"); everything else is our own bound, set
# well beyond any week an inspection team could hold so that the timetable stays a
# problem CP-SAT solves in seconds and in well under 1 GB.

#: Session start times a day: at least 3 (a conversation, a read and the team meeting);
#: at most 12, one every 45 minutes through a nine-hour day.
SLOTS_RANGE = (3, 12)
#: A session's length: from a quarter of an hour to half a working day.
_session_minutes = in_range(15, 240, why="half a working day, in minutes")
#: Sessions a day for one person: at most one in every slot.
_per_day = in_range(1, SLOTS_RANGE[1], why="one in every slot of the day")
#: Sampled records read in one session: the default is 3; 10 would be six minutes each.
_reads = in_range(1, 10, why="six minutes a record")
#: Sample-read sessions one audit lead takes: at most every slot of the on-site week.
_audit_sessions = in_range(
    1, SLOTS_RANGE[1] * MAX_ON_SITE_DAYS, why="every slot of the on-site week"
)
#: Planned meetings observed: the default is 2; 10 is two on each on-site day.
_observe = in_range(0, 10, why="two on each on-site day")
#: Tracked children and sampled records: our bounds (the theme's defaults are 6 and 40).
_tracked = in_range(*TRACKED_RANGE, why="our bound: more than a team can track in a week")
_sample = in_range(*SAMPLE_RANGE, why="our bound: more records than a team can read")
#: The age from which a tracked child is invited: children are under 18.
_child_age = in_range(0, 18, why="children are under 18")
#: The most entries each list or table of the settings may hold.
LIST_LIMITS: dict[str, int] = {
    "team": 20,  # 11 in the largest published team (2017)
    "rooms": 20,
    "inspectorates": 20,  # four inspectorates take part in a JTAI
    "roles": 30,
    "leaders": 30,
    "focus_groups": 20,
    "observations": 20,
    "standing": 20,
}
#: CP-SAT takes a random seed that is a 32-bit signed integer.
_seed = in_range(0, 2**31 - 1, why="the 32-bit seeds CP-SAT takes")
#: The solver's deterministic time limit, in CP-SAT units (about a second each): our own
#: bound of 600 (ten minutes), 120 times the default of 5.
MAX_DETERMINISTIC_TIME = 600.0


def _rate(_: Any, a: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise FieldError(a.name, f"must be a share between 0 and 1, got {value!r}")


@frozen(kw_only=True)
class Inspectorate:
    """One inspectorate and the kinds of agency its inspectors meet."""

    label: str
    meets: tuple[AgencyKind, ...] = field()


@frozen(kw_only=True)
class Inspector:
    """One member of the inspection team; ``lead`` marks the lead inspector."""

    name: str
    inspectorate: str
    lead: bool = False


@frozen(kw_only=True)
class Day:
    """The shape of an on-site day: session start times and limits."""

    slots: tuple[str, ...] = field(default=("09:00", "10:15", "11:30", "13:30", "14:45", "16:00"))
    session_minutes: int = field(default=60, validator=_session_minutes)
    team_meeting: str = "16:00"
    inspector_limit: int = field(default=4, validator=_per_day)
    practitioner_limit: int = field(default=2, validator=_per_day)

    def __attrs_post_init__(self) -> None:
        for slot in self.slots:
            if not _TIME.match(slot):
                raise FieldError("slots", f"times must look like 09:30, got {slot!r}")
        if list(self.slots) != sorted(set(self.slots)):
            raise FieldError("slots", f"times must be distinct and in order, got {self.slots!r}")
        if self.team_meeting not in self.slots:
            raise FieldError(
                "team_meeting",
                f"must be one of the slots {list(self.slots)}, got {self.team_meeting!r}",
            )
        lo, hi = SLOTS_RANGE
        if not lo <= len(self.slots) <= hi:
            raise FieldError("slots", f"need {lo} to {hi} slots a day, got {len(self.slots)}")


@frozen(kw_only=True)
class Role:
    """A practitioner role met in tracking: the agency kinds it covers."""

    label: str
    kinds: tuple[AgencyKind, ...] = field()


@frozen(kw_only=True)
class Leader:
    """A leader to interview; ``when_kinds`` limits it to partnerships with such agencies."""

    title: str
    inspectorates: tuple[str, ...] = field()
    when_kinds: tuple[AgencyKind, ...] = field(default=())


@frozen(kw_only=True)
class FocusGroup:
    """A practitioner focus group, held when an agency of one of ``kinds`` exists."""

    title: str
    inspectorates: tuple[str, ...] = field()
    kinds: tuple[AgencyKind, ...] = field()


@frozen(kw_only=True)
class Observation:
    """A kind of planned multi-agency meeting the inspectors would like to observe.

    ``kind`` is the kind of team that holds the meeting (``conference`` for an
    initial child protection conference, ``cp_plan``, ``cin_plan`` or
    ``looked_after`` for a review); the meetings come from the area's list of
    meetings planned during the on-site week (:mod:`runner.mockweek.request`).
    """

    title: str
    kind: AgencyKind
    inspectorates: tuple[str, ...] = field()


@frozen(kw_only=True)
class Standing:
    """A meeting every area holds on a fixed pattern (the MASH's daily screening, the
    police's morning review of overnight incidents), observed on the on-site ``days``
    (1 is the first on-site day)."""

    title: str
    inspectorates: tuple[str, ...] = field()
    days: tuple[int, ...] = field(default=(1, 2, 3))

    def __attrs_post_init__(self) -> None:
        for day in self.days:
            if not 1 <= day <= MAX_ON_SITE_DAYS:
                raise FieldError(
                    "days", f"on-site days run from 1 to {MAX_ON_SITE_DAYS}, got {day!r}"
                )


@frozen(kw_only=True)
class Offsets:
    """The inspection calendar in working days, notification = day ``notification_day`` (1).

    The same keys, defaults and rules as :class:`jtai_sim.inspection.timeline.Offsets`,
    which places the dates and holds the range of each offset (the on-site week is
    at most five working days); see there for how the on-site week is moved to the
    start of a week.
    """

    notification_day: int = 1
    lists_due_day: int = 2
    selection_day: int = 3
    on_site_day: int = 10
    on_site_days: int = 5
    on_site_from_week_start: bool = True
    audits_due_day: int | None = None
    draft_letter_after: int = 15
    publication_after: int = 30
    action_statement_after: int = 70

    def __attrs_post_init__(self) -> None:
        try:
            CalendarOffsets(**attrs.asdict(self))
        except InputError as exc:
            raise FieldError((exc.key or "").removeprefix("offsets."), exc.message) from None


def _solver_time(_: Any, a: attrs.Attribute[Any], value: float) -> None:
    if not 0 < value <= MAX_DETERMINISTIC_TIME:  # False for NaN
        raise FieldError(
            a.name,
            f"must be more than 0 and at most {MAX_DETERMINISTIC_TIME:g} CP-SAT units "
            f"(about seconds), got {value!r}",
        )


@frozen(kw_only=True)
class Solver:
    """CP-SAT controls: a fixed seed and a deterministic time limit keep results stable.

    ``relative_gap`` lets the search stop once the timetable is proved within that
    share of the best possible score (0 insists on a proof of the best).
    """

    random_seed: int = field(default=7, validator=_seed)
    deterministic_time: float = field(default=5.0, validator=_solver_time)
    relative_gap: float = field(default=0.0, validator=_rate)


DEFAULT_INSPECTORATES: dict[str, Inspectorate] = {
    "ofsted_social_care": Inspectorate(
        label="Ofsted (social care)",
        meets=(
            "front_door",
            "referral",
            "early_help",
            "assessment",
            "strategy",
            "conference",
            "cin_plan",
            "cp_plan",
            "looked_after",
            "voluntary",
            "domestic_abuse_service",
            "return_interview",
            "exploitation_screening",
            "exploitation_meeting",
            "generic",
        ),
    ),
    "ofsted_schools": Inspectorate(label="Ofsted (schools)", meets=("school", "early_help")),
    "cqc": Inspectorate(
        label="CQC",
        meets=(
            "gp",
            "health_visiting",
            "emergency_department",
            "health_assessment",
            "camhs_spa",
            "camhs_community",
            "crisis_team",
            "inpatient",
            "mhst",
            "eating_disorder",
            "early_intervention_psychosis",
            "neurodevelopmental",
            "adult_mental_health",
            "substance_misuse",
            "maternity",
            "cp_medical",
        ),
    ),
    # the police are a required partner of every strategy discussion (Working Together 2023),
    # so HMICFRS reads those records too, and a missing child is the police's missing person
    # the police sit in the front door (the MASH police desk), attend strategy discussions
    # and take part in the multi-agency exploitation meeting, so police inspectors meet those
    "hmicfrs": Inspectorate(
        label="HMICFRS",
        meets=(
            "police",
            "abe_interview",
            "missing_episode",
            "front_door",
            "strategy",
            "exploitation_meeting",
        ),
    ),
    "hmip": Inspectorate(label="HMI Probation", meets=("youth_justice", "probation")),
}

DEFAULT_TEAM: tuple[Inspector, ...] = (
    Inspector(name="Ofsted social care 1 (lead)", inspectorate="ofsted_social_care", lead=True),
    Inspector(name="Ofsted social care 2", inspectorate="ofsted_social_care"),
    Inspector(name="Ofsted schools 1", inspectorate="ofsted_schools"),
    Inspector(name="CQC 1", inspectorate="cqc"),
    Inspector(name="CQC 2", inspectorate="cqc"),
    Inspector(name="HMICFRS 1", inspectorate="hmicfrs"),
    Inspector(name="HMICFRS 2", inspectorate="hmicfrs"),
    Inspector(name="HMI Probation 1", inspectorate="hmip"),
)

#: Practitioner roles in the order they are met; the first is met before the others.
DEFAULT_ROLES: dict[str, Role] = {
    "social_worker": Role(
        label="social worker",
        kinds=(
            "front_door",
            "referral",
            "assessment",
            "strategy",
            "conference",
            "cin_plan",
            "cp_plan",
            "looked_after",
            "return_interview",
            "exploitation_screening",
            "exploitation_meeting",
            "generic",
        ),
    ),
    "early_help": Role(label="early help worker", kinds=("early_help",)),
    "camhs": Role(
        label="CAMHS clinician",
        kinds=(
            "camhs_spa",
            "camhs_community",
            "crisis_team",
            "inpatient",
            "eating_disorder",
            "early_intervention_psychosis",
            "neurodevelopmental",
        ),
    ),
    "mhst": Role(label="mental health support team practitioner", kinds=("mhst",)),
    "school": Role(label="school designated safeguarding lead", kinds=("school",)),
    "health": Role(
        label="health practitioner",
        kinds=("gp", "health_visiting", "health_assessment", "emergency_department"),
    ),
    "police": Role(label="police officer", kinds=("police", "missing_episode")),
    "youth_justice": Role(label="youth justice worker", kinds=("youth_justice",)),
    "voluntary": Role(label="voluntary sector worker", kinds=("voluntary",)),
}

DEFAULT_LEADERS: dict[str, Leader] = {
    "dcs": Leader(title="Director of children's services", inspectorates=("ofsted_social_care",)),
    "health_commissioner": Leader(title="Health commissioner (ICB)", inspectorates=("cqc",)),
    "police": Leader(
        title="Police lead for safeguarding", inspectorates=("hmicfrs",), when_kinds=("police",)
    ),
    "head_of_camhs": Leader(
        title="Head of CAMHS",
        inspectorates=("cqc",),
        when_kinds=("camhs_spa", "camhs_community", "crisis_team", "mhst"),
    ),
    "head_of_youth_justice": Leader(
        title="Head of youth justice", inspectorates=("hmip",), when_kinds=("youth_justice",)
    ),
    "partnership_chair": Leader(
        title="Safeguarding partnership chair", inspectorates=("ofsted_social_care",)
    ),
}

DEFAULT_FOCUS_GROUPS: tuple[FocusGroup, ...] = (
    FocusGroup(
        title="Social workers and front-door staff",
        inspectorates=("ofsted_social_care",),
        kinds=("front_door", "assessment", "cin_plan", "cp_plan", "looked_after"),
    ),
    FocusGroup(
        title="CAMHS and mental health support team practitioners",
        inspectorates=("cqc",),
        kinds=("camhs_spa", "camhs_community", "mhst"),
    ),
    FocusGroup(
        title="School safeguarding leads", inspectorates=("ofsted_schools",), kinds=("school",)
    ),
    FocusGroup(title="Police officers", inspectorates=("hmicfrs",), kinds=("police",)),
)

#: Planned meetings to observe, in order of preference (at most ``observe`` are chosen).
DEFAULT_OBSERVATIONS: tuple[Observation, ...] = (
    Observation(
        title="Initial child protection conference",
        kind="conference",
        inspectorates=("ofsted_social_care", "hmicfrs"),
    ),
    Observation(
        title="Child protection review conference",
        kind="cp_plan",
        inspectorates=("ofsted_social_care", "hmicfrs"),
    ),
    Observation(
        title="Looked-after child review",
        kind="looked_after",
        inspectorates=("ofsted_social_care", "cqc"),
    ),
    Observation(
        title="Child in need review",
        kind="cin_plan",
        inspectorates=("ofsted_social_care", "cqc"),
    ),
)


@frozen(kw_only=True)
class InspectionSettings:
    """Everything about the mock week that is not in the scenario."""

    inspectorates: dict[str, Inspectorate] = field(factory=lambda: dict(DEFAULT_INSPECTORATES))
    team: tuple[Inspector, ...] = field(default=DEFAULT_TEAM)
    day: Day = field(factory=Day)
    rooms: tuple[str, ...] = field(default=("Room 1", "Room 2", "Room 3", "Room 4"))
    roles: dict[str, Role] = field(factory=lambda: dict(DEFAULT_ROLES))
    first_role: str = "social_worker"
    leaders: dict[str, Leader] = field(factory=lambda: dict(DEFAULT_LEADERS))
    focus_groups: tuple[FocusGroup, ...] = field(default=DEFAULT_FOCUS_GROUPS)
    observations: tuple[Observation, ...] = field(default=DEFAULT_OBSERVATIONS)
    observe: int = field(default=2, validator=_observe)
    standing: tuple[Standing, ...] = ()
    child_conversation_age: int = field(default=8, validator=_child_age)
    family_inspectorates: tuple[str, ...] = ("ofsted_social_care",)
    reads_per_session: int = field(default=3, validator=_reads)
    sessions_per_audit_lead: int = field(default=3, validator=_audit_sessions)
    absence_rate: float = field(default=0.1, validator=_rate)
    tracked: int = field(
        default=6,
        validator=in_range(*TRACKED_RANGE, why="our bound: more than a team can track in a week"),
    )
    sample: int = field(
        default=30,
        validator=in_range(*SAMPLE_RANGE, why="our bound: more records than a team can read"),
    )
    offsets: Offsets = field(factory=Offsets)
    solver: Solver = field(factory=Solver)

    def inspectors_for_kind(self, kind: str) -> tuple[str, ...]:
        """Names of the inspectors whose inspectorate meets agencies of ``kind``."""
        return tuple(i.name for i in self.team if kind in self.inspectorates[i.inspectorate].meets)

    def inspectors_of(self, inspectorates: tuple[str, ...]) -> tuple[str, ...]:
        """Names of the inspectors from any of ``inspectorates``."""
        return tuple(i.name for i in self.team if i.inspectorate in inspectorates)

    def role_of_kind(self, kind: str) -> str | None:
        """The practitioner role that covers agencies of ``kind`` (first match)."""
        return next((key for key, role in self.roles.items() if kind in role.kinds), None)

    @property
    def lead(self) -> str:
        """The lead inspector's name (the first marked lead, else the first inspector)."""
        return next((i.name for i in self.team if i.lead), self.team[0].name)


def default_settings() -> InspectionSettings:
    """The built-in settings."""
    return InspectionSettings()


_MERGED = ("inspectorates", "roles", "leaders")


def _merge(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` over ``base``: tables keyed by name merge key by key, the rest replace."""
    out = dict(base)
    for key, value in data.items():
        if key in _MERGED and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            for name, item in value.items():
                old = merged.get(name)
                both = isinstance(old, dict) and isinstance(item, dict)
                merged[name] = {**old, **item} if both else item  # type: ignore[dict-item]
            out[key] = merged
        else:
            out[key] = value
    return out


def settings_from_toml(
    text: str, *, file: str | None = None, base: InspectionSettings | None = None
) -> InspectionSettings:
    """Read settings from TOML text over ``base`` (the defaults); raise :class:`SettingsError`."""
    try:
        data = parse_toml(text, file=file)
        data.pop("$schema", None)
        merged = _merge(CONVERTER.unstructure(base or default_settings()), data)
        settings: InspectionSettings = structure(merged, InspectionSettings, text=text, file=file)
    except InputError as exc:
        raise SettingsError(exc.message, file=exc.file, line=exc.line, key=exc.key) from None
    _check_names(settings, text, file)
    return settings


def theme_settings(theme: Theme) -> InspectionSettings:
    """The built-in settings with the theme's ``[week]`` table over them.

    A mistake names the theme file and the key under ``week``.
    """
    if not theme.week:
        return default_settings()
    try:
        merged = _merge(CONVERTER.unstructure(default_settings()), theme.week)
        settings: InspectionSettings = structure(merged, InspectionSettings)
        _check_names(settings, "", None)
    except InputError as exc:
        key = f"week.{exc.key}" if exc.key else "week"
        raise ThemeError(exc.message, file=theme.source or None, key=key) from None
    return settings


def load_settings(
    path: str | Path | None, *, base: InspectionSettings | None = None
) -> InspectionSettings:
    """Settings from a TOML file over ``base`` (the defaults), or ``base`` when ``path`` is None."""
    if path is None:
        return base or default_settings()
    try:
        # the scenario reader: located errors, a BOM dropped
        text = read_text(path, what="a settings file")
    except InputError as exc:
        raise SettingsError(exc.message, file=exc.file, line=exc.line, key=exc.key) from None
    return settings_from_toml(text, file=str(path), base=base)


def for_team(settings: InspectionSettings) -> InspectionSettings:
    """``settings`` without the leaders, focus groups, observations and practitioner roles
    no one on the team can take (a theme without HMI Probation has nobody to interview
    the head of youth justice or a youth justice worker)."""
    on_team = {i.inspectorate for i in settings.team}
    met = {k for g in on_team for k in settings.inspectorates[g].meets}
    return attrs.evolve(
        settings,
        roles={k: v for k, v in settings.roles.items() if set(v.kinds) & met},
        leaders={k: v for k, v in settings.leaders.items() if set(v.inspectorates) & on_team},
        focus_groups=tuple(g for g in settings.focus_groups if set(g.inspectorates) & on_team),
        observations=tuple(o for o in settings.observations if set(o.inspectorates) & on_team),
        standing=tuple(m for m in settings.standing if set(m.inspectorates) & on_team),
    )


def _check_names(s: InspectionSettings, text: str, file: str | None) -> None:
    known = sorted(s.inspectorates)

    def fail(path: tuple[str | int, ...], message: str) -> None:
        key = ".".join(str(p) for p in path if isinstance(p, str))
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        raise SettingsError(
            message, file=file, line=locate(text, path) if text else None, key=dotted or key
        )

    for key, most in LIST_LIMITS.items():
        count = len(getattr(s, key))
        if count > most:
            fail((key,), f"holds {count} entries; at most {most} are allowed")
    if not s.team:
        fail(("team",), "the team needs at least one inspector")
    names = [i.name for i in s.team]
    leads = [n for n, i in enumerate(s.team) if i.lead]
    if len(leads) > 1:
        fail(
            ("team", leads[1], "lead"),
            f"only one inspector leads; {s.team[leads[0]].name!r} is already the lead",
        )
    for n, inspector in enumerate(s.team):
        if inspector.inspectorate not in s.inspectorates:
            fail(
                ("team", n, "inspectorate"),
                unknown_name(inspector.inspectorate, known, "inspectorate"),
            )
        if inspector.name in names[:n]:
            fail(("team", n, "name"), f"two inspectors are called {inspector.name!r}")
    for key, leader in s.leaders.items():
        for g in leader.inspectorates:
            if g not in s.inspectorates:
                fail(("leaders", key, "inspectorates"), unknown_name(g, known, "inspectorate"))
    for n, group in enumerate(s.focus_groups):
        for g in group.inspectorates:
            if g not in s.inspectorates:
                fail(("focus_groups", n, "inspectorates"), unknown_name(g, known, "inspectorate"))
    for n, obs in enumerate(s.observations):
        for g in obs.inspectorates:
            if g not in s.inspectorates:
                fail(("observations", n, "inspectorates"), unknown_name(g, known, "inspectorate"))
    for n, meeting in enumerate(s.standing):
        late = [d for d in meeting.days if d > s.offsets.on_site_days]
        if late:
            fail(
                ("standing", n, "days"),
                f"on-site days run from 1 to {s.offsets.on_site_days}, got {late[0]}",
            )
        for g in meeting.inspectorates:
            if g not in s.inspectorates:
                fail(("standing", n, "inspectorates"), unknown_name(g, known, "inspectorate"))
    for g in s.family_inspectorates:
        if g not in s.inspectorates:
            fail(("family_inspectorates",), unknown_name(g, known, "inspectorate"))
    if s.first_role not in s.roles:
        fail(("first_role",), unknown_name(s.first_role, sorted(s.roles), "role"))
    if len(set(s.rooms)) != len(s.rooms):
        fail(("rooms",), f"room names must be distinct, got {list(s.rooms)}")
    if not leads:  # one Ofsted social care inspector leads a JTAI team (domain.md: the
        # post-2022 team as Wakefield SCP describes it); the lead chairs its meetings
        fail(("team",), "no inspector leads: mark one of them with lead = true")


__all__ = [
    "Day",
    "FocusGroup",
    "InspectionSettings",
    "Inspector",
    "Inspectorate",
    "Leader",
    "Observation",
    "Offsets",
    "Role",
    "SettingsError",
    "Solver",
    "Standing",
    "default_settings",
    "for_team",
    "load_settings",
    "settings_from_toml",
    "theme_settings",
]
