"""A scenario learned from a case book: :func:`learn_scenario` and :class:`Learned`.

Arrivals and activity are fitted, never the waits (a back-test checks those against the
records): demand by entry agency (:mod:`~jtai_sim.learning.demand`), pathways and the
information on hand-offs (:mod:`~jtai_sim.learning.routing`), each agency's working
pattern, service time and caseload places (:mod:`~jtai_sim.learning.service`), and
who the children of each stream are (their ages and the shares of each characteristic
when they first came to notice). The number of children in the area is not in a case
book and is given. What records cannot give comes from Midshire
(``scenarios/midshire.toml``) and is marked ``# default: ...`` in the file; every
learned value carries its sample size and 95% interval in a comment. The text is written
by :mod:`~jtai_sim.learning.toml_text` and read back with the scenario loader, so it
is always a valid scenario.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("single_desk"), seed=1, days=200))
>>> learned = learn_scenario(book, children=10000)
>>> learned.scenario.agencies["desk"].staff
3
>>> learned.provenance["agencies.desk.staff"].source
'data'
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import pandas as pd
from attrs import frozen

from jtai_sim.errors import LearningError
from jtai_sim.inspection.model import CaseBook
from jtai_sim.learning.demand import day_rates, learn_demand
from jtai_sim.learning.estimate import Estimate
from jtai_sim.learning.returns import closures, fit_returns
from jtai_sim.learning.routing import PathwaySeen, learn_pathways, plain_text, share
from jtai_sim.learning.service import open_at_the_end, service_seen
from jtai_sim.learning.state import (
    FLAGS,
    arrivals_of,
    coming_back,
    lists_and_caseloads,
    open_children,
    returns_to,
)
from jtai_sim.learning.toml_text import Table, render
from jtai_sim.learning.waiting import retriage_interval, taken_off
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.scenario.model import Scenario
from jtai_sim.vocabulary import LEGAL_STATUSES

#: where the stages of the funnel come from: agency kinds (as Midshire's [flow] lists them)
#: Rows before this time (days) are at the records' first instant: what was open then is
#: the area's state on its first day (a case list dated by day puts that day's new
#: arrivals there too, and those still open at its end count in it).
FIRST_INSTANT = 1e-9
FLOW_KINDS = {
    "contact": ("front_door",),
    "referral": ("referral",),
    "assessment": ("assessment",),
    "plan": ("cin_plan", "cp_plan", "looked_after"),
    "camhs_referral": ("camhs_spa",),
    "camhs_support": ("camhs_community", "eating_disorder", "early_intervention_psychosis"),
}


@frozen(kw_only=True)
class Learned:
    """A learned scenario, the TOML text that holds it, and where each value came from."""

    scenario: Scenario
    toml: str
    #: per key path (``demand.school.rate_per_10k_per_year``): the estimate behind it
    provenance: dict[str, Estimate]


@functools.cache
def midshire() -> Scenario:
    """The scenario defaults come from."""
    from jtai_sim.scenario.builtin import load_scenario

    return load_scenario("midshire")


def _window(book: CaseBook, until: dt.date | None) -> tuple[pd.DataFrame, int]:
    events = book.events
    if until is not None:
        last_day = book.calendar.day_of(until) + 1
        events = events[events["time"] < last_day]
    elif len(events):
        last_day = math.floor(float(events["time"].max()))
    else:
        last_day = 0
    if len(events) == 0 or last_day < 28:
        raise LearningError(
            f"the records cover {max(last_day, 0)} days up to the cut date; learning needs "
            "at least 28 (four weeks of arrivals)",
            key="until" if until is not None else None,
        )
    return events, last_day


def learn_scenario(
    book: CaseBook,
    *,
    children: int,
    until: dt.date | None = None,
    staff: dict[str, int] | None = None,
    name: str = "",
    children_default: bool = False,
) -> Learned:
    """The scenario ``book`` shows, learned from events on or before ``until``.

    ``children`` is the number of children living in the area (``children_default``
    marks it as a default in the file); ``staff`` gives the workforce of some agencies
    (their caseload is then learned as places in use over staff).
    """
    if children < 1:
        raise LearningError(f"must be at least 1, got {children}", key="children")
    staff = dict(staff or {})
    for key in staff:
        if key not in book.agencies:
            raise LearningError(
                f"unknown agency {key!r} (the records hold {', '.join(sorted(book.agencies))})",
                key="staff",
            )
    events, last_day = _window(book, until)
    cal = book.calendar
    prov: dict[str, Estimate] = {}
    doc = Table()
    doc.set("name", name or book.name or "Learned", note="from the records' name")
    doc.set("description", f"learned from the {book.source} {book.name!r}".replace(" ''", ""))
    doc.set("start_date", cal.start_date, note="the first day the records describe")
    ch = Estimate(
        estimate=children,
        source="default" if children_default else "data",
        note="Midshire's; give the area's number with --children"
        if children_default
        else "given: children living in the area",
    )
    doc.set("children", children, est=ch)
    prov["children"] = ch
    doc.set("duration_days", float(last_day), note="the days the records cover")
    warm = Estimate(
        estimate=0.0, source="default", note="none: the records start with the area's state"
    )
    doc.set("warmup_days", 0.0, est=warm)
    doc.set("seed", 1)
    doc.table("calendar").set("bank_holidays", bool(cal.uses_bank_holidays))

    kinds = plain_text(events["kind"])
    agency = plain_text(events["agency"])
    time = events["time"].to_numpy(np.float64)
    kids = book.children

    # -- demand: each child's first arrival --------------------------------------------
    arrive = events[kinds == "arrive"]
    first = arrive[~arrive["child"].duplicated()]
    first = first[first["origin"].astype(str) != "initial"]
    window_working = cal.working[:last_day]
    window_school = cal.school[:last_day]
    ages = kids.set_index("child")
    # records that never show a mental-health state above none hold none at all (a case
    # list or Annex A lists have no such column): that is not knowing, not "no need"
    state_known = bool((kids["mental_health"] > 0).any()) or bool(
        np.isin(kinds, ["deteriorate", "improve"]).any()
    )
    entries = sorted(first["agency"].astype(str).unique())
    for entry in entries:
        rows = first[first["agency"].astype(str) == entry]
        days = np.floor(rows["time"].to_numpy(np.float64)).astype(np.int64)
        days = days[(days >= 0) & (days < last_day)]
        seen = learn_demand(day_rates(days, window_working, window_school), children)
        d = doc.table("demand", entry)
        base = f"demand.{entry}"
        d.set("agency", entry)
        d.set("rate_per_10k_per_year", seen.rate.estimate, est=seen.rate)
        prov[f"{base}.rate_per_10k_per_year"] = seen.rate
        if seen.seasonal:
            d.set("seasonality", "school_terms")
            assert seen.term_factor is not None and seen.holiday_factor is not None
            for key, est in (
                ("term_factor", seen.term_factor),
                ("holiday_factor", seen.holiday_factor),
            ):
                d.set(key, min(est.estimate, 10.0), est=est)
                prov[f"{base}.{key}"] = est
        d.set("weekend_factor", min(seen.weekend_factor.estimate, 10.0), est=seen.weekend_factor)
        prov[f"{base}.weekend_factor"] = seen.weekend_factor
        mix = None if state_known else _midshire_mental_health(entry)
        profile = d.table("profile")
        _profile(profile, ages.loc[rows["child"].unique()], prov, f"{base}.profile", mix)

    # -- agencies ----------------------------------------------------------------------
    defaults = midshire()
    # Midshire's caseload for an agency: its own where it has the agency, else its first
    # agency of the kind (Midshire has two health teams of one kind, with 4 and 10)
    caseload_of_key = {k: spec.caseload for k, spec in defaults.agencies.items()}
    caseload_of_kind: dict[str, int] = {}
    for spec in defaults.agencies.values():
        caseload_of_kind.setdefault(spec.kind, spec.caseload)
    status = events[kinds == "status"]
    deteriorate_at = set(agency[kinds == "deteriorate"])
    named = set(pd.unique(agency)) | set(pd.unique(plain_text(events["other"])))
    recorded = [k for k in book.agencies if k in named]
    pathways = [p for p in learn_pathways(events, kids, recorded) if p.probability.estimate > 0]
    present = _reachable(book, entries, pathways)
    pathways = [p for p in pathways if p.source in present and p.to in present]
    #: agencies that keep urgent children first (a clock of urgent referrals only needs one)
    prioritised: set[str] = set()
    # each kind's rows once, not once per agency (a comparison of every row's kind)
    is_start, is_end, is_wait = kinds == "start", kinds == "end", kinds == "wait"
    is_retriage = kinds == "retriage"
    child = events["child"].to_numpy(np.int64)
    # the lists and caseloads open when the records begin (the rows at their first
    # instant): the learned scenario starts with them, as the area did
    opened = open_children(events, FIRST_INSTANT)
    at_start = lists_and_caseloads(opened)
    arrivals = arrivals_of(events)
    back_to = returns_to(arrivals, coming_back(arrivals), present)
    for key in present:
        info = book.agencies[key]
        a = doc.table("agencies", key)
        base = f"agencies.{key}"
        a.set("kind", info.kind)
        a.set("label", info.label or key)
        here = agency == key
        starts, ends = here & is_start, here & is_end
        svc = service_seen(
            cal,
            time[starts],
            time[ends],
            events["value"].to_numpy(np.float64)[ends],
            int((here & is_wait).sum()),
            float(last_day),
            open_at_the_end(child[starts], time[starts], child[ends]),
        )
        a.set(
            "working",
            svc.working,
            note=f"{svc.out_of_hours_share:.2%} of starts and ends out of hours",
        )
        if svc.waited:
            places = svc.places_used
            if key in staff:
                n_staff = staff[key]
                caseload = max(1, round(places / n_staff))
                s_est = Estimate(estimate=n_staff, n=svc.starts, note="given with --staff")
                c_est = Estimate(
                    estimate=caseload,
                    n=svc.starts,
                    note=f"{places} children in service at most, over staff",
                )
            else:
                caseload = caseload_of_key.get(key, caseload_of_kind.get(info.kind, 1))
                n_staff = max(1, round(places / caseload))
                s_est = Estimate(
                    estimate=n_staff,
                    n=svc.starts,
                    note=f"{places} children in service at most, over caseload",
                )
                c_est = Estimate(
                    estimate=caseload,
                    source="default",
                    note=f"Midshire's for a {info.kind} agency; give --staff {key}=N to learn it",
                )
        elif key in staff:
            # no one waited, so the places were never all in use: at least the most seen
            n_staff = staff[key]
            caseload = max(1, math.ceil(svc.places_used / n_staff))
            s_est = Estimate(estimate=n_staff, n=svc.starts, note="given with --staff")
            c_est = Estimate(
                estimate=caseload,
                n=svc.starts,
                note=f"at least: no one waited, {svc.places_used} in service at most",
            )
        if svc.waited or key in staff:
            a.set("staff", n_staff, est=s_est)
            a.set("caseload", caseload, est=c_est)
            prov[f"{base}.staff"] = s_est
            prov[f"{base}.caseload"] = c_est
        if svc.fit is not None:
            fit = svc.fit
            m = Estimate(
                estimate=fit.mean_days,
                n=fit.n,
                low=fit.mean_low,
                high=fit.mean_high,
                note=_aic_note(fit.aic, fit.kind, svc.working),
            )
            service: dict[str, object] = {"kind": fit.kind, "mean_days": fit.mean_days}
            if fit.kind in ("gamma", "lognormal"):
                service["sd_days"] = fit.sd_days
            a.set("service", service, est=m)
            prov[f"{base}.service.mean_days"] = m
        off = taken_off(events.loc[here, ["child", "kind", "time", "value"]], float(last_day))
        if svc.waited and off is not None:
            a.set("leave_list_per_year", round(off.estimate, 4), est=off)
            prov[f"{base}.leave_list_per_year"] = off
        if info.support:
            a.set("support", True)
        held = status[status["agency"].astype(str) == key]
        if len(held):
            code = int(held["detail"].value_counts().idxmax())
            if 0 <= code < len(LEGAL_STATUSES) and LEGAL_STATUSES[code] != "none":
                a.set("legal_status", LEGAL_STATUSES[code])
        if key in deteriorate_at:
            a.set("deterioration_while_waiting", True)
        retriage = retriage_interval(events.loc[here & is_retriage, ["child", "value"]])
        if svc.waited and retriage is not None:
            a.set("while_waiting", {"retriage_every_days": retriage.estimate}, est=retriage)
            prov[f"{base}.while_waiting.retriage_every_days"] = retriage
            prioritised.add(key)
        if key in at_start:
            staffed = svc.waited or key in staff
            _backlog(
                a.table("backlog"),
                at_start[key],
                n_staff * caseload if staffed else None,
                back_to.get(key),
                ages.loc[opened.loc[opened["agency"] == key, "child"].to_numpy()],
                prov,
                base,
                None if state_known else _midshire_backlog_mix(defaults, key),
            )

    # -- pathways ----------------------------------------------------------------------
    prioritised.update(p.to for p in pathways if p.urgent is not None)
    for count, p in enumerate(pathways):
        t = doc.array("pathways")
        t.set("from", p.source)
        t.set("to", p.to)
        if p.mode != "refer":
            t.set("mode", p.mode)
        if p.at != "end":
            t.set("at", p.at)
        # rounded down, so chances that add up to 1 do not pass it once written
        t.set("probability", math.floor(p.probability.estimate * 1e6) / 1e6, est=p.probability)
        prov[f"pathways[{count}].probability"] = p.probability
        if p.when:
            t.set("when", list(p.when))
        if p.unless:
            t.set("unless", list(p.unless))
        if p.urgent is not None:
            t.set("urgent", round(p.urgent.estimate, 6), est=p.urgent)
            prov[f"pathways[{count}].urgent"] = p.urgent
        if p.information is not None:
            info_t: dict[str, object] = {}
            parts = [p.information[k].estimate for k in ("complete", "partial", "lost")]
            shares = _shares(parts)
            for k, v in zip(("complete", "partial", "lost"), shares, strict=True):
                info_t[k] = v
            if "delay_mean_days" in p.information:
                info_t["delay_mean_days"] = max(p.information["delay_mean_days"].estimate, 1e-6)
            # when information counts as late is the area's rule, not something records show
            info_t["due_within_days"] = float(
                book.handoff_due_days.get((p.source, p.mode, p.to), book.default_due_days)
            )
            c = p.information["complete"]
            t.set(
                "information",
                info_t,
                est=Estimate(
                    estimate=c.estimate, n=c.n, low=c.low, high=c.high, note="share complete"
                ),
            )
            for k, e in p.information.items():
                prov[f"pathways[{count}].information.{k}"] = e

    # -- clocks, mental health, flow ---------------------------------------------------
    for ckey, clock in book.clocks.items():
        if not all(a in present for a in clock.start.agency + clock.stop.agency):
            continue
        # a clock for urgent (or routine) referrals only needs an agency that keeps urgent
        # children first; where the records mark none urgent there, it would time none
        # (or all) of them, and the scenario's checks refuse it
        if clock.urgency != "any" and not prioritised.intersection(clock.start.agency):
            continue
        ct = doc.table("clocks", ckey)
        ct.set("label", clock.label)
        ct.set("start", {"agency": list(clock.start.agency), "event": list(clock.start.event)})
        ct.set("stop", {"agency": list(clock.stop.agency), "event": list(clock.stop.event)})
        ct.set("limit", float(clock.limit))
        ct.set("unit", clock.unit)
        if clock.urgency != "any":
            ct.set("urgency", clock.urgency)
        if clock.source:
            ct.set("source", clock.source)
    _mental_health(doc.table("mental_health"), events, kinds, present, book, prov)
    flow = doc.table("flow")
    for stage, stage_kinds in FLOW_KINDS.items():
        keys = [k for k in present if book.agencies[k].kind in stage_kinds]
        if keys:
            flow.set(stage, keys)
    text = render(doc)
    return Learned(
        scenario=scenario_from_toml(text, file="learned scenario"), toml=text, provenance=prov
    )


def _reachable(book: CaseBook, entries: list[str], pathways: list[PathwaySeen]) -> list[str]:
    """The agencies children reach from where they come to notice, by the learned
    ``refer`` and ``parallel`` pathways (an agency only ever told, or whose hand-offs the
    records cut off, is left out, as the scenario loader requires), in the book's order."""
    moves: dict[str, set[str]] = {}
    for p in pathways:
        if p.mode != "notify":
            moves.setdefault(p.source, set()).add(p.to)
    seen, todo = set(entries), list(entries)
    while todo:
        for nxt in moves.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return [k for k in book.agencies if k in seen]


def _aic_note(aic: dict[str, float], kind: str, working: str) -> str:
    unit = "working days" if working == "office" else "days"
    if not aic:
        return f"{unit}; every duration the same"
    others = ", ".join(f"{k} {v - aic[kind]:+.1f}" for k, v in sorted(aic.items()) if k != kind)
    return f"{unit}; {kind} by AIC (others: {others})" if others else f"{unit}; {kind}"


def _shares(parts: list[float]) -> list[float]:
    """Shares rounded to 4 places that still add up to 1."""
    rounded = [round(p, 4) for p in parts]
    big = max(range(len(parts)), key=lambda i: parts[i])
    rounded[big] = round(1.0 - sum(r for i, r in enumerate(rounded) if i != big), 4)
    return rounded


def _backlog(
    t: Table,
    counts: tuple[int, int],
    places: int | None,
    back_to: str | None,
    kids: pd.DataFrame,
    prov: dict[str, Estimate],
    base: str,
    default_mix: tuple[list[float], str] | None,
) -> None:
    """An agency's backlog on the records' first day: its list (where it has places to
    wait for), its children in service (no more than its places), where a child closed
    there comes back to if re-referred (``back_to``, none for the agency itself), and who
    they are from the children themselves (see :func:`_profile`)."""
    waiting, in_service = counts
    note = "open when the records begin"
    if places is not None and waiting:
        t.set("waiting", waiting, note=f"{note}, not yet started")
    if places is not None and in_service > places:
        t.set("in_service", places, note=f"{in_service} {note}, no more than its places")
    else:
        t.set("in_service", in_service, note=f"{note}, started")
    prov[f"{base}.backlog.in_service"] = Estimate(estimate=in_service, n=len(kids), note=note)
    if back_to is not None:
        t.set(
            "returns_to", back_to, note="where most returns of children first seen like them came"
        )
    _profile(t.table("profile"), kids, prov, f"{base}.backlog.profile", default_mix)


def _midshire_backlog_mix(defaults: Scenario, key: str) -> tuple[list[float], str]:
    """Midshire's mix of mental-health states for the children open at ``key`` on its
    first day (its backlog there), or else for children coming to notice there."""
    spec = defaults.agencies.get(key)
    if spec is not None and spec.backlog is not None:
        return list(spec.backlog.profile.mental_health), f"its children open at {key} on day 0"
    return _midshire_mental_health(key)


def _midshire_mental_health(entry: str) -> tuple[list[float], str]:
    """Midshire's mix of mental-health states for children coming to notice at ``entry``
    (its streams into that agency, weighted by rate; every stream if none), and whose."""
    streams = [d for d in midshire().demand.values() if d.agency == entry]
    whose = f"its streams into {entry}, by rate" if streams else "all its streams, by rate"
    streams = streams or list(midshire().demand.values())
    weights = np.array([d.rate_per_10k_per_year for d in streams])
    mix = np.array([d.profile.mental_health for d in streams]).T @ weights / weights.sum()
    return _shares(mix.tolist()), whose


def _profile(
    t: Table,
    kids: pd.DataFrame,
    prov: dict[str, Estimate],
    base: str,
    default_mix: tuple[list[float], str] | None = None,
) -> None:
    """A demand stream's profile from its children: ages, flags and ethnicity from the
    records, the mental-health mix from them too unless ``default_mix`` (the records
    hold no mental-health state) stands in for it."""
    n = len(kids)
    ages = kids["age"].to_numpy(np.int64)
    t.set("min_age", int(min(max(ages.min(), 0), 25)), note=f"youngest of {n}")
    t.set("max_age", int(min(max(ages.max(), 0), 25)), note=f"oldest of {n}")
    if default_mix is None:
        state = kids["mental_health"].to_numpy(np.int64)
        counts = [int((state == s).sum()) for s in range(3)]
        t.set(
            "mental_health",
            _shares([c / n for c in counts]),
            note=f"n = {n}: none, early signs, ill when they came to notice",
        )
    else:
        mix, whose = default_mix
        e = Estimate(
            estimate=mix[0],
            source="default",
            note=f"Midshire's ({whose}): the records hold no mental-health state",
        )
        t.set("mental_health", mix, est=e)
        prov[f"{base}.mental_health"] = e
    for flag in FLAGS:
        column = "identified" if flag == "mental_health_identified" else flag
        if column not in kids.columns:
            continue
        e = share(int(kids[column].astype(bool).sum()), n)
        t.set(flag, e.estimate, est=e)
        prov[f"{base}.{flag}"] = e
    groups = kids["ethnicity"].astype(str).value_counts(sort=False).sort_index()
    t.set(
        "ethnicity",
        dict(zip(groups.index, _shares((groups / n).tolist()), strict=True)),
        note=f"n = {n}",
    )


def _mental_health(
    t: Table,
    events: pd.DataFrame,
    kinds: np.ndarray,
    present: list[str],
    book: CaseBook,
    prov: dict[str, Estimate],
) -> None:
    mh = midshire().mental_health
    det = int((kinds == "deteriorate").sum())
    if det == 0:
        e = Estimate(estimate=0.0, n=0, note="no deterioration recorded")
        t.set("deterioration_per_year_waiting", 0.0, est=e)
    else:
        e = Estimate(
            estimate=mh.deterioration_per_year_waiting,
            source="default",
            note="Midshire's: the chance per year waiting is not learned",
        )
        t.set("deterioration_per_year_waiting", mh.deterioration_per_year_waiting, est=e)
    prov["mental_health.deterioration_per_year_waiting"] = e
    crisis_kind = (
        book.agencies[mh.crisis_agency].kind
        if mh.crisis_agency in book.agencies
        else (midshire().agencies[mh.crisis_agency].kind if mh.crisis_agency else "")
    )
    crisis_at = [k for k in present if book.agencies[k].kind == crisis_kind]
    crises = int((kinds == "crisis").sum())
    if crises and crisis_at:
        e = Estimate(
            estimate=mh.crisis_per_year_waiting,
            source="default",
            note="Midshire's: the chance per year waiting is not learned",
        )
        t.set("crisis_per_year_waiting", mh.crisis_per_year_waiting, est=e)
        t.set("crisis_agency", crisis_at[0])
    else:
        e = Estimate(
            estimate=0.0,
            n=crises,
            note="no crisis while waiting recorded"
            if not crises
            else "no agency of the crisis agency's kind",
        )
        t.set("crisis_per_year_waiting", 0.0, est=e)
    prov["mental_health.crisis_per_year_waiting"] = e
    support = {k for k, a in book.agencies.items() if a.support}
    closed = closures(events, kinds, plain_text(events["agency"]), support)
    if closed["gap"].notna().sum() == 0:
        e = Estimate(estimate=0.0, n=len(closed), note="no re-referral recorded")
        t.set("re_referral", {"probability": [0.0, 0.0, 0.0], "at_risk_probability": 0.0}, est=e)
    else:
        kids = book.children.set_index("child")
        risk = kids["at_risk"].reindex(closed["child"]).fillna(False).to_numpy(bool)
        back = closed["gap"].notna().to_numpy()
        horizon = float(events["time"].max()) - closed["time"].to_numpy(np.float64)
        gap = closed["gap"].to_numpy(np.float64)
        p, p_risk, delay = fit_returns(
            gap[back & ~risk], horizon[~back & ~risk], gap[back & risk], horizon[~back & risk]
        )
        e = Estimate(
            estimate=p,
            n=len(closed),
            note=f"{int(back.sum())} of {len(closed)} closures came back; fitted allowing for "
            "returns after the records end; the records hold no mental-health state, so one "
            "chance for every state",
        )
        t.set(
            "re_referral",
            {
                "probability": [round(p, 4)] * 3,
                "at_risk_probability": round(p_risk, 4),
                "mean_delay_days": round(delay, 1),
            },
            est=e,
        )
    prov["mental_health.re_referral"] = e
