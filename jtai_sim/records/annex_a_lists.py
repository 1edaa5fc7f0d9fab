"""The Annex A lists' columns and codes, as Ofsted's inspection data request names them.

Before an inspection of local authority children's services (ILACS) or a joint
targeted area inspection, the local authority sends Ofsted the child-level lists
of its Annex A. Lists 1 to 8 describe the path a child takes through children's
social care, and each becomes events of a case book:

====  =====================================  ==========================================
List  What it holds (one row per ...)        Events it gives
====  =====================================  ==========================================
1     contacts                               ``arrive`` at the front door, from its source
2     early help episodes                    ``start`` and ``end`` at early help
3     referrals                              ``arrive`` at the referral decision
4     assessments (continuous assessment)    ``start`` and ``end`` (authorised) at assessment
5     section 47 enquiries and conferences   ``start`` of the strategy discussion that began
                                             the enquiry; ``start`` of the initial child
                                             protection conference
6     children in need                       ``start`` and ``end`` of the child in need episode
7     child protection plans                 ``start`` and ``end`` of the plan
8     children looked after                  ``start`` and ``end`` of the period of care
====  =====================================  ==========================================

List 9 (care leavers) and Lists 10 and 11 (adoption) describe children after
care, whom the simulation does not follow; they are not read. Columns the lists
hold that the case book has no place for (allocated team and worker, the date a
child was last seen, the category of abuse, legal status) are accepted and
their codes checked where a code list exists, but are not kept.

The column names are those of the Annex A template; the other spellings
accepted are those local authorities' exports use, compared as
:func:`~jtai_sim.records.tables.header_key` does. Referral and contact sources
are the children in need census codes (DfE, "Children in need census guide").

>>> [spec.title for spec in LISTS]  # doctest: +NORMALIZE_WHITESPACE
['Contacts', 'Early help', 'Referrals', 'Assessments', 'Section 47 enquiries and ICPCs',
 'Children in need', 'Child protection plans', 'Children looked after']
>>> source_code("6: Police"), source_code("q) 3E: Health services"), source_code("A&E")
('6', '3E', '3E')
"""

from __future__ import annotations

import re

from attrs import frozen

from jtai_sim.inspection.partners import partner_of_kind
from jtai_sim.records.tables import Column, header_key

#: The columns about the child that every list repeats.
CHILD_COLUMNS: tuple[Column, ...] = (
    Column(
        "child",
        (
            "Child Unique ID",
            "Child ID",
            "Child Unique Identifier",
            "Unique Child ID",
            "LA Child ID",
            "Person ID",
            "Child Reference",
        ),
    ),
    Column("sex", ("Gender", "Sex"), required=False),
    Column("ethnicity", ("Ethnicity", "Ethnic Origin", "Ethnic Group"), required=False),
    Column("dob", ("Date of Birth", "DOB", "Birth Date"), required=False),
    Column("age", ("Age of Child (Years)", "Age of Child", "Age", "Age in Years"), required=False),
    Column(
        "disability",
        ("Does the Child have a Disability", "Disability", "Disabled", "Child has a Disability"),
        required=False,
    ),
)


@frozen
class DatedEvent:
    """A date column of a list and the case-book event it records."""

    column: str
    agency: str
    kind: str


@frozen
class ListSpec:
    """One Annex A list: its number, its columns and the events its dates record."""

    number: int
    title: str
    #: words that name the list in a file or sheet name (compared as header keys)
    words: tuple[str, ...]
    columns: tuple[Column, ...]
    events: tuple[DatedEvent, ...]
    #: a column whose header tells this list from the others
    signature: str
    #: pairs of date columns where the first must not be after the second
    order: tuple[tuple[str, str], ...] = ()

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """The child's columns followed by the list's own."""
        return CHILD_COLUMNS + self.columns

    def column(self, key: str) -> Column:
        """The column ``key`` of this list."""
        return next(c for c in self.all_columns if c.key == key)


def _optional(key: str, *spellings: str) -> Column:
    return Column(key, spellings, required=False)


LISTS: tuple[ListSpec, ...] = (
    ListSpec(
        1,
        "Contacts",
        ("contacts", "contact"),
        (
            Column("date", ("Date of Contact", "Contact Date", "Date Contact Received")),
            Column("source", ("Contact Source", "Source of Contact", "Contact Source Code")),
        ),
        (DatedEvent("date", "front_door", "arrive"),),
        "date",
    ),
    ListSpec(
        2,
        "Early help",
        ("early help", "eh"),
        (
            Column(
                "start",
                ("Assessment start date", "Early Help Start Date", "Date Early Help Started"),
            ),
            _optional(
                "end", "Assessment completion date", "Early Help End Date", "Date Early Help Ended"
            ),
            _optional("organisation", "Organisation completing assessment", "Organisation"),
        ),
        (
            DatedEvent("start", "early_help", "start"),
            DatedEvent("end", "early_help", "end"),
        ),
        "organisation",
        (("start", "end"),),
    ),
    ListSpec(
        3,
        "Referrals",
        ("referrals", "referral"),
        (
            Column("date", ("Date of referral", "Referral Date", "Date Referral Received")),
            _optional("source", "Referral Source", "Source of Referral", "Referral Source Code"),
            _optional("nfa", "Referral NFA?", "Referral NFA", "NFA"),
            _optional(
                "repeats",
                "Number of Referrals in Last 12 Months",
                "Referrals in Last 12 Months",
                "Number of Referrals in the Last 12 Months",
            ),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (DatedEvent("date", "referral", "arrive"),),
        "date",
    ),
    ListSpec(
        4,
        "Assessments",
        ("assessments", "assessment"),
        (
            Column(
                "start",
                (
                    "Continuous Assessment Start Date",
                    "Assessment Start Date",
                    "Date Assessment Started",
                ),
            ),
            _optional(
                "end",
                "Continuous Assessment Date of Authorisation",
                "Assessment Authorisation Date",
                "Assessment Authorised Date",
                "Date Assessment Authorised",
            ),
            _optional("seen", "Child Seen During Continuous Assessment", "Child Seen"),
            _optional(
                "needs_support",
                "Was the child assessed as requiring LA children's social care support?",
            ),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (
            DatedEvent("start", "assessment", "start"),
            DatedEvent("end", "assessment", "end"),
        ),
        "start",
        (("start", "end"),),
    ),
    ListSpec(
        5,
        "Section 47 enquiries and ICPCs",
        ("section 47", "s47", "enquiries", "icpc"),
        (
            Column(
                "start",
                (
                    "Strategy discussion initiating Section 47 Enquiry Start Date",
                    "Section 47 Enquiry Start Date",
                    "S47 Start Date",
                    "Strategy Discussion Date",
                ),
            ),
            _optional(
                "icpc",
                "Date of Initial Child Protection Conference",
                "ICPC Date",
                "Initial Child Protection Conference Date",
            ),
            _optional(
                "unneeded",
                "Was an Initial Child Protection Conference deemed unnecessary?",
                "ICPC Deemed Unnecessary",
            ),
            _optional(
                "plan",
                "Did the Initial Child Protection Conference Result in a Child Protection Plan",
                "ICPC Resulted in CP Plan",
            ),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (
            DatedEvent("start", "strategy", "start"),
            DatedEvent("icpc", "conference", "start"),
        ),
        "start",
        (("start", "icpc"),),
    ),
    ListSpec(
        6,
        "Children in need",
        ("children in need", "cin"),
        (
            Column("start", ("CIN Start Date", "Child in Need Start Date", "CIN Plan Start Date")),
            _optional("end", "CIN Closure Date", "Child in Need Closure Date", "CIN Plan End Date"),
            _optional("need", "Primary Need Code", "Primary Need"),
            _optional("reason", "Reason for Closure", "Closure Reason"),
            _optional("status", "Case Status"),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (
            DatedEvent("start", "cin_plan", "start"),
            DatedEvent("end", "cin_plan", "end"),
        ),
        "start",
        (("start", "end"),),
    ),
    ListSpec(
        7,
        "Child protection plans",
        ("child protection", "cp plans", "cpp", "cp"),
        (
            Column(
                "start",
                ("Child Protection Plan Start Date", "CP Plan Start Date", "CPP Start Date"),
            ),
            _optional("end", "Child Protection Plan End Date", "CP Plan End Date", "CPP End Date"),
            _optional("category", "Initial Category of Abuse", "Category of Abuse"),
            _optional("latest_category", "Latest Category of Abuse"),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (
            DatedEvent("start", "cp_plan", "start"),
            DatedEvent("end", "cp_plan", "end"),
        ),
        "start",
        (("start", "end"),),
    ),
    ListSpec(
        8,
        "Children looked after",
        ("looked after", "cla", "lac", "children in care", "cic"),
        (
            Column(
                "start",
                (
                    "Date Started to be Looked After",
                    "Date Started to be in Care",
                    "Date Became Looked After",
                    "Period of Care Start Date",
                ),
            ),
            _optional(
                "end",
                "Date Ceased to be Looked After",
                "Date Ceased to be in Care",
                "Period of Care End Date",
            ),
            _optional("legal_status", "Child's Legal Status", "Legal Status"),
            _optional("team", "Allocated Team", "Team"),
            _optional("worker", "Allocated Worker", "Worker"),
        ),
        (
            DatedEvent("start", "looked_after", "start"),
            DatedEvent("end", "looked_after", "end"),
        ),
        "start",
        (("start", "end"),),
    ),
)

#: The agency each list's events are at, and how a case book read from the lists
#: labels it.
AGENCY_LABELS: dict[str, str] = {
    "front_door": "Front door (contacts)",
    "early_help": "Early help",
    "referral": "Referrals",
    "assessment": "Assessments",
    "strategy": "Strategy discussions and section 47 enquiries",
    "conference": "Initial child protection conferences",
    "cin_plan": "Children in need",
    "cp_plan": "Child protection plans",
    "looked_after": "Children looked after",
}

# ----------------------------------------------------------------------------- codes

#: Gender as the lists write it, and whether it is female (the case book keeps only
#: that); the Annex A template's lettered choices are accepted with or without their letter.
SEX: dict[str, str] = {
    "male": "male",
    "m": "male",
    "1": "male",
    "female": "female",
    "f": "female",
    "2": "female",
    "not stated/recorded": "not recorded",
    "not stated": "not recorded",
    "not recorded": "not recorded",
    "unknown": "not recorded",
    "indeterminate": "not recorded",
    "0": "not recorded",
    "9": "not recorded",
    "neither": "not recorded",
}

#: Yes, no and unknown as the lists write them.
YES_NO: dict[str, str] = {
    "yes": "yes",
    "y": "yes",
    "1": "yes",
    "true": "yes",
    "no": "no",
    "n": "no",
    "0": "no",
    "false": "no",
    "unknown": "unknown",
}

#: The children in need census's referral source codes and their words (DfE,
#: "Children in need census guide": the same codes serve a contact's source).
SOURCES: dict[str, str] = {
    "1A": "Individual: family member, relative or carer",
    "1B": "Individual: acquaintance (including neighbours and child minders)",
    "1C": "Individual: self",
    "1D": "Individual: other (including strangers)",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health services: GP",
    "3B": "Health services: health visitor",
    "3C": "Health services: school nurse",
    "3D": "Health services: other primary health services",
    "3E": "Health services: A&E (emergency department)",
    "3F": "Health services: other",
    "4": "Housing",
    "5A": "LA services: social care",
    "5B": "LA services: other internal (for example youth justice)",
    "5C": "LA services: external (another local authority)",
    "5D": "LA services: early help",
    "6": "Police",
    "7": "Other legal agency (courts, probation, immigration, CAFCASS, prison)",
    "8": "Other (children's centres, independent providers, voluntary organisations)",
    "9": "Anonymous",
    "10": "Unknown",
}

#: Words a source is written as in place of its code (compared as header keys).
_SOURCE_WORDS: dict[str, str] = {
    "family": "1A",
    "family member": "1A",
    "relative": "1A",
    "parent": "1A",
    "carer": "1A",
    "acquaintance": "1B",
    "neighbour": "1B",
    "self": "1C",
    "self referral": "1C",
    "individual": "1D",
    "school": "2A",
    "schools": "2A",
    "education": "2B",
    "education services": "2B",
    "gp": "3A",
    "general practitioner": "3A",
    "health visitor": "3B",
    "school nurse": "3C",
    "primary health": "3D",
    "a e": "3E",
    "accident and emergency": "3E",
    "emergency department": "3E",
    "health": "3F",
    "health other": "3F",
    "housing": "4",
    "social care": "5A",
    "adult social care": "5A",
    "youth justice": "5B",
    "youth offending": "5B",
    "another local authority": "5C",
    "early help": "5D",
    "police": "6",
    "probation": "7",
    "court": "7",
    "courts": "7",
    "cafcass": "7",
    "other legal agency": "7",
    "other": "8",
    "voluntary": "8",
    "voluntary sector": "8",
    "anonymous": "9",
    "unknown": "10",
    "not known": "10",
}

_LETTER = re.compile(r"^[a-z]\d?\)\s*", re.IGNORECASE)
_SOURCE_CODE = re.compile(r"^(10|1[A-D]|2[AB]|3[A-F]|4|5[A-D]|[6-9])(?![0-9A-Za-z])", re.I)


def unlettered(cell: str) -> str:
    """``cell`` without the letter the Annex A template's drop-down lists put first.

    >>> unlettered("b) Female"), unlettered("p1) 5D: LA services"), unlettered("Female")
    ('Female', '5D: LA services', 'Female')
    """
    return _LETTER.sub("", cell, count=1)


def source_code(cell: str) -> str:
    """The census source code a cell names (by its code, first, or by its words), or
    ``""`` when it names none."""
    text = unlettered(cell.strip())
    found = _SOURCE_CODE.match(text)
    if found:
        return found.group(1).upper()
    return _SOURCE_WORDS.get(header_key(text), "")


#: The agency a source code reads as: ``(key, kind, label)``; ``None`` for a person or
#: an unknown source, which the case book records as a new arrival from no agency.
SOURCE_AGENCY: dict[str, tuple[str, str, str] | None] = {
    "1A": None,
    "1B": None,
    "1C": None,
    "1D": None,
    "2A": ("school", "school", "Schools"),
    "2B": ("education_services", "generic", SOURCES["2B"]),
    "3A": ("gp", "gp", "GP practices"),
    "3B": ("health_visiting", "health_visiting", "Health visitors"),
    "3C": ("school_nurse", "generic", SOURCES["3C"]),
    "3D": ("primary_health", "generic", SOURCES["3D"]),
    "3E": ("emergency_department", "emergency_department", "Emergency department"),
    "3F": ("other_health", "generic", SOURCES["3F"]),
    "4": ("housing", "generic", SOURCES["4"]),
    "5A": ("la_social_care", "generic", SOURCES["5A"]),
    "5B": ("la_other_internal", "generic", SOURCES["5B"]),
    "5C": ("la_external", "generic", SOURCES["5C"]),
    "5D": ("early_help", "early_help", "Early help"),
    "6": ("police", "police", "Police"),
    "7": ("other_legal_agency", "generic", SOURCES["7"]),
    "8": ("other_source", "generic", SOURCES["8"]),
    "9": None,
    "10": None,
}

#: Kinds of agency with a census source code of their own.
OWN_SOURCE: dict[str, str] = {
    "school": "2A",
    "gp": "3A",
    "health_visiting": "3B",
    "emergency_department": "3E",
    "early_help": "5D",
    "youth_justice": "5B",
    "probation": "7",
    "abe_interview": "6",
    "cp_medical": "3F",
    "generic": "8",
}
#: The code of every other kind is its partner agency's
#: (:func:`~jtai_sim.inspection.partners.partner_of_kind`): the NHS's services are
#: "health: other", the council's own children's social care "LA services: social
#: care", domestic abuse and voluntary services "other".
PARTNER_SOURCE: dict[str, str] = {
    "social_care": "5A",
    "health": "3F",
    "police": "6",
    "schools": "2A",
    "youth_justice": "5B",
    "probation": "7",
    "voluntary": "8",
}

#: The source written for a contact from no agency.
PUBLIC_SOURCE = "1A"


def written_source(kind: str) -> str:
    """The source code written for a contact from an agency of ``kind`` (``""``: none,
    a contact from the public, written as from family: the simulation does not tell a
    relative from a neighbour).

    >>> written_source("police"), written_source("crisis_team"), written_source("")
    ('6', '3F', '1A')
    """
    if not kind:
        return PUBLIC_SOURCE
    return OWN_SOURCE.get(kind) or PARTNER_SOURCE.get(partner_of_kind(kind), "8")


def as_recorded(kind: str) -> str:
    """The kind of agency a contact from ``kind`` reads back as once written as a list:
    the kind of its source code's agency (``""`` for none).

    >>> as_recorded("police"), as_recorded("crisis_team"), as_recorded("")
    ('police', 'generic', '')
    """
    agency = SOURCE_AGENCY[written_source(kind)]
    return "" if agency is None else agency[1]


#: The category of abuse of a child protection plan (CIN census codes).
ABUSE: dict[str, str] = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "EMO": "Emotional abuse",
    "MUL": "Multiple",
}


def list_of_name(name: str) -> ListSpec | None:
    """The list a file or sheet name names: ``List 4``, ``list_4``, ``A4``, or the list's
    words (``Referrals``); ``None`` when it names none.

    >>> list_of_name("List 3 - Referrals.csv").number, list_of_name("CLA").number
    (3, 8)
    >>> list_of_name("annex_a_list_7").number, list_of_name("notes") is None
    (7, True)
    """
    key = header_key(re.sub(r"\.(csv|xlsx)$", "", name, flags=re.I))
    numbered = re.search(r"(?:^|\s)(?:list|l|a)\s?(\d{1,2})(?:\s|$)", key)
    if numbered:
        number = int(numbered.group(1))
        return next((s for s in LISTS if s.number == number), None)
    for spec in LISTS:
        for word in spec.words:
            if re.search(rf"(?:^|\s){re.escape(word)}(?:\s|$)", key):
                return spec
    return None


def list_of_header(header: list[str]) -> ListSpec | None:
    """The list whose signature column a header row holds; when two lists' signatures
    match (``Assessment start date`` heads both early help and assessments in some
    exports), the one more of whose own columns the header holds.

    >>> list_of_header(["Child ID", "Assessment start date", "Organisation"]).number
    2
    >>> list_of_header(["Child ID", "Assessment start date", "Child Seen"]).number
    4
    """
    keys = {header_key(h) for h in header}

    def held(column: Column) -> bool:
        return any(header_key(s) in keys for s in column.spellings)

    found = [spec for spec in LISTS if held(spec.column(spec.signature))]
    scored = sorted(
        ((sum(held(c) for c in spec.columns), spec.number, spec) for spec in found),
        key=lambda t: (-t[0], t[1]),
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][2]


__all__ = [
    "ABUSE",
    "AGENCY_LABELS",
    "CHILD_COLUMNS",
    "LISTS",
    "OWN_SOURCE",
    "PARTNER_SOURCE",
    "PUBLIC_SOURCE",
    "SEX",
    "SOURCES",
    "SOURCE_AGENCY",
    "YES_NO",
    "DatedEvent",
    "ListSpec",
    "as_recorded",
    "list_of_header",
    "list_of_name",
    "source_code",
    "unlettered",
    "written_source",
]
