"""Equity tables: waits, breaches, turn-aways, deterioration and lost information by group.

Inspectors act under the public sector equality duty (Equality Act 2010, section 149)
and ask whether some groups of children fare worse than others. Every child in the
register (:data:`jtai_sim.vocabulary.CHILD_COLUMNS`) has a sex, an ethnic group, a
disability and special-needs flag and a deprivation flag; their age and legal status
change as the run goes. :func:`equity_table` counts, for each group of each
characteristic (:data:`CHARACTERISTICS`), what happened to its children after the
warm-up (:data:`MEASURES`):

* ``camhs_wait``, ``social_care_wait``: days from referral to the start of service at
  the CAMHS support agencies, and at the social-care agencies with a waiting list, that
  the scenario's ``[flow]`` names (children who arrived after the warm-up);
* ``clock_breaches``: statutory and NHS clocks breached, of those met or breached
  (the rule is :mod:`jtai_sim.results.clocktime`'s);
* ``camhs_rejected``: CAMHS referrals made after the warm-up that the point of access
  (the ``camhs_referral`` agencies) decided on and did not pass to a support agency;
* ``camhs_turned_away``: CAMHS referrals closed before support (rejected, taken off
  the list or sent elsewhere; :func:`jtai_sim.results.metrics.camhs_referrals`), of the
  referrals made after the warm-up, as the Children's Commissioner counts them;
* ``deteriorations``: mental health worsening while waiting (DETERIORATE rows), per
  child joining the list of an agency where it can worsen;
* ``lost_handoffs``: hand-offs (HANDOFF rows) whose information never arrived, of those
  whose completeness is recorded.

A child's age band and legal status are those at the time: when they arrived for a
wait, when the clock started, when the referral, the list join or the hand-off was
made. Each row has the group's ``children`` (distinct children counted), ``events``
(waits, clocks decided, referrals, list joins, hand-offs), ``count`` (what happened:
waits, breaches, closures, deteriorations, losses), ``rate`` (mean days, ``count /
events``, or per 100 events for deteriorations), ``rest_rate`` (the same for all other
children) and the disproportionality ``ratio``, the one over the other (left out where the
other children's rate rounds to nothing a table could show). A row ``all`` per
characteristic holds the total.

:func:`published` applies the suppression of :mod:`jtai_sim.results.suppression` and
rounds, as an official table would be printed.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=200)
>>> table = equity_table(run.record, run.children)
>>> sorted(set(table["characteristic"])) == sorted(CHARACTERISTICS)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from jtai_sim.calendar import DAYS_PER_YEAR
from jtai_sim.results import metrics
from jtai_sim.results.record import RunRecord
from jtai_sim.results.suppression import MARK, hidden_cells, small, whole_percent
from jtai_sim.vocabulary import LEGAL_STATUSES, STATUS_WORDS, Completeness, EventKind

_K = EventKind


@attrs.frozen
class Measure:
    """One thing counted per group: its words and how its rate reads."""

    key: str
    #: what a table's row says
    label: str
    #: what ``events`` counts
    events: str
    #: ``days`` (a mean), ``share`` (count over events) or ``per_100`` (a rate per 100 events)
    unit: str
    #: whether a higher rate is better for children (never, for these)
    higher_is_better: bool = False


#: The measures, in table order.
MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("camhs_wait", "Wait for CAMHS support (days)", "waits", "days"),
        Measure("social_care_wait", "Wait for social care (days)", "waits", "days"),
        Measure("clock_breaches", "Clocks breached", "clocks met or breached", "share"),
        Measure(
            "camhs_rejected",
            "Not accepted by CAMHS",
            "referrals decided",
            "share",
        ),
        Measure("camhs_turned_away", "Closed before CAMHS support", "referrals", "share"),
        Measure(
            "deteriorations",
            "Worsened while waiting (per 100 list joins)",
            "list joins",
            "per_100",
        ),
        Measure("lost_handoffs", "Information lost on hand-off", "hand-offs", "share"),
    )
}

#: The age bands (lower bounds in years): the early years, primary school, secondary
#: school to 16, and 16 and 17 (a child who turns 18 in the run stays in the last).
AGE_BANDS: tuple[tuple[int, str], ...] = ((0, "0-4"), (5, "5-10"), (11, "11-15"), (16, "16-17"))

#: Group keys and words of each yes/no characteristic of the register: (column, yes, no).
_FLAGS: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "sex": ("female", ("female", "Female"), ("male", "Male")),
    "disability": ("disability", ("disabled", "Disabled"), ("not_disabled", "Not disabled")),
    "send": ("send", ("send", "Special educational needs"), ("no_send", "No SEND")),
    "deprivation": (
        "deprived",
        ("deprived", "Most deprived areas"),
        ("not_deprived", "Other areas"),
    ),
}
#: The characteristics, in table order, and what a table calls each.
CHARACTERISTICS: dict[str, str] = {
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "send": "Special educational needs (SEND)",
    "deprivation": "Deprivation",
    "age_band": "Age band at the time",
    "legal_status": "Legal status at the time",
}
#: The group key of each table's total row.
ALL = "all"
#: Columns of :func:`equity_table`.
COLUMNS = (
    "characteristic",
    "group",
    "label",
    "measure",
    "unit",
    "children",
    "events",
    "count",
    "rate",
    "rest_rate",
    "ratio",
)


def group_label(characteristic: str, group: str) -> str:
    """What a table calls ``group`` of ``characteristic``.

    >>> group_label("deprivation", "deprived"), group_label("legal_status", "cp")
    ('Most deprived areas', 'Child protection plan')
    >>> group_label("ethnicity", "Black"), group_label("sex", ALL)
    ('Black', 'All children')
    """
    if group == ALL:
        return "All children"
    if characteristic in _FLAGS:
        _, yes, no = _FLAGS[characteristic]
        return dict([yes, no]).get(group, group)
    if characteristic == "legal_status" and group in STATUS_WORDS:
        return STATUS_WORDS[group].capitalize()
    return group


def _rows(record: RunRecord, kinds: list[int]) -> np.ndarray:
    rec = record.log
    return rec[np.isin(rec["kind"], kinds)]


def _codes(record: RunRecord, agencies: tuple[str, ...]) -> list[int]:
    index = {k: i for i, k in enumerate(record.agency_ids)}
    return [index[a] for a in agencies if a in index]


def _frame(child: np.ndarray, time: np.ndarray, base: Any, hit: Any, value: Any) -> pd.DataFrame:
    n = len(child)
    return pd.DataFrame(
        {
            "child": np.asarray(child, np.int64),
            "time": np.asarray(time, np.float64),
            "base": np.broadcast_to(np.asarray(base, np.float64), n),
            "hit": np.broadcast_to(np.asarray(hit, np.float64), n),
            "value": np.broadcast_to(np.asarray(value, np.float64), n),
        }
    )


def _waits(record: RunRecord, agencies: list[int]) -> pd.DataFrame:
    rec = _rows(record, [int(_K.START)])
    rec = rec[np.isin(rec["agency"], agencies)]
    wait = np.maximum(rec["value"].astype(np.float64), 0.0)
    arrived = rec["time"].astype(np.float64) - rec["value"].astype(np.float64)
    keep = arrived >= record.warmup_days
    return _frame(rec["child"][keep], arrived[keep], 1.0, 1.0, wait[keep])


def _rejected(record: RunRecord, spa: list[int], support: list[int]) -> pd.DataFrame:
    """Each CAMHS referral made after the warm-up that the point of access decided on:
    ``hit`` if the child left it without being referred on to a CAMHS support agency."""
    rec = _rows(record, [int(_K.ARRIVE), int(_K.EXIT), int(_K.HANDOFF)])
    rec = rec[np.isin(rec["agency"], spa)]
    kind = rec["kind"]
    refs = pd.DataFrame(
        {"child": rec["child"][kind == int(_K.ARRIVE)], "time": rec["time"][kind == int(_K.ARRIVE)]}
    )
    refs = refs[refs["time"] >= record.warmup_days]
    leaves = rec[kind != int(_K.ARRIVE)]
    ends = pd.DataFrame(
        {
            "child": leaves["child"],
            "left": leaves["time"],
            "accepted": (leaves["kind"] == int(_K.HANDOFF)) & np.isin(leaves["other"], support),
        }
    )
    m = pd.merge_asof(
        refs.astype({"child": np.int64}).sort_values("time", kind="stable"),
        ends.astype({"child": np.int64}).sort_values("left", kind="stable"),
        left_on="time",
        right_on="left",
        by="child",
        direction="forward",
    )
    m = m[m["left"].notna()]
    rejected = (~m["accepted"].astype(bool)).to_numpy(np.float64)
    return _frame(m["child"], m["time"], 1.0, rejected, rejected)


def measure_items(record: RunRecord) -> dict[str, pd.DataFrame]:
    """What each measure counts, one row per event: ``child``, ``time`` (when the child's
    group is read), ``base`` (1 if it counts in ``events``), ``hit`` (1 if in ``count``)
    and ``value`` (summed for the rate). Measures the scenario cannot have are left out.
    """
    scenario = record.scenario
    flow = scenario.flow
    out: dict[str, pd.DataFrame] = {}
    camhs = _codes(record, flow.camhs_support)
    if camhs:
        out["camhs_wait"] = _waits(record, camhs)
    care = tuple(
        a
        for a in (*flow.referral, *flow.assessment, *flow.plan)
        if scenario.agencies[a].servers is not None
    )
    if care:
        out["social_care_wait"] = _waits(record, _codes(record, care))
    if scenario.clocks:
        clocks = metrics.clock_instances(record)
        clocks = clocks[clocks["outcome"].isin(["met", "breached"])]
        breached = (clocks["outcome"] == "breached").to_numpy(np.float64)
        out["clock_breaches"] = _frame(clocks["child"], clocks["start"], 1.0, breached, breached)
    if flow.camhs_referral:
        out["camhs_rejected"] = _rejected(record, _codes(record, flow.camhs_referral), camhs)
        refs = metrics.camhs_referrals(record, record.warmup_days)
        closed = (refs["outcome"] == "closed").to_numpy(np.float64)
        out["camhs_turned_away"] = _frame(refs["child"], refs["time"], 1.0, closed, closed)
    worsen = [
        i
        for i, key in enumerate(record.agency_ids)
        if scenario.agencies[key].deterioration_while_waiting
    ]
    if worsen:
        rec = _rows(record, [int(_K.WAIT), int(_K.DETERIORATE)])
        rec = rec[np.isin(rec["agency"], worsen) & (rec["time"] >= record.warmup_days)]
        joined = (rec["kind"] == int(_K.WAIT)).astype(np.float64)
        out["deteriorations"] = _frame(rec["child"], rec["time"], joined, 1 - joined, 1 - joined)
    rec = _rows(record, [int(_K.HANDOFF)])
    rec = rec[
        (rec["time"] >= record.warmup_days)
        & (rec["detail"] != int(Completeness.NOT_RECORDED))
        & (rec["agency"] >= 0)
    ]
    if len(rec):
        lost = (rec["detail"] == int(Completeness.LOST)).astype(np.float64)
        out["lost_handoffs"] = _frame(rec["child"], rec["time"], 1.0, lost, lost)
    return {key: frame for key, frame in out.items() if len(frame)}


#: Per characteristic: its groups (key, words) in order, and the group code (position in
#: that list) of each event, from the events' register rows and times.
_Coder = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _groups(
    record: RunRecord, children: pd.DataFrame, child: np.ndarray
) -> dict[str, tuple[list[tuple[str, str]], _Coder]]:
    """Per characteristic, its groups and a function giving the group code of each event
    (``pos``: the event's child's row in the sorted register; ``time``: when)."""
    kids = children.sort_values("child")
    out: dict[str, tuple[list[tuple[str, str]], _Coder]] = {}
    for name in CHARACTERISTICS:
        if name in _FLAGS:
            column, yes, no = _FLAGS[name]
            code_of = np.where(kids[column].to_numpy(bool), 0, 1).astype(np.int64)
            out[name] = ([yes, no], _by_child(code_of))
        elif name == "ethnicity":
            ethnic = kids["ethnicity"].astype(str).to_numpy(object)
            named = list(record.scenario.ethnic_groups)
            named += sorted(set(ethnic) - set(named))
            codes = pd.Categorical(ethnic, categories=named).codes.astype(np.int64)
            out[name] = ([(g, g) for g in named], _by_child(codes))
        elif name == "age_band":
            out[name] = ([(w, w) for _, w in AGE_BANDS], _age_band(kids))
        else:
            out[name] = (
                [(s, STATUS_WORDS[s].capitalize()) for s in LEGAL_STATUSES],
                _status_at(record, child),
            )
    return out


def _by_child(codes: np.ndarray) -> _Coder:
    def code(pos: np.ndarray, _time: np.ndarray) -> np.ndarray:
        return np.asarray(codes[pos])

    return code


def _age_band(kids: pd.DataFrame) -> _Coder:
    """The age band of each event: age on coming to notice plus the whole years since."""
    age = kids["age"].to_numpy(np.float64)
    arrived = kids["arrived"].to_numpy(np.float64)
    bounds = np.array([b for b, _ in AGE_BANDS[1:]], np.float64)

    def band(pos: np.ndarray, time: np.ndarray) -> np.ndarray:
        years = np.floor(age[pos] + (time - arrived[pos]) / DAYS_PER_YEAR)
        return np.asarray(np.digitize(years, bounds), dtype=np.int64)

    return band


def _status_at(record: RunRecord, child: np.ndarray) -> _Coder:
    """The legal status code of each event: that of the child's last STATUS row up to
    then (0, "none", before any)."""
    rows = _rows(record, [int(_K.STATUS)])
    table = pd.DataFrame(
        {
            "child": rows["child"].astype(np.int64),
            "time": rows["time"].astype(np.float64),
            "status": rows["detail"].astype(np.int64),
        }
    ).sort_values("time", kind="stable")

    def status(_pos: np.ndarray, time: np.ndarray) -> np.ndarray:
        left = pd.DataFrame({"child": child, "time": time, "order": np.arange(len(child))})
        m = pd.merge_asof(
            left.sort_values("time", kind="stable"), table, on="time", by="child"
        ).sort_values("order")
        return np.asarray(m["status"].fillna(0).to_numpy(np.int64))

    return status


def equity_table(record: RunRecord, children: pd.DataFrame) -> pd.DataFrame:
    """Every measure for every group of every characteristic (see the module's words):
    one row per (characteristic, group, measure), the ``all`` row of each first, with
    columns :data:`COLUMNS`. Nothing is suppressed; :func:`published` does that.
    """
    items = measure_items(record)
    if not items:
        return pd.DataFrame(columns=list(COLUMNS))
    measures = [m for m in MEASURES if m in items]
    frame = pd.concat([items[m] for m in measures], ignore_index=True)
    mcode = np.repeat(np.arange(len(measures)), [len(items[m]) for m in measures])
    child = frame["child"].to_numpy(np.int64)
    time = frame["time"].to_numpy(np.float64)
    base = frame["base"].to_numpy(np.float64)
    hit = frame["hit"].to_numpy(np.float64)
    value = frame["value"].to_numpy(np.float64)
    ids = np.sort(children["child"].to_numpy(np.int64))
    pos = np.searchsorted(ids, child)
    counted = base > 0
    n_m = len(measures)
    parts = []
    for name, (groups, code_of) in _groups(record, children, child).items():
        n_g = len(groups)
        # one cell per (measure, group); the total of each measure is its cell n_g
        key = mcode * (n_g + 1) + code_of(pos, time)
        size = n_m * (n_g + 1)
        events = np.bincount(key, weights=base, minlength=size)
        count = np.bincount(key, weights=hit, minlength=size)
        total = np.bincount(key, weights=value, minlength=size)
        pairs = np.unique(key[counted] * (ids[-1] + 1) + child[counted]) // (ids[-1] + 1)
        kids = np.bincount(pairs, minlength=size).astype(np.float64)
        shape = (n_m, n_g + 1)
        cells = [a.reshape(shape) for a in (events, count, total, kids)]
        for a in cells:  # the last column of each measure: all groups together
            a[:, n_g] = a[:, :n_g].sum(axis=1)
        kids_all = np.bincount(
            np.unique(mcode[counted] * (ids[-1] + 1) + child[counted]) // (ids[-1] + 1),
            minlength=n_m,
        )
        cells[3][:, n_g] = kids_all
        ev, ct, tot, ch = cells
        rest_ev = ev[:, [n_g]] - ev
        rest_tot = tot[:, [n_g]] - tot
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(ev > 0, tot / ev, np.nan)
            rest = np.where(rest_ev > 0, rest_tot / rest_ev, np.nan)
        rest[:, n_g] = np.nan
        order = [n_g, *range(n_g)]  # the total first, then the groups in order
        keys = [g for g, _ in groups]
        words = dict(groups)
        for i, m in enumerate(measures):
            for j in order:
                parts.append(
                    (
                        name,
                        ALL if j == n_g else keys[j],
                        "All children" if j == n_g else words[keys[j]],
                        m,
                        ch[i, j],
                        ev[i, j],
                        ct[i, j],
                        rate[i, j],
                        rest[i, j],
                    )
                )
    out = pd.DataFrame(
        parts,
        columns=[
            "characteristic",
            "group",
            "label",
            "measure",
            "children",
            "events",
            "count",
            "rate",
            "rest_rate",
        ],
    )
    out["unit"] = out["measure"].map({k: m.unit for k, m in MEASURES.items()})
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["rate"] / out["rest_rate"]
    # a ratio only where the rest's rate is one the table can show (0.05 days, 0.5%)
    shown = out["rest_rate"] >= out["unit"].map({"days": 0.05, "share": 0.005, "per_100": 0.005})
    out["ratio"] = ratio.where(np.isfinite(ratio) & shown)
    scale = out["measure"].map(
        {k: 100.0 if m.unit == "per_100" else 1.0 for k, m in MEASURES.items()}
    )
    out["rate"] *= scale
    out["rest_rate"] *= scale
    for column in ("children", "events", "count"):
        out[column] = out[column].round().astype(np.int64)
    return out[list(COLUMNS)]


def published(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (from :func:`equity_table`) as an official table would print it: counts
    from 1 to 9 and the figures built on them shown as :data:`MARK`, with secondary
    suppression within each characteristic and measure; shares in whole percent, waits in
    days to one decimal, rates per 100 whole, ratios to two decimals. ``rest_rate`` is left
    out (it is the total less the group's). Cells are numbers or the mark.

    >>> t = pd.DataFrame({"characteristic": ["sex"] * 3, "group": ["all", "female", "male"],
    ...     "label": ["All", "F", "M"], "measure": ["clock_breaches"] * 3,
    ...     "unit": ["share"] * 3, "children": [60, 25, 35], "events": [60, 25, 35],
    ...     "count": [12, 3, 9], "rate": [0.2, 0.12, 0.257], "rest_rate": [float("nan"),
    ...     0.257, 0.12], "ratio": [float("nan"), 0.47, 2.14]})
    >>> published(t)[["count", "rate", "ratio"]].values.tolist()
    [[12, 20, '–'], ['c', 'c', 'c'], ['c', 'c', 'c']]
    """
    if table.empty:
        return table.drop(columns=["rest_rate"])
    by = ["characteristic", "measure"]
    is_total = table["group"] == ALL
    counts = ["children", "events", "count"]
    hidden = hidden_cells(table.assign(_total=is_total), counts, by=by, total="_total")
    # the rest of the children: a ratio read off a small remainder is hidden too
    totals = table[is_total].set_index(by)
    joined = totals.reindex(pd.MultiIndex.from_frame(table[by]))
    rest_small = small(joined["count"].to_numpy() - table["count"].to_numpy()) | small(
        joined["events"].to_numpy() - table["events"].to_numpy()
    )
    waits = table["unit"] == "days"
    # a mean wait rests on the waits; a share or rate on its count and its events
    rate_hidden = hidden["events"] | (hidden["count"] & ~waits)
    out = table.drop(columns=["rest_rate"]).astype({c: object for c in (*counts, "rate", "ratio")})
    for column in counts:
        out.loc[hidden[column], column] = MARK
    out["rate"] = [
        MARK if hide else _rounded(rate, unit)
        for hide, rate, unit in zip(rate_hidden, table["rate"], table["unit"], strict=True)
    ]
    ratio_hidden = rate_hidden | (rest_small & ~is_total)
    out["ratio"] = [
        MARK if hide else ("–" if pd.isna(r) else round(float(r), 2))
        for hide, r in zip(ratio_hidden, table["ratio"], strict=True)
    ]
    return out


def _rounded(rate: float, unit: str) -> object:
    if pd.isna(rate):
        return "–"
    if unit == "share":
        return whole_percent(float(rate))
    if unit == "per_100":
        return round(float(rate))
    return round(float(rate), 1)


def ratios(table: pd.DataFrame, measure: str) -> Mapping[tuple[str, str], float]:
    """The disproportionality ratio of ``measure`` for each (characteristic, group).

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=200)
    >>> isinstance(ratios(equity_table(run.record, run.children), "clock_breaches"), dict)
    True
    """
    rows = table[(table["measure"] == measure) & (table["group"] != ALL)]
    return {
        (str(c), str(g)): float(r)
        for c, g, r in rows[["characteristic", "group", "ratio"]].itertuples(index=False)
    }


def equity(run: Any, *, suppress: bool = True) -> pd.DataFrame:
    """The equity table of a simulated :class:`~jtai_sim.simulation.run.Run` (its
    ``equity`` method, which computes it once): as an official table would print it
    (:func:`published`), or every figure unrounded and unsuppressed with
    ``suppress=False`` (:func:`equity_table`).

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=200)
    >>> list(equity(run).columns) == [c for c in COLUMNS if c != "rest_rate"]
    True
    """
    table: pd.DataFrame = run.equity(suppress=suppress)  # the run computes it once
    return table


@attrs.frozen
class Section:
    """One characteristic's table on a page: its title, the measures shown (key, words,
    unit) and a row per group with ``label`` and, per measure, ``rate`` and ``ratio`` as
    published (a number, the mark or a dash)."""

    key: str
    title: str
    measures: tuple[tuple[str, str, str], ...]
    rows: tuple[dict[str, Any], ...]


def sections(table: pd.DataFrame) -> list[Section]:
    """A published table (:func:`published`) as one :class:`Section` per characteristic,
    groups as rows and measures as columns, for a report page.

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=200)
    >>> [s.key for s in sections(equity(run))][:2]
    ['sex', 'ethnicity']
    """
    out = []
    for key, title in CHARACTERISTICS.items():
        part = table[table["characteristic"] == key]
        if part.empty:
            continue
        shown = [m for m in MEASURES if m in set(part["measure"])]
        rows = []
        for group, rows_of in part.groupby("group", sort=False):
            cells = rows_of.set_index("measure")
            row: dict[str, Any] = {"group": group, "label": rows_of["label"].iloc[0]}
            for m in shown:
                row[m] = {
                    "rate": cells.at[m, "rate"],
                    "ratio": cells.at[m, "ratio"],
                    "events": cells.at[m, "events"],
                }
            rows.append(row)
        measures = tuple((m, MEASURES[m].label, MEASURES[m].unit) for m in shown)
        out.append(Section(key, title, measures, tuple(rows)))
    return out


__all__ = [
    "AGE_BANDS",
    "ALL",
    "CHARACTERISTICS",
    "COLUMNS",
    "MEASURES",
    "Measure",
    "Section",
    "equity",
    "equity_table",
    "group_label",
    "measure_items",
    "published",
    "ratios",
    "sections",
]
