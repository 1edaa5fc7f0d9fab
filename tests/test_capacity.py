"""The capacity check: offered loads agree with queueing theory, an overloaded agency is
named with the staff that settle it, and the commands say so."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.validation.capacity import FULL, TARGET, capacity_lines, offered_loads
from jtai_sim.validation.theory import jackson
from runner.cli import cli


def test_offered_loads_agree_with_the_jackson_network_theory() -> None:
    scenario = load_scenario("jackson")
    theory = jackson(scenario)
    loads = {x.agency: x for x in offered_loads(scenario, seed=3)}
    for key, station in theory.items():
        assert loads[key].arrivals_per_day == pytest.approx(station.arrival_rate_per_day, rel=0.03)
        assert loads[key].utilisation == pytest.approx(station.utilisation, abs=0.02)


def test_a_backlog_on_day_0_is_not_counted_as_arrivals() -> None:
    """The single desk with 400 children waiting on day 0 and no warm-up: its offered load
    is its demand's, as without them (the same streams, so the same arrivals)."""
    from jtai_sim.scenario.model import Backlog

    desk = load_scenario("single_desk")
    (key,) = [k for k, a in desk.agencies.items() if a.servers is not None]
    agencies = dict(desk.agencies)
    agencies[key] = attrs.evolve(agencies[key], backlog=Backlog(waiting=400, in_service=0))
    queued = attrs.evolve(desk, agencies=agencies, warmup_days=0.0)
    plain = attrs.evolve(desk, warmup_days=0.0)
    with_list = {x.agency: x for x in offered_loads(queued, seed=2, days=200)}[key]
    without = {x.agency: x for x in offered_loads(plain, seed=2, days=200)}[key]
    assert with_list.arrivals_per_day == without.arrivals_per_day > 0


@pytest.fixture(scope="module")
def crowded() -> object:
    """Midshire with 150,000 children and its own staff (a copy a new user might make)."""
    midshire = load_scenario("midshire")
    return attrs.evolve(midshire, children=150_000, duration_days=midshire.warmup_days + 365)


def test_an_area_grown_without_its_staff_is_named_with_the_staff_to_settle_it(
    crowded: object,
) -> None:
    loads = {x.agency: x for x in offered_loads(crowded)}  # type: ignore[arg-type]
    front_door = loads["front_door"]
    assert front_door.utilisation >= FULL
    lines = capacity_lines(list(loads.values()))
    (line,) = [line for line in lines if line.startswith("front_door ")]
    suggested = front_door.staff_for()
    assert f"{suggested} staff would bring it to 85% (agencies.front_door.staff)" in line
    assert "its waiting list cannot settle" in line
    # fullest first
    assert [x.split(" ")[0] for x in lines] == [
        k
        for k, x in sorted(loads.items(), key=lambda kv: -kv[1].utilisation)
        if x.utilisation >= 0.95
    ]
    # the suggested staff settle it: its arrivals come from demand, not from its own staff
    agencies = dict(crowded.agencies)  # type: ignore[attr-defined]
    agencies["front_door"] = attrs.evolve(agencies["front_door"], staff=suggested)
    fixed = attrs.evolve(crowded, agencies=agencies)
    after = {x.agency: x for x in offered_loads(fixed)}["front_door"]
    assert after.utilisation <= TARGET + 0.03


def test_validate_with_capacity_prints_the_loads_and_warns(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "single_desk", "--capacity"])
    assert result.exit_code == 0, result.output
    assert "capacity over 2000 days" in result.output
    assert "desk" in result.output and "81%" in result.output
    # the plain check stays quick: it simulates nothing
    plain = CliRunner().invoke(cli, ["validate", "single_desk"])
    assert plain.output.count("\n") == 1


def test_learn_names_the_lists_of_a_crowded_area_that_are_close_to_full(
    crowded: object, tmp_path: Path
) -> None:
    from jtai_sim import simulate
    from jtai_sim.inspection import casebook_from_run
    from jtai_sim.inspection.cases_csv import write_case_list

    book = casebook_from_run(simulate(crowded, seed=2, days=70))  # type: ignore[arg-type]
    write_case_list(book, tmp_path / "cases")
    out = tmp_path / "learned.toml"
    argv = ["learn", str(tmp_path / "cases"), "--out", str(out), "--children", "150000"]
    result = CliRunner().invoke(cli, [*argv, "--staff", "front_door=16"])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if line.startswith("warning: capacity:")]
    assert warned, result.output
    loads = {x.agency: x for x in offered_loads(load_scenario(str(out)))}
    for line in warned:
        agency = line.split()[2]
        assert loads[agency].utilisation >= 0.9
        assert f"agencies.{agency}.staff" in line
    quiet = CliRunner().invoke(cli, [*argv, "--no-capacity"])
    assert quiet.exit_code == 0 and "capacity" not in quiet.output
