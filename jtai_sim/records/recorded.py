"""What a format of records holds, and the facts of a case book it can carry.

Every reader of the area's own files returns a :class:`Recorded`: its children and
events in the layout :func:`~jtai_sim.inspection.cases_csv.assemble_casebook` builds a
case book from. A format carries only some of what a simulated run knows (Annex A
lists hold dates, not times; no return records how complete a referral's information
was), so a round trip is judged on :func:`facts`: the events of the kinds a format
declares in its :class:`Carried`, at day resolution, with agencies named by kind.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=90))
>>> held = Carried(events=frozenset({("assessment", "start"), ("assessment", "end")}))
>>> f = facts(book, held)
>>> list(f.columns)
['reference', 'date', 'agency_kind', 'kind', 'other_kind', 'detail']
>>> sorted(set(f["kind"]))
['end', 'start']
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from attrs import field, frozen

from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.vocabulary import EventKind

#: Event kinds whose ``detail`` a format records as a fact (a legal status's code, whether
#: a placement is outside the area).
_DETAIL_KINDS = frozenset({EventKind.STATUS.key, EventKind.PLACEMENT.key})


@frozen(kw_only=True)
class Recorded:
    """Children, events and agencies read from one format's files (see the module doc)."""

    children: pd.DataFrame = field(eq=False)
    events: pd.DataFrame = field(eq=False)
    agencies: dict[str, AgencyInfo]
    #: the last day the files describe (an extract's date), if they say
    covers_until: dt.date | None = None


@frozen(kw_only=True)
class Carried:
    """The facts a format holds: ``(agency kind, event kind)`` pairs."""

    events: frozenset[tuple[str, str]]

    def __or__(self, other: Carried) -> Carried:
        return Carried(events=self.events | other.events)


def facts(book: CaseBook, carried: Carried) -> pd.DataFrame:
    """The events of ``book`` that ``carried`` holds, as comparable rows in a fixed order.

    Columns: ``reference`` (the child's id as written), ``date`` (the day),
    ``agency_kind``, ``kind``, ``other_kind`` (``""`` for none) and ``detail`` (kept
    for a status change and a placement, 0 otherwise).
    """
    ev = book.events
    kinds = {key: info.kind for key, info in book.agencies.items()}
    agency_kind = ev["agency"].astype(object).map(kinds).fillna("")
    other_kind = ev["other"].astype(object).map(kinds).fillna("")
    kind = ev["kind"].astype(str)
    pairs = pd.Series(list(zip(agency_kind, kind, strict=True)), index=ev.index)
    keep = pairs.isin(carried.events).to_numpy()
    refs = book.children.set_index("child")["reference"]
    out = pd.DataFrame(
        {
            "reference": ev["child"][keep].map(refs).astype(str).to_numpy(),
            "date": pd.to_datetime(ev["date"][keep]).dt.normalize().to_numpy(),
            "agency_kind": agency_kind[keep].to_numpy(),
            "kind": kind[keep].to_numpy(),
            "other_kind": other_kind[keep].to_numpy(),
            "detail": np.where(
                kind[keep].isin(_DETAIL_KINDS).to_numpy(), ev["detail"][keep].to_numpy(), 0
            ).astype(np.int64),
        }
    )
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)


__all__ = ["Carried", "Recorded", "facts"]
