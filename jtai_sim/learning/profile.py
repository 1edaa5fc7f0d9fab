"""A scenario from an area's published figures: Midshire's structure, scaled and calibrated.

An area with no extract to hand still has its published figures: children aged 0 to 17
(the ONS mid-year estimate), contacts and referrals per 10,000 children, the children in
need, on protection plans and looked after per 10,000 (the DfE's census and return),
CAMHS referrals. :func:`scenario_from_profile` builds a scenario for such an area on
Midshire's structure (``scenarios/midshire.toml``: its agencies, pathways and clocks):

1. Midshire's children, staff and day-0 caseloads are scaled to the area's children;
2. the scenario is simulated and each figure the profile gives is set against its
   simulated value, and the key that drives it is moved by their ratio (:data:`FIGURES`
   says which key each figure moves): all demand for contacts, the front door's referral
   pathways for referrals, the assessment time for its length, the plans' and care's
   lengths and day-0 caseloads for the stocks, the routes into CAMHS for its referrals,
   youth offending demand and the routes into youth justice for its first-time entrants;
3. every agency's staff is set so that the places its new load asks for are as full as
   Midshire's (its utilisation kept), so that pressure lies where it lay in Midshire;
4. steps 2 and 3 are repeated :data:`ROUNDS` times, then the calibration table is made
   with replications (:func:`~jtai_sim.validation.calibration.calibration_table`) for the
   figures given.

A figure that moves no key (the re-referral share, assessment and conference timeliness,
the CAMHS wait) is not tuned: it is reported beside its simulated value, so a planner sees
where the area differs from what Midshire's structure gives.

>>> p = read_profile_text('name = "Westshire"\\nchildren = 100000\\n'
...                       '[figures]\\nlooked_after_per_10k = 90.0\\n')
>>> p.name, p.children, p.figures
('Westshire', 100000, {'looked_after_per_10k': 90.0})
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
from attrs import frozen

from jtai_sim.errors import ScenarioError
from jtai_sim.learning.toml_text import render, scenario_document
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.loading import (
    parse_toml,
    read_text,
    scenario_from_toml,
    scenario_to_dict,
)
from jtai_sim.scenario.model import Backlog, Pathway, Scenario
from jtai_sim.validation.calibration import ALL_TARGETS, Target


@frozen
class Figure:
    """A figure a profile may give: the calibration target it is, and what it moves."""

    target: str
    #: what calibration moves to meet it (``None``: reported, not tuned)
    moves: str | None
    share: bool = False
    #: the most a profile may give (``None``: no limit but a share's)
    most: float | None = None


#: The figures a profile may give, each the key of a calibration target.
FIGURES: dict[str, Figure] = {
    "contacts_per_10k": Figure("flow.contacts_per_10k_per_year", "every demand stream's rate"),
    "referrals_per_10k": Figure(
        "flow.referrals_per_10k_per_year", "the front door's referral pathways"
    ),
    "re_referral_share": Figure("flow.re_referral_share_within_12_months", None, share=True),
    "assessment_mean_working_days": Figure(
        "clock.assessment_45wd.mean_elapsed", "the assessment team's service time"
    ),
    "assessment_45wd_share": Figure("clock.assessment_45wd.met_share", None, share=True),
    "children_in_need_per_10k": Figure(
        "stock.children_in_need_per_10k", "child in need plans' length and day-0 caseload"
    ),
    "child_protection_per_10k": Figure(
        "stock.child_protection_per_10k", "protection plans' length and day-0 caseload"
    ),
    "looked_after_per_10k": Figure(
        "stock.looked_after_per_10k", "care's length and day-0 caseload"
    ),
    "icpc_15wd_share": Figure("clock.icpc_15wd.met_share", None, share=True),
    "camhs_referrals_per_10k": Figure(
        "flow.camhs_referrals_per_10k_per_year", "self-referrals and the pathways into CAMHS"
    ),
    "camhs_mean_wait_days": Figure("camhs.mean_wait_to_support_days", None),
    # at most a tenth of the 10 to 17s entering youth justice in a year: far above any
    # area's published rate (England and Wales about 135 in 2022/23, YJB)
    "youth_justice_fte_per_100k": Figure(
        "flow.youth_justice_first_time_entrants_per_100k_10_17",
        "youth offending demand, the routes into youth justice and its day-0 caseload",
        most=10_000.0,
    ),
}
#: Rounds of simulate-and-adjust before the calibration table.
ROUNDS = 4
#: Days each round simulates (Midshire's calibration runs two years).
DAYS = 730.0
#: Midshire's children, whose figures are scaled.
_MIDSHIRE = "midshire"
#: The highest a scaled pathway chance may go.
_MAX_CHANCE = 0.95


@frozen
class Profile:
    """An area's published figures."""

    name: str
    children: int
    figures: dict[str, float]
    file: str | None = None


@frozen(kw_only=True)
class Calibrated:
    """A scenario built from a profile, and its calibration table."""

    scenario: Scenario
    toml: str
    #: one row per figure given (calibration_table's columns, plus ``moves``)
    table: pd.DataFrame = attrs.field(eq=False)


def read_profile(path: str | Path) -> Profile:
    """The profile in the TOML file ``path``; a mistake is one ScenarioError naming the key."""
    return read_profile_text(read_text(Path(path)), file=str(path))


def read_profile_text(text: str, *, file: str | None = None) -> Profile:
    """The profile in ``text`` (see :func:`read_profile`)."""
    data = parse_toml(text, file=file)
    for key in data:
        if key not in ("name", "children", "figures", "description"):
            close = suggest(key, ["name", "children", "figures", "description"])
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"unknown key{hint}", key=key, file=file)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"must be the area's name, got {name!r}", key="name", file=file)
    children = data.get("children")
    if (
        isinstance(children, bool)
        or not isinstance(children, int)
        or not (1_000 <= children <= 5_000_000)
    ):
        raise ScenarioError(
            f"must be a whole number of children from 1,000 to 5,000,000, got {children!r}",
            key="children",
            file=file,
        )
    table = data.get("figures", {})
    if not isinstance(table, dict):
        raise ScenarioError(f"must be a table, got {table!r}", key="figures", file=file)
    figures: dict[str, float] = {}
    for key, value in table.items():
        where = f"figures.{key}"
        if key not in FIGURES:
            close = suggest(key, list(FIGURES))
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(
                f"unknown figure{hint}; figures are {', '.join(FIGURES)}", key=where, file=file
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and value > 0)
        ):
            raise ScenarioError(f"must be a number above 0, got {value!r}", key=where, file=file)
        if FIGURES[key].share and value >= 1:
            raise ScenarioError(f"must be a share below 1, got {value!r}", key=where, file=file)
        most = FIGURES[key].most
        if most is not None and value > most:
            raise ScenarioError(f"must be at most {most:,g}, got {value!r}", key=where, file=file)
        figures[key] = float(value)
    return Profile(name=name.strip(), children=children, figures=figures, file=file)


def scenario_from_profile(
    profile: Profile, *, replications: int = 3, seed: int | None = None
) -> Calibrated:
    """A calibrated scenario for ``profile`` (see the module doc)."""
    from jtai_sim.scenario.builtin import load_scenario
    from jtai_sim.simulation.run import simulate
    from jtai_sim.validation.calibration import calibration_table, figure_lookup
    from jtai_sim.validation.capacity import loads_of

    midshire = load_scenario(_MIDSHIRE)
    reference = {x.agency: x for x in loads_of(simulate(midshire, seed=seed, days=DAYS))}
    scenario = _scaled(midshire, profile)
    for _ in range(ROUNDS):
        run = simulate(scenario, seed=seed, days=DAYS)
        value = figure_lookup(run)
        simulated = {key: value(figure.target) for key, figure in FIGURES.items()}
        scenario = _adjusted(scenario, profile, simulated)
        scenario = _staffed(scenario, loads_of(run), reference)
    # the table describes the file: the scenario as written (six significant figures)
    text = render(scenario_document(scenario_to_dict(scenario)))
    scenario = scenario_from_toml(text)
    targets = tuple(
        attrs.evolve(_target(FIGURES[key].target), value=given)
        for key, given in profile.figures.items()
    )
    table = calibration_table(
        scenario, replications=replications, days=DAYS, seed=seed, targets=targets
    )
    table.insert(1, "figure", list(profile.figures))
    table["moves"] = [FIGURES[key].moves or "not tuned: reported" for key in profile.figures]
    table["source"] = [f"{profile.name}'s profile" for _ in profile.figures]
    return Calibrated(scenario=scenario, toml=text, table=table)


def calibration_text(table: pd.DataFrame) -> str:
    """The calibration table as Markdown: each figure given, the simulated value with its
    95% interval, the difference and what calibration moved to meet it."""
    from jtai_sim.validation.calibration import markdown

    return markdown(table, target="given", last=("moves", "moved to meet it"))


def _target(key: str) -> Target:
    return next(t for t in ALL_TARGETS if t.key == key)


def _scaled(midshire: Scenario, profile: Profile) -> Scenario:
    """Midshire with the profile's name and children, and its staff and day-0 caseloads
    scaled to them."""
    ratio = profile.children / midshire.children
    agencies = {}
    for key, spec in midshire.agencies.items():
        changes: dict[str, Any] = {}
        if spec.staff is not None:
            changes["staff"] = max(1, round(spec.staff * ratio))
        if spec.backlog is not None:
            changes["backlog"] = _backlog_scaled(spec.backlog, ratio)
        agencies[key] = attrs.evolve(spec, **changes)
    return attrs.evolve(
        midshire,
        name=profile.name,
        description=f"{profile.name}: Midshire's structure calibrated to the area's figures",
        children=profile.children,
        agencies=agencies,
    )


def _backlog_scaled(backlog: Backlog, ratio: float) -> Backlog:
    return attrs.evolve(
        backlog,
        waiting=round(backlog.waiting * ratio),
        in_service=None if backlog.in_service is None else round(backlog.in_service * ratio),
    )


def _ratio(given: float, simulated: float) -> float:
    """How far to move a key: the figures' ratio, held to a factor of 3 a round."""
    if not (math.isfinite(simulated) and simulated > 0):
        return 1.0
    return min(max(given / simulated, 1 / 3), 3.0)


def _adjusted(scenario: Scenario, profile: Profile, simulated: dict[str, float]) -> Scenario:
    """``scenario`` with each tuned figure's key moved by the ratio of given to simulated."""
    f = profile.figures
    demand = dict(scenario.demand)
    agencies = dict(scenario.agencies)
    pathways: list[Pathway] = list(scenario.pathways)
    if "contacts_per_10k" in f:
        r = _ratio(f["contacts_per_10k"], simulated["contacts_per_10k"])
        demand = {
            k: attrs.evolve(d, rate_per_10k_per_year=d.rate_per_10k_per_year * r)
            for k, d in demand.items()
        }
    if "referrals_per_10k" in f:
        # referrals are a share of contacts: move that share, the contacts moving apart
        contacts = f.get("contacts_per_10k", simulated["contacts_per_10k"])
        share = f["referrals_per_10k"] / contacts
        r = _ratio(share, simulated["referrals_per_10k"] / simulated["contacts_per_10k"])
        pathways = _pathways_scaled(pathways, "front_door", "referral", r)
    if "camhs_referrals_per_10k" in f:
        r = _ratio(f["camhs_referrals_per_10k"], simulated["camhs_referrals_per_10k"])
        pathways = _pathways_scaled(pathways, None, "camhs_spa", r)
        demand = {
            k: attrs.evolve(d, rate_per_10k_per_year=d.rate_per_10k_per_year * r)
            if d.agency == "camhs_spa"
            else d
            for k, d in demand.items()
        }
    if "youth_justice_fte_per_100k" in f:
        # first-time entrants come from youth offending demand and from social care (children
        # in care or in need entering youth justice): both move, and with them the open
        # cases on day 0, so that the service starts near its new steady state
        r = _ratio(f["youth_justice_fte_per_100k"], simulated["youth_justice_fte_per_100k"])
        youth = [k for k, a in agencies.items() if a.kind == "youth_justice"]
        demand = {
            k: attrs.evolve(d, rate_per_10k_per_year=d.rate_per_10k_per_year * r)
            if d.agency in youth
            else d
            for k, d in demand.items()
        }
        for key in youth:
            pathways = _pathways_scaled(pathways, None, key, r)
            spec = agencies[key]
            if spec.backlog is not None:
                agencies[key] = attrs.evolve(spec, backlog=_backlog_scaled(spec.backlog, r))
    if "assessment_mean_working_days" in f:
        r = _ratio(f["assessment_mean_working_days"], simulated["assessment_mean_working_days"])
        agencies["assessment"] = _service_scaled(agencies["assessment"], r, backlog=False)
    stocks = {
        "looked_after_per_10k": ("looked_after",),
        "child_protection_per_10k": ("cp_plan",),
    }
    for figure, keys in stocks.items():
        if figure in f:
            r = _ratio(f[figure], simulated[figure])
            for key in keys:
                agencies[key] = _service_scaled(agencies[key], r, backlog=True)
    if "children_in_need_per_10k" in f:
        # the census counts plans and care in it too: move the child in need plans by what
        # is left of the figure once those are taken out
        parts = ("looked_after_per_10k", "child_protection_per_10k")
        given_rest = f["children_in_need_per_10k"] - sum(f.get(k, simulated[k]) for k in parts)
        simulated_rest = simulated["children_in_need_per_10k"] - sum(simulated[k] for k in parts)
        r = _ratio(given_rest, simulated_rest)
        agencies["cin_plan"] = _service_scaled(agencies["cin_plan"], r, backlog=True)
    # the field's converter makes mypy's attrs plugin expect a bare iterable here
    return attrs.evolve(scenario, demand=demand, agencies=agencies, pathways=pathways)  # type: ignore[arg-type]


def _pathways_scaled(
    pathways: list[Pathway], source: str | None, to: str, r: float
) -> list[Pathway]:
    """The pathways from ``source`` (any, for ``None``) to ``to`` with their chances times
    ``r`` (notifications apart: they carry no child)."""
    return [
        attrs.evolve(p, probability=min(p.probability * r, _MAX_CHANCE))
        if p.to == to and (source is None or p.source == source) and p.mode != "notify"
        else p
        for p in pathways
    ]


def _service_scaled(spec: Any, r: float, *, backlog: bool) -> Any:
    """An agency whose service lasts ``r`` times as long (and, with ``backlog``, whose
    day-0 caseload is ``r`` times as large)."""
    service = spec.service
    scaled = attrs.evolve(
        service,
        mean_days=service.mean_days * r,
        sd_days=None if service.sd_days is None else service.sd_days * r,
        min_days=None if service.min_days is None else service.min_days * r,
        max_days=None if service.max_days is None else service.max_days * r,
    )
    changes: dict[str, Any] = {"service": scaled}
    if backlog and spec.backlog is not None:
        changes["backlog"] = _backlog_scaled(spec.backlog, r)
    return attrs.evolve(spec, **changes)


def _staffed(scenario: Scenario, loads: list[Any], reference: dict[str, Any]) -> Scenario:
    """Each agency's staff set so that its places are as full as Midshire's."""
    agencies = dict(scenario.agencies)
    for x in loads:
        ref = reference.get(x.agency)
        if ref is None or ref.utilisation <= 0:
            continue
        spec = agencies[x.agency]
        # the load the next round will see: this run's arrivals, the adjusted service time
        offered = x.arrivals_per_agency_day * spec.service.mean
        staff = max(1, math.ceil(offered / (ref.utilisation * spec.caseload) - 1e-9))
        changes: dict[str, Any] = {"staff": staff}
        if spec.backlog is not None and spec.backlog.in_service is not None:
            changes["backlog"] = attrs.evolve(
                spec.backlog, in_service=min(spec.backlog.in_service, staff * spec.caseload)
            )
        agencies[x.agency] = attrs.evolve(spec, **changes)
    return attrs.evolve(scenario, agencies=agencies)


__all__ = [
    "FIGURES",
    "ROUNDS",
    "Calibrated",
    "Figure",
    "Profile",
    "calibration_text",
    "read_profile",
    "read_profile_text",
    "scenario_from_profile",
]
