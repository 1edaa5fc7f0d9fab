"""The legal statuses an area's records imply, where the records do not state them.

Annex A lists, an SSDA903 return and a CAMHS extract record episodes (an assessment, a
child in need plan, a protection plan, a period of care), not a status column; the mock
inspection's lists ask for children in need, on a plan or looked after. A child holds
the status of the agencies whose episodes are open for them, the most serious first, as
the DfE's children in need census counts them (a child on a protection plan or in care
is also a child in need; a child being assessed is in need until the assessment ends).
Which agency kind gives which status is Midshire's (``legal_status`` in
``scenarios/midshire.toml``), so it lives in one place.

>>> import pandas as pd
>>> raw = pd.DataFrame({"line": [1, 2, 3, 4], "when": pd.to_datetime(
...     ["2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01"]),
...     "reference": "C1", "agency_key": ["cin_plan", "cp_plan", "cp_plan", "cin_plan"],
...     "kind": [3, 3, 4, 4], "other_key": "", "detail": 0, "value": float("nan"),
...     "origin": ""})
>>> kinds = {"cin_plan": "cin_plan", "cp_plan": "cp_plan"}
>>> implied_statuses(raw, kinds)[["when", "detail"]].astype(str).values.tolist()
[['2024-04-01', '2'], ['2024-05-01', '3'], ['2024-06-01', '2'], ['2024-07-01', '0']]
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from jtai_sim.vocabulary import STATUS_CODE, EventKind


@functools.cache
def status_of_kind() -> dict[str, int]:
    """The status code each agency kind's open episode gives (Midshire's ``legal_status``)."""
    from jtai_sim.scenario.builtin import load_scenario

    return {
        a.kind: STATUS_CODE[a.legal_status]
        for a in load_scenario("midshire").agencies.values()
        if a.legal_status is not None
    }


def implied_statuses(raw: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """STATUS rows for ``raw`` (events in the layout readers return; ``kinds`` gives each
    agency key's kind): one each time a child's most serious open status changes."""
    gives = status_of_kind()
    code = raw["agency_key"].map(kinds).map(gives)
    kind = raw["kind"].to_numpy()
    starts, ends = kind == int(EventKind.START), kind == int(EventKind.END)
    rows = raw[code.notna().to_numpy() & (starts | ends)]
    rows = rows.assign(gives=code[rows.index].astype(np.int64)).sort_values(
        ["reference", "when", "line"], kind="stable"
    )
    step = np.where(rows["kind"].to_numpy() == int(EventKind.START), 1, -1)
    child = rows["reference"].to_numpy()
    # the episodes of each status open for the child after each row, the most serious wins
    held = np.zeros(len(rows), dtype=np.int64)
    for status in sorted(set(gives.values())):
        mine = np.where(rows["gives"].to_numpy() == status, step, 0)
        open_now = pd.Series(mine).groupby(child).cumsum().to_numpy()
        held = np.where(open_now > 0, np.maximum(held, status), held)
    before = pd.Series(held).groupby(child).shift(fill_value=STATUS_CODE["none"]).to_numpy()
    changed = held != before
    out = rows[changed].assign(
        kind=int(EventKind.STATUS), other_key="", detail=held[changed], value=np.nan, origin=""
    )
    return out.drop(columns=["gives"]).reset_index(drop=True)


__all__ = ["implied_statuses", "status_of_kind"]
