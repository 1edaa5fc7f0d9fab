"""The vocabulary of the event log: what its codes mean, and the words for them.

Every layer reads the log (the engine writes it; metrics, clocks, case books,
findings, case lists and the facilitator's chronology read it), so the meaning
of each code lives here once:

* :class:`EventKind` – what a row records, and what its ``detail`` and ``value``
  columns hold for that kind;
* :class:`Completeness` – how the information on a hand-off arrived;
* :class:`PartnerCode` – the partner agencies invited to a multi-agency meeting;
* :class:`Origin` – where an arrival came from (the negative ``other`` codes), and
  :func:`arrival_origins`, the origin of each row of a log;
* :class:`HeldIn` – where a child waiting for a bed is held (the ``detail`` of a HELD row);
* :class:`ExitReason` – why a child left an agency (the ``value`` of an EXIT row);
* :class:`MentalHealth` – the states a child's mental health moves between;
* :data:`LEGAL_STATUSES` – the legal statuses, whose position is their code;
* pathway modes and their arrows (:func:`pathway_name`), and the log kind each
  mode writes;
* the child register's columns (:data:`CHILD_COLUMNS`, :data:`CHILD_FLAGS`,
  :data:`HOUSEHOLD_FLAGS`).

Each enum carries a ``key`` (the lower-case spelling files use) and a ``word``
(what a report or chronology says).

>>> EventKind.EXIT.key, ExitReason.TAKEN_OFF.word
('exit', 'taken off the waiting list unseen')
>>> Completeness.LOST.word, MentalHealth.ILL.key
('never arrived', 'ill')
>>> pathway_name("school", "notify", "camhs_spa")
'school ~> camhs_spa'
>>> Origin.of_other(-3), Origin.of_other(5)
(<Origin.RETURN: -3>, <Origin.REFERRAL: 0>)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    import numpy as np


class _Coded(enum.IntEnum):
    """An integer code with the spelling files use (``key``) and report words."""

    @property
    def key(self) -> str:
        """The code's name as files spell it (lower case)."""
        return self.name.lower()

    @property
    def word(self) -> str:
        """What a report says for the code."""
        return _WORDS.get(type(self).__name__, {}).get(self.name, self.key.replace("_", " "))

    @classmethod
    def from_key(cls, key: str) -> _Coded:
        """The member spelled ``key`` (as :attr:`key` gives it)."""
        return cls[key.upper()]


class EventKind(_Coded):
    """What happened. ``detail`` and ``value`` are described per kind."""

    #: child created (first came to notice); detail = demand stream index, value = age
    CHILD = 0
    #: referral received at ``agency`` from ``other`` (an agency code, or an
    #: :class:`Origin` below zero); detail = 1 if urgent; value = 1 if a re-referral
    ARRIVE = 1
    #: joined the waiting list; detail = 1 if urgent; value = queue length ahead
    WAIT = 2
    #: service started; value = wait in days (clock)
    START = 3
    #: service ended; value = service length in days (clock)
    END = 4
    #: left the partnership from ``agency``; detail = 1 if supported at some point;
    #: value = :class:`ExitReason` (no END row precedes a child taken off or merged)
    EXIT = 5
    #: hand-off sent from ``agency`` to ``other``; detail = :class:`Completeness`,
    #: value = information delay in days
    HANDOFF = 6
    #: information received at ``agency`` from ``other``; detail = Completeness,
    #: value = 1 if late. The engine never writes it (its hand-off rows say how the
    #: information arrived); a partnership's own case list may.
    INFO = 7
    #: mental health worsened; detail = new :class:`MentalHealth` state
    DETERIORATE = 8
    #: crisis episode while waiting at ``agency``
    CRISIS = 9
    #: mental-health need recognised at ``agency``
    IDENTIFY = 10
    #: mental health improved after support; detail = new :class:`MentalHealth` state
    IMPROVE = 11
    #: plan review held at ``agency``; value = days late (0 if on time)
    REVIEW = 12
    #: legal status changed; detail = status code (position in :data:`LEGAL_STATUSES`)
    STATUS = 13
    #: notification (information only) sent from ``agency`` to ``other``;
    #: detail = Completeness, value = delay
    NOTIFY = 14
    #: parallel referral: ``other`` takes the child on while ``agency`` keeps them;
    #: detail = Completeness, value = delay
    FORK = 15
    #: a partner's attendance at a multi-agency meeting held at ``agency`` when its
    #: service starts (a strategy discussion, an exploitation meeting); one row per
    #: invited partner; detail = :class:`PartnerCode`, value = 1 attended, 0 absent
    ATTEND = 16
    #: interim support given at ``agency`` to a child on its waiting list (a check-in, a
    #: named contact, a safety plan); detail = 1 if the wait was urgent; value = days on
    #: the list so far
    INTERIM = 17
    #: the child's place on ``agency``'s waiting list re-triaged; detail = 1 if escalated
    #: to urgent (mental ill health since joining); value = days on the list so far
    RETRIAGE = 18
    #: a child in care placed (on entering care, or on
    #: a placement move) by ``agency``; detail = 1 if the placement is outside the area;
    #: value = placement moves so far in this episode of care (0 for the first
    #: placement, or the one a child in care on day 0 is in)
    PLACEMENT = 19
    #: a child on ``agency``'s waiting list signposted to ``other`` (a commissioned
    #: voluntary-sector or online offer), which takes them on in parallel (the FORK row
    #: that follows); detail = 1 if the wait was urgent; value = days on the list so far
    SIGNPOST = 20
    #: where a child is held while waiting for a place at ``agency`` (a Tier 4 bed: a
    #: paediatric or adult ward, the emergency department, or home), written as they join
    #: the list; or, written as their service starts, that the place found is far from
    #: home; detail = :class:`HeldIn`; value = 0
    HELD = 21


class PartnerCode(_Coded):
    """A partner agency invited to a multi-agency meeting (``detail`` of an ATTEND row).

    The one list of partner agencies: :mod:`jtai_sim.inspection.partners` names each
    for a letter, and a scenario's ``attendance`` table takes these keys.
    """

    SOCIAL_CARE = 0
    HEALTH = 1
    POLICE = 2
    YOUTH_JUSTICE = 3
    SCHOOLS = 4
    PROBATION = 5
    VOLUNTARY = 6


class HeldIn(_Coded):
    """Where a child is while waiting for a place, or where the place is (``detail`` of a
    HELD row).

    The first four are where a child waiting for a Tier 4 bed is held: the House of
    Commons Health Committee (Children's and adolescents' mental health and CAMHS, 2014)
    and NHS England (Child and Adolescent Mental Health Services Tier 4 Report, 2014)
    describe children waiting on paediatric wards, adult wards or in A&E, some at home.
    :attr:`FAR_FROM_HOME` is written when service starts: the bed found is far from home.
    """

    HOME = 0
    PAEDIATRIC_WARD = 1
    ADULT_WARD = 2
    EMERGENCY_DEPARTMENT = 3
    FAR_FROM_HOME = 4


#: The settings a scenario's ``held_in`` table may name (where a waiting child is held).
WAITING_SETTINGS: tuple[str, ...] = tuple(h.key for h in HeldIn if h != HeldIn.FAR_FROM_HOME)
#: The settings that are unsuitable for a child waiting for a bed (not home).
UNSUITABLE_SETTINGS: frozenset[int] = frozenset(
    int(h) for h in (HeldIn.PAEDIATRIC_WARD, HeldIn.ADULT_WARD, HeldIn.EMERGENCY_DEPARTMENT)
)


#: The keys of :class:`PartnerCode`, in code order.
PARTNER_KEYS: tuple[str, ...] = tuple(p.key for p in PartnerCode)


#: The key of each :class:`EventKind`, by code: a table's categories are built from the
#: codes, so the codes run from 0 with no gap (``tests/test_vocabulary.py`` checks it).
KIND_KEYS: tuple[str, ...] = tuple(k.key for k in EventKind)


class Completeness(_Coded):
    """How the information on a hand-off arrived (``detail`` of a hand-off row)."""

    COMPLETE = 0
    PARTIAL = 1
    LOST = 2
    NOT_RECORDED = 3


class Origin(_Coded):
    """Where an arrival came from: the ``other`` code of an ARRIVE row below zero.

    A code of zero or more is the referring agency; :attr:`REFERRAL` stands for all
    of those.
    """

    REFERRAL = 0
    #: new demand: a child coming to notice
    NEW = -1
    #: a crisis episode of a child already known
    CRISIS = -2
    #: coming back after an earlier closure (a re-referral)
    RETURN = -3
    #: already on the agency's books when the run (or the records) began
    INITIAL = -4

    @classmethod
    def of_other(cls, other: int) -> Origin:
        """The origin of an arrival whose ``other`` column holds ``other``."""
        return cls.REFERRAL if other >= 0 else cls(other)


#: The categories of a case book's ``origin`` column, in code order ("" for rows that
#: are not arrivals).
ORIGIN_KEYS: tuple[str, ...] = (
    "",
    Origin.NEW.key,
    Origin.CRISIS.key,
    Origin.RETURN.key,
    Origin.REFERRAL.key,
    Origin.INITIAL.key,
)


def arrival_origins(kind: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The position in :data:`ORIGIN_KEYS` of each row's origin, from its ``kind`` and
    ``other`` codes as the log holds them: 0 (no origin) for a row that is not an arrival.

    >>> import numpy as np
    >>> arrival_origins(np.array([1, 1, 3]), np.array([-1, 4, -1])).tolist()
    [1, 4, 0]
    """
    import numpy as np

    arrive = kind == int(EventKind.ARRIVE)
    out = np.zeros(len(kind), dtype=np.int8)
    values, inverse = np.unique(other[arrive], return_inverse=True)
    codes = [ORIGIN_KEYS.index(Origin.of_other(int(v)).key) for v in values]
    out[arrive] = np.asarray(codes, dtype=np.int8)[inverse]
    return out


class ExitReason(_Coded):
    """Why a child left an agency (``value`` of an EXIT row)."""

    #: the service (or the decision) ended and the child left the partnership
    LEFT = 0
    #: taken off the waiting list without being seen
    TAKEN_OFF = 1
    #: a second referral dropped because help began through another
    MERGED = 2
    #: a wait or a service lost when a child in care was placed out of the area (no END
    #: row precedes it for a child who was waiting; a child in service has one)
    MOVED = 3


class MentalHealth(_Coded):
    """A child's mental-health state (``detail`` of DETERIORATE and IMPROVE rows)."""

    NONE = 0
    EARLY_SIGNS = 1
    ILL = 2


LegalStatus = Literal["none", "early_help", "cin", "cp", "looked_after"]
#: Legal statuses; a status's position here is its code in the log.
LEGAL_STATUSES: tuple[str, ...] = get_args(LegalStatus)
#: Code of each legal status.
STATUS_CODE: dict[str, int] = {name: i for i, name in enumerate(LEGAL_STATUSES)}
#: Statuses held in children's social care (child in need, protection, in care).
SOCIAL_CARE_STATUSES: frozenset[str] = frozenset({"cin", "cp", "looked_after"})
#: What a report says for each legal status.
STATUS_WORDS: dict[str, str] = {
    "none": "no legal status",
    "early_help": "early help",
    "cin": "child in need",
    "cp": "child protection plan",
    "looked_after": "looked after",
}

Mode = Literal["refer", "parallel", "notify"]
#: The arrow of each pathway mode in a pathway's name.
ARROW: dict[str, str] = {"refer": "->", "parallel": "=>", "notify": "~>"}
#: The log kind a hand-off of each mode writes.
KIND_OF_MODE: dict[str, EventKind] = {
    "refer": EventKind.HANDOFF,
    "parallel": EventKind.FORK,
    "notify": EventKind.NOTIFY,
}
#: The pathway mode of each hand-off kind.
MODE_OF_KIND: dict[int, str] = {int(k): m for m, k in KIND_OF_MODE.items()}


def pathway_name(source: str, mode: str, to: str) -> str:
    """A pathway's name: ``source -> to``, with the arrow of its mode."""
    return f"{source} {ARROW[mode]} {to}"


def pathways_named(names: Iterable[str | None], wanted: str) -> list[int]:
    """The positions of the pathways called ``wanted`` among ``names`` (each pathway's
    :func:`pathway_name`, or None for an entry that is not a pathway), spaces ignored:
    how overrides and injects pick pathways by name (several may share one).

    >>> pathways_named(["a -> b", "a ~> b", "a -> b"], "a->b")
    [0, 2]
    """
    target = re.sub(r"\s+", "", wanted)
    return [
        i for i, name in enumerate(names) if name is not None and re.sub(r"\s+", "", name) == target
    ]


#: Yes/no columns of the child register.
CHILD_FLAGS: tuple[str, ...] = (
    "identified",
    "at_risk",
    "exploitation",
    "missing",
    "send",
    "disability",
    "deprived",
    "female",
)
#: Yes/no columns of the child register for the household factors: what a child shares
#: with the brothers and sisters who come to notice with them (also pathway conditions).
HOUSEHOLD_FLAGS: tuple[str, ...] = (
    "parental_mental_health",
    "domestic_abuse",
    "parental_substance_misuse",
    "sexual_abuse_in_family",
)
#: Columns of the child register, in this order (as ``Run.children`` gives them).
#: ``household`` is the id of the first child of the household to come to notice (the
#: child's own id for a child who came alone).
CHILD_COLUMNS: tuple[str, ...] = (
    "child",
    "stream",
    "arrived",
    "household",
    "age",
    "mental_health",
    *CHILD_FLAGS,
    *HOUSEHOLD_FLAGS,
    "ethnicity",
)

_WORDS: dict[str, dict[str, str]] = {
    "Completeness": {"LOST": "never arrived"},
    "PartnerCode": {
        "SOCIAL_CARE": "children's social care",
        "POLICE": "the police",
        "SCHOOLS": "education",
        "VOLUNTARY": "the voluntary sector",
    },
    "ExitReason": {
        "LEFT": "case closed",
        "TAKEN_OFF": "taken off the waiting list unseen",
        "MERGED": "closed: help had started through another referral",
        "MOVED": "place lost on moving to a placement out of the area",
    },
    "HeldIn": {
        "HOME": "at home",
        "PAEDIATRIC_WARD": "on a paediatric ward",
        "ADULT_WARD": "on an adult ward",
        "EMERGENCY_DEPARTMENT": "in the emergency department",
        "FAR_FROM_HOME": "in a bed far from home",
    },
    "MentalHealth": {
        "NONE": "no identified need",
        "ILL": "mental ill health",
    },
}
