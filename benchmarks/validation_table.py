"""Print the queueing-theory validation table of ``docs/validation.md``.

Runs the same replications as ``tests/test_queueing.py`` and
``tests/test_conservation.py`` and prints, as Markdown, each analytic value
beside the mean of the replication means and its 95% t-interval::

    .venv/bin/python benchmarks/validation_table.py
"""

from __future__ import annotations

from collections.abc import Callable

from jtai_sim import EventKind, Run, load_scenario, simulate
from jtai_sim.experiments.stats import t_interval
from jtai_sim.validation.theory import jackson

REPLICATIONS = 20


def waits_column(agency: str, column: str) -> Callable[[Run], float]:
    def read(run: Run) -> float:
        return float(run.waits().set_index("agency").at[agency, column])

    return read


def arrivals(agency: str) -> Callable[[Run], float]:
    def read(run: Run) -> float:
        rec = run.log.records()
        code = run.agency_ids.index(agency)
        sel = (
            (rec["kind"] == int(EventKind.ARRIVE))
            & (rec["agency"] == code)
            & (rec["time"] >= run.warmup_days)
        )
        return int(sel.sum()) / run.window_days

    return read


def rows(name: str, days: float) -> list[str]:
    scenario = load_scenario(f"scenarios/{name}.toml")
    runs = [simulate(scenario, replication=i, days=days) for i in range(REPLICATIONS)]
    out = []
    for agency, theory in jackson(scenario).items():
        for label, expected, read in (
            ("arrivals a day", theory.arrival_rate_per_day, arrivals(agency)),
            ("P(wait > 0)", theory.wait_probability, waits_column(agency, "waited_share")),
            ("mean wait (days)", theory.mean_wait_days, waits_column(agency, "mean_days")),
        ):
            ci = t_interval([read(run) for run in runs])
            inside = "yes" if ci.covers(expected) else "**no**"
            out.append(
                f"| {name} | {agency} | {label} | {expected:.4f} | {ci.mean:.4f} "
                f"| [{ci.low:.4f}, {ci.high:.4f}] | {100 * ci.half_width / expected:.1f}% "
                f"| {inside} |"
            )
    return out


def main() -> None:
    print(
        f"{REPLICATIONS} replications each; 95% t-interval of the replication means.\n\n"
        "| scenario | agency | quantity | theory | simulated | 95% interval "
        "| half-width | inside |\n|---|---|---|---:|---:|---|---:|---|"
    )
    for line in rows("single_desk", 2100.0) + rows("jackson", 1100.0):
        print(line)


if __name__ == "__main__":
    main()
