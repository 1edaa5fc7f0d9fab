"""The scenario: a frozen, validated description of one local partnership.

A scenario says who the children are and how often they come to notice
(``demand``), which agencies exist and how they work (``agencies``), who refers
or notifies whom and how information travels (``pathways``), which statutory or
NHS clocks to measure (``clocks``), how mental health changes while children wait
(``mental_health``) and how the contact-to-plan funnel is counted (``flow``).

Every class here is a frozen :mod:`attrs` class built by :mod:`jtai_sim.scenario.loading`
from a TOML file; each field's ``metadata["doc"]`` is its documentation, which
also feeds the JSON Schema and ``scenarios/README.md``. Units are in the names:
``*_days`` are days on the simulation clock (working days for an agency whose
``working = "office"``), ``rate_per_10k_per_year`` is per 10,000 children.

>>> d = Distribution(kind="exponential", mean_days=0.5)
>>> d.mean_days
0.5
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, Literal

import attrs
from attrs import field, frozen

from jtai_sim.errors import FieldError as FieldError  # raised by the validators below
from jtai_sim.vocabulary import (
    HOUSEHOLD_FLAGS,
    PARTNER_KEYS,
    WAITING_SETTINGS,
    LegalStatus,
    Mode,
    pathway_name,
)

#: Conditions a pathway or priority rule can test on the child or the hand-off.
Flag = Literal[
    "at_risk",
    "exploitation",
    "missing",
    "mental_health_need",
    "mental_ill_health",
    "mental_health_identified",
    "known_to_social_care",
    "child_in_need",
    "child_protection",
    "looked_after",
    "in_crisis",
    "send",
    "disability",
    "deprived",
    "information_partial",
    "information_lost",
    "re_referral",
    "urgent_referral",
    # household factors (shared by the siblings of one household): the commonest factors
    # at the end of children in need assessments (DfE CIN census, assessment factors)
    "parental_mental_health",
    "domestic_abuse",
    "parental_substance_misuse",
    "sexual_abuse_in_family",
    # children in care and equity: `female` is the child's recorded sex (a
    # characteristic for equity gradients); `out_of_area` holds while a child in care is
    # placed outside the area (it changes at each placement move, see `Placements`)
    "female",
    "out_of_area",
]
FLAGS: tuple[str, ...] = Flag.__args__  # type: ignore[attr-defined]

AgencyKind = Literal[
    "school",
    "gp",
    "health_visiting",
    "emergency_department",
    "police",
    "front_door",
    "referral",
    "early_help",
    "assessment",
    "strategy",
    "conference",
    "cin_plan",
    "cp_plan",
    "looked_after",
    "health_assessment",
    "camhs_spa",
    "camhs_community",
    "crisis_team",
    "inpatient",
    "mhst",
    # specialist CAMHS pathways with their own waiting-time measures: the community
    # eating-disorder service for children and young people (NHS England access and
    # waiting time standard, 2015), early intervention in psychosis (NHS England access
    # and waiting time standard, 2016) and neurodevelopmental (autism and ADHD)
    # assessment, which has no NHS standard (NICE CG128 recommends starting an autism
    # assessment within 3 months of referral)
    "eating_disorder",
    "early_intervention_psychosis",
    "neurodevelopmental",
    "youth_justice",
    "voluntary",
    # adult services: their cases are the child's parents or carers, followed on the
    # child's record (a journey of the child's household at the adult service)
    "adult_mental_health",
    "substance_misuse",
    "domestic_abuse_service",
    "probation",
    "maternity",
    # the response to a concern of sexual abuse: the police's interview to achieve best
    # evidence and the paediatric child protection medical
    "abe_interview",
    "cp_medical",
    # outside the home: a child reported missing (the episode, from the report to the
    # child's return), the return home interview the local authority offers after it,
    # exploitation screening, and the multi-agency child exploitation (MACE) meeting
    "missing_episode",
    "return_interview",
    "exploitation_screening",
    "exploitation_meeting",
    "generic",
]
Working = Literal["always", "office"]
ClockEvent = Literal["arrive", "start", "end", "interim", "signpost"]
ClockUnit = Literal["working_days", "days", "hours", "weeks"]
ClockUrgency = Literal["any", "urgent", "routine"]
Seasonality = Literal["none", "school_terms"]
DistributionKind = Literal["exponential", "lognormal", "gamma", "fixed", "uniform", "triangular"]


def doc(text: str, **extra: Any) -> dict[str, Any]:
    """Field metadata: the documentation of a scenario key (and its unit)."""
    return {"doc": text, **extra}


Bound = float | dt.date


def bound_text(value: Bound) -> str:
    """A bound as people read it: ``36,525``, ``0.5``, ``1900-01-01``.

    >>> bound_text(36525), bound_text(0.001), bound_text(dt.date(1900, 1, 1))
    ('36,525', '0.001', '1900-01-01')
    """
    if isinstance(value, dt.date):
        return value.isoformat()
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


@frozen
class Range:
    """The values a key may take, as an attrs validator that remembers its bounds.

    The one way a scenario key is given a range: the validator refuses anything
    outside it (``nan`` and ``inf`` included, as every bound is finite), and
    :mod:`jtai_sim.scenario.schema` reads the same bounds into the JSON Schema
    (``minimum``, ``maximum``, ``exclusiveMinimum``) and the key reference. ``why``
    says where the upper bound comes from, ``why_low`` the lower one when it is
    not plain; ``each`` checks every number of a list or table of numbers.

    >>> r = in_range(1, 100_000, why="no service is larger")
    >>> r.holds(1), r.holds(0), r.holds(math.nan), r.holds(math.inf)
    (True, False, False, False)
    >>> r.refusal(200_000)
    'must be at most 100,000 (no service is larger)'
    """

    low: Bound
    high: Bound
    low_open: bool = False
    why: str = ""
    why_low: str = ""
    each: bool = False

    def __call__(self, _: Any, a: attrs.Attribute[Any], value: Any) -> None:
        if value is None:  # an optional key left out
            return
        values = value if self.each else (value,)
        if self.each and isinstance(value, dict):
            values = value.values()
        for item in values:
            if not self.holds(item):
                raise FieldError(a.name, f"{self.refusal(item)}, got {item!r}")

    def holds(self, value: Any) -> bool:
        """Whether ``value`` is in the range (``nan`` never is, nor a value of another kind)."""
        try:
            above = value > self.low if self.low_open else value >= self.low
            return bool(above and value <= self.high)
        except TypeError:  # a number for a date, or a date for a number (built in Python)
            return False

    @property
    def is_probability(self) -> bool:
        """Whether this is the range 0 to 1 of a probability or share."""
        return (self.low, self.high, self.low_open) == (0, 1, False)

    def text(self) -> str:
        """The range as the key reference shows it: ``0 to 1``, ``> 0 to 36,525``."""
        low = f"> {bound_text(self.low)}" if self.low_open else bound_text(self.low)
        return f"{low} to {bound_text(self.high)}"

    def refusal(self, value: Any) -> str:
        """What the message says of ``value``, which is outside the range."""
        if self.is_probability:
            return "must be a probability between 0 and 1"
        low, high = bound_text(self.low), bound_text(self.high)
        why_low = f" ({self.why_low})" if self.why_low else ""
        why = f" ({self.why})" if self.why else ""
        if isinstance(value, float) and math.isnan(value):
            return f"must be a number from {low} to {high}"
        if self.low_open and not value > self.low:
            return f"must be > {low}{why_low}"
        if not self.low_open and not value >= self.low:
            return f"must be >= {low}{why_low}"
        return f"must be at most {high}{why}"


def in_range(
    low: Bound,
    high: Bound,
    *,
    low_open: bool = False,
    why: str = "",
    why_low: str = "",
    each: bool = False,
) -> Range:
    """The validator of a key whose values run from ``low`` to ``high`` (see :class:`Range`)."""
    return Range(low, high, low_open=low_open, why=why, why_low=why_low, each=each)


DAYS_PER_YEAR = 365.25
"""Days in a clock year (the mean calendar year); rates "per year" use it."""

#: The longest run a scenario may ask for, in days (100 years): our own bound, which
#: also bounds every duration, delay and interval (nothing can take longer than a run).
MAX_DAYS = 36_525

#: At most 2,000,000 children in an area: our bound, over six times the largest English
#: local authorities' child populations (Kent and Birmingham, about 300,000 each under
#: 18, ONS mid-year estimates), so a whole region fits, while England's 12 million do not
#: have to be simulated one by one.
MAX_CHILDREN = 2_000_000

#: The most brothers and sisters who come to notice with a child: our bound. Families of
#: nine or more children are very rare (ONS families and households: about 1% of families
#: with dependent children have four or more).
MAX_SIBLINGS = 8

#: Rates per year of something happening to one waiting child: at most once a day.
MAX_PER_YEAR = 365.0

PROBABILITY = in_range(0, 1)
AGE = in_range(0, 25, why="care leavers are supported to 25 (Children and Social Work Act 2017)")
DAYS = in_range(0, MAX_DAYS, why="100 years, the longest run")
POSITIVE_DAYS = in_range(0, MAX_DAYS, low_open=True, why="100 years, the longest run")
PER_YEAR = in_range(0, MAX_PER_YEAR, why="once a day on average")
#: Review intervals: Working Together 2023 and the Care Planning Regulations 2010 hold
#: reviews weeks or months apart; under a day is a mistake, not a schedule.
REVIEW_DAYS = in_range(
    1, MAX_DAYS, why="100 years, the longest run", why_low="reviews are at least a day apart"
)
#: The first day of a run: our bound, so that a run of up to 100 years (and the calendar
#: the engine builds around it, a few years either side) stays within the years the
#: bank-holiday and school-term calendars can be worked out for and dates can hold.
DATE = in_range(
    dt.date(1900, 1, 1),
    dt.date(2200, 12, 31),
    why="so a run of 100 years stays within the calendar",
    why_low="the calendar starts in 1900",
)
#: Each number of a list or table of shares (mental-health states, ethnic groups).
PROBABILITIES = in_range(0, 1, each=True)
CHILDREN = in_range(
    1, MAX_CHILDREN, why="over six times the children of the largest local authority"
)
#: Children open at one agency on day 0: one child is on one list once, so never more
#: than the children of the largest area (the loader also checks them against the
#: scenario's own ``children``).
BACKLOG = in_range(0, MAX_CHILDREN, why="the most children a scenario can have")
#: Staff of one service: our bound, three times the whole children's social worker
#: workforce of England (about 33,000 full-time equivalents, DfE children's social work
#: workforce 2024), which no single service of one area comes near.
STAFF = in_range(1, 100_000, why="three times all of England's children's social workers")
#: Children one member of staff works with at once: social workers hold about 16 (DfE
#: workforce), CAMHS clinicians some tens; our bound of 1,000 is far beyond direct work.
CASELOAD = in_range(1, 1_000, why="far more than one person can work with at once")
#: Arrivals per 10,000 children per year: our bound of 1,000,000 is 100 arrivals a year
#: for every child from one stream (England's referrals to social care are about 500 per
#: 10,000 children a year, DfE children in need census).
RATE_PER_10K = in_range(0, 1_000_000, why="100 a year for every child, from one stream")
#: Multipliers of a stream's rate on some days: our bound, ten times the usual rate
#: (term, holiday and weekend rates of referral differ by far less).
FACTOR = in_range(0, 10, why="ten times the stream's usual rate")
#: Multipliers of a pathway's chance, or an agency's chance of recognising need, for
#: children with one characteristic (an equity gradient): our bound, ten times the chance
#: (the documented gradients, such as twice the rejection rate for children from deprived
#: areas, Cambridge/NCB, are far smaller). A chance so multiplied is capped at 1.
GRADIENT = in_range(0, 10, why="ten times the chance", each=True)
#: Growth of a stream's rate per year (``0.05`` is 5% a year, compounded): at least a
#: halving and at most a doubling in a year, our bound; the loader also caps the growth
#: over the whole run (see ``MAX_GROWTH``).
TREND = in_range(-0.5, 1.0, why="a doubling in a year", why_low="a halving in a year")
#: How many times its starting rate a stream may reach by the end of the run: our bound.
#: Arrivals are drawn at the peak rate and thinned, so the work grows with the peak.
MAX_GROWTH = 10.0
#: A clock's limit in its unit: at most the hours of 100 years (the loader also checks
#: the limit in its own unit against 100 years).
CLOCK_LIMIT = in_range(0, MAX_DAYS * 24, low_open=True, why="the hours in 100 years")
#: The root seed: our bound, the largest whole number with 15 digits, which the result
#: files (JSON numbers, spreadsheet cells of 15 significant digits) record exactly.
SEED = in_range(0, 10**15 - 1, why="15 digits, which result files record exactly")


def is_non_negative(_: Any, a: attrs.Attribute[Any], value: float) -> None:
    """Refuse a negative (or infinite) number: for settings outside the scenario."""
    if not value >= 0 or math.isinf(value):
        raise FieldError(a.name, f"must be >= 0, got {value!r}")


def is_at_least_one(_: Any, a: attrs.Attribute[Any], value: int | None) -> None:
    """Refuse a whole number below 1: for settings outside the scenario."""
    if value is not None and value < 1:
        raise FieldError(a.name, f"must be >= 1, got {value!r}")


#: The spread a lognormal or gamma duration may have, as its coefficient of variation
#: (``sd_days / mean_days``): our bounds. Below 0.001 the spread is nil in days (write
#: ``kind = "fixed"``) and a gamma's shape (``1 / cv**2``) runs into the millions; above
#: 100 almost every child takes no time and a rare few a lifetime, with a gamma's shape
#: below 0.0001, where draws underflow to zero.
MIN_CV = 0.001
MAX_CV = 100.0


#: The keys of a distribution only some kinds read.
_DISTRIBUTION_KEYS: dict[str, tuple[str, ...]] = {
    "sd_days": ("lognormal", "gamma"),
    "min_days": ("uniform", "triangular"),
    "max_days": ("uniform", "triangular"),
}


@frozen(kw_only=True)
class Distribution:
    """A duration drawn afresh for each child: ``kind`` and its parameters in days."""

    kind: DistributionKind = field(
        default="exponential",
        metadata=doc("shape: exponential, lognormal, gamma, fixed, uniform or triangular"),
    )
    mean_days: float = field(
        default=1.0,
        validator=DAYS,
        metadata=doc(
            "mean duration (fixed: the duration; triangular: the most likely value)", unit="days"
        ),
    )
    sd_days: float | None = field(
        default=None,
        validator=POSITIVE_DAYS,
        metadata=doc("standard deviation (lognormal, gamma)", unit="days"),
    )
    min_days: float | None = field(
        default=None, validator=DAYS, metadata=doc("lower bound (uniform, triangular)", unit="days")
    )
    max_days: float | None = field(
        default=None, validator=DAYS, metadata=doc("upper bound (uniform, triangular)", unit="days")
    )

    def __attrs_post_init__(self) -> None:
        self._check_unused()
        if self.kind in ("lognormal", "gamma"):
            self._check_spread()
        if self.kind in ("uniform", "triangular"):
            self._check_bounds()

    def _check_unused(self) -> None:
        """A key this kind does not read is a mistake, not a setting to ignore silently."""
        for name, kinds in _DISTRIBUTION_KEYS.items():
            value = getattr(self, name)
            if value is not None and self.kind not in kinds:
                raise FieldError(
                    name,
                    f"is read only for kind {' or '.join(kinds)}, not {self.kind}: leave it out "
                    f"or change kind, got {value!r}",
                )

    def _check_spread(self) -> None:
        """A lognormal or gamma needs a mean and a spread the draws stay finite with."""
        if self.sd_days is None:
            raise FieldError("sd_days", f"{self.kind} needs sd_days > 0, got None")
        if not self.mean_days > 0:
            raise FieldError(
                "mean_days", f"{self.kind} needs mean_days > 0, got {self.mean_days!r}"
            )
        cv = self.sd_days / self.mean_days
        if not MIN_CV <= cv <= MAX_CV:
            raise FieldError(
                "sd_days",
                f"must be from {MIN_CV:g} to {MAX_CV:g} times mean_days "
                f'({self.mean_days:g}) for a {self.kind} (use kind = "fixed" for no spread), '
                f"got {self.sd_days!r}",
            )

    def _check_bounds(self) -> None:
        """A uniform or triangular needs min_days <= max_days, and a mode between them."""
        lo, hi = self.min_days, self.max_days
        if lo is None or hi is None or not lo <= hi:
            raise FieldError(
                "min_days", f"{self.kind} needs 0 <= min_days <= max_days, got {lo!r}, {hi!r}"
            )
        if self.kind == "triangular" and not lo <= self.mean_days <= hi:
            raise FieldError(
                "mean_days",
                f"is the most likely value of a triangular and must be from min_days ({lo:g}) "
                f"to max_days ({hi:g}), got {self.mean_days!r}",
            )

    @property
    def mean(self) -> float:
        """The distribution's mean in days (for uniform and triangular, from the bounds)."""
        if self.kind == "uniform":
            return (self.min_days or 0.0) / 2 + (self.max_days or 0.0) / 2
        if self.kind == "triangular":
            lo, hi = self.min_days or 0.0, self.max_days or 0.0
            return (lo + hi + self.mean_days) / 3
        return self.mean_days


@frozen(kw_only=True)
class Reviews:
    """Reviews held while a child is on a plan or looked after."""

    first_after_days: float = field(
        validator=REVIEW_DAYS, metadata=doc("first review due this long after the plan starts")
    )
    second_after_days: float | None = field(
        default=None,
        validator=REVIEW_DAYS,
        metadata=doc("second review due this long after the first (default: then_every_days)"),
    )
    then_every_days: float = field(
        validator=REVIEW_DAYS, metadata=doc("later reviews due at this interval")
    )
    on_time_probability: float = field(
        default=0.9,
        validator=PROBABILITY,
        metadata=doc("chance a review is held by its due date"),
    )
    late_mean_days: float = field(
        default=14.0, validator=DAYS, metadata=doc("mean lateness of a late review")
    )


@frozen(kw_only=True)
class Backlog:
    """Children already open at an agency when the simulation starts (day 0).

    This is how a scenario starts from a steady state rather than empty: the open
    caseloads of plans and services (children in need, on protection plans, in
    care, with the youth justice service or CAMHS) and the children on a list.

    A child already in service is part-way through it. So that the caseload
    neither drains nor swells at first, the time each has left follows the
    *equilibrium residual life* of the service time: a child found in service
    at a random moment is more likely to be on a long episode than a short one
    (length bias), so the engine draws a length-biased service time and leaves
    a uniform share of it to run (see ``Engine._backlog``). Their episode began
    before the run, so nothing that happens at the start of an episode happens
    again: no pathway with ``at = "start"``, no statutory clock from that arrival
    or start; their legal status is recorded on day 0 and their reviews carry on
    the agency's schedule from the point their plan has reached.

    ``returning`` children were closed before day 0 and will be re-referred here. The
    re-referral delay is exponential, so however long one has been away already, the
    time left is a fresh draw of it; each arrives as a return (origin ``return``).
    """

    waiting: int = field(
        default=0, validator=BACKLOG, metadata=doc("children on the list on day 0")
    )
    in_service: int | None = field(
        default=None,
        validator=BACKLOG,
        metadata=doc(
            "children already part-way through service on day 0 (default: every place filled)"
        ),
    )
    profile: ChildProfile = field(factory=lambda: ChildProfile(), metadata=doc("who they are"))
    returns_to: str | None = field(
        default=None,
        metadata=doc(
            "agency a child closed from here comes back to if re-referred (default: this agency)"
        ),
    )
    returning: int = field(
        default=0,
        validator=BACKLOG,
        metadata=doc(
            "children closed before day 0 who will come back here re-referred, each after "
            "the re-referral delay (mental_health.re_referral.mean_delay_days)"
        ),
    )


#: A multiplier of a waiting child's hazards: 0 (none while supported) to 1 (no change).
HAZARD_FACTOR = in_range(0, 1, why="support while waiting does not make a child worse")


@frozen(kw_only=True)
class WhileWaiting:
    """How an agency supports the children on its waiting list ("waiting well").

    The 2019 JTAI guidance asks how partners support children who are waiting and
    what delay does to them. Three things an agency can do:
    interim support (a check-in call, a named contact, a safety plan) some time after
    a child joins the list, which lowers their chances of getting worse and of a
    crisis while they wait; signposting to a commissioned voluntary-sector or online
    offer (``signpost_to``, an agency of its own that takes the child on in parallel
    while they keep their place here), with hazard factors of its own from then on;
    and re-triage every so often, which moves a child whose mental health has worsened
    to ill health since joining ahead of routine children. A child given both interim
    support and signposting has both sets of factors. Leave a key out and that support
    is not given (no draws, no rows). [GAP]: no national figure says how often interim
    support or signposting is given or what it prevents.
    """

    interim_support: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance a child on the list gets interim support (0: none)"),
    )
    interim_after_days: float = field(
        default=14.0,
        validator=DAYS,
        metadata=doc("interim support is given this long after joining the list", unit="days"),
    )
    deterioration_factor: float = field(
        default=1.0,
        validator=HAZARD_FACTOR,
        metadata=doc("multiplier of the chance of getting worse once given interim support"),
    )
    crisis_factor: float = field(
        default=1.0,
        validator=HAZARD_FACTOR,
        metadata=doc("multiplier of the chance of a crisis once given interim support"),
    )
    signposting: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "chance a child on the list is signposted to `signpost_to` while they wait (0: none)"
        ),
    )
    signpost_to: str | None = field(
        default=None,
        metadata=doc(
            "the agency of the commissioned voluntary-sector or online offer a child is "
            "signposted to (a parallel referral; needed when `signposting` is above 0)"
        ),
    )
    signpost_after_days: float = field(
        default=7.0,
        validator=DAYS,
        metadata=doc("signposting happens this long after joining the list", unit="days"),
    )
    signposted_deterioration_factor: float = field(
        default=1.0,
        validator=HAZARD_FACTOR,
        metadata=doc("multiplier of the chance of getting worse once signposted"),
    )
    signposted_crisis_factor: float = field(
        default=1.0,
        validator=HAZARD_FACTOR,
        metadata=doc("multiplier of the chance of a crisis once signposted"),
    )
    retriage_every_days: float | None = field(
        default=None,
        validator=REVIEW_DAYS,
        metadata=doc(
            "re-triage the children on the list at this interval; one whose mental health "
            "has worsened to ill health since joining becomes urgent (leave out for none)",
            unit="days",
        ),
    )

    def __attrs_post_init__(self) -> None:
        if self.signposting > 0 and self.signpost_to is None:
            raise FieldError(
                "signpost_to",
                f"needs the agency children are signposted to when signposting is "
                f"{self.signposting!r}, got none",
            )


def _are_partners(_: Any, a: attrs.Attribute[Any], table: dict[str, float] | None) -> None:
    """Refuse an attendance table naming a partner the vocabulary lacks, or naming none."""
    if table is None:
        return
    if not table:
        raise FieldError(a.name, "needs at least one partner, got {}")
    for key in table:
        if key not in PARTNER_KEYS:
            raise FieldError(a.name, f"partners are {', '.join(PARTNER_KEYS)}, got {key!r}")


def _gradient(value: dict[str, float] | None) -> dict[str, float]:
    return dict(value or {})


def _check_gradient(name: str, factors: Iterable[str]) -> None:
    """The conditions of an equity gradient must be conditions the engine knows."""
    for flag in factors:
        if flag not in FLAGS:
            raise FieldError(
                name, f"{flag!r} is not a condition (see the conditions in the reference)"
            )


@frozen(kw_only=True)
class Placements:
    """Where a child looked after by this agency lives, and how often that changes.

    A child is placed when their care begins and moves placement at random while in
    care (a hazard of ``moves_per_year``). Each placement is out of the area with chance
    ``out_of_area`` (the flag ``out_of_area`` then holds until the next move or the end
    of care); every placement writes a ``placement`` row, and the agency's pathways with
    ``at = "placement"`` are made then (the notification to the commissioners of both
    areas, for example). A child waiting for or in one of ``services`` who is placed
    out of the area loses their place there with chance ``lose_place`` and is referred
    again (a parallel referral from this agency to ``re_refer_to``), as children have
    been turned away by CAMHS for lacking a stable placement (Commons Education
    Committee 2016); otherwise the service carries on.
    """

    moves_per_year: float = field(
        validator=PER_YEAR, metadata=doc("rate of placement moves while in care")
    )
    out_of_area: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance a placement (the first or after a move) is outside the area"),
    )
    services: tuple[str, ...] = field(
        default=(),
        converter=tuple,
        metadata=doc("agencies whose list or service a child can lose on an out-of-area move"),
    )
    lose_place: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance an out-of-area move ends the child's wait or service at `services`"),
    )
    re_refer_to: str | None = field(
        default=None,
        metadata=doc("agency a child who lost their place is referred to again (default: none)"),
    )


#: Admissions a year from other areas to a shared pool: our bound, one admission a year for
#: every child a scenario may have, far beyond any region's Tier 4 beds.
OTHER_AREAS_PER_YEAR = in_range(0, MAX_CHILDREN, why="one admission a year for each child")


@frozen(kw_only=True)
class SharedPlaces:
    """The agency's places are shared with other areas, whose children also wait for them.

    Tier 4 CAMHS beds have been commissioned nationally by NHS England since 2013 (now
    through provider collaboratives), so a partnership's children compete for them with
    the children of the other areas the units serve (House of Commons Health Committee,
    Children's and adolescents' mental health and CAMHS, 2014). Other areas' admissions
    come as a Poisson stream, each takes a place for a time drawn from the agency's
    ``service`` and waits on the same list as the area's own children, by the same rules
    (urgent first when the list is prioritised, then first come first served). They are
    not the partnership's children: they write no rows and are not in the child register;
    they never leave the list unseen. Leave the table out and the places are the area's
    alone (no draws).
    """

    other_areas_per_year: float = field(
        validator=OTHER_AREAS_PER_YEAR,
        metadata=doc("admissions a year from other areas that use the same places"),
    )
    urgent: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "chance another area's admission is urgent (ahead of routine children on a "
            "prioritised list)"
        ),
    )
    in_place_at_start: int = field(
        default=0,
        validator=BACKLOG,
        metadata=doc(
            "other areas' children already in places on day 0, part-way through their stay "
            "(at most the agency's places), so the pool starts near its steady state"
        ),
    )


def _held_in(_: Any, a: attrs.Attribute[Any], table: dict[str, float] | None) -> None:
    """A table of settings: each known, and their chances summing to 1."""
    if table is None:
        return
    for key in table:
        if key not in WAITING_SETTINGS:
            raise FieldError(a.name, f"settings are {', '.join(WAITING_SETTINGS)}, got {key!r}")
    total = sum(table.values())
    if abs(total - 1.0) > 1e-9:
        raise FieldError(a.name, f"chances must sum to 1, got {total:g}")


@frozen(kw_only=True)
class Agency:
    """One service in the partnership: its staff, working pattern and service."""

    kind: AgencyKind = field(default="generic", metadata=doc("what sort of agency this is"))
    label: str = field(default="", metadata=doc("name shown in reports"))
    staff: int | None = field(
        default=None,
        validator=STAFF,
        metadata=doc("staff who serve children; leave out for no queue (unlimited)"),
    )
    caseload: int = field(
        default=1,
        validator=CASELOAD,
        metadata=doc("children one member of staff works with at once"),
    )
    working: Working = field(
        default="always",
        metadata=doc("always (24/7) or office (working days; service times in working days)"),
    )
    activity: str = field(default="service", metadata=doc("what the service is called"))
    service: Distribution = field(
        factory=Distribution, metadata=doc("time one child occupies one caseload place")
    )
    urgent_if: tuple[Flag, ...] = field(
        default=(),
        converter=tuple,
        metadata=doc("conditions that put a child ahead of routine children on the waiting list"),
    )
    legal_status: LegalStatus | None = field(
        default=None, metadata=doc("legal status a child takes on arrival (ended when they leave)")
    )
    support: bool = field(
        default=False,
        metadata=doc("starting service here counts as receiving mental-health support"),
    )
    deterioration_while_waiting: bool = field(
        default=False, metadata=doc("mental health can worsen while waiting on this list")
    )
    leave_list_per_year: float = field(
        default=0.0,
        validator=PER_YEAR,
        metadata=doc("rate at which a waiting child is taken off the list unseen (closed)"),
    )
    identifies_mental_health: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance this agency recognises an unrecognised mental-health need"),
    )
    improves_mental_health: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance a child's mental health improves by one step at the end of service"),
    )
    identifies_factors: dict[Flag, float] = field(
        factory=dict,
        converter=_gradient,
        validator=GRADIENT,
        metadata=doc(
            "multipliers of `identifies_mental_health` for children with each condition "
            "(an equity gradient; the chance is capped at 1)"
        ),
    )
    placements: Placements | None = field(
        default=None, metadata=doc("placements and their moves while a child is looked after")
    )
    reviews: Reviews | None = field(default=None, metadata=doc("reviews held during service"))
    backlog: Backlog | None = field(
        default=None, metadata=doc("children already waiting when the simulation starts")
    )
    exit_outcome: str = field(
        default="closed", metadata=doc("what leaving the partnership from here is called")
    )
    per_family: bool = field(
        default=False,
        metadata=doc(
            "brothers and sisters who arrive together are dealt with as one family: one "
            "caseload place, one service time and one decision (a front door, a referral "
            "decision, a strategy discussion, a family assessment); at an agency without it "
            "each child goes on alone"
        ),
    )
    while_waiting: WhileWaiting | None = field(
        default=None,
        metadata=doc("support and re-triage for the children on the waiting list"),
    )

    attendance: dict[str, float] | None = field(
        default=None,
        validator=[PROBABILITIES, _are_partners],
        metadata=doc(
            "a multi-agency meeting is held when service starts (social care convenes): the "
            "chance each invited partner attends, by partner (social_care, health, police, "
            "youth_justice, schools, probation, voluntary); every partner listed is expected, "
            "and an absence is a finding"
        ),
    )
    shared: SharedPlaces | None = field(
        default=None,
        metadata=doc(
            "the places are shared with other areas, whose admissions take places and wait "
            "on the same list (a regional pool of Tier 4 beds); leave out for the area's alone"
        ),
    )
    held_in: dict[str, float] | None = field(
        default=None,
        validator=[PROBABILITIES, _held_in],
        metadata=doc(
            "where a child waiting on the list is held, as chances summing to 1, by setting "
            "(paediatric_ward, adult_ward, emergency_department, home): a `held` row as they "
            "join the list; leave out for none"
        ),
    )
    far_from_home: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "chance the place a child starts in is far from home (a bed outside the region): "
            "a `held` row of setting far_from_home as service starts"
        ),
    )

    def __attrs_post_init__(self) -> None:
        _check_gradient("identifies_factors", self.identifies_factors)
        if self.shared is not None:
            if self.servers is None:
                raise FieldError(
                    "shared", "needs places to share: set staff (and caseload), got no staff"
                )
            if self.shared.in_place_at_start > self.servers:
                raise FieldError(
                    "in_place_at_start",
                    f"must be at most the agency's places ({self.servers}), "
                    f"got {self.shared.in_place_at_start!r}",
                )

    @property
    def servers(self) -> int | None:
        """Caseload places: staff times caseload, or ``None`` for no queue."""
        return None if self.staff is None else self.staff * self.caseload


@frozen(kw_only=True)
class Information:
    """How the information on a hand-off travels."""

    complete: float = field(validator=PROBABILITY, metadata=doc("chance it arrives complete"))
    partial: float = field(
        default=0.0, validator=PROBABILITY, metadata=doc("chance it arrives partial")
    )
    lost: float = field(default=0.0, validator=PROBABILITY, metadata=doc("chance it never arrives"))
    delay_mean_days: float = field(
        default=0.0,
        validator=DAYS,
        metadata=doc("mean delay before it arrives (exponential)", unit="days"),
    )
    due_within_days: float = field(
        default=1.0,
        validator=DAYS,
        metadata=doc("arriving later than this counts as late", unit="days"),
    )

    def __attrs_post_init__(self) -> None:
        total = self.complete + self.partial + self.lost
        if abs(total - 1.0) > 1e-9:
            raise FieldError("complete", f"complete + partial + lost must be 1, got {total:g}")


@frozen(kw_only=True)
class Pathway:
    """A route from one agency to another for the children it applies to."""

    source: str = field(metadata=doc("agency the child leaves"))
    to: str = field(metadata=doc("agency the child is referred or notified to"))
    probability: float = field(
        validator=PROBABILITY,
        metadata=doc("chance an eligible child takes this pathway at the end of service"),
    )
    mode: Mode = field(
        default="refer",
        metadata=doc(
            "refer: the child moves; parallel: also referred while staying; "
            "notify: information only"
        ),
    )
    at: Literal["start", "end", "every", "placement"] = field(
        default="end",
        metadata=doc(
            "when a parallel referral or notification is made: at the start or end of "
            "service, every `every_days` while the child is in service (the first after "
            "`first_after_days`), or at each placement (an agency with `placements`)"
        ),
    )
    first_after_days: float | None = field(
        default=None,
        validator=REVIEW_DAYS,
        metadata=doc("at = every: first made this long after service starts", unit="days"),
    )
    every_days: float | None = field(
        default=None,
        validator=REVIEW_DAYS,
        metadata=doc("at = every: then made at this interval while in service", unit="days"),
    )
    factors: dict[Flag, float] = field(
        factory=dict,
        converter=_gradient,
        validator=GRADIENT,
        metadata=doc(
            "multipliers of `probability` for children with each condition (an equity "
            "gradient: deprived = 0.6 takes children from deprived areas 0.6 times as often; "
            "the probability times the multipliers above 1 must be at most 1)"
        ),
    )
    ethnicity_factors: dict[str, float] = field(
        factory=dict,
        converter=_gradient,
        validator=GRADIENT,
        metadata=doc(
            "multipliers of `probability` for children of each ethnic group, named as in "
            "the profiles' `ethnicity` (an equity gradient: Black = 0.6 takes Black children "
            "0.6 times as often); with `factors`, the multipliers that apply are multiplied"
        ),
    )
    delay_factors: dict[Flag, float] = field(
        factory=dict,
        converter=_gradient,
        validator=GRADIENT,
        metadata=doc(
            "multipliers of the pathway's delays (`delay` and the information's "
            "`delay_mean_days`) for children with each condition (a gradient in delay: "
            "out_of_area = 2.0 takes twice as long for a child placed out of the area)"
        ),
    )
    when: tuple[Flag, ...] = field(
        default=(), converter=tuple, metadata=doc("applies only if all these conditions hold")
    )
    unless: tuple[Flag, ...] = field(
        default=(), converter=tuple, metadata=doc("applies only if none of these hold")
    )
    min_age: int | None = field(default=None, validator=AGE, metadata=doc("youngest age"))
    max_age: int | None = field(default=None, validator=AGE, metadata=doc("oldest age"))
    delay: Distribution | None = field(
        default=None, metadata=doc("time between leaving and arriving (default none)")
    )
    information: Information | None = field(
        default=None, metadata=doc("how the information travels (leave out to not record it)")
    )
    recognise_need: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "chance that complete, timely information lets the receiver recognise an "
            "unrecognised mental-health need (half that if partial or late; none if lost)"
        ),
    )
    urgent: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "chance the referral is marked urgent, putting the child ahead of routine "
            "children on the receiver's list (flag `urgent_referral`); lost information "
            "loses the mark"
        ),
    )
    label: str = field(default="", metadata=doc("name shown in reports"))

    def highest_chance(self) -> float:
        """The pathway's chance for the child its factors favour most.

        >>> Pathway(source="a", to="b", probability=0.3, factors={"deprived": 2.0}).highest_chance()
        0.6
        >>> Pathway(source="a", to="b", probability=0.25, factors={"deprived": 2.0},
        ...     ethnicity_factors={"Black": 1.5, "Asian": 1.2}).highest_chance()
        0.75
        """
        highest = self.probability * math.prod(f for f in self.factors.values() if f > 1)
        # a child is of one ethnic group, so only the largest of those multipliers applies
        return highest * max((f for f in self.ethnicity_factors.values() if f > 1), default=1.0)

    def __attrs_post_init__(self) -> None:
        _check_gradient("factors", self.factors)
        _check_gradient("delay_factors", self.delay_factors)
        for group in self.ethnicity_factors:
            if not group.strip():
                raise FieldError("ethnicity_factors", "an ethnic group needs a name, got ''")
        timed = self.delay is not None or (
            self.information is not None and self.information.delay_mean_days > 0
        )
        if self.delay_factors and not timed:
            raise FieldError(
                "delay_factors",
                "the pathway has no delay to scale: give it `delay` or an information "
                f"`delay_mean_days`, got {self.delay_factors}",
            )
        if self.highest_chance() > 1 + 1e-9:
            raise FieldError(
                "factors",
                f"probability {self.probability:g} times the factors above 1 must be at most "
                f"1, got {self.highest_chance():g}",
            )
        if self.urgent and self.mode == "notify":
            raise FieldError("urgent", "a notification moves no child, so it cannot be urgent")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise FieldError("min_age", f"must not be above max_age ({self.max_age})")
        if self.source == self.to and self.mode != "refer":
            raise FieldError("to", f"a {self.mode} pathway cannot lead back to {self.to!r}")
        if self.at != "end" and self.mode == "refer":
            raise FieldError(
                "at",
                "a referral moves the child when service ends; use mode "
                f"'parallel' or 'notify' for one made at {self.at!r}",
            )
        periodic = (self.first_after_days, self.every_days)
        if self.at == "every" and None in periodic:
            raise FieldError(
                "every_days" if self.first_after_days is not None else "first_after_days",
                'at = "every" needs first_after_days and every_days, got None',
            )
        if self.at != "every" and periodic != (None, None):
            raise FieldError(
                "first_after_days" if self.first_after_days is not None else "every_days",
                f'is read only for at = "every", not {self.at!r}: leave it out or set at',
            )

    @property
    def name(self) -> str:
        """``from -> to`` with the mode when it is not a referral."""
        return pathway_name(self.source, self.mode, self.to)


#: Rough shares of ethnic groups among children in England; set local figures in a scenario.
DEFAULT_ETHNICITY: dict[str, float] = {
    "White": 0.73,
    "Asian": 0.12,
    "Black": 0.05,
    "Mixed": 0.07,
    "Other": 0.03,
}


def _check_shares(name: str, shares: tuple[float, ...]) -> None:
    if len(shares) != 3:  # each share is in range by the field's validator
        raise FieldError(name, f"must be three probabilities, got {shares!r}")
    if abs(sum(shares) - 1.0) > 1e-9:
        raise FieldError(name, f"shares must sum to 1, got {sum(shares):g}")


@frozen(kw_only=True)
class AgeBand:
    """Mental-health shares for the children of one band of ages."""

    min_age: int = field(validator=AGE, metadata=doc("youngest age in the band"))
    max_age: int = field(validator=AGE, metadata=doc("oldest age in the band"))
    mental_health: tuple[float, float, float] = field(
        converter=tuple,
        validator=PROBABILITIES,
        metadata=doc("shares with no need, early signs, and mental ill health at these ages"),
    )

    def __attrs_post_init__(self) -> None:
        if self.min_age > self.max_age:
            raise FieldError("min_age", f"must not be above max_age ({self.max_age})")
        _check_shares("mental_health", self.mental_health)


def _bands(value: Iterable[AgeBand]) -> tuple[AgeBand, ...]:
    return tuple(value)


@frozen(kw_only=True)
class ChildProfile:
    """Who the children arriving through one demand stream are."""

    min_age: int = field(default=0, validator=AGE, metadata=doc("youngest age on arrival"))
    max_age: int = field(default=17, validator=AGE, metadata=doc("oldest age on arrival"))
    mental_health: tuple[float, float, float] = field(
        default=(0.8, 0.15, 0.05),
        converter=tuple,
        validator=PROBABILITIES,
        metadata=doc(
            "shares with no need, early signs, and mental ill health (at ages no band covers)"
        ),
    )
    mental_health_by_age: tuple[AgeBand, ...] = field(
        default=(),
        converter=_bands,
        metadata=doc(
            "mental-health shares by band of ages (bands must not overlap); a child whose "
            "age no band covers takes `mental_health`"
        ),
    )
    mental_health_identified: float = field(
        default=0.5,
        validator=PROBABILITY,
        metadata=doc("chance an existing mental-health need is already recognised"),
    )
    at_risk: float = field(
        default=0.0, validator=PROBABILITY, metadata=doc("share at risk of abuse or neglect")
    )
    exploitation: float = field(
        default=0.0, validator=PROBABILITY, metadata=doc("share at risk of exploitation")
    )
    missing: float = field(
        default=0.0, validator=PROBABILITY, metadata=doc("share with missing episodes")
    )
    send: float = field(
        default=0.15,
        validator=PROBABILITY,
        metadata=doc("share with SEND or neurodevelopmental needs"),
    )
    disability: float = field(default=0.05, validator=PROBABILITY, metadata=doc("share disabled"))
    deprived: float = field(
        default=0.2,
        validator=PROBABILITY,
        metadata=doc("share living in the most deprived areas"),
    )
    female: float = field(default=0.5, validator=PROBABILITY, metadata=doc("share female"))
    parental_mental_health: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("share whose household has a parent or carer with mental ill health"),
    )
    domestic_abuse: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("share whose household has domestic abuse"),
    )
    parental_substance_misuse: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("share whose household has a parent or carer misusing drugs or alcohol"),
    )
    sexual_abuse_in_family: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("share whose household has child sexual abuse in the family environment"),
    )
    family_referral: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc(
            "share of these referrals that concern the whole family: the child's brothers "
            "and sisters (see `siblings`) come to notice with them"
        ),
    )
    siblings: tuple[float, ...] = field(
        default=(1.0,),
        converter=tuple,
        validator=PROBABILITIES,
        metadata=doc(
            "chances of 0, 1, 2, ... brothers or sisters coming to notice with a child whose "
            "referral concerns the family (summing to 1; at most 8 siblings)"
        ),
    )
    ethnicity: dict[str, float] = field(
        factory=lambda: dict(DEFAULT_ETHNICITY),
        validator=PROBABILITIES,
        metadata=doc("shares of each ethnic group (summing to 1)"),
    )

    def __attrs_post_init__(self) -> None:
        if self.min_age > self.max_age:
            raise FieldError("min_age", f"must not be above max_age ({self.max_age})")
        _check_shares("mental_health", self.mental_health)
        if not 1 <= len(self.siblings) <= MAX_SIBLINGS + 1:
            raise FieldError(
                "siblings",
                f"must give the chances of 0 to at most {MAX_SIBLINGS} siblings "
                f"(1 to {MAX_SIBLINGS + 1} numbers), got {len(self.siblings)} numbers",
            )
        if abs(sum(self.siblings) - 1.0) > 1e-9:
            raise FieldError("siblings", f"shares must sum to 1, got {sum(self.siblings):g}")
        seen: dict[int, int] = {}
        for i, band in enumerate(self.mental_health_by_age):
            for age in range(band.min_age, band.max_age + 1):
                if age in seen:
                    raise FieldError(
                        "mental_health_by_age",
                        f"band {i} (ages {band.min_age} to {band.max_age}) overlaps band "
                        f"{seen[age]} at age {age}",
                    )
                seen[age] = i
        if not self.ethnicity:
            raise FieldError("ethnicity", "needs at least one ethnic group, got {}")
        if abs(sum(self.ethnicity.values()) - 1.0) > 1e-6:
            raise FieldError(
                "ethnicity", f"shares must sum to 1, got {sum(self.ethnicity.values()):g}"
            )

    @property
    def households(self) -> bool:
        """Whether this profile draws households: any household factor or family referral.

        Without them no household draw is made, so scenarios without these keys give the
        results they gave before households existed.
        """
        return self.family_referral > 0 or any(getattr(self, f) > 0 for f in HOUSEHOLD_FLAGS)

    def mental_health_at(self, age: int) -> tuple[float, float, float]:
        """The mental-health shares for children of ``age``.

        >>> p = ChildProfile(mental_health_by_age=[AgeBand(min_age=0, max_age=4,
        ...     mental_health=(0.95, 0.04, 0.01))])
        >>> p.mental_health_at(2), p.mental_health_at(12)
        ((0.95, 0.04, 0.01), (0.8, 0.15, 0.05))
        """
        for band in self.mental_health_by_age:
            if band.min_age <= age <= band.max_age:
                return band.mental_health
        return self.mental_health


@frozen(kw_only=True)
class Demand:
    """One stream of children coming to notice at an identifying agency."""

    agency: str = field(metadata=doc("agency where these children first come to notice"))
    rate_per_10k_per_year: float = field(
        validator=RATE_PER_10K, metadata=doc("arrivals per 10,000 children per year")
    )
    seasonality: Seasonality = field(
        default="none", metadata=doc("none, or school_terms (rate follows the school calendar)")
    )
    term_factor: float = field(
        default=1.0, validator=FACTOR, metadata=doc("rate multiplier on school days")
    )
    holiday_factor: float = field(
        default=1.0, validator=FACTOR, metadata=doc("multiplier in school holidays")
    )
    weekend_factor: float = field(
        default=1.0,
        validator=FACTOR,
        metadata=doc("multiplier on weekends and bank holidays"),
    )
    trend_per_year: float = field(
        default=0.0, validator=TREND, metadata=doc("growth in the rate per year (0.05 = 5% a year)")
    )
    crisis: bool = field(default=False, metadata=doc("these children arrive in crisis"))
    profile: ChildProfile = field(factory=ChildProfile, metadata=doc("who the children are"))


@frozen(kw_only=True)
class ReReferral:
    """Children closed without support who come back."""

    probability: tuple[float, float, float] = field(
        default=(0.0, 0.0, 0.0),
        converter=tuple,
        validator=PROBABILITIES,
        metadata=doc("chance of coming back, by mental-health state (none, early signs, ill)"),
    )
    at_risk_probability: float = field(
        default=0.0,
        validator=PROBABILITY,
        metadata=doc("chance a child at risk of harm comes back after closure"),
    )
    mean_delay_days: float = field(
        default=120.0, validator=POSITIVE_DAYS, metadata=doc("mean time until they come back")
    )

    def __attrs_post_init__(self) -> None:
        if len(self.probability) != 3:  # each is in range by the field's validator
            raise FieldError(
                "probability", f"must be three probabilities, got {self.probability!r}"
            )


@frozen(kw_only=True)
class MentalHealth:
    """How children's mental health changes while they wait."""

    deterioration_per_year_waiting: float = field(
        default=0.0,
        validator=PER_YEAR,
        metadata=doc("rate of worsening by one step while waiting without support"),
    )
    crisis_per_year_waiting: float = field(
        default=0.0,
        validator=PER_YEAR,
        metadata=doc("rate of crisis while waiting, for children living with mental ill health"),
    )
    crisis_agency: str | None = field(
        default=None, metadata=doc("agency a child in crisis presents at")
    )
    re_referral: ReReferral = field(factory=ReReferral, metadata=doc("closures that come back"))


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _optional_terms(value: Iterable[Term] | None) -> tuple[Term, ...] | None:
    return None if value is None else tuple(value)


@frozen(kw_only=True)
class ClockPoint:
    """One end of a clock: an event (or the first of some) at one of some agencies."""

    agency: tuple[str, ...] = field(
        converter=_names,
        metadata=doc("agency (or list of agencies)"),
    )
    event: tuple[ClockEvent, ...] = field(
        default=("arrive",),
        converter=_names,
        metadata=doc(
            "arrive (referral received), start or end of service, interim (interim support "
            "while waiting) or signpost (signposted while waiting), or a list of them: the "
            "first of any, at any of the agencies"
        ),
    )

    def __attrs_post_init__(self) -> None:
        if not self.event:
            raise FieldError("event", "needs at least one event, got []")


#: The longest limit of a clock in each unit: 100 years (``MAX_DAYS``), a working day
#: being 5 days in 7.
CLOCK_UNIT_MAX: dict[str, int] = {
    "days": MAX_DAYS,
    "working_days": MAX_DAYS * 5 // 7,
    "hours": MAX_DAYS * 24,
    "weeks": MAX_DAYS // 7,
}


@frozen(kw_only=True)
class Clock:
    """A statutory or NHS timescale measured on every child it applies to."""

    label: str = field(metadata=doc("what the clock measures"))
    start: ClockPoint = field(metadata=doc("when the clock starts"))
    stop: ClockPoint = field(metadata=doc("when it stops (the first such event after the start)"))
    limit: float = field(validator=CLOCK_LIMIT, metadata=doc("the timescale"))
    unit: ClockUnit = field(
        default="working_days", metadata=doc("working_days, days, hours or weeks")
    )
    source: str = field(default="", metadata=doc("where the timescale comes from"))
    owed_to_all: bool = field(
        default=False,
        metadata=doc(
            "what stops the clock is owed to every child it starts for (a return home "
            "interview after each missing episode): not stopped by the deadline is a breach "
            "even if the child was never referred on to the stop agency"
        ),
    )
    urgency: ClockUrgency = field(
        default="any",
        metadata=doc(
            "any, urgent or routine: count only the referrals the start agency received as "
            "urgent (or as routine), as the eating-disorder standard's 1 and 4 weeks do; "
            "needs a start at an arrival (event = arrive), whose row says the urgency"
        ),
    )

    def __attrs_post_init__(self) -> None:
        if self.urgency != "any" and self.start.event != ("arrive",):
            shown = " or ".join(self.start.event)
            raise FieldError(
                "urgency",
                f"{self.urgency!r} needs a clock that starts at an arrival only (start.event = "
                f"'arrive'), got start.event = {shown!r}",
            )
        most = CLOCK_UNIT_MAX[self.unit]
        if self.limit > most:
            raise FieldError(
                "limit",
                f"must be at most {most:,} {self.unit.replace('_', ' ')} (100 years), "
                f"got {self.limit!r}",
            )


@frozen(kw_only=True)
class Flow:
    """Which agencies count as each stage of the contact-to-plan funnel."""

    contact: tuple[str, ...] = field(default=(), converter=tuple, metadata=doc("contacts"))
    referral: tuple[str, ...] = field(default=(), converter=tuple, metadata=doc("referrals"))
    assessment: tuple[str, ...] = field(default=(), converter=tuple, metadata=doc("assessments"))
    plan: tuple[str, ...] = field(default=(), converter=tuple, metadata=doc("plans and care"))
    camhs_referral: tuple[str, ...] = field(
        default=(), converter=tuple, metadata=doc("CAMHS referrals (single point of access)")
    )
    camhs_support: tuple[str, ...] = field(
        default=(), converter=tuple, metadata=doc("CAMHS support started (treatment services)")
    )


#: The stages of the contact-to-plan funnel, in order (the fields of :class:`Flow`).
FLOW_STAGES: tuple[str, ...] = tuple(f.name for f in attrs.fields(Flow))


@frozen(kw_only=True)
class Term:
    """One school term (or half term), inclusive dates."""

    # no range: the default terms are built for the years either side of any run, and a
    # term's dates are only compared with the run's (a term far off simply never applies)
    start: dt.date = field(metadata=doc("first day"))
    end: dt.date = field(metadata=doc("last day"))

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise FieldError("end", f"must not be before start ({self.start})")


@frozen(kw_only=True)
class CalendarSettings:
    """Working days and school terms."""

    bank_holidays: bool = field(
        default=True, metadata=doc("England and Wales bank holidays are not working days")
    )
    terms: tuple[Term, ...] | None = field(
        default=None,
        converter=_optional_terms,
        metadata=doc("school terms; leave out for the English default pattern"),
    )


#: What an inject changes for its period (see :class:`Inject`).
InjectKind = Literal["staff", "demand", "sharing"]

#: The keys only some kinds of inject read, and the kinds that read them.
_INJECT_KEYS: dict[str, tuple[str, ...]] = {
    "agency": ("staff",),
    "change": ("staff",),
    "factor": ("demand",),
    "streams": ("demand",),
    "pathway": ("sharing",),
    "lost": ("sharing",),
    "delay_mean_days": ("sharing",),
}
#: The keys each kind of inject needs.
_INJECT_NEEDS: dict[str, tuple[str, ...]] = {
    "staff": ("agency", "change"),
    "demand": ("factor",),
    "sharing": ("pathway",),
}
#: A change of staff by an inject: our bound, the bound of an agency's staff either way.
STAFF_CHANGE = in_range(
    -100_000,
    100_000,
    why="three times all of England's children's social workers",
    why_low="no service has more staff to lose",
)
#: A demand inject's multiplier: more than nothing (an inject that stops a stream is a
#: scenario without it), at most ten times, as for the other multipliers of a rate.
INJECT_FACTOR = in_range(0, 10, low_open=True, why="ten times the stream's usual rate")


def _optional_names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else _names(value)


@frozen(kw_only=True)
class Inject:
    """Something that happens for a period of the run: the facilitator's "what if, mid-run".

    ``staff``: an agency has ``change`` staff more or fewer (sickness absence, vacancies,
    agency staff brought in), so its caseload places are ``(staff + change) * caseload``
    for the period; children already in service finish, and new starts wait while the
    places in use are at or above the reduced number. ``demand``: the arrival rates of
    some demand streams are multiplied by ``factor``. ``sharing``: a pathway loses
    ``lost`` of its information for the period (all of it unless said), and may deliver
    the rest after another mean delay.
    """

    kind: InjectKind = field(
        metadata=doc("what changes: staff (an agency's staff), demand, or sharing (a pathway)")
    )
    from_day: float = field(
        validator=DAYS,
        metadata=doc("day of the run the period begins (before the run ends)", unit="days"),
    )
    days: float = field(
        validator=POSITIVE_DAYS,
        metadata=doc("length of the period (it must end by the end of the run)", unit="days"),
    )
    label: str = field(default="", metadata=doc("what happened, in words for reports"))
    agency: str | None = field(default=None, metadata=doc("staff: the agency whose staff change"))
    change: int | None = field(
        default=None,
        validator=STAFF_CHANGE,
        metadata=doc(
            "staff: staff more (+3: agency staff brought in) or fewer (-2: two off sick or "
            "vacant) for the period; never below no staff"
        ),
    )
    factor: float | None = field(
        default=None,
        validator=INJECT_FACTOR,
        metadata=doc("demand: multiplier of the arrival rates for the period (1.4 = 40% more)"),
    )
    streams: tuple[str, ...] | None = field(
        default=None,
        converter=_optional_names,
        metadata=doc("demand: the demand streams it multiplies; leave out for every stream"),
    )
    pathway: str | None = field(
        default=None,
        metadata=doc(
            "sharing: the pathway, named `from -> to` (a referral), `from => to` (a parallel "
            "referral) or `from ~> to` (a notification); every pathway of that name"
        ),
    )
    lost: float | None = field(
        default=None,
        validator=PROBABILITY,
        metadata=doc(
            "sharing: share of the hand-offs whose information is lost for the period "
            "(leave out for 1: the pathway stops sharing); the rest arrive complete or "
            "partial in the pathway's own proportions"
        ),
    )
    delay_mean_days: float | None = field(
        default=None,
        validator=DAYS,
        metadata=doc(
            "sharing: mean delay of the information that still arrives, for the period "
            "(leave out for the pathway's own)",
            unit="days",
        ),
    )

    def __attrs_post_init__(self) -> None:
        for name, kinds in _INJECT_KEYS.items():
            value = getattr(self, name)
            if value is not None and self.kind not in kinds:
                raise FieldError(
                    name,
                    f"is read only for kind {' or '.join(kinds)}, not {self.kind}: leave it out "
                    f"or change kind, got {value!r}",
                )
        for name in _INJECT_NEEDS[self.kind]:
            if getattr(self, name) is None:
                raise FieldError(name, f"a {self.kind} inject needs {name}, got nothing")
        if self.change == 0:
            raise FieldError("change", "must not be 0 (an inject that changes nothing), got 0")
        if self.streams is not None and not self.streams:
            raise FieldError(
                "streams", "needs at least one demand stream (or leave it out), got []"
            )

    @property
    def until_day(self) -> float:
        """The day the period ends (the inject no longer applies from then)."""
        return self.from_day + self.days

    @property
    def lost_share(self) -> float:
        """A sharing inject's share of information lost (1 unless given)."""
        return 1.0 if self.lost is None else self.lost


@frozen(kw_only=True)
class InjectFile:
    """A file of ``[[injects]]`` kept apart from the scenario (``jtai-sim run --inject``),
    added to the scenario's own injects."""

    description: str = field(default="", metadata=doc("what the injects are for"))
    injects: tuple[Inject, ...] = field(
        converter=tuple, metadata=doc("the injects, as a scenario's `[[injects]]`")
    )


@frozen(kw_only=True)
class Scenario:
    """A whole partnership and its demand, as read from one scenario file."""

    name: str = field(metadata=doc("name of the partnership"))
    description: str = field(default="", metadata=doc("what the scenario is for"))
    start_date: dt.date = field(
        default=dt.date(2025, 4, 1), validator=DATE, metadata=doc("date of day 0 of the simulation")
    )
    children: int = field(
        default=10_000,
        validator=CHILDREN,
        metadata=doc("children (0 to 17) living in the area"),
    )
    duration_days: float = field(
        default=730.0,
        validator=POSITIVE_DAYS,
        metadata=doc("simulated time", unit="days"),
    )
    warmup_days: float = field(
        default=0.0,
        validator=DAYS,
        metadata=doc("start-up period left out of statistics"),
    )
    seed: int = field(default=1, validator=SEED, metadata=doc("root random seed"))
    calendar: CalendarSettings = field(factory=CalendarSettings, metadata=doc("calendar"))
    demand: dict[str, Demand] = field(factory=dict, metadata=doc("streams of children"))
    agencies: dict[str, Agency] = field(factory=dict, metadata=doc("the agencies"))
    pathways: tuple[Pathway, ...] = field(default=(), converter=tuple, metadata=doc("pathways"))
    clocks: dict[str, Clock] = field(factory=dict, metadata=doc("timescales to measure"))
    mental_health: MentalHealth = field(factory=MentalHealth, metadata=doc("mental health"))
    flow: Flow = field(factory=Flow, metadata=doc("funnel stages"))
    injects: tuple[Inject, ...] = field(
        default=(),
        converter=tuple,
        metadata=doc(
            "things that happen for a period of the run (staff off, a surge in referrals, a "
            "pathway that stops sharing); see README, Injects"
        ),
    )

    def __attrs_post_init__(self) -> None:
        if self.warmup_days >= self.duration_days:
            raise FieldError(
                "warmup_days",
                f"must be shorter than duration_days ({self.duration_days:g})",
            )

    @property
    def agency_ids(self) -> tuple[str, ...]:
        """Agency keys in file order; an agency's index is its code in the event log."""
        return tuple(self.agencies)

    @property
    def ethnic_groups(self) -> tuple[str, ...]:
        """The ethnic groups the children's profiles name, in the order first named
        (demand streams, then the agencies' backlogs).

        >>> Scenario(name="x").ethnic_groups
        ()
        """
        profiles = [d.profile for d in self.demand.values()]
        profiles += [a.backlog.profile for a in self.agencies.values() if a.backlog is not None]
        return tuple(dict.fromkeys(g for p in profiles for g in p.ethnicity))

    def prioritises(self, agency: str) -> bool:
        """Whether ``agency`` keeps a prioritised list (urgent children first).

        It does when it has ``urgent_if`` conditions or an ``urgent`` pathway leads to it,
        and when it re-triages its list (``while_waiting.retriage_every_days``), which can
        make a waiting child urgent.
        """
        spec = self.agencies[agency]
        retriage = spec.while_waiting is not None and spec.while_waiting.retriage_every_days
        return (
            bool(spec.urgent_if)
            or bool(retriage)
            or any(p.urgent and p.to == agency for p in self.pathways)
        )
