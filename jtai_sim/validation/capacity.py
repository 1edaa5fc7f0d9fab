"""Each agency's offered load against its capacity: whether its waiting list can settle.

A waiting list settles only when, on average, fewer places are asked for than an
agency has. The **offered load** is the places the children arriving would keep busy
if every one of them were served: arrivals a day times the mean service time (in
working days at an office-hours agency, arrivals counted a working day), the
children of a family counted once at an agency that deals with families together,
plus the admissions other areas send to places shared with them. Its **utilisation**
is the load over the agency's places (staff times caseload).

How many children reach an agency depends on every pathway upstream of it, their
conditions, the children's mental health as it changes, re-referrals and crises, so
the arrivals are measured, not worked out: :func:`offered_loads` simulates the
scenario for a pilot year after its warm-up and counts the arrivals at each agency
(an arrival is counted whether or not the child is ever seen, so an agency whose
list is already overflowing still shows what is asked of it). An agency whose own
places are short also holds back the children it would have passed on, so the
agencies after it can look less loaded than they will be once it is fixed; check
again after changing it.

:func:`capacity_lines` says, for each agency at or over :data:`FULL` of its places,
by how much, and which figures to change: the staff that would bring it to
:data:`TARGET` (our choice: a list at 85% of its places still waits days, not
months, in the built-in scenarios), or the demand and service time that feed it.
An agency that takes children off its list unseen (``leave_list_per_year``) settles
even when overloaded, by losing children; that is said too.

>>> from jtai_sim.scenario.builtin import load_scenario
>>> loads = offered_loads(load_scenario("single_desk"), days=200)
>>> [(x.agency, round(x.utilisation, 1)) for x in loads]
[('desk', 0.8)]
>>> capacity_lines(loads)
[]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from attrs import frozen

from jtai_sim.scenario.model import DAYS_PER_YEAR, Scenario

if TYPE_CHECKING:
    from jtai_sim.simulation.run import Run
from jtai_sim.vocabulary import EventKind, Origin

#: Utilisation from which a list cannot settle.
FULL = 1.0
#: Utilisation from which a list is said to be close to full: its waits are long and
#: swing widely with demand (waits grow as 1 / (1 - utilisation) in queueing theory).
CLOSE = 0.95
#: Utilisation the suggested staff numbers aim at (our choice, see the module doc).
TARGET = 0.85


@frozen(kw_only=True)
class Load:
    """The offered load of one agency with places."""

    agency: str
    label: str
    #: arrivals a day (calendar days), families counted once where the agency takes them
    #: together, other areas' admissions to shared places included
    arrivals_per_day: float
    #: arrivals a day of the agency's own time (a working day at an office-hours agency)
    arrivals_per_agency_day: float
    #: mean service time, in the agency's days
    service_days: float
    places: int
    staff: int
    caseload: int
    office: bool
    #: the agency takes children off its list unseen
    sheds: bool

    @property
    def offered(self) -> float:
        """Places the arrivals would keep busy on average."""
        return self.arrivals_per_agency_day * self.service_days

    @property
    def utilisation(self) -> float:
        """The offered load over the places."""
        return self.offered / self.places

    def staff_for(self, target: float = TARGET) -> int:
        """The staff that bring the utilisation to ``target`` (at the same caseload)."""
        return max(1, math.ceil(self.offered / (target * self.caseload) - 1e-9))


def offered_loads(
    scenario: Scenario, *, seed: int | None = None, days: float | None = None
) -> list[Load]:
    """The offered load of every agency with places over ``days`` after the scenario's
    warm-up (default: the rest of its run), from a pilot run (see the module doc)."""
    from jtai_sim.simulation.run import simulate

    if days is None:
        days = scenario.duration_days - scenario.warmup_days
    return loads_of(simulate(scenario, seed=seed, days=scenario.warmup_days + days))


def loads_of(run: Run) -> list[Load]:
    """The offered load of every agency with places in ``run``, after its warm-up."""
    scenario = run.scenario
    days = scenario.duration_days - scenario.warmup_days
    log = run.log.records()
    # the children of a backlog are there on day 0, not demand that reaches the agency
    arrive = (
        (log["time"] >= scenario.warmup_days)
        & (log["kind"] == int(EventKind.ARRIVE))
        & (log["other"] != int(Origin.INITIAL))
    )
    household = run.children["household"].to_numpy()
    start = math.floor(scenario.warmup_days)
    working = run.calendar.working[start : start + math.ceil(days)]
    working_share = float(working.mean()) if len(working) else 5 / 7
    index = {key: i for i, key in enumerate(run.record.agency_ids)}
    out = []
    for key, spec in scenario.agencies.items():
        if spec.servers is None or spec.staff is None:
            continue
        here = arrive & (log["agency"] == index[key])
        if spec.per_family:
            # brothers and sisters arrive together, at one time, as one family
            homes = household[log["child"][here] - 1]
            arrivals = float(len(set(zip(log["time"][here].tolist(), homes.tolist(), strict=True))))
        else:
            arrivals = float(here.sum())
        per_day = arrivals / days
        if spec.shared is not None:
            per_day += spec.shared.other_areas_per_year / DAYS_PER_YEAR
        office = spec.working == "office"
        out.append(
            Load(
                agency=key,
                label=spec.label or key,
                arrivals_per_day=per_day,
                arrivals_per_agency_day=per_day / working_share if office else per_day,
                service_days=spec.service.mean,
                places=spec.servers,
                staff=spec.staff,
                caseload=spec.caseload,
                office=office,
                sheds=spec.leave_list_per_year > 0,
            )
        )
    return out


def capacity_lines(loads: list[Load]) -> list[str]:
    """One line for each agency whose list cannot settle or is close to full, fullest
    first (empty when every list settles with room to spare)."""
    lines = []
    for x in sorted(loads, key=lambda x: -x.utilisation):
        if x.utilisation < CLOSE:
            continue
        day = "working day" if x.office else "day"
        unit = "working days" if x.office else "days"
        state = (
            "its waiting list cannot settle"
            if x.utilisation >= FULL
            else "close to full: its waits will be long and swing with demand"
        )
        if x.utilisation >= FULL and x.sheds:
            state += " (it settles only by taking children off the list unseen)"
        lines.append(
            f"{x.agency} ({x.label}): {x.arrivals_per_agency_day:.3g} arrivals a {day} for "
            f"{x.service_days:.3g} {unit} each ask for {x.offered:.1f} places against "
            f"{x.places} ({x.staff} staff x caseload {x.caseload}): {x.utilisation:.0%}, "
            f"{state}; {x.staff_for()} staff would bring it to {TARGET:.0%} "
            f"(agencies.{x.agency}.staff), or lower the demand that reaches it or its "
            f"service time (agencies.{x.agency}.service.mean_days)"
        )
    return lines


__all__ = [
    "CLOSE",
    "FULL",
    "TARGET",
    "Load",
    "capacity_lines",
    "loads_of",
    "offered_loads",
]
