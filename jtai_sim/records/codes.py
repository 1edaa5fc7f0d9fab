"""Code lists the area's records share: ethnicity, sex, and a simulated child's date of birth.

The Department for Education's returns (the children in need census, the SSDA903
return on children looked after) and Ofsted's Annex A lists code a child's
ethnicity with the same four-letter codes (DfE "Ethnicity" code set, as in the CIN
census and SSDA903 guidance). A simulated child has only a broad group (White,
Mixed, Asian, Black, Other: the groups of a scenario's ``ethnicity`` shares), so
a writer cannot know the detailed code: it writes the group's "any other ...
background" code, and a reader maps every detailed code back to its group.
Chinese (``CHNE``) is counted with Asian, as the 2021 census groups it.

>>> ETHNICITY["BCRB"], ETHNIC_GROUP["BCRB"], GROUP_CODE["Black"]
('Caribbean', 'Black', 'BOTH')
>>> ETHNIC_GROUP["REFU"]
'Not recorded'
"""

from __future__ import annotations

#: DfE ethnicity codes and their words (CIN census and SSDA903 guidance).
ETHNICITY: dict[str, str] = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other Mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

#: What a case book says when a record gives no ethnicity (as the case list does).
NOT_RECORDED = "Not recorded"

#: Each DfE code's broad group, as a scenario names the groups.
ETHNIC_GROUP: dict[str, str] = {
    code: (
        NOT_RECORDED
        if code in ("REFU", "NOBT")
        else "Asian"
        if code == "CHNE"
        else "Other"
        if code == "OOTH"
        else {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black"}[code[0]]
    )
    for code in ETHNICITY
}

#: The code a writer gives a child of a broad group (its "any other" code; see above).
GROUP_CODE: dict[str, str] = {
    "White": "WOTH",
    "Mixed": "MOTH",
    "Asian": "AOTH",
    "Black": "BOTH",
    "Other": "OOTH",
    NOT_RECORDED: "NOBT",
}


#: Every way a record may give an ethnicity, to its broad group: the DfE code, its
#: words and the broad groups' own names.
ETHNICITY_SPELLINGS: dict[str, str] = (
    {code: ETHNIC_GROUP[code] for code in ETHNICITY}
    | {words: ETHNIC_GROUP[code] for code, words in ETHNICITY.items()}
    | {group: group for group in ("White", "Mixed", "Asian", "Black", "Other")}
    | {NOT_RECORDED: NOT_RECORDED}
)


def ethnicity_code(group: str) -> str:
    """The DfE code written for a child of ``group`` (a scenario's own group names that
    are none of the five, or a detailed code already, are written as found).

    >>> ethnicity_code("Asian"), ethnicity_code("WBRI"), ethnicity_code("Roma")
    ('AOTH', 'WBRI', 'Roma')
    """
    return GROUP_CODE.get(group, group)


def ethnic_group(code: str) -> str:
    """The broad group of a DfE code (matched without regard to case), or the text as
    written when it is not one (a scenario may name its own groups).

    >>> ethnic_group("wbri"), ethnic_group("Asian"), ethnic_group("")
    ('White', 'Asian', 'Not recorded')
    """
    if not code:
        return NOT_RECORDED
    return ETHNIC_GROUP.get(code.upper(), code)


__all__ = [
    "ETHNICITY",
    "ETHNICITY_SPELLINGS",
    "ETHNIC_GROUP",
    "GROUP_CODE",
    "NOT_RECORDED",
    "ethnic_group",
    "ethnicity_code",
]
