"""A child's events from the case book, in words a facilitator reads as a chronology.

>>> import pandas as pd
>>> row = pd.Series({"kind": "arrive", "agency": "camhs", "other": "school", "origin": "referral",
...                  "detail": 0, "value": 0.0})
>>> describe_event(row, {"camhs": "Community CAMHS", "school": "Schools"})
'Referred to Community CAMHS by Schools'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from jtai_sim.inspection.findings import duration_text
from jtai_sim.inspection.model import CaseBook
from jtai_sim.vocabulary import (
    LEGAL_STATUSES,
    STATUS_WORDS,
    Completeness,
    ExitReason,
    HeldIn,
    MentalHealth,
    PartnerCode,
)


def _name(value: Any, labels: Mapping[str, str]) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "another agency"
    return labels.get(str(value), str(value))


def describe_event(row: Any, labels: Mapping[str, str]) -> str:
    """One event (a row of ``CaseBook.events``) in words."""
    kind = str(row["kind"])
    here = _name(row["agency"], labels)
    other = _name(row["other"], labels)
    detail = int(row["detail"])
    value = float(row["value"])
    if kind == "child":
        return f"First came to notice, aged {int(value)}"
    if kind == "arrive":
        origin = str(row.get("origin", "") or "")
        urgent = " (urgent)" if detail == 1 else ""
        if origin == "crisis":
            return f"Arrived in crisis at {here}{urgent}"
        if origin == "new":
            return f"Came to notice at {here}{urgent}"
        if origin == "return":
            return f"Came back to {here} after an earlier closure{urgent}"
        if origin == "initial":
            return f"Already with {here} when the records begin"
        return f"Referred to {here} by {other}{urgent}"
    if kind == "wait":
        return f"Joined the waiting list at {here} ({int(value)} ahead)"
    if kind == "start":
        waited = f" after waiting {duration_text(value)}" if value >= 1 else ""
        return f"Service started at {here}{waited}"
    if kind == "end":
        return f"Service at {here} ended after {duration_text(value)}"
    if kind == "exit":
        if value == ExitReason.TAKEN_OFF:
            return f"Taken off the waiting list at {here} without being seen"
        if value == ExitReason.MERGED:
            return f"Second referral to {here} closed: help had started through another"
        if value == ExitReason.MOVED:
            return f"Place at {here} lost on moving to a placement out of the area"
        # detail says whether mental-health help had started in this journey (not whether
        # the agency itself did anything: a youth justice closure after months of work
        # is not "without support")
        help_words = (
            "the child had had mental-health help"
            if detail == 1
            else ("no mental-health help had started")
        )
        return f"Case closed at {here}; {help_words}"
    if kind in ("handoff", "notify", "fork"):
        verb = {
            "handoff": "passed the case to",
            "notify": "notified",
            "fork": "also referred the child to",
        }[kind]
        words = _words(Completeness, detail)
        return f"{here} {verb} {other}; information: {words}"
    if kind == "info":
        words = _words(Completeness, detail)
        late = ", late" if value >= 1 else ""
        return f"{here} received information from {other}: {words}{late}"
    if kind == "deteriorate":
        return f"Mental health worsened to {_words(MentalHealth, detail)}"
    if kind == "improve":
        return f"Mental health improved to {_words(MentalHealth, detail)}"
    if kind == "crisis":
        return f"Crisis while waiting at {here}"
    if kind == "identify":
        return f"Mental-health need recognised at {here}"
    if kind == "interim":
        return f"Interim support while waiting at {here}, after {duration_text(value)} on the list"
    if kind == "signpost":
        return (
            f"Signposted to {other} while waiting at {here}, after {duration_text(value)} "
            "on the list"
        )
    if kind == "retriage":
        moved = "moved up as urgent" if detail == 1 else "priority unchanged"
        return f"Waiting-list place at {here} re-triaged: {moved}"
    if kind == "review":
        late = f", {duration_text(value)} late" if value >= 1 else ", on time"
        return f"Review at {here}{late}"
    if kind == "placement":
        where = "out of the area" if detail == 1 else "in the area"
        if value < 1:
            return f"Placed {where} by {here}"
        return f"Moved placement ({int(value)} moves in this episode of care): now {where}"
    if kind == "held":
        if detail == int(HeldIn.FAR_FROM_HOME):
            return f"Place at {here} far from home"
        return f"Waiting for a place at {here}, held {_words(HeldIn, detail)}"
    if kind == "status":
        status = LEGAL_STATUSES[detail] if 0 <= detail < len(LEGAL_STATUSES) else "unknown"
        return f"Legal status: {STATUS_WORDS.get(status, status)}"
    if kind == "attend":
        who = _words(PartnerCode, detail)
        who = who[0].upper() + who[1:]
        came = "attended" if value >= 0.5 else "did not attend"
        return f"{who} {came} the meeting at {here}"
    return f"{kind} at {here}"


def _words(
    codes: type[Completeness] | type[MentalHealth] | type[PartnerCode] | type[HeldIn], detail: int
) -> str:
    """The words for code ``detail``, or "unknown" for a code the vocabulary lacks."""
    try:
        return codes(detail).word
    except ValueError:
        return "unknown"


def chronology(book: CaseBook, child: int, until: float | None = None) -> list[dict[str, str]]:
    """The child's events up to clock day ``until``: id, date, agency and words."""
    events = book.events
    rows = events[events["child"] == child]
    if until is not None:
        rows = rows[rows["time"] < until]
    labels = {k: a.label for k, a in book.agencies.items()}
    out: list[dict[str, str]] = []
    for event_id, row in rows.iterrows():
        agency = row["agency"]
        out.append(
            {
                "id": str(event_id),
                "date": pd.Timestamp(row["date"]).date().isoformat(),
                "agency": "" if pd.isna(agency) else labels.get(str(agency), str(agency)),
                "what": describe_event(row, labels),
            }
        )
    return out


__all__ = ["chronology", "describe_event"]
