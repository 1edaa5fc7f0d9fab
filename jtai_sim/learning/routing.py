"""Pathways learned from hand-offs: who refers whom, with what chance, for which child.

When service at an agency ends, the engine tries its ``refer`` pathways with one draw
(the chances are shares of every child ending there) and takes ``parallel`` and
``notify`` pathways each on their own draw. So the chance of a pathway is the share of
``end`` rows at ``from`` followed (at that moment, within a day for a case list's dates)
by a ``handoff`` (refer), ``fork`` (parallel) or ``notify`` row to ``to``. A ``fork`` or
``notify`` row written at the moment service started at ``from`` (and at no end there
then) is a pathway ``at = "start"``, its chance the share of starts at which it was made.

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
    #: when the referral or notification is made: at the end of service, or its start
    at: str = "end"
    #: the chance the referral is marked urgent (none: no arrival by it was)
    urgent: Estimate | None = None


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


def _urgent(rows: pd.DataFrame, info: dict[str, Estimate] | None) -> Estimate | None:
    """The chance a referral by a pathway is marked urgent, from the arrivals it brought
    (``rows``, column ``urgent``): the engine drops the mark with lost information, so
    the share is of the arrivals whose information was not lost (the pathway's learned
    share lost taken off their number). None when no arrival was urgent."""
    marked = int(rows["urgent"].sum())
    if marked == 0:
        return None
    lost = info["lost"].estimate if info is not None and "lost" in info else 0.0
    kept = max(round(len(rows) * (1.0 - lost)), marked)
    return share(marked, kept, note=f"{marked} of {len(rows)} arrivals marked urgent")


def plain_text(column: pd.Series) -> np.ndarray:
    """A column of names as plain Python strings (``""`` for none), one dtype for every
    merge and comparison; a categorical column is spelt from its categories, once each.

    >>> plain_text(pd.Series(["cp", None, "cin"], dtype="category")).tolist()
    ['cp', '', 'cin']
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.array([*(str(c) for c in column.cat.categories), ""], dtype=object)
        spelt: np.ndarray = names[column.cat.codes.to_numpy()]
        return spelt
    return np.array([str(v) for v in column.astype(object).where(column.notna(), "")], dtype=object)


def learn_pathways(
    events: pd.DataFrame, children: pd.DataFrame, agencies: list[str]
) -> list[PathwaySeen]:
    """Every pathway ``events`` show, in agency order then by ``to``.

    A child moved on (``refer``) or also referred (``parallel``) shows as an ``arrive``
    row at ``to`` whose ``other`` is ``from``: it is matched to the child's latest
    ``end`` at ``from`` at or before it (a pathway may have a delay). It is ``parallel``
    when a ``fork`` row from ``from`` to ``to`` was written at that end. A notification
    shows only as a ``notify`` row at the end.
    """
    ends = events.loc[events["kind"] == "end", ["time", "child", "agency"]].copy()
    ends["agency"] = plain_text(ends["agency"])
    ends.index.name = "end_row"
    ends = ends.reset_index()
    flags = flags_at(ends.set_index("end_row"), events, children)
    kind = events["kind"].astype(str)
    arr = events.loc[
        (kind == "arrive") & events["other"].notna(),
        ["time", "child", "agency", "other", "detail"],
    ]
    arr = pd.DataFrame(
        {
            "time": arr["time"].to_numpy(),
            "child": arr["child"].to_numpy(),
            "agency": plain_text(arr["other"]),
            "to": plain_text(arr["agency"]),
            "urgent": arr["detail"].to_numpy() == 1,
        }
    )
    sent = events.loc[kind.isin(list(MODES)) & events["other"].notna()]
    sent = pd.DataFrame(
        {
            "time": sent["time"].to_numpy(),
            "child": sent["child"].to_numpy(),
            "agency": plain_text(sent["agency"]),
            "to": plain_text(sent["other"]),
            "kind": kind[sent.index].to_numpy(),
            "detail": sent["detail"].to_numpy(),
            "value": sent["value"].to_numpy(),
        }
    )
    by_end = ends.sort_values("time").astype({"agency": str})
    at_start = _made_at_start(events, sent, kind, by_end)
    sent = sent.drop(index=at_start.index)
    # the children those sent at a start brought to ``to`` are not moved on at an end
    forked = at_start[["time", "child", "agency", "to"]].astype({"agency": str, "to": str})
    flagged = arr.astype({"agency": str, "to": str}).merge(
        forked.drop_duplicates().assign(_forked=True),
        on=["time", "child", "agency", "to"],
        how="left",
    )
    arr = arr[flagged["_forked"].isna().to_numpy()]

    def matched(rows: pd.DataFrame, tolerance: float | None) -> pd.DataFrame:
        rows = rows.astype({"agency": str, "to": str})
        m = pd.merge_asof(
            rows.sort_values("time", kind="stable"),
            by_end,
            on="time",
            by=["child", "agency"],
            direction="backward",
            tolerance=tolerance,
        )
        m = m[m["end_row"].notna()].copy()
        m["end_row"] = m["end_row"].astype(np.int64)
        return m

    moved = matched(arr, None).drop_duplicates(["end_row", "to"])
    told = matched(sent, 1.0)
    forks = told[told["kind"] == "fork"].drop_duplicates(["end_row", "to"])
    fork_key = set(zip(forks["end_row"], forks["to"], strict=True))
    moved["mode"] = [
        "parallel" if (e, t) in fork_key else "refer"
        for e, t in zip(moved["end_row"], moved["to"], strict=True)
    ]
    notes = told[told["kind"] == "notify"].drop_duplicates(["end_row", "to"]).copy()
    notes["mode"] = "notify"
    told["mode"] = told["kind"].map(MODES)
    notes["urgent"] = False
    columns = ["end_row", "agency", "to", "mode", "urgent"]
    routes = pd.concat([moved[columns], notes[columns]], ignore_index=True)
    flags.index = ends["end_row"].to_numpy()
    found: list[PathwaySeen] = []
    n_end = ends.groupby("agency").size()
    for source in agencies:
        total = int(n_end.get(source, 0))
        if total == 0:
            continue
        mine = routes[routes["agency"] == source]
        f = flags.loc[ends.loc[ends["agency"] == source, "end_row"].to_numpy()]
        split = _best_split(mine[mine["mode"] == "refer"], f)
        for (mode, to), rows in sorted(
            mine.groupby(["mode", "to"]), key=lambda kv: (str(kv[0][1]), str(kv[0][0]))
        ):
            mode, to = str(mode), str(to)
            sent_here = told[(told["agency"] == source) & (told["to"] == to)]
            sent_here = sent_here[sent_here["mode"] == mode]
            info = _information(sent_here) if mode != "refer" or len(sent_here) else None
            if mode == "refer" and split is not None:
                has = f[split]
                took = has.reindex(rows["end_row"].to_numpy()).to_numpy(bool)
                n1, n0 = int(has.sum()), int((~has).sum())
                k1, k0 = int(took.sum()), int((~took).sum())
                found.append(
                    PathwaySeen(
                        source=source,
                        to=to,
                        mode=mode,
                        probability=share(k1, n1),
                        when=(split,),
                        information=info,
                        urgent=_urgent(rows[took], info),
                    )
                )
                found.append(
                    PathwaySeen(
                        source=source,
                        to=to,
                        mode=mode,
                        probability=share(k0, n0),
                        unless=(split,),
                        information=info,
                        urgent=_urgent(rows[~took], info),
                    )
                )
            else:
                found.append(
                    PathwaySeen(
                        source=source,
                        to=to,
                        mode=mode,
                        probability=share(len(rows), total),
                        information=info,
                        urgent=_urgent(rows, info),
                    )
                )
    found.extend(_start_pathways(events, kind, at_start, agencies))
    return found


def _starts(events: pd.DataFrame, kind: pd.Series) -> pd.DataFrame:
    """The starts of service after the records' first instant (those at it began before
    the records, and made no referral the records could show)."""
    rows = events.loc[(kind == "start") & (events["time"] > 0), ["time", "child", "agency"]]
    return pd.DataFrame(
        {
            "time": rows["time"].to_numpy(),
            "child": rows["child"].to_numpy(),
            "agency": plain_text(rows["agency"]),
        }
    )


def _made_at_start(
    events: pd.DataFrame, sent: pd.DataFrame, kind: pd.Series, by_end: pd.DataFrame
) -> pd.DataFrame:
    """The rows of ``sent`` made at the moment a service started there (a parallel
    referral or notification ``at = "start"``, as a request for an initial health
    assessment when care begins), and not at an end of service at that same moment."""
    if sent.empty:
        return sent
    starts = _starts(events, kind).sort_values("time", kind="stable").astype({"agency": str})
    starts["started"] = starts["time"]
    probe = sent[sent["kind"] != "handoff"].reset_index()
    probe = probe.sort_values("time", kind="stable").astype({"agency": str})
    hit = pd.merge_asof(
        probe, starts, on="time", by=["child", "agency"], direction="backward", tolerance=1e-9
    )
    ended = by_end.assign(ended=by_end["time"])[["time", "child", "agency", "ended"]]
    ended = ended.astype({"agency": str})
    hit = pd.merge_asof(
        hit, ended, on="time", by=["child", "agency"], direction="backward", tolerance=1e-9
    )
    keep = hit["started"].notna() & hit["ended"].isna()
    return sent.loc[hit.loc[keep, "index"].to_numpy()]


def _start_pathways(
    events: pd.DataFrame, kind: pd.Series, made: pd.DataFrame, agencies: list[str]
) -> list[PathwaySeen]:
    """The pathways made at the start of a service: the share of the starts at ``from``
    at which each was made."""
    if made.empty:
        return []
    n_start = _starts(events, kind).groupby("agency").size()
    found: list[PathwaySeen] = []
    for source in agencies:
        mine = made[made["agency"] == source]
        for (k, to), rows in sorted(mine.groupby(["kind", "to"]), key=lambda kv: str(kv[0][1])):
            once = rows.drop_duplicates(["child", "time"])
            found.append(
                PathwaySeen(
                    source=source,
                    to=str(to),
                    mode=MODES[str(k)],
                    probability=share(len(once), int(n_start.get(source, 0))),
                    information=_information(rows),
                    at="start",
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
        for _, rows in refer.groupby("to"):
            took = has.reindex(rows["end_row"]).to_numpy(bool)
            k1, k0 = int(took.sum()), int((~took).sum())
            z = abs(two_proportion_z(k1, n1, k0, n0))
            if z > best_z and abs(k1 / n1 - k0 / n0) > SPLIT_GAP:
                best, best_z = str(flag), z
    return best
