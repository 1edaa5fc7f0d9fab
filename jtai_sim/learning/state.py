"""The area's state on a day of its records: each agency's waiting list and caseload, who
the children in them are, and where a child closed there comes back to.

A learned scenario starts on the records' first day with the lists and caseloads open then,
and the back-test starts its last third with those open at the cut. A child is waiting at
an agency when their last row there before the day is an ``arrive`` or a ``wait``, and in
service when it is a ``start``; an ``end`` or an ``exit`` closes the episode.

>>> import pandas as pd
>>> events = pd.DataFrame({
...     "time": [0.0, 0.0, 0.0, 2.0, 3.0],
...     "child": [1, 1, 2, 1, 2],
...     "agency": ["team", "team", "team", "team", "team"],
...     "kind": ["arrive", "start", "arrive", "end", "start"],
... })
>>> open_now = open_children(events, 1.0)
>>> open_now["child"].tolist()
[1, 2]
>>> lists_and_caseloads(open_now)
{'team': (1, 1)}
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from jtai_sim.learning.routing import STATIC_FLAGS, plain_text
from jtai_sim.vocabulary import EventKind

#: The child flags a backlog's profile takes from the children it stands for (the
#: scenario's names; the children table calls the first ``identified``).
FLAGS = ("mental_health_identified", *STATIC_FLAGS)
_OPENED = (EventKind.ARRIVE.key, EventKind.WAIT.key, EventKind.START.key)
_CLOSED = (EventKind.END.key, EventKind.EXIT.key)


def lists_and_caseloads(open_now: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Each agency's (waiting, in service) among ``open_now`` (as :func:`open_children`
    gives them)."""
    out: dict[str, tuple[int, int]] = {}
    counts = open_now.groupby(["agency", "started"]).size()
    for (agency, started), n in counts.items():
        waiting, in_service = out.get(str(agency), (0, 0))
        if started:
            in_service += int(n)
        else:
            waiting += int(n)
        out[str(agency)] = (waiting, in_service)
    return out


def open_children(events: pd.DataFrame, day: float) -> pd.DataFrame:
    """The children waiting or in service before ``day``, one row per child and agency
    (``child``, ``agency``, ``started``), in order of their last row there."""
    before = events[events["time"].to_numpy(np.float64) < day]
    kind = before["kind"].astype(str).to_numpy()
    episode = np.isin(kind, [*_OPENED, *_CLOSED])
    rows = pd.DataFrame(
        {
            "child": before["child"].to_numpy()[episode],
            "agency": plain_text(before["agency"])[episode],
            "kind": kind[episode],
        }
    )
    last = rows.drop_duplicates(["child", "agency"], keep="last")
    last = last[last["kind"].isin(_OPENED)]
    return pd.DataFrame(
        {
            "child": last["child"].to_numpy(),
            "agency": last["agency"].to_numpy(object),
            "started": last["kind"].to_numpy(object) == EventKind.START.key,
        }
    )


def flag_shares(kids: pd.DataFrame, children: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    """Each flag of :data:`FLAGS` the children table ``kids`` (indexed by child) holds, as
    its share among ``children`` weighted by ``weight`` (none when the weights are 0)."""
    total = float(weight.sum())
    if total <= 0:
        return {}
    shares = {}
    for flag in FLAGS:
        column = "identified" if flag == "mental_health_identified" else flag
        if column in kids.columns:
            held = kids[column].reindex(children).fillna(False).to_numpy(bool)
            shares[flag] = round(float(weight[held].sum()) / total, 6)
    return shares


def arrivals_of(events: pd.DataFrame) -> pd.DataFrame:
    """The arrivals of ``events``: ``child``, ``agency`` and ``origin``, in time order."""
    arrive = events["kind"].astype(str).to_numpy() == EventKind.ARRIVE.key
    return pd.DataFrame(
        {
            "child": events["child"].to_numpy()[arrive],
            "agency": plain_text(events["agency"])[arrive],
            "origin": events["origin"].astype(str).to_numpy()[arrive],
        }
    )


def coming_back(arrivals: pd.DataFrame) -> pd.Series:
    """Where each child of ``arrivals`` comes back to if closed and re-referred, by child:
    where the records' returns of children first seen where it was first seen arrived
    most often (a front door, for children first known to a plan on the records' first
    day), or else that first agency."""
    first = arrivals.drop_duplicates("child").set_index("child")["agency"]
    returns = arrivals[arrivals["origin"] == "return"]
    came = pd.DataFrame(
        {"first": first.reindex(returns["child"]).to_numpy(), "to": returns["agency"].to_numpy()}
    )
    most = came.groupby("first")["to"].agg(lambda to: to.mode().iloc[0])
    mapped = first.map(most)
    return pd.Series(
        np.where(mapped.isna(), first.to_numpy(object), mapped.to_numpy(object)), index=first.index
    )


def returns_to(
    arrivals: pd.DataFrame, back: pd.Series, agencies: Collection[str]
) -> dict[str, str]:
    """Per agency, where a child open there comes back to if closed and re-referred
    (a backlog's ``returns_to``): where most of the children who came there would
    (``back``, from :func:`coming_back`), when that is another of ``agencies``."""
    came = arrivals[["agency", "child"]].drop_duplicates()
    came["back"] = back.reindex(came["child"]).to_numpy()
    most = {str(k): str(v.mode().iloc[0]) for k, v in came.groupby("agency")["back"]}
    return {k: to for k, to in most.items() if to != k and to in agencies}


__all__ = [
    "FLAGS",
    "arrivals_of",
    "coming_back",
    "flag_shares",
    "lists_and_caseloads",
    "open_children",
    "returns_to",
]
