"""Theme packs: what one kind of joint targeted area inspection looks at, as data.

A JTAI always evaluates the front door and, in a thematic round, one theme in
depth. Everything that differs between themes lives in one TOML file per theme,
so a new theme needs no code:

* ``[theme]``: its title, short name, the guidance it follows, the
  inspectorates taking part, what the letter is about;
* ``[eligibility]``: the children the area lists for tracking (ages, legal
  status, a recorded need, contact with some kinds of agency, recent activity),
  judged only on what agencies have recorded;
* ``[[frames]]``: the points of children's journeys the sample is drawn from;
* ``[[points]]``: the guidance's evaluation points, in our own words, so a test
  can show every one is covered by a criterion;
* ``[criteria.KEY]``: the evaluation criteria, each with the partner agencies
  it concerns, the guidance points it covers and where its evidence comes from
  (``records``: the findings; ``audits``: the partnership's own audits of the
  tracked children; ``conversations``: meetings with children, families,
  practitioners and leaders);
* ``[findings.KIND]``: how each kind of finding is filed, worded in the
  facilitator's annex and in the letter;
* ``[letter]``: who the letter is addressed to;
* ``[week]``: any key of the inspection settings (team, leaders, focus groups,
  offsets ...), applied over the built-in settings and under ``--settings``.

The shipped themes are in ``jtai_sim/data/themes``: ``front-door`` (the default:
the multi-agency response to the identification of initial need and risk,
guidance updated April 2024), ``csa-family-2025`` (the current thematic: child
sexual abuse in the family environment, guidance September 2025) and
``mental-health-2019`` (the 2019 deep dive on children's mental health).
``python -m jtai_sim.inspection.theme_docs`` writes the theme file reference
(``docs/themes.md``) and JSON Schema (``scenarios/inspection/theme.schema.json``)
from the classes below; ``--check`` fails when they are stale.

>>> theme = load_theme("front-door")
>>> theme.short, theme.eligibility.through[:2]
('front door', ('front_door', 'referral'))
>>> theme_from_toml('[theme]\\ntitle = "T"\\nshort = "t"\\n[eligibility]\\nmax_age = 300\\n',
...     file="t.toml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
jtai_sim.errors.ThemeError: t.toml:5: eligibility.max_age: must be at most 25 (...), got 300
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import attrs
from attrs import field, frozen

from jtai_sim.errors import FieldError, InputError, ThemeError
from jtai_sim.inspection.model import FINDING_STRENGTH, Criterion
from jtai_sim.inspection.partners import PARTNERS
from jtai_sim.scenario.converter import unknown_name
from jtai_sim.scenario.loading import parse_toml, read_text, structure
from jtai_sim.scenario.model import AgencyKind, doc, in_range
from jtai_sim.scenario.toml_lines import locate
from jtai_sim.vocabulary import LegalStatus

#: Needs a record can show: a mental-health need recognised by an agency, or a concern of
#: sexual abuse in the family environment recorded by the agencies that respond to it
#: (see :func:`jtai_sim.inspection.cohort.recorded_abuse`).
Need = Literal["mental_health", "sexual_abuse_in_family"]
#: Event kinds a sample frame can be drawn from.
FrameEvent = Literal["arrive", "start", "exit", "crisis", "identify", "review", "status"]
#: Where a sampled record came from, for frames that take arrivals of one origin anywhere.
FrameOrigin = Literal["crisis", "return", "referral", "new"]
CamhsSituation = Literal["none", "treated", "waiting", "rejected", "closed"]


#: Ages in years: children's services see young people up to 25 (care leavers).
_age = in_range(0, 25, why="care leavers are supported to 25")
#: The window of practice looked at: our own bound of ten years, far beyond the
#: published six months, so a window cannot reach back before any record.
_months = in_range(1, 120, why="ten years, in months")
#: Our own bound on a frame's draws at each turn, or the letter's lists: 20, far
#: beyond the published letters' seven strengths and eight areas for improvement.
_twenty = in_range(1, 20, why="beyond any published letter's lists")
#: Our own bound on a guidance point's number: the guidance lists fewer than 20.
_point_number = in_range(1, 100, why="the guidance lists fewer than 20")


@frozen(kw_only=True)
class ThemeInfo:
    """What the theme is, whose guidance it follows and who inspects."""

    title: str = field(metadata=doc("the theme's full title, as the letter's opening names it"))
    short: str = field(metadata=doc("a short name for headings (front door, mental health)"))
    guidance: str = field(default="", metadata=doc("the published guidance the theme follows"))
    inspectorates: tuple[str, ...] = field(
        default=("ofsted_social_care", "ofsted_schools", "cqc", "hmicfrs"),
        metadata=doc("inspectorates taking part (keys of the settings' inspectorates)"),
    )
    about: str = field(
        default="", metadata=doc("one sentence: what the inspection evaluates, for the letter")
    )


@frozen(kw_only=True)
class Eligibility:
    """Who the area lists for tracking, from what its agencies have recorded."""

    list_name: str = field(
        default="children in scope",
        metadata=doc("what the area's list is called in the data request"),
    )
    min_age: int = field(default=0, validator=_age, metadata=doc("youngest age, in years"))
    max_age: int = field(default=17, validator=_age, metadata=doc("oldest age, in years"))
    statuses: tuple[LegalStatus, ...] = field(
        default=("cin", "cp", "looked_after"),
        metadata=doc("legal statuses at notification (none: no social-care status)"),
    )
    recorded_need: tuple[Need, ...] = field(
        default=(),
        metadata=doc("needs an agency must have recorded (mental_health, sexual_abuse_in_family)"),
    )
    through: tuple[AgencyKind, ...] = field(
        default=(),
        metadata=doc("kinds of agency the child must have come to in the window (none: any)"),
    )
    activity_months: int = field(
        default=6, validator=_months, metadata=doc("the window of practice looked at, in months")
    )

    def __attrs_post_init__(self) -> None:
        if self.min_age > self.max_age:
            raise FieldError(
                "max_age", f"must be at least min_age ({self.min_age}), got {self.max_age}"
            )
        if not self.statuses:
            raise FieldError("statuses", "name at least one legal status")


@frozen(kw_only=True)
class SampleFrame:
    """One point of children's journeys the sample is drawn from."""

    key: str = field(metadata=doc("a short name for the frame"))
    label: str = field(metadata=doc("the frame's heading in the pack"))
    description: str = field(default="", metadata=doc("what puts a record in the frame"))
    agency_kinds: tuple[AgencyKind, ...] = field(
        default=(), metadata=doc("kinds of agency where the frame's events happen (none: any)")
    )
    events: tuple[FrameEvent, ...] = field(
        default=("arrive",), metadata=doc("kinds of event at those agencies that count")
    )
    origins: tuple[FrameOrigin, ...] = field(
        default=(), metadata=doc("arrivals with these origins count at any agency")
    )
    anywhere: tuple[FrameEvent, ...] = field(
        default=(), metadata=doc("kinds of event that count at any agency")
    )
    eligible_only: bool = field(
        default=False, metadata=doc("only children on the eligible list (the deep dive)")
    )
    min_age: int | None = field(default=None, validator=_age, metadata=doc("youngest age"))
    max_age: int | None = field(default=None, validator=_age, metadata=doc("oldest age"))
    statuses: tuple[LegalStatus, ...] = field(
        default=(), metadata=doc("legal statuses at notification (none listed: any)")
    )
    camhs: tuple[CamhsSituation, ...] = field(
        default=(), metadata=doc("CAMHS situations at notification (none listed: any)")
    )
    still_waiting_counts: bool = field(
        default=False,
        metadata=doc("a child still waiting counts however old the event (CAMHS waiting lists)"),
    )
    months: int = field(default=6, validator=_months, metadata=doc("how far back, in months"))
    draws: int = field(
        default=1,
        validator=_twenty,
        metadata=doc("children the frame draws at each turn (its weight in the sample)"),
    )

    def __attrs_post_init__(self) -> None:
        if not (self.events or self.anywhere or self.origins):
            raise FieldError("events", "name at least one kind of event")


@frozen(kw_only=True)
class GuidancePoint:
    """One evaluation point of the guidance, in our own words."""

    number: int = field(validator=_point_number, metadata=doc("its number in the guidance's list"))
    text: str = field(metadata=doc("what it asks, in our own words"))


@frozen(kw_only=True)
class FindingKind:
    """How one kind of finding is filed and worded (whether it is a strength is the kind's own)."""

    key: str = field(default="", metadata=doc("set from the table name"))
    label: str = field(metadata=doc("a short heading"))
    criteria: tuple[str, ...] = field(
        metadata=doc("criteria it bears on (the first is where it is filed)")
    )
    annex: str = field(
        metadata=doc("the annex's counted sentence: {n} of {total} children, {subject}, {were}")
    )
    letter: str = field(
        metadata=doc("the letter's sentence in words: {subject}, {band} (too often, sometimes ...)")
    )

    @property
    def strength(self) -> bool:
        """Whether this kind is something working well."""
        return FINDING_STRENGTH.get(self.key, False)

    def text(self, *, n: int, total: int, subject: str) -> str:
        """The annex sentence for ``n`` of ``total`` children about ``subject``."""
        return self.annex.format(
            n=n, total=total, subject=subject, were="was" if n == 1 else "were"
        )

    def __attrs_post_init__(self) -> None:
        if not self.criteria:
            raise FieldError("criteria", "name at least one criterion")


@frozen(kw_only=True)
class LetterInfo:
    """Who the letter is addressed to and who signs it."""

    addressees: tuple[str, ...] = field(
        default=(
            "Director of children's services",
            "Chief executive of the local authority",
            "Chief executive of the integrated care board",
            "Chief constable",
            "Police and crime commissioner",
            "Chair of the safeguarding partnership",
        ),
        metadata=doc("the partnership's leaders the letter goes to, by role"),
    )
    signatories: tuple[str, ...] = field(
        default=("Ofsted", "Care Quality Commission", "HMICFRS"),
        metadata=doc("the inspectorates that sign the letter"),
    )
    strengths: int = field(
        default=7, validator=_twenty, metadata=doc("most key strengths the letter lists")
    )
    improvements: int = field(
        default=8, validator=_twenty, metadata=doc("most areas for improvement it lists")
    )


@frozen(kw_only=True)
class Theme:
    """One theme pack (a file in ``jtai_sim/data/themes`` or the user's own)."""

    theme: ThemeInfo = field(metadata=doc("what the theme is"))
    eligibility: Eligibility = field(factory=Eligibility, metadata=doc("who may be tracked"))
    frames: tuple[SampleFrame, ...] = field(default=(), metadata=doc("the sample frames"))
    points: tuple[GuidancePoint, ...] = field(
        default=(), metadata=doc("the guidance's evaluation points")
    )
    criteria: dict[str, Criterion] = field(factory=dict, metadata=doc("evaluation criteria"))
    findings: dict[str, FindingKind] = field(factory=dict, metadata=doc("kinds of finding"))
    clock_kinds: tuple[AgencyKind, ...] = field(
        default=(),
        metadata=doc("timescales count when they stop at these kinds of agency (none: all)"),
    )
    letter: LetterInfo = field(factory=LetterInfo, metadata=doc("the letter's addressees"))
    week: dict[str, Any] = field(
        factory=dict, metadata=doc("inspection settings for this theme (as in --settings)")
    )
    key: str = field(default="", metadata=doc("set from the file name"))
    source: str = field(default="", metadata=doc("set to the file it was read from"))

    @property
    def short(self) -> str:
        """The theme's short name."""
        return self.theme.short

    def frame(self, key: str) -> SampleFrame | None:
        """The frame called ``key`` (``None`` if the theme has none)."""
        return next((f for f in self.frames if f.key == key), None)

    def frame_label(self, key: str) -> str:
        """The heading of frame ``key`` (``Tracked child`` for ``tracking``)."""
        if key == "tracking":
            return "Tracked child"
        found = self.frame(key)
        return found.label if found is not None else key


#: Where the shipped themes are.
THEMES = "data/themes"
DEFAULT_THEME = "front-door"


def theme_names() -> list[str]:
    """The names of the shipped themes, the default first.

    >>> theme_names()
    ['front-door', 'csa-family-2025', 'mental-health-2019']
    """
    folder = resources.files("jtai_sim").joinpath(THEMES)
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))
    return sorted(names, key=lambda n: n != DEFAULT_THEME)


def theme_from_toml(text: str, *, file: str | None = None, key: str = "") -> Theme:
    """A theme from TOML text; a mistake raises one located :class:`ThemeError`."""
    try:
        data = parse_toml(text, file=file)
        data.pop("$schema", None)
        for table in ("criteria", "findings"):
            items = data.get(table)
            if isinstance(items, dict):
                for name, item in items.items():
                    if isinstance(item, dict):
                        item.setdefault("key", name)
        theme: Theme = structure(data, Theme, text=text, file=file)
    except InputError as exc:
        raise ThemeError(exc.message, file=exc.file, line=exc.line, key=exc.key) from None
    theme = attrs.evolve(theme, key=key, source=file or "")
    _check(theme, text, file)
    return theme


def load_theme(name_or_path: str | Path | None = None) -> Theme:
    """A shipped theme by name (default ``front-door``), or a theme file by path."""
    name = DEFAULT_THEME if name_or_path is None else str(name_or_path)
    if not name.endswith(".toml") and "/" not in name and name in theme_names():
        return _shipped(name)
    path = Path(name)
    if not path.suffix and not path.exists():
        raise ThemeError(unknown_name(name, theme_names(), "theme"), key="--theme")
    try:
        text = read_text(path, what="a theme file")
    except InputError as exc:
        raise ThemeError(exc.message, file=exc.file, line=exc.line, key=exc.key) from None
    return theme_from_toml(text, file=str(path), key=path.stem)


@cache
def _shipped(name: str) -> Theme:
    text = resources.files("jtai_sim").joinpath(f"{THEMES}/{name}.toml").read_text("utf-8")
    return theme_from_toml(text, file=f"{name}.toml", key=name)


def _check(theme: Theme, text: str, file: str | None) -> None:
    """Rules between keys: names that must exist, each key once."""

    def fail(path: tuple[str | int, ...], message: str) -> None:
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        raise ThemeError(message, file=file, line=locate(text, path) if text else None, key=dotted)

    known = list(theme.criteria)
    numbers = {p.number for p in theme.points}
    if not theme.criteria:
        fail(("criteria",), "the theme needs at least one criterion")
    for key, c in theme.criteria.items():
        for n in c.points:
            if n not in numbers:
                fail(("criteria", key, "points"), f"no guidance point numbered {n}")
        for p in c.partners:
            if p not in PARTNERS:
                fail(("criteria", key, "partners"), unknown_name(p, PARTNERS, "partner agency"))
    for key, f in theme.findings.items():
        if key not in FINDING_STRENGTH:
            fail(("findings", key), unknown_name(key, FINDING_STRENGTH, "kind of finding"))
        for name in f.criteria:
            if name not in theme.criteria:
                fail(("findings", key, "criteria"), unknown_name(name, known, "criterion"))
    seen: set[str] = set()
    for n, frame in enumerate(theme.frames):
        if frame.key in seen or frame.key == "tracking":
            fail(("frames", n, "key"), f"two frames are called {frame.key!r}")
        seen.add(frame.key)
        if (
            frame.min_age is not None
            and frame.max_age is not None
            and frame.min_age > frame.max_age
        ):
            fail(("frames", n, "max_age"), f"must be at least min_age ({frame.min_age})")
    if len(numbers) != len(theme.points):
        fail(("points",), "two guidance points share a number")


def covered_points(theme: Theme) -> dict[int, tuple[str, ...]]:
    """Each guidance point and the criteria that cover it (empty when none does)."""
    return {
        p.number: tuple(k for k, c in theme.criteria.items() if p.number in c.points)
        for p in theme.points
    }
