"""Pathways learned from hand-offs: who refers whom, with what chance, for which child.

When service at an agency ends, the engine tries its ``refer`` pathways with one draw
(the chances are shares of every child ending there) and takes ``parallel`` and
``notify`` pathways each on their own draw. So the chance of a pathway is the share of
``end`` rows at ``from`` followed (at that moment, within a day for a case list's dates)
by a ``handoff`` (refer), ``fork`` (parallel) or ``notify`` row to ``to``.

**Conditions.** A refer pathway is split by one child characteristic when the records
show a clear difference: for each flag the records hold at the moment service ended
(the static flags of the children table, and ``mental_health_need`` /
``mental_ill_health`` from the child's state then, following ``deteriorate`` and
``improve`` rows), the two shares are compared with a two-proportion z test. The flag
with the largest |z| over every refer pathway out of the agency is used for all of
them, if |z| > 4 and the shares differ by more than 0.03: each pathway is then written
twice, ``when = [flag]`` and ``unless = [flag]``. One flag per agency keeps the chances
out of it at most 1 for every child, as the loader requires.

**Information.** Where hand-off rows record completeness (``detail`` not
``not_recorded``), the shares complete, partial and lost, and the mean delay of the
information that arrived, are written as the pathway's ``information`` table.

>>> two_proportion_z(60, 100, 20, 100) > 4
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from attrs import frozen

from jtai_sim.learning.estimate import Estimate
from jtai_sim.vocabulary import Completeness

#: flags of the children table a pathway can be split by (the scenario's names)
STATIC_FLAGS = ("at_risk", "exploitation", "missing", "send", "disability", "deprived", "female")
STATE_FLAGS = ("mental_health_need", "mental_ill_health")
SPLIT_Z = 4.0
SPLIT_GAP = 0.03
Z95 = 1.959963984540054
MODES = {"handoff": "refer", "fork": "parallel", "notify": "notify"}


def two_proportion_z(a: int, n_a: int, b: int, n_b: int) -> float:
    """The z statistic of the difference between shares a/n_a and b/n_b."""
    if n_a == 0 or n_b == 0:
        return 0.0
    pooled = (a + b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return 0.0 if se == 0 else (a / n_a - b / n_b) / se


def share(k: int, n: int, note: str = "") -> Estimate:
    """``k / n`` with its Wilson 95% interval."""
    if n == 0:
        return Estimate(estimate=0.0, n=0, note=note)
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Estimate(
        estimate=p,
        n=n,
        low=max(0.0, round(centre - half, 12)),
        high=min(1.0, round(centre + half, 12)),
        note=note,
    )


@frozen(kw_only=True)
class PathwaySeen:
    """One learned pathway."""

    source: str
    to: str
    mode: str
    probability: Estimate
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    information: dict[str, Estimate] | None = None


def flags_at(ends: pd.DataFrame, events: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """The flags of each child at each row of ``ends`` (columns ``child``, ``time``)."""
    kids = children.set_index("child")
    out = pd.DataFrame(index=ends.index)
    for flag in STATIC_FLAGS:
        if flag in kids.columns:
            out[flag] = kids[flag].reindex(ends["child"]).fillna(False).to_numpy(bool)
    state = kids["mental_health"].reindex(ends["child"]).fillna(0).to_numpy(np.int64)
    change = events[events["kind"].isin(["deteriorate", "improve"])]
    if len(change):
        moved = pd.merge_asof(
            ends[["time", "child"]].reset_index().sort_values("time"),
            change[["time", "child", "detail"]].sort_values("time"),
            on="time",
            by="child",
            direction="backward",
        ).set_index(ends.index.name or "index")
        later = moved["detail"].reindex(ends.index)
        state = np.where(later.notna(), later.fillna(0).to_numpy(np.int64), state)
    out["mental_health_need"] = state >= 1
    out["mental_ill_health"] = state >= 2
    return out


def _information(rows: pd.DataFrame) -> dict[str, Estimate] | None:
    recorded = rows[rows["detail"] != int(Completeness.NOT_RECORDED)]
    if len(recorded) == 0:
        return None
    n = len(recorded)
    info = {
        name: share(int((recorded["detail"] == int(code)).sum()), n)
        for name, code in (
            ("complete", Completeness.COMPLETE),
            ("partial", Completeness.PARTIAL),
            ("lost", Completeness.LOST),
        )
    }
    arrived = recorded.loc[recorded["detail"] != int(Completeness.LOST), "value"].to_numpy(float)
    if len(arrived) > 1:
        mean = float(arrived.mean())
        half = Z95 * float(arrived.std(ddof=1)) / math.sqrt(len(arrived))
        info["delay_mean_days"] = Estimate(
            estimate=mean, n=len(arrived), low=max(0.0, mean - half), high=mean + half
        )
    return info


def learn_pathways(
    events: pd.DataFrame, children: pd.DataFrame, agencies: list[str]
) -> list[PathwaySeen]:
    """Every pathway the hand-offs in ``events`` show, in agency order then by ``to``."""
    ends = events.loc[events["kind"] == "end", ["time", "child", "agency"]].copy()
    ends["agency"] = ends["agency"].astype(str)
    sent = events.loc[
        events["kind"].isin(list(MODES)),
        ["time", "child", "agency", "other", "kind", "detail", "value"],
    ].copy()
    sent = sent[sent["other"].notna()]
    sent["agency"] = sent["agency"].astype(str)
    sent["other"] = sent["other"].astype(str)
    sent["kind"] = sent["kind"].astype(str)
    ends.index.name = "end_row"
    flags = flags_at(ends, events, children)
    # the end row each hand-off follows: the same child and agency, at or up to a day before
    matched = pd.merge_asof(
        sent.reset_index(drop=True).sort_values("time"),
        ends.reset_index().sort_values("time"),
        on="time",
        by=["child", "agency"],
        direction="backward",
        tolerance=1.0,
    )
    matched = matched[matched["end_row"].notna()]
    matched["end_row"] = matched["end_row"].astype(np.int64)
    found: list[PathwaySeen] = []
    n_end = ends.groupby("agency").size()
    for source in agencies:
        total = int(n_end.get(source, 0))
        if total == 0:
            continue
        mine = matched[matched["agency"] == source]
        end_rows = ends.index[ends["agency"] == source]
        f = flags.loc[end_rows]
        refer = mine[mine["kind"] == "handoff"].drop_duplicates("end_row")
        split = _best_split(refer, f)
        for (kind, to), rows in sorted(
            mine.groupby(["kind", "other"], observed=True), key=lambda kv: (kv[0][1], kv[0][0])
        ):
            mode = MODES[str(kind)]
            rows = rows.drop_duplicates("end_row")
            info = _information(rows)
            if mode == "refer" and split is not None:
                has = f[split]
                took = rows["end_row"].map(has)
                n1, n0 = int(has.sum()), int((~has).sum())
                k1, k0 = int(took.sum()), int((~took).sum())
                found.append(
                    PathwaySeen(
                        source=source,
                        to=str(to),
                        mode=mode,
                        probability=share(k1, n1),
                        when=(split,),
                        information=info,
                    )
                )
                found.append(
                    PathwaySeen(
                        source=source,
                        to=str(to),
                        mode=mode,
                        probability=share(k0, n0),
                        unless=(split,),
                        information=info,
                    )
                )
            else:
                found.append(
                    PathwaySeen(
                        source=source,
                        to=str(to),
                        mode=mode,
                        probability=share(len(rows), total),
                        information=info,
                    )
                )
    return found


def _best_split(refer: pd.DataFrame, flags: pd.DataFrame) -> str | None:
    best, best_z = None, SPLIT_Z
    for flag in flags.columns:
        has = flags[flag]
        n1 = int(has.sum())
        n0 = len(has) - n1
        if n1 < 30 or n0 < 30:
            continue
        for _, rows in refer.groupby("other", observed=True):
            took = has.reindex(rows["end_row"]).to_numpy(bool)
            k1, k0 = int(took.sum()), int((~took).sum())
            z = abs(two_proportion_z(k1, n1, k0, n0))
            if z > best_z and abs(k1 / n1 - k0 / n0) > SPLIT_GAP:
                best, best_z = str(flag), z
    return best
