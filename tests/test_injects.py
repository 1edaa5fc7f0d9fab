"""Injects: staff, demand and sharing changed for a period of the run.

Each case is small enough to check by hand: one desk with ten children a day, or two
agencies with one pathway between them, written here so the numbers can be read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import ScenarioError, load_scenario, simulate
from jtai_sim.scenario.builtin import load_text, with_injects
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.run import Run
from jtai_sim.vocabulary import Completeness
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent

#: One desk: ten children a day, two places, a tenth of a day each (half the places in
#: use on average, so a queue is rare without an inject).
DESK = """\
name = "One desk"
children = 10000
duration_days = 100.0
[demand.walk_in]
agency = "desk"
rate_per_10k_per_year = 3652.5
{demand_extra}
[agencies.desk]
staff = 2
service = {{ kind = "exponential", mean_days = 0.1 }}
{injects}
"""

#: A notifies b, with information that is always recorded and never delayed (so no
#: delay is drawn, and hand-offs outside an inject's period are decided as before).
SHARING = """\
name = "Two agencies"
children = 10000
duration_days = 60.0
[demand.walk_in]
agency = "a"
rate_per_10k_per_year = 3652.5
[agencies.a]
[agencies.b]
[[pathways]]
from = "a"
to = "b"
mode = "notify"
probability = 0.8
information = {{ complete = 0.7, partial = 0.2, lost = 0.1 }}
{injects}
"""


def desk(injects: str = "", demand_extra: str = "") -> Scenario:
    return load_text(DESK.format(injects=injects, demand_extra=demand_extra))


def inject(**keys: object) -> str:
    """One ``[[injects]]`` table."""
    lines = ["[[injects]]"]
    for key, value in keys.items():
        text = f'"{value}"' if isinstance(value, str) else repr(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def rows(run: Run, kind: str, agency: str | None = None) -> pd.DataFrame:
    events = run.events
    chosen = events["kind"] == kind
    if agency is not None:
        chosen &= events["agency"] == agency
    return events[chosen]


def arrival_times(run: Run) -> np.ndarray:
    return rows(run, "child")["time"].to_numpy()


def in_window(times: pd.Series | np.ndarray, start: float, end: float) -> np.ndarray:
    values = np.asarray(times)
    return (values >= start) & (values < end)


# ---------------------------------------------------------------- staff


def test_no_places_for_ten_days_stops_every_start_and_the_queue_grows_by_the_arrivals() -> None:
    off = inject(kind="staff", agency="desk", change=-2, from_day=40.0, days=10.0)
    run = simulate(desk(off), seed=4)
    starts = rows(run, "start", "desk")["time"]
    assert not in_window(starts, 40.0, 50.0).any()
    arrived = rows(run, "arrive", "desk")
    during = arrived[in_window(arrived["time"], 40.0, 50.0)]
    assert 60 < len(during) < 140  # about 100 at ten a day
    waits = rows(run, "wait", "desk")
    joined = waits[in_window(waits["time"], 40.0, 50.0)]
    # every child who came in the period waited, and each found the one before on the list
    assert joined["child"].tolist() == during["child"].tolist()
    before = int(joined["value"].iloc[0])
    assert joined["value"].tolist() == [float(before + i) for i in range(len(joined))]
    # the two places come back on day 50 and two of the children waiting start then
    assert (starts == 50.0).sum() == 2
    assert before + len(during) > 2


def test_fewer_places_let_no_one_start_until_the_places_in_use_are_below_them() -> None:
    """Down from 2 places to 1: at every start in the period, nobody else is in service."""
    off = inject(kind="staff", agency="desk", change=-1, from_day=20.0, days=30.0)
    run = simulate(desk(off), seed=2)
    events = rows(run, "start", "desk")[["time", "child"]].assign(step=1)
    ends = rows(run, "end", "desk")[["time", "child"]].assign(step=-1)
    # ends before starts at the same moment, as the engine frees a place before filling it
    timeline = pd.concat([ends, events]).sort_values(["time", "step"], kind="stable")
    in_use = timeline["step"].cumsum()
    starts_in_period = (timeline["step"] == 1) & in_window(timeline["time"], 20.0, 50.0)
    assert starts_in_period.sum() > 100
    assert (in_use[starts_in_period] <= 1).all()
    # outside the period two can be in service at once
    assert (in_use[(timeline["step"] == 1) & (timeline["time"] >= 50.0)] == 2).any()


def test_more_staff_start_the_waiting_children_at_once() -> None:
    """An agency with no places for days 10 to 20 gets two places back, and three more
    staff from day 15: the children waiting then start on day 15."""
    text = inject(kind="staff", agency="desk", change=-2, from_day=10.0, days=10.0) + inject(
        kind="staff", agency="desk", change=3, from_day=15.0, days=5.0
    )
    run = simulate(desk(text), seed=3)
    starts = rows(run, "start", "desk")["time"]
    assert not in_window(starts, 10.0, 15.0).any()
    assert (starts == 15.0).sum() == 3  # three places, and about 50 children waiting
    assert in_window(starts, 15.0, 20.0).sum() > (starts == 15.0).sum()


def test_two_injects_ending_together_start_only_the_places_left() -> None:
    """No places from day 10, one from day 15, both back to the usual two on day 20: one
    child starts on day 20 (one is in service already), not two into places the second
    end takes away again."""
    text = inject(kind="staff", agency="desk", change=-2, from_day=10.0, days=10.0) + inject(
        kind="staff", agency="desk", change=1, from_day=15.0, days=5.0
    )
    run = simulate(desk(text), seed=3)
    starts = rows(run, "start", "desk")["time"]
    assert (starts == 15.0).sum() == 1
    assert (starts == 20.0).sum() == 1


def test_a_staff_inject_leaves_every_arrival_as_it_was() -> None:
    """Common random numbers: the same children come at the same times and are the same
    children (the register's profiles), replication by replication."""
    base = desk()
    off = desk(inject(kind="staff", agency="desk", change=-1, from_day=30.0, days=20.0))
    for replication in (0, 1):
        a = simulate(base, seed=9, replication=replication)
        b = simulate(off, seed=9, replication=replication)
        np.testing.assert_array_equal(arrival_times(a), arrival_times(b))
        pd.testing.assert_frame_equal(a.children, b.children)
        assert not a.events.equals(b.events)  # the inject did change the run


def test_a_staff_inject_that_changes_nothing_changes_no_byte() -> None:
    """The capped end of service and the inject's timers alone leave the log as it was:
    one more member of staff at an agency that never has a queue (no staff limit is
    reached with 50 places)."""
    text = DESK.replace("staff = 2", "staff = 50")
    base = load_text(text.format(injects="", demand_extra=""))
    more = load_text(
        text.format(
            injects=inject(kind="staff", agency="desk", change=1, from_day=5.0, days=50.0),
            demand_extra="",
        )
    )
    a, b = simulate(base, seed=1), simulate(more, seed=1)
    assert a.log.records().tobytes() == b.log.records().tobytes()


#: The SHA-256 of the event log and of the child register's CSV of ``minimal``, as the
#: engine wrote them before injects existed (main at 23a0899). A deliberate change to
#: what the engine draws or logs updates them; injects must never need to.
MINIMAL_BEFORE_INJECTS = {
    1: (
        "71de63e5a62e1b470e2e0815d68a7ea160eead7aaae51067502338a7ad0428ff",
        "0b134617933cad5bf52c386c000544394bc905053df65a11d5f7e52b97b9f5b9",
    ),
    7: (
        "8c999770ae1264a32358eb633058b59fb0f6d512fb846441ecb601549bbfea2f",
        "bef9062e15d5ebf803654aa3f61d0e8edf1572a32182178e694e79402dbdf320",
    ),
}


@pytest.mark.parametrize("seed", sorted(MINIMAL_BEFORE_INJECTS))
def test_a_scenario_without_injects_gives_the_bytes_it_gave_before_them(seed: int) -> None:
    run = simulate(load_scenario("minimal"), seed=seed)
    log = hashlib.sha256(run.log.records().tobytes()).hexdigest()
    register = hashlib.sha256(run.children.to_csv(index=False).encode()).hexdigest()
    assert (log, register) == MINIMAL_BEFORE_INJECTS[seed]


# ---------------------------------------------------------------- demand


WEEKENDS = "weekend_factor = 0.5"


@pytest.mark.parametrize("extra", ["", WEEKENDS], ids=["flat", "weekends"])
def test_a_factor_of_two_doubles_the_arrivals_in_the_window_only(extra: str) -> None:
    surge = inject(kind="demand", factor=2.0, from_day=30.0, days=30.0)
    base = simulate(desk(demand_extra=extra), seed=5)
    more = simulate(desk(surge, demand_extra=extra), seed=5)
    a, b = arrival_times(base), arrival_times(more)
    inside_a, inside_b = in_window(a, 30.0, 60.0).sum(), in_window(b, 30.0, 60.0).sum()
    # the base children all still come, at the same moments ...
    assert set(a) <= set(b)
    np.testing.assert_array_equal(a[~in_window(a, 30.0, 60.0)], b[~in_window(b, 30.0, 60.0)])
    # ... and the extra ones are as many again, within Poisson noise (4 sd)
    extra_children = inside_b - inside_a
    assert abs(extra_children - inside_a) < 4 * np.sqrt(2 * inside_a)
    assert inside_a > 150


def test_the_size_of_a_job_counts_the_children_a_surge_brings() -> None:
    """A doubling for half the run is half as many children again in the budget."""
    from jtai_sim.budget import Job, estimate

    surge = desk(inject(kind="demand", factor=2.0, from_day=0.0, days=50.0))
    base, more = (
        estimate(Job(scenario=desk(), days=100.0)),
        estimate(Job(scenario=surge, days=100.0)),
    )
    assert more.visits_per_run == pytest.approx(1.5 * base.visits_per_run)


def test_a_factor_below_one_keeps_that_share_of_the_same_children() -> None:
    fall = inject(kind="demand", factor=0.25, from_day=20.0, days=40.0)
    base = simulate(desk(), seed=6)
    fewer = simulate(desk(fall), seed=6)
    a, b = arrival_times(base), arrival_times(fewer)
    assert set(b) <= set(a)
    inside_a, inside_b = in_window(a, 20.0, 60.0).sum(), in_window(b, 20.0, 60.0).sum()
    sd = np.sqrt(inside_a * 0.25 * 0.75)
    assert abs(inside_b - 0.25 * inside_a) < 4 * sd
    np.testing.assert_array_equal(a[~in_window(a, 20.0, 60.0)], b[~in_window(b, 20.0, 60.0)])
    # a child kept is the child they were: same age at the same moment
    ages_a = base.children.set_index("arrived")["age"]
    ages_b = fewer.children.set_index("arrived")["age"]
    pd.testing.assert_series_equal(ages_a.loc[ages_b.index], ages_b)


def test_a_surge_names_its_streams() -> None:
    text = DESK.replace(
        "[agencies.desk]",
        '[demand.other]\nagency = "desk"\nrate_per_10k_per_year = 3652.5\n[agencies.desk]',
    )
    surge = inject(kind="demand", factor=3.0, from_day=10.0, days=20.0)
    surge = surge.replace("\n", '\nstreams = ["other"]\n', 1)
    base = simulate(load_text(text.format(injects="", demand_extra="")), seed=8)
    more = simulate(load_text(text.format(injects=surge, demand_extra="")), seed=8)

    def by_stream(run: Run, stream: str) -> np.ndarray:
        children = run.children
        return children.loc[children["stream"].str.startswith(stream), "arrived"].to_numpy()

    np.testing.assert_array_equal(by_stream(base, "walk_in"), by_stream(more, "walk_in"))
    assert len(by_stream(more, "other")) > len(by_stream(base, "other")) + 200


# ---------------------------------------------------------------- sharing


def sharing(injects: str = "") -> Scenario:
    return load_text(SHARING.format(injects=injects))


def notices(run: Run) -> pd.DataFrame:
    return rows(run, "notify", "a")[["time", "child", "detail"]].reset_index(drop=True)


def test_a_sharing_stop_loses_every_hand_off_in_the_window_and_none_outside() -> None:
    stop = inject(kind="sharing", pathway="a ~> b", from_day=20.0, days=15.0)
    base, stopped = notices(simulate(sharing(), seed=3)), notices(simulate(sharing(stop), seed=3))
    lost = int(Completeness.LOST)
    inside = in_window(stopped["time"], 20.0, 35.0)
    assert inside.sum() > 50
    assert (stopped.loc[inside, "detail"] == lost).all()
    # outside the window every hand-off is decided as it was without the inject
    pd.testing.assert_frame_equal(stopped[~inside], base[~in_window(base["time"], 20.0, 35.0)])
    assert (stopped.loc[~inside, "detail"] != lost).any()


def test_a_partial_loss_keeps_the_rest_in_the_pathways_proportions() -> None:
    half = inject(kind="sharing", pathway="a~>b", lost=0.5, from_day=0.0, days=60.0)
    counts = notices(simulate(sharing(half), seed=11))["detail"].value_counts(normalize=True)
    # lost 0.5; the other half split 7 : 2 as complete 0.7 and partial 0.2 are
    assert counts[int(Completeness.LOST)] == pytest.approx(0.5, abs=0.05)
    assert counts[int(Completeness.COMPLETE)] == pytest.approx(0.5 * 7 / 9, abs=0.05)


# ---------------------------------------------------------------- mistakes


BAD = [
    (
        inject(kind="staff", agency="dsk", change=-1, from_day=1.0, days=2.0),
        "injects[0].agency",
        'unknown agency (did you mean "desk"?), got "dsk"',
    ),
    (
        inject(kind="staff", agency="desk", change=-3, from_day=1.0, days=2.0),
        "injects[0].change",
        "got -3",
    ),
    (
        inject(kind="staff", agency="desk", change=0, from_day=1.0, days=2.0),
        "injects[0].change",
        "got 0",
    ),
    (
        inject(kind="staff", agency="desk", from_day=1.0, days=2.0),
        "injects[0].change",
        "needs change",
    ),
    (
        inject(kind="demand", factor=1.5, from_day=100.0, days=2.0),
        "injects[0].from_day",
        "got 100.0",
    ),
    (
        inject(kind="demand", factor=1.5, from_day=90.0, days=20.0),
        "injects[0].days",
        "got 20.0",
    ),
    (
        inject(kind="demand", factor=0.0, from_day=1.0, days=2.0),
        "injects[0].factor",
        "got 0.0",
    ),
    (
        inject(kind="demand", factor=2.0, from_day=1.0, days=2.0, agency="desk"),
        "injects[0].agency",
        "is read only for kind staff",
    ),
    (
        inject(kind="demand", factor=2.0, from_day=1.0, days=2.0).replace(
            "\n", '\nstreams = ["walk_inn"]\n', 1
        ),
        "injects[0].streams",
        'got "walk_inn"',
    ),
    (
        inject(kind="sharing", pathway="desk -> nowhere", from_day=1.0, days=2.0),
        "injects[0].pathway",
        'got "desk -> nowhere"',
    ),
    (
        inject(kind="holiday", from_day=1.0, days=2.0),
        "injects[0].kind",
        "holiday",
    ),
]


@pytest.mark.parametrize(("text", "key", "value"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_validate_says_what_is_wrong_in_one_line_and_exits_2(
    tmp_path: Path, text: str, key: str, value: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(DESK.format(injects=text, demand_extra=""), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith(f"jtai-sim: error: {path}:"), message
    assert f": {key}: " in message, message
    assert value in message, message


def test_an_inject_file_is_added_to_the_scenario_and_its_mistakes_name_it(
    tmp_path: Path,
) -> None:
    good = tmp_path / "off.toml"
    good.write_text(inject(kind="staff", agency="desk", change=-1, from_day=1.0, days=2.0))
    combined = with_injects(desk(), good)
    assert [i.change for i in combined.injects] == [-1]
    bad = tmp_path / "bad.toml"
    bad.write_text("# a comment\n" + inject(kind="demand", factor=2.0, from_day=1.0, days=200.0))
    with pytest.raises(ScenarioError) as caught:
        with_injects(desk(), bad)
    assert str(caught.value).startswith(f"{bad}:6: injects[0].days: ")
    empty = tmp_path / "empty.toml"
    empty.write_text('description = "nothing"\n')
    with pytest.raises(ScenarioError, match="holds no injects"):
        with_injects(desk(), empty)


@pytest.mark.parametrize("name", ["mash_sickness", "police_stop_sharing"])
def test_the_example_inject_files_fit_midshire(name: str) -> None:
    scenario = with_injects(
        load_scenario("midshire"), ROOT / "scenarios" / "injects" / f"{name}.toml"
    )
    assert scenario.injects


def test_run_takes_an_inject_file_and_refuses_one_that_does_not_fit_the_days(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "desk.toml"
    scenario.write_text(DESK.format(injects="", demand_extra=""), encoding="utf-8")
    off = tmp_path / "off.toml"
    off.write_text(inject(kind="staff", agency="desk", change=-2, from_day=5.0, days=5.0))
    out = tmp_path / "out"
    args = ["run", str(scenario), "--inject", str(off), "--days", "20", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    events = pd.read_parquet(out / "events.parquet")
    starts = events[(events["kind"] == "start")]["time"]
    assert not in_window(starts, 5.0, 10.0).any()
    short = CliRunner().invoke(
        cli, ["run", str(scenario), "--inject", str(off), "--days", "7", "--out", str(out) + "2"]
    )
    assert short.exit_code == 2
    assert "--days/--years (7 days): injects[0].days" in short.stderr
    assert not (tmp_path / "out2").exists()


def test_the_report_lists_the_injects_in_words() -> None:
    from jtai_sim.results.report import RunTables, ScenarioSource, render_report

    off = inject(kind="staff", agency="desk", change=-1, from_day=5.0, days=10.0)
    scenario = desk(off.replace("\n", '\nlabel = "one of two off sick"\n', 1))
    run = simulate(scenario, seed=1, days=20)
    html = render_report(run, RunTables.of(run), ScenarioSource.of_scenario(scenario))
    assert "<li>days 5 to 15: one of two off sick (desk: 1 staff fewer)</li>" in html
    plain = simulate(desk(), seed=1, days=20)
    html = render_report(plain, RunTables.of(plain), ScenarioSource.of_scenario(desk()))
    assert "Injects" not in html
