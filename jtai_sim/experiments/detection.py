"""Would the inspectors see it? The chance a breakdown shows in the chosen children.

For each kind of breakdown a scenario can produce (each pathway that can lose
information, deliver it partial or late; each clock that can be missed; each
plan whose reviews can be late; each waiting list where children can reach a
crisis or get worse; each CAMHS access point that can turn children away;
closures that come back), :func:`detection_probability` runs ``replications``
replications of the scenario up to the notification date, chooses the children
as the inspectors would (:func:`~jtai_sim.inspection.selection.select`) and
asks whether at least one tracked or sampled child shows the breakdown in their
records. It also reports how often the breakdown happened anywhere in the
partnership, so a low chance of detection can be told apart from a breakdown
that rarely happens.

Every replication is simulated once and read three times (cohort, selection,
findings for everyone and for the chosen); the selection of replication ``r``
uses seed ``seed + r``.

>>> from jtai_sim import load_scenario
>>> table = detection_probability(load_scenario("scenarios/minimal.toml"), 2,
...                               notification=300, seed=1)
>>> {"kind", "key", "probability", "occurred_share"} <= set(table.columns)
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import attrs
import pandas as pd

from jtai_sim.calendar import calendar_for
from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import casebook_from_run, months_before
from jtai_sim.inspection.cohort import eligible_cohort
from jtai_sim.inspection.findings import all_hits, clock_kind
from jtai_sim.inspection.selection import select
from jtai_sim.inspection.theme import Theme, load_theme, theme_names
from jtai_sim.inspection.timeline import check_notification
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.run import simulate

COLUMNS = [
    "kind",
    "key",
    "subject",
    "label",
    "replications",
    "occurred_share",
    "probability",
    "ci_low",
    "ci_high",
    "probability_if_occurred",
    "mean_children_affected",
    "mean_chosen_affected",
]


def breakdowns(scenario: Scenario) -> pd.DataFrame:
    """Every breakdown the scenario can produce: ``kind``, ``key``, ``subject``."""
    labels = {k: a.label or k for k, a in scenario.agencies.items()}
    rows: list[tuple[str, str, str]] = []
    for p in scenario.pathways:
        info = p.information
        if info is None:
            continue
        key = p.name
        subject = f"{labels[p.source]} to {labels[p.to]}"
        if info.lost > 0:
            rows.append(("information_lost", key, subject))
        if info.partial > 0:
            rows.append(("information_partial", key, subject))
        if info.delay_mean_days > 0:
            rows.append(("information_late", key, subject))
    kinds = {k: a.kind for k, a in scenario.agencies.items()}
    for key, clock in scenario.clocks.items():
        rows.append((clock_kind(kinds, clock), key, clock.label))
    for key, a in scenario.agencies.items():
        if a.reviews is not None and a.reviews.on_time_probability < 1:
            rows.append(("late_review", key, labels[key]))
        if a.deterioration_while_waiting:
            mh = scenario.mental_health
            if mh.crisis_per_year_waiting > 0 and mh.crisis_agency:
                rows.append(("crisis_while_waiting", key, labels[key]))
            if mh.deterioration_per_year_waiting > 0:
                rows.append(("worse_while_waiting", key, labels[key]))
        ww = a.while_waiting
        # some children get interim support or signposting, and some may get neither
        if ww is not None and 0 < max(ww.interim_support, ww.signposting) < 1:
            rows.append(("waited_without_support", key, labels[key]))
        if a.kind == "camhs_spa":
            rows.append(("turned_away", key, labels[key]))
    frame = pd.DataFrame(rows, columns=["kind", "key", "subject"])
    return frame.drop_duplicates(["kind", "key"]).reset_index(drop=True)


def _wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def notification_date(scenario: Scenario, notification: dt.date | int) -> dt.date:
    """The notification date: a date, or a day number from the scenario's start, moved
    forward to a working day."""
    calendar = calendar_for(scenario)
    if isinstance(notification, dt.date):
        check_notification(calendar, notification)
        day = notification
    else:
        day = scenario.start_date + dt.timedelta(days=int(notification))
        while not calendar.is_working_date(day):
            day += dt.timedelta(days=1)
    last = scenario.start_date + dt.timedelta(days=math.ceil(scenario.duration_days) - 1)
    if not scenario.start_date < day <= last:
        raise InputError(
            f"{day.isoformat()} is outside the scenario's run ({scenario.start_date.isoformat()} "
            f"to {last.isoformat()})",
            key="notification",
        )
    return day


def detection_probability(
    scenario: Scenario,
    replications: int,
    notification: dt.date | int,
    *,
    seed: int | None = None,
    tracked: int = 6,
    sample_size: int = 30,
    months: int | None = None,
    theme: Theme | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Per breakdown, the probability that at least one chosen child shows it.

    ``notification`` is a date or a day number from the scenario's start;
    ``months`` limits both the partnership's and the children's records to the
    months before notification (``None``: everything up to it). Columns:
    ``kind``, ``key`` (pathway, clock or agency), ``subject`` (in words),
    ``label`` (the kind in words), ``replications``, ``occurred_share`` (share of
    replications in which it happened to any child), ``probability`` (share in
    which a tracked or sampled child shows it) with a 95% Wilson interval
    (``ci_low``, ``ci_high``), ``probability_if_occurred``, and the mean number
    of children affected in the partnership and among the chosen. The children are
    chosen as ``theme`` (the default theme if ``None``) chooses them.
    """
    theme = theme or load_theme()
    if replications < 1:
        raise InputError(f"must be >= 1, got {replications}", key="replications")
    day = notification_date(scenario, notification)
    root = scenario.seed if seed is None else seed
    days = float((day - scenario.start_date).days + 1)
    catalogue = breakdowns(scenario)
    occurred: dict[tuple[str, str], int] = {}
    detected: dict[tuple[str, str], int] = {}
    affected: dict[tuple[str, str], int] = {}
    affected_chosen: dict[tuple[str, str], int] = {}
    subjects: dict[tuple[str, str], str] = {}
    short = attrs.evolve(
        scenario, duration_days=days, warmup_days=min(scenario.warmup_days, days / 2)
    )
    for r in range(replications):
        run = simulate(short, seed=root, replication=r)
        book = casebook_from_run(run)
        cohort = eligible_cohort(book, day, theme.eligibility)
        sel = select(
            book,
            cohort,
            day,
            theme=theme,
            tracked=tracked,
            sample_size=sample_size,
            seed=root + r,
        )
        hits = all_hits(book, day)
        hits = hits[~hits["strength"].astype(bool)]
        if months is not None:
            since = float(book.calendar.day_of(months_before(day, months)))
            hits = hits[hits["time"] >= since]
        chosen = hits[hits["child"].isin(sel.children)]
        for frame, seen, count in ((hits, occurred, affected), (chosen, detected, affected_chosen)):
            per = frame.groupby(["kind", "key"])["child"].nunique()
            for index, n in per.items():
                kind, key = str(index[0]), str(index[1])
                seen[(kind, key)] = seen.get((kind, key), 0) + 1
                count[(kind, key)] = count.get((kind, key), 0) + int(n)
        for kind, key, subject in (
            hits[["kind", "key", "subject"]]
            .drop_duplicates(["kind", "key"])
            .itertuples(index=False)
        ):
            subjects.setdefault((kind, key), subject)
        if progress is not None:
            progress(r + 1)
    known = {(k, key) for k, key in catalogue[["kind", "key"]].itertuples(index=False)}
    extra = sorted(set(occurred) - known)
    rows = [tuple(x) for x in catalogue.itertuples(index=False)] + [
        (k, key, subjects[(k, key)]) for k, key in extra
    ]
    # the theme's words first, then any shipped theme's for kinds it leaves out
    labels = {k: v.label for name in theme_names() for k, v in load_theme(name).findings.items()}
    labels |= {k: v.label for k, v in theme.findings.items()}
    out = []
    for kind, key, subject in rows:
        k = detected.get((kind, key), 0)
        o = occurred.get((kind, key), 0)
        lo, hi = _wilson(k, replications)
        out.append(
            {
                "kind": kind,
                "key": key,
                "subject": subject,
                "label": labels.get(kind, kind),
                "replications": replications,
                "occurred_share": o / replications,
                "probability": k / replications,
                "ci_low": lo,
                "ci_high": hi,
                "probability_if_occurred": k / o if o else math.nan,
                "mean_children_affected": affected.get((kind, key), 0) / replications,
                "mean_chosen_affected": affected_chosen.get((kind, key), 0) / replications,
            }
        )
    table = pd.DataFrame(out, columns=COLUMNS)
    return table.sort_values(
        ["probability", "occurred_share", "kind", "key"],
        ascending=[False, False, True, True],
        kind="stable",
    ).reset_index(drop=True)


__all__ = ["breakdowns", "detection_probability", "notification_date"]
