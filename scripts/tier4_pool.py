"""Midshire's Tier 4 beds as a regional pool: occupancy and the waits for a bed.

Runs replications of a scenario (default Midshire) and, for one agency (default
``inpatient``), reports after the warm-up: the area's admissions a year, the mean
occupancy of the places (read from the engine once a day, as other areas' children
write no rows), the share of the area's children who waited, their mean and 90th
percentile wait in days, and the share of starts in a bed far from home.

    python scripts/tier4_pool.py [SCENARIO] [--agency inpatient] [--replications 5]
"""

from __future__ import annotations

import argparse

import numpy as np

from jtai_sim import load_scenario
from jtai_sim.simulation.engine import Engine
from jtai_sim.vocabulary import EventKind, HeldIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="midshire")
    parser.add_argument("--agency", default="inpatient")
    parser.add_argument("--replications", type=int, default=5)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    code = scenario.agency_ids.index(args.agency)
    places = scenario.agencies[args.agency].servers or 0
    years = (scenario.duration_days - scenario.warmup_days) / 365.25
    print("replication | admissions a year | occupancy | waited | mean wait | p90 | far")
    for replication in range(args.replications):
        engine = Engine(scenario, replication=replication)
        desk = engine.desks[code]
        busy: list[int] = []

        def sample(t: float, desk: object = desk, busy: list[int] = busy) -> None:
            if t > scenario.warmup_days:
                busy.append(desk.busy)  # type: ignore[attr-defined]

        engine.run(progress=sample, step_days=1.0)
        rec = engine.log.records()
        here = (rec["agency"] == code) & (rec["time"] >= scenario.warmup_days)
        waits = rec["value"][here & (rec["kind"] == int(EventKind.START))].astype(np.float64)
        held = rec["detail"][here & (rec["kind"] == int(EventKind.HELD))]
        arrivals = int((here & (rec["kind"] == int(EventKind.ARRIVE))).sum())
        far = float((held == int(HeldIn.FAR_FROM_HOME)).sum()) / max(len(waits), 1)
        print(
            f"{replication} | {arrivals / years:.1f} | {np.mean(busy) / places:.1%} | "
            f"{(waits > 0).mean():.0%} | {waits.mean():.1f} | "
            f"{np.percentile(waits, 90):.1f} | {far:.0%}"
        )


if __name__ == "__main__":
    main()
