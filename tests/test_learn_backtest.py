"""The back-test: a scenario learned on two thirds of an area's records, simulated over the
last third from the state at the cut, reproduces the waits the records show, and says so
plainly when it does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_learn import AREA

from jtai_sim import scenario_from_toml, simulate
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.cases_csv import write_case_list
from jtai_sim.inspection.model import CaseBook
from jtai_sim.learning.backtest import (
    ARRIVALS,
    CLOCKS_MET,
    WAIT,
    BackTest,
    _compare,
    back_test,
    back_test_page,
)
from runner.cli import cli

#: The area of tests/test_learn.py (not in the repository) over 450 days, its assessment
#: team given 46 staff: at about 95% of its places it queues, as the referral desk does.
QUEUEING = AREA.replace("staff = 44", "staff = 46")


def _book(text: str) -> CaseBook:
    return casebook_from_run(simulate(scenario_from_toml(text), seed=20251203, days=450))


@pytest.fixture(scope="module")
def checked() -> BackTest:
    return back_test(_book(QUEUEING), children=200000, replications=10)


def test_the_simulated_mean_waits_lie_inside_the_records_intervals(checked: BackTest) -> None:
    t = checked.table
    waits = t[t["measure"] == WAIT].set_index("agency")
    assert set(waits.index) == {"desk", "team"}
    # both lists queue, so the comparison is of real waits
    assert (waits["records"] > 0.05).all()
    assert (waits["records_low"] <= waits["simulated"]).all()
    assert (waits["simulated"] <= waits["records_high"]).all()
    assert (waits["verdict"] == "agrees").all()
    assert (t.loc[t["measure"] == ARRIVALS, "verdict"] == "agrees").all()
    clocks = t[t["measure"] == CLOCKS_MET].set_index("agency")
    # the standard timescales of a referral desk and an assessment team
    assert set(clocks.index) == {"front_door_decision", "assessment_45wd"}
    assert (clocks["records_n"] > 1000).all()
    assert (clocks["records_low"] < clocks["records"]).all()
    assert (clocks["records"] < clocks["records_high"]).all()
    assert checked.disagreements.empty
    # learned on the first two thirds only
    assert checked.cut.isoformat() == "2026-01-25"
    assert checked.scenario.start_date == checked.cut


def test_an_agency_at_its_limit_is_shown_to_disagree() -> None:
    """With 44 staff the team runs at about 99% of its places, where a service time learned
    half a percent short makes the waits halve: the back-test must say so."""
    t = back_test(_book(AREA), children=200000, replications=10).table
    team = t[(t["measure"] == WAIT) & (t["agency"] == "team")].iloc[0]
    assert team["verdict"] == "the model waits less"
    assert team["simulated"] < team["records_low"]


def test_the_page_is_self_contained_and_says_what_agrees(checked: BackTest) -> None:
    page = back_test_page(checked, "Learning check")
    assert "agree on every row" in page
    assert "http" not in page.replace('lang="en-GB"', "")
    assert page.count("<tr") == len(checked.table) + 1


def test_learn_check_writes_the_page_and_table_beside_the_scenario(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    # 60 days: over the 42 a back-test needs; what is checked is the files and lines the
    # command writes, which the fit's precision does not change
    book = casebook_from_run(simulate(scenario_from_toml(QUEUEING), seed=3, days=60))
    write_case_list(book, cases)
    out = tmp_path / "out" / "learned.toml"
    argv = ["learn", str(cases), "--out", str(out), "--children", "200000"]
    result = CliRunner().invoke(cli, [*argv, "--check", "--replications", "3"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "learned-check.csv",
        "learned-check.html",
        "learned.toml",
    ]
    assert "back-test from" in result.output and "rows; wrote" in result.output


def test_learn_check_on_records_too_short_writes_nothing(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    book = casebook_from_run(simulate(scenario_from_toml(QUEUEING), seed=3, days=35))
    write_case_list(book, cases)
    out = tmp_path / "out" / "learned.toml"
    argv = ["learn", str(cases), "--out", str(out), "--children", "200000", "--check"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "a back-test needs at least 42" in result.output
    assert not out.exists() and not (out.parent / "learned-check.html").exists()


def test_the_page_opens_offline_in_a_browser(
    checked: BackTest, tmp_path: Path, offline_page: object
) -> None:
    path = tmp_path / "check.html"
    path.write_text(back_test_page(checked, "Learning check"), encoding="utf-8")
    page = offline_page.open(path)  # type: ignore[attr-defined]
    rows = page.locator("tbody tr").count()
    assert rows == len(checked.table)
    assert offline_page.blocked == [] and offline_page.console_errors == []  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)


def test_a_share_met_outside_the_records_interval_is_said_to_differ() -> None:
    """Clocks met in time: 80% in the records' last third (batches of 40 clocks, 28 to 36
    met), 95% in every run; and a run at the records' own share agrees."""
    rng = np.random.default_rng(5)
    met = (rng.random(400) < 0.8).astype(np.float64)
    records = {(CLOCKS_MET, "assessment_45wd"): met}
    high = [{(CLOCKS_MET, "assessment_45wd"): np.array([1.0] * 19 + [0.0])} for _ in range(5)]
    row = _compare(records, high).iloc[0]
    assert row["records_low"] < row["records"] < row["records_high"] < 0.95
    assert row["verdict"] == "the model meets more in time"
    same = [{(CLOCKS_MET, "assessment_45wd"): met} for _ in range(5)]
    assert _compare(records, same).iloc[0]["verdict"] == "agrees"


def test_children_closed_before_the_cut_come_back_after_it() -> None:
    """A third of the children closed come back after 90 days on average: many of those
    closed before the cut return after it, and the back-test starts with them on their
    way, so the referral desk and the team see as many children as the records do."""
    text = QUEUEING.replace(
        "[mental_health]\n",
        "[mental_health]\nre_referral = { probability = [0.3, 0.3, 0.3], "
        "mean_delay_days = 90.0 }\n",
    )
    book = _book(text)
    check = back_test(book, children=200000, replications=2)
    ev = book.events
    cut = (check.cut - book.calendar.date_of(0)).days
    known = set(ev.loc[ev["time"] < cut, "child"])
    after = ev[ev["time"] >= cut].sort_values("time", kind="stable").groupby("child").head(1)
    # children of the records away at the cut whose next row is their return
    away = after[after["child"].isin(known) & (after["origin"] == "return")]
    pending = sum(a.backlog.returning for a in check.scenario.agencies.values() if a.backlog)
    # some come back only after the records end
    delay = check.scenario.mental_health.re_referral.mean_delay_days
    by_the_end = pending * -np.expm1(-check.scenario.duration_days / delay)
    assert len(away) > 1000
    assert by_the_end == pytest.approx(len(away), rel=0.05)
    t = check.table.set_index(["measure", "agency"])
    # and children open at the cut come back where they were first seen, as in the records
    assert t.loc[(ARRIVALS, "desk"), "verdict"] == "agrees"
    assert t.loc[(ARRIVALS, "team"), "verdict"] == "agrees"
    assert check.scenario.agencies["team"].backlog.returns_to in ("school", "police")


def test_children_on_a_plan_at_the_cut_are_carried_over_with_their_flags() -> None:
    """The team puts children on a plan that has no limit of places (nobody waits for
    one), six in ten of those at risk of harm and one in ten of the others: the children
    on a plan at the cut start the last third on it, with the share at risk they had, and
    the plans ending in the last third agree with the records."""
    from jtai_sim.learning.backtest import IN_SERVICE
    from jtai_sim.learning.state import open_children

    text = QUEUEING.replace(
        "[mental_health]\n",
        '[agencies.plan]\nkind = "cin_plan"\nlegal_status = "cin"\n'
        'service = { kind = "gamma", mean_days = 120.0, sd_days = 60.0 }\n\n'
        '[[pathways]]\nfrom = "team"\nto = "plan"\nprobability = 0.6\nwhen = ["at_risk"]\n\n'
        '[[pathways]]\nfrom = "team"\nto = "plan"\nprobability = 0.1\nunless = ["at_risk"]\n\n'
        "[mental_health]\n",
    )
    book = _book(text)
    check = back_test(book, children=200000, replications=3)
    cut = (check.cut - book.calendar.date_of(0)).days
    ev = book.events
    before = ev[ev["time"] < cut]
    on_plan = before[before["agency"] == "plan"]
    open_then = int((on_plan["kind"] == "start").sum() - (on_plan["kind"] == "end").sum())
    backlog = check.scenario.agencies["plan"].backlog
    assert check.scenario.agencies["plan"].servers is None
    assert backlog is not None and backlog.in_service == open_then > 100
    children = open_children(ev, cut)
    who = children.loc[children["agency"] == "plan", "child"]
    assert len(who) == open_then
    at_risk = book.children.set_index("child")["at_risk"].reindex(who).mean()
    assert at_risk > 0.5  # not like a new child at school, of whom none is at risk
    assert backlog.profile.at_risk == pytest.approx(at_risk, abs=1e-6)
    t = check.table.set_index(["measure", "agency"])
    assert t.loc[(IN_SERVICE, "plan"), "verdict"] == "agrees"


def test_a_wait_of_seconds_against_none_is_no_disagreement() -> None:
    from jtai_sim.learning.backtest import _verdict

    assert _verdict(WAIT, 5e-7, 0.0, 1e-7) == "agrees"
    assert _verdict(WAIT, 0.27, 0.0, 0.0) == "the model waits longer"
    assert _verdict(ARRIVALS, 5e-7, 0.0, 1e-7) == "the model sees more children"
