"""Metrics: pure functions of one run's event log.

Nothing here keeps its own counts; each function reads a
:class:`~jtai_sim.results.record.RunRecord` (the packed log, the scenario and its
calendar) and returns a pandas table, so a metric can be checked on a log built
by hand. Statistics cover the
observation window after ``warmup_days``: a wait counts if the child arrived
inside the window, a clock if it started inside it, a flow if it happened
inside it.

:func:`metrics_table` gathers them all into one tidy table (``group``,
``name``, ``statistic``, ``value``, ``unit``) and :func:`key_metrics` into a
flat ``{name: value}`` mapping, which is what experiments compare.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jtai_sim.calendar import DAYS_PER_YEAR
from jtai_sim.results import censored, clocktime
from jtai_sim.results.registry import STATISTICS
from jtai_sim.scenario.model import FLOW_STAGES
from jtai_sim.vocabulary import MODE_OF_KIND, Completeness, EventKind, pathway_name

if TYPE_CHECKING:
    from jtai_sim.results.record import RunRecord

_K = EventKind
_COMPLETE, _PARTIAL, _LOST = (
    int(c) for c in (Completeness.COMPLETE, Completeness.PARTIAL, Completeness.LOST)
)


def _rows(record: RunRecord, kind: EventKind) -> pd.DataFrame:
    rec = record.log
    sel = rec[rec["kind"] == int(kind)]
    frame = pd.DataFrame({name: sel[name] for name in rec.dtype.names or ()})
    frame["child"] = frame["child"].astype(np.int64)
    frame["value"] = frame["value"].astype(np.float64)
    return frame


def waits(record: RunRecord) -> pd.DataFrame:
    """Waits from referral to start of service, per agency (children arriving in the window).

    Columns: ``agency``, ``activity``, ``children``, ``mean_days``, ``median_days``,
    ``p90_days``, ``mean_working_days`` (for office agencies), ``waited_share``, and for an
    agency with a prioritised list ``urgent_mean_days`` and ``routine_mean_days``: the
    overall mean mixes the two, so it can rise when more routine children are seen.
    """
    starts = _rows(record, _K.START)
    starts["arrived"] = starts["time"] - starts["value"].astype(np.float64)
    starts = starts[starts["arrived"] >= record.warmup_days]
    out = []
    for index, key in enumerate(record.agency_ids):
        spec = record.scenario.agencies[key]
        rows = starts[starts["agency"] == index]
        wait = rows["value"].to_numpy(np.float64)
        wait = np.maximum(wait, 0.0)
        row: dict[str, object] = {
            "agency": key,
            "activity": spec.activity,
            "children": len(wait),
        }
        if len(wait):
            row |= {
                "mean_days": float(wait.mean()),
                "median_days": float(np.median(wait)),
                "p90_days": float(np.quantile(wait, 0.9)),
                "waited_share": float((wait > 1e-9).mean()),
            }
            if record.scenario.prioritises(key):
                urgent = rows["detail"].to_numpy() == 1
                for name, part in (("urgent", wait[urgent]), ("routine", wait[~urgent])):
                    if len(part):
                        row[f"{name}_mean_days"] = float(part.mean())
            if spec.working == "office":
                cal = record.calendar
                w = cal.to_working_array(rows["time"].to_numpy()) - cal.to_working_array(
                    rows["arrived"].to_numpy()
                )
                row["mean_working_days"] = float(w.mean())
        out.append(row)
    return pd.DataFrame(out)


def clocks(record: RunRecord) -> pd.DataFrame:
    """Each statutory or NHS clock: how often it was met, breached, still pending at the
    end of the run or not reached, and how long it ran (in its own unit, whole working
    days for working-day clocks). The rule is :func:`clock_instances`'s.
    """
    frame = clock_instances(record)
    out = []
    for key, clock in record.scenario.clocks.items():
        rows = frame[frame["clock"] == key]
        counts = rows["outcome"].value_counts()
        met, breached = int(counts.get("met", 0)), int(counts.get("breached", 0))
        decided = met + breached
        stopped = rows[rows["stopped"]]
        out.append(
            {
                "clock": key,
                "label": clock.label,
                "limit": clock.limit,
                "unit": clock.unit,
                "started": len(rows),
                "met": met,
                "breached": breached,
                "pending": int(counts.get("pending", 0)),
                "not_reached": int(counts.get("not_reached", 0)),
                "met_share": met / decided if decided else float("nan"),
                "mean_elapsed": float(stopped["elapsed"].mean()) if len(stopped) else float("nan"),
                "median_elapsed": float(stopped["elapsed"].median())
                if len(stopped)
                else float("nan"),
                "source": clock.source,
            }
        )
    return pd.DataFrame(out)


def clock_instances(record: RunRecord) -> pd.DataFrame:
    """One row per clock started in the window: child, start, stop, elapsed, outcome.

    The rule is :func:`jtai_sim.results.clocktime.clock_instances`, judged at the end of
    the run.
    """
    frame = clocktime.clock_instances(
        clocktime.LogColumns.of_records(record.log, clocktime.CLOCK_KINDS),
        record.calendar,
        record.scenario.clocks,
        {k: i for i, k in enumerate(record.agency_ids)},
        t_end=record.duration_days,
        since=record.warmup_days,
    )
    return frame[["clock", "child", "start", "stop", "elapsed", "stopped", "outcome"]]


def _points(rec: np.ndarray, agencies: list[int], kind: EventKind) -> pd.DataFrame:
    sel = rec[(rec["kind"] == int(kind)) & np.isin(rec["agency"], agencies)]
    return pd.DataFrame({"child": sel["child"].astype(np.int64), "time": sel["time"]})


def flow(record: RunRecord) -> pd.DataFrame:
    """The funnel from contact to plan, per 10,000 children per year, with shares.

    Also the no-further-action share (referrals leaving from a referral agency),
    the not-in-need share (referrals leaving from an assessment agency) and the
    share of referrals that are re-referrals within 12 months.
    """
    scenario = record.scenario
    index = {k: i for i, k in enumerate(record.agency_ids)}
    arrivals = _rows(record, _K.ARRIVE)
    exits = _rows(record, _K.EXIT)
    window = arrivals["time"] >= record.warmup_days
    years = record.window_days / DAYS_PER_YEAR
    per = scenario.children / 10_000 * years
    out: list[dict[str, object]] = []

    def count(frame: pd.DataFrame, agencies: tuple[str, ...]) -> pd.DataFrame:
        return frame[frame["agency"].isin([index[a] for a in agencies])]

    counts: dict[str, int] = {}
    for stage in FLOW_STAGES:
        agencies = getattr(scenario.flow, stage)
        if not agencies:
            continue
        n = len(count(arrivals[window], agencies))
        if stage == "camhs_support":
            starts = _rows(record, _K.START)
            n = len(count(starts[starts["time"] >= record.warmup_days], agencies))
        counts[stage] = n
        out.append({"measure": f"{stage}s_per_10k_per_year", "value": n / per if per else 0.0})
    referrals = counts.get("referral", 0)
    if referrals:
        ex = exits[exits["time"] >= record.warmup_days]
        nfa = len(count(ex, scenario.flow.referral))
        nin = len(count(ex, scenario.flow.assessment))
        out.append({"measure": "nfa_share_of_referrals", "value": nfa / referrals})
        out.append({"measure": "not_in_need_share_of_referrals", "value": nin / referrals})
        # only a referral with a whole year of the run behind it can be judged a re-referral
        refs = count(arrivals, scenario.flow.referral).sort_values(["child", "time"])
        recent = (refs["time"] - refs.groupby("child")["time"].shift()) <= DAYS_PER_YEAR
        judged = refs["time"] >= max(record.warmup_days, DAYS_PER_YEAR)
        if judged.any():
            out.append(
                {
                    "measure": "re_referral_share_within_12_months",
                    "value": float((recent & judged).sum() / judged.sum()),
                }
            )
    if counts.get("contact"):
        out.append(
            {"measure": "referral_share_of_contacts", "value": referrals / counts["contact"]}
        )
    return pd.DataFrame(out, columns=["measure", "value"])


def camhs_referrals(record: RunRecord, since: float) -> pd.DataFrame:
    """Each CAMHS referral made from clock time ``since`` on, and what became of it by the
    end of the record: one row per referral with ``child``, ``time``, ``supported`` (when
    support started, or NaN) and ``outcome`` (``supported``, ``closed`` or ``waiting``).

    The one rule for a CAMHS referral's outcome (:func:`camhs_outcomes` and the equity
    tables read it). ``closed``: left CAMHS without support (rejected, taken off the
    list, or referred elsewhere) before any support started.
    """
    flow_spec = record.scenario.flow
    index = {k: i for i, k in enumerate(record.agency_ids)}
    spa = [index[a] for a in flow_spec.camhs_referral]
    support = [index[a] for a in flow_spec.camhs_support]
    camhs = spa + support
    rec = record.log
    refs = _points(rec, spa, _K.ARRIVE)
    refs = refs[refs["time"] >= since].sort_values("time")
    starts = _points(rec, support, _K.START).sort_values("time")
    leaving = (rec["kind"] == int(_K.EXIT)) | (
        (rec["kind"] == int(_K.HANDOFF)) & ~np.isin(rec["other"], camhs)
    )
    sel = rec[leaving & np.isin(rec["agency"], camhs)]
    ends = pd.DataFrame({"child": sel["child"].astype(np.int64), "time": sel["time"]})
    ends = ends.sort_values("time")
    m = pd.merge_asof(
        refs,
        starts.rename(columns={"time": "supported"}),
        left_on="time",
        right_on="supported",
        by="child",
        direction="forward",
    )
    m = pd.merge_asof(
        m.sort_values("time"),
        ends.rename(columns={"time": "closed"}),
        left_on="time",
        right_on="closed",
        by="child",
        direction="forward",
    )
    sup = m["supported"].notna() & (m["closed"].isna() | (m["supported"] <= m["closed"]))
    closed = ~sup & m["closed"].notna()
    outcome = np.where(sup, "supported", np.where(closed, "closed", "waiting"))
    return pd.DataFrame(
        {
            "child": m["child"].to_numpy(np.int64),
            "time": m["time"].to_numpy(np.float64),
            "supported": m["supported"].where(sup).to_numpy(np.float64),
            "outcome": outcome,
        }
    )


def camhs_outcomes(record: RunRecord) -> pd.DataFrame:
    """What became of the CAMHS referrals of the last year, seen at the end of the record.

    As the Children's Commissioner counts them: referrals made in the final 365
    days (or the whole window, if shorter) and their state on the last day.
    ``supported``: support started; ``closed``: left CAMHS without support
    (rejected, taken off the list, or referred elsewhere); ``waiting``: neither
    yet (the rule is :func:`camhs_referrals`). Also the mean and 90th-percentile wait
    from referral to support, in days.
    """
    if not record.scenario.flow.camhs_referral:
        return pd.DataFrame(columns=["measure", "value"])
    since = max(record.warmup_days, record.duration_days - DAYS_PER_YEAR)
    m = camhs_referrals(record, since)
    sup = m["outcome"] == "supported"
    closed = m["outcome"] == "closed"
    n = len(m)
    waits_days = (m.loc[sup, "supported"] - m.loc[sup, "time"]).to_numpy(np.float64)
    out = [
        {"measure": "referrals", "value": float(n)},
        {"measure": "supported_share", "value": float(sup.mean()) if n else float("nan")},
        {"measure": "closed_share", "value": float(closed.mean()) if n else float("nan")},
        {
            "measure": "waiting_share",
            "value": float((~sup & ~closed).mean()) if n else float("nan"),
        },
        {
            "measure": "mean_wait_to_support_days",
            "value": float(waits_days.mean()) if len(waits_days) else float("nan"),
        },
        {
            "measure": "p90_wait_to_support_days",
            "value": float(np.quantile(waits_days, 0.9)) if len(waits_days) else float("nan"),
        },
    ]
    return pd.DataFrame(out)


def handoffs(record: RunRecord) -> pd.DataFrame:
    """Hand-offs and notifications per pathway by how the information arrived."""
    rec = record.log
    kinds = list(MODE_OF_KIND)
    sel = rec[np.isin(rec["kind"], kinds) & (rec["time"] >= record.warmup_days)]
    frame = pd.DataFrame(
        {
            "source": np.asarray(record.agency_ids, dtype=object)[sel["agency"]]
            if len(sel)
            else [],
            "to": np.asarray(record.agency_ids, dtype=object)[sel["other"]] if len(sel) else [],
            "mode": np.array([MODE_OF_KIND[k] for k in sel["kind"].tolist()], dtype=object),
            "completeness": sel["detail"],
            "delay": sel["value"].astype(np.float64),
        }
    )
    due = clocktime.handoff_due(record.scenario.pathways)
    out = []
    for (source, to, mode), rows in frame.groupby(["source", "to", "mode"], sort=False):
        recorded = rows[rows["completeness"] != int(Completeness.NOT_RECORDED)]
        n = len(recorded)
        if not n:
            continue
        limit = due.get((source, mode, to), np.inf)
        out.append(
            {
                "pathway": pathway_name(source, mode, to),
                "source": source,
                "to": to,
                "mode": mode,
                "handoffs": n,
                "complete_share": float((recorded["completeness"] == _COMPLETE).mean()),
                "partial_share": float((recorded["completeness"] == _PARTIAL).mean()),
                "lost_share": float((recorded["completeness"] == _LOST).mean()),
                "late_share": float(
                    clocktime.is_late(recorded["completeness"], recorded["delay"], limit).mean()
                ),
            }
        )
    return pd.DataFrame(
        out,
        columns=[
            "pathway",
            "source",
            "to",
            "mode",
            "handoffs",
            "complete_share",
            "partial_share",
            "lost_share",
            "late_share",
        ],
    )


def mental_health(record: RunRecord) -> pd.DataFrame:
    """Per agency, per year: needs recognised there, and deterioration and crises while
    waiting on its list."""
    years = record.window_days / DAYS_PER_YEAR
    rec = record.log
    agency, kind = rec["agency"], rec["kind"]
    counted = (rec["time"] >= record.warmup_days) & (agency >= 0)
    kinds = {
        "identifications": _K.IDENTIFY,
        "deteriorations": _K.DETERIORATE,
        "crises": _K.CRISIS,
    }
    size = len(record.agency_ids)
    tally = {
        name: np.bincount(agency[counted & (kind == int(k))], minlength=size)
        for name, k in kinds.items()
    }
    out = []
    for index, key in enumerate(record.agency_ids):
        counts = {name: int(tally[name][index]) for name in kinds}
        if any(counts.values()) or record.scenario.agencies[key].deterioration_while_waiting:
            row: dict[str, object] = {"agency": key, **counts}
            row |= {f"{name}_per_year": n / years for name, n in counts.items()}
            out.append(row)
    columns = ["agency", *kinds, *(f"{k}_per_year" for k in kinds)]
    return pd.DataFrame(out, columns=columns)


def _first_of_family(
    time: np.ndarray, ended: np.ndarray, child: np.ndarray, households: np.ndarray
) -> np.ndarray:
    """Rows that are not a brother's or sister's copy of a row before them: the first
    start (or end) of each household at each time."""
    keys = pd.DataFrame({"time": time, "ended": ended, "home": households[child - 1]})
    return np.asarray(~keys.duplicated(), dtype=bool)


def utilisation(record: RunRecord) -> pd.DataFrame:
    """Share of caseload places in use over the window (working time for office agencies;
    a family counted once at an agency that deals with families together)."""
    rec = record.log
    service = (rec["kind"] == int(_K.START)) | (rec["kind"] == int(_K.END))
    time_of, agency_of = rec["time"][service], rec["agency"][service]
    ended = rec["kind"][service] == int(_K.END)
    out = []
    for index, key in enumerate(record.agency_ids):
        spec = record.scenario.agencies[key]
        if spec.servers is None:
            continue
        here = agency_of == index
        if spec.per_family and record.households is not None:
            # a family's brothers and sisters each log a start and an end, in one place
            rows = np.flatnonzero(here)
            first = _first_of_family(
                time_of[rows], ended[rows], rec["child"][service][rows], record.households
            )
            here = np.zeros_like(here)
            here[rows[first]] = True
        times = time_of[here].astype(np.float64)
        end = ended[here]
        # places in use = services started - services ended; integrate over the window
        starts_t = times[~end]
        ends_t = times[end]
        cal = record.calendar
        w0, w1 = record.warmup_days, record.duration_days
        conv = cal.to_working_array if spec.working == "office" else (lambda x: np.asarray(x))
        lo, hi = conv(np.array([w0])), conv(np.array([w1]))
        s = np.clip(conv(starts_t), lo, hi)
        e_all = np.clip(conv(ends_t), lo, hi)
        busy = float((hi - s).sum() - (hi - e_all).sum())
        capacity = spec.servers * float(hi[0] - lo[0])
        out.append(
            {
                "agency": key,
                "places": spec.servers,
                "utilisation": busy / capacity if capacity else float("nan"),
                "mean_in_service": busy / float(hi[0] - lo[0]) if hi[0] > lo[0] else float("nan"),
            }
        )
    return pd.DataFrame(out, columns=["agency", "places", "utilisation", "mean_in_service"])


def reviews(record: RunRecord) -> pd.DataFrame:
    """Reviews held during plans: how many, and the share held on time."""
    rows = _rows(record, _K.REVIEW)
    rows = rows[rows["time"] >= record.warmup_days]
    out = []
    for index, key in enumerate(record.agency_ids):
        here = rows[rows["agency"] == index]
        if len(here):
            out.append(
                {
                    "agency": key,
                    "reviews": len(here),
                    "on_time_share": float((here["value"] <= 0).mean()),
                    "mean_late_days": float(here["value"].mean()),
                }
            )
    return pd.DataFrame(out, columns=["agency", "reviews", "on_time_share", "mean_late_days"])


def censored_waits(record: RunRecord) -> pd.DataFrame:
    """Waits counting the children still waiting at the end (Kaplan-Meier median and
    restricted mean), per agency with a waiting list: see
    :func:`jtai_sim.results.censored.censored_waits`."""
    return censored.censored_waits(record)


#: The metric tables by name: each a pure function of a run record.
TABLES: dict[str, Callable[[RunRecord], pd.DataFrame]] = {
    "waits": waits,
    "censored_waits": censored_waits,
    "clocks": clocks,
    "flow": flow,
    "camhs_outcomes": camhs_outcomes,
    "handoffs": handoffs,
    "mental_health": mental_health,
    "utilisation": utilisation,
    "reviews": reviews,
}

#: Where each metric group's rows come from: table, column naming the subject (or a
#: fixed subject), and for long tables the column holding the statistic's name.
_GROUP_SOURCES: tuple[tuple[str, str, str, str | None], ...] = (
    ("wait", "waits", "agency", None),
    ("wait", "censored_waits", "agency", None),
    ("clock", "clocks", "clock", None),
    ("flow", "flow", "=partnership", "measure"),
    ("camhs", "camhs_outcomes", "=camhs", "measure"),
    ("handoff", "handoffs", "pathway", None),
    ("mental_health", "mental_health", "agency", None),
    ("utilisation", "utilisation", "agency", None),
    ("review", "reviews", "agency", None),
)


def metrics_table(
    record: RunRecord, tables: Mapping[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Every metric in one tidy table: ``group``, ``name``, ``statistic``, ``value``, ``unit``.

    The statistics of each group, and their units, are the registry's
    (:data:`jtai_sim.results.registry.STATISTICS`). ``tables`` are the metric tables
    already computed (any missing ones are computed here).
    """
    have = dict(tables or {})
    rows: list[tuple[str, str, str, float, str]] = []
    for group, table, subject, long_column in _GROUP_SOURCES:
        frame = have[table] if table in have else TABLES[table](record)
        stats = STATISTICS[group]
        for r in frame.to_dict("records"):
            name = subject[1:] if subject.startswith("=") else str(r[subject])
            if long_column is not None:
                pairs = [(str(r[long_column]), r["value"])]
            else:
                pairs = [(stat, r[stat]) for stat in stats if stat in r]
            for stat, value in pairs:
                if pd.isna(value) and group == "wait":
                    continue  # a wait statistic with no children to measure is left out
                entry = stats.get(stat)
                unit = entry.unit if entry else ""
                if group == "clock":
                    unit = unit.format(u=r["unit"])
                rows.append((group, name, stat, float(value), unit))
    return pd.DataFrame(rows, columns=["group", "name", "statistic", "value", "unit"])


def key_metrics(
    record: RunRecord, tables: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, float]:
    """The metrics as a flat mapping ``"group.name.statistic" -> value``."""
    table = metrics_table(record, tables)
    return {
        f"{g}.{n}.{s}": float(v)
        for g, n, s, v in table[["group", "name", "statistic", "value"]].itertuples(index=False)
    }
