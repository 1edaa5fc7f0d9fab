"""Partner agencies: the organisations an inspection letter holds to account.

A scenario's agencies are services (the front door, the assessment team, child
protection plans, community CAMHS ...). An inspection letter does not address a
council's internal teams one by one: it speaks to the *partner agencies*, the
local authority's children's social care, the health providers and the
integrated care board, the police force, the youth justice service, schools
and the voluntary sector. This module maps every agency kind to its partner,
once, so the letter, the audit templates and the annex agree.

Mental health support teams in schools are NHS-funded and clinically led, so
they belong to health here; early help is counted with children's social care,
which leads it in most areas (an area where schools lead it can change the
kind in its scenario).

>>> partner_of_kind("cp_plan"), partner_of_kind("mhst"), partner_of_kind("police")
('social_care', 'health', 'police')
>>> PARTNERS["youth_justice"].title
'the youth justice service'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from attrs import frozen

from jtai_sim.vocabulary import PARTNER_KEYS

#: The partner agencies' keys: the codes of :class:`jtai_sim.vocabulary.PartnerCode`,
#: the one list (spelled out here for type checking, and checked against it below).
PartnerKey = Literal[
    "social_care", "health", "police", "youth_justice", "schools", "probation", "voluntary"
]
assert get_args(PartnerKey) == PARTNER_KEYS, "PartnerKey must follow vocabulary.PartnerCode"


@frozen(kw_only=True)
class Partner:
    """One partner agency: how a letter names it and its heading."""

    key: PartnerKey
    heading: str
    title: str
    #: whether the title takes a plural verb ("the police need", "schools need")
    plural: bool = False

    @property
    def need(self) -> str:
        """The verb "need" agreeing with the title."""
        return "need" if self.plural else "needs"


#: The partner agencies, in the order a letter takes them.
PARTNERS: dict[str, Partner] = {
    p.key: p
    for p in (
        Partner(
            key="social_care", heading="Children's social care", title="children's social care"
        ),
        Partner(
            key="health",
            heading="Health services",
            title="health providers and the integrated care board",
            plural=True,
        ),
        Partner(key="police", heading="The police", title="the police", plural=True),
        Partner(key="youth_justice", heading="Youth justice", title="the youth justice service"),
        Partner(key="schools", heading="Schools and education", title="schools", plural=True),
        Partner(key="probation", heading="Probation", title="the probation service"),
        Partner(
            key="voluntary",
            heading="The voluntary sector",
            title="the voluntary and community sector",
        ),
    )
}
assert tuple(PARTNERS) == PARTNER_KEYS, "PARTNERS must follow vocabulary.PartnerCode"

_KINDS: dict[str, PartnerKey] = {
    **dict.fromkeys(
        (
            "front_door",
            "referral",
            "early_help",
            "assessment",
            "strategy",
            "conference",
            # the local authority offers the return home interview after a missing
            # episode (DfE statutory guidance, 2014) and leads exploitation screening
            # and the multi-agency exploitation meeting in most areas
            "return_interview",
            "exploitation_screening",
            "exploitation_meeting",
            "cin_plan",
            "cp_plan",
            "looked_after",
            "generic",
        ),
        "social_care",
    ),
    **dict.fromkeys(
        (
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
            # adult services the NHS runs or commissions: adult mental health, drug and
            # alcohol treatment (commissioned from the public health grant), maternity
            "adult_mental_health",
            "substance_misuse",
            "maternity",
        ),
        "health",
    ),
    "probation": "probation",
    # domestic abuse support (refuges, outreach, IDVAs) is mostly commissioned from the
    # voluntary sector under Part 4 of the Domestic Abuse Act 2021
    "domestic_abuse_service": "voluntary",
    "police": "police",
    # a child reported missing is a missing person to the police, who lead the search
    "missing_episode": "police",
    "youth_justice": "youth_justice",
    "school": "schools",
    "voluntary": "voluntary",
}


def partner_of_kind(kind: str) -> PartnerKey:
    """The partner agency an agency of ``kind`` belongs to (social care if unknown)."""
    return _KINDS.get(kind, "social_care")


def kinds_of(partner: str) -> tuple[str, ...]:
    """The agency kinds that belong to ``partner``.

    >>> kinds_of("police")
    ('police', 'missing_episode')
    """
    return tuple(kind for kind, key in _KINDS.items() if key == partner)


def partners_of(kinds: Iterable[str]) -> tuple[PartnerKey, ...]:
    """The partner agencies of ``kinds``, each once, in the letter's order.

    >>> partners_of(["school", "front_door", "assessment"])
    ('social_care', 'schools')
    """
    wanted = {partner_of_kind(k) for k in kinds}
    return tuple(key for key in PARTNERS if key in wanted)


def join_words(words: Iterable[str]) -> str:
    """Words joined as a sentence lists them.

    >>> join_words(["the police"]), join_words(["a", "b", "c"])
    ('the police', 'a, b and c')
    """
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
