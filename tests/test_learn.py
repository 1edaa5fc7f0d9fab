"""``jtai-sim learn`` recovers the scenario a case book was simulated from.

The scenario below is not in the repository: office hours, term-time school demand with
no weekend arrivals, police demand that rises at weekends, a referral desk with
lognormal service and an assessment team with gamma service, both with queues, and a
school pathway whose chance depends on the child's mental-health need.

Why these sizes (two years of 200,000 children, about 80,000 children in all): a
Poisson count of n has a relative standard error of 1/sqrt(n). The smallest count checked
is the schools' arrivals on working days in the school holidays, about 41 a day on some
120 such days, n ~ 5,000: 1.4%, so 5% is over 3 standard errors. The smallest routing
denominator is the desk's children without a need from schools, n ~ 6,000 at p = 0.2:
standard error 0.005, so 0.02 is 4 of them. Service means rest on over 10,000 durations
with a coefficient of variation under 1 (standard error under 1%, against 10%). Staff are
read from the most children in service at once, which equals the places exactly as soon
as anyone waits, and both queued agencies have a waiting list within weeks.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner, Result

from jtai_sim import scenario_from_toml, simulate
from jtai_sim.errors import LearningError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.model import CaseBook
from jtai_sim.learning import Learned, learn_scenario
from jtai_sim.scenario.model import Pathway, Scenario
from runner.cli import cli

CASES = Path(__file__).resolve().parent.parent / "scenarios" / "cases"

AREA = """
name = "Learning check"
start_date = 2025-04-01
children = 200000
duration_days = 730.0
warmup_days = 0.0

[demand.schools]
agency = "school"
rate_per_10k_per_year = 1500.0
seasonality = "school_terms"
term_factor = 1.4
holiday_factor = 0.5
weekend_factor = 0.0
profile = { min_age = 5, max_age = 17, mental_health = [0.4, 0.4, 0.2] }

[demand.incidents]
agency = "police"
rate_per_10k_per_year = 800.0
weekend_factor = 1.5
profile = { min_age = 0, max_age = 17, mental_health = [0.6, 0.3, 0.1], at_risk = 0.3 }

[agencies.school]
kind = "school"
working = "office"
service = { kind = "fixed", mean_days = 0.5 }

[agencies.police]
kind = "police"
service = { kind = "exponential", mean_days = 0.2 }

[agencies.desk]
kind = "referral"
staff = 30
caseload = 3
working = "office"
service = { kind = "lognormal", mean_days = 0.8, sd_days = 0.6 }

[agencies.team]
kind = "assessment"
staff = 44
caseload = 15
working = "office"
service = { kind = "gamma", mean_days = 20.0, sd_days = 8.0 }

[[pathways]]
from = "school"
to = "desk"
probability = 0.6
when = ["mental_health_need"]
information = { complete = 0.7, partial = 0.2, lost = 0.1, delay_mean_days = 0.2 }

[[pathways]]
from = "school"
to = "desk"
probability = 0.2
unless = ["mental_health_need"]
information = { complete = 0.7, partial = 0.2, lost = 0.1, delay_mean_days = 0.2 }

[[pathways]]
from = "police"
to = "desk"
probability = 0.5

[[pathways]]
from = "desk"
to = "team"
probability = 0.4

[mental_health]
deterioration_per_year_waiting = 0.0
"""


@pytest.fixture(scope="module")
def truth() -> Scenario:
    return scenario_from_toml(AREA)


@pytest.fixture(scope="module")
def book(truth: Scenario) -> CaseBook:
    return casebook_from_run(simulate(truth, seed=20251203))


@pytest.fixture(scope="module")
def learned(book: CaseBook) -> Learned:
    return learn_scenario(book, children=200000)


def _day_rates(s: Scenario, stream: str) -> tuple[float, float, float]:
    """A stream's rate a day on school days, holiday working days and other days."""
    d = s.demand[stream]
    base = d.rate_per_10k_per_year * s.children / 10_000 / 365.25
    if d.seasonality == "school_terms":
        return (
            base * d.term_factor,
            base * d.holiday_factor,
            base * d.holiday_factor * d.weekend_factor,
        )
    return (base, base, base * d.weekend_factor)


def test_demand_rates_within_5_percent(truth: Scenario, learned: Learned) -> None:
    got = learned.scenario
    assert set(got.demand) == {"school", "police"}
    assert got.demand["school"].seasonality == "school_terms"
    assert got.demand["police"].seasonality == "none"
    for mine, theirs in (("school", "schools"), ("police", "incidents")):
        for want, have in zip(_day_rates(truth, theirs), _day_rates(got, mine), strict=True):
            if want == 0:
                assert have == pytest.approx(0.0, abs=1e-9)
            else:
                assert abs(have / want - 1) < 0.05, (mine, want, have)
    # without seasonality the rate itself is the working-day rate, so it is recovered as is
    police = got.demand["police"].rate_per_10k_per_year
    assert abs(police / 800.0 - 1) < 0.05


def test_routing_within_002(learned: Learned) -> None:
    paths: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Pathway] = {
        (p.source, p.to, p.when, p.unless): p for p in learned.scenario.pathways
    }
    want = {
        ("school", "desk", ("mental_health_need",), ()): 0.6,
        ("school", "desk", (), ("mental_health_need",)): 0.2,
        ("police", "desk", (), ()): 0.5,
        ("desk", "team", (), ()): 0.4,
    }
    assert set(paths) == set(want)
    for key, p in want.items():
        assert abs(paths[key].probability - p) < 0.02, (key, paths[key].probability)
    info = paths[("school", "desk", ("mental_health_need",), ())].information
    assert info is not None
    assert abs(info.complete - 0.7) < 0.02 and abs(info.lost - 0.1) < 0.02


def test_service_means_within_10_percent_and_kinds(learned: Learned) -> None:
    ag = learned.scenario.agencies
    for key, mean in (("desk", 0.8), ("team", 20.0), ("police", 0.2), ("school", 0.5)):
        assert abs(ag[key].service.mean_days / mean - 1) < 0.10, (key, ag[key].service)
    assert ag["desk"].service.kind == "lognormal"
    assert ag["team"].service.kind == "gamma"
    assert ag["police"].service.kind == "exponential"
    assert ag["school"].service.kind == "fixed"
    assert [ag[k].working for k in ("school", "police", "desk", "team")] == [
        "office",
        "always",
        "office",
        "office",
    ]


def test_staff_within_one(learned: Learned) -> None:
    ag = learned.scenario.agencies
    assert abs((ag["desk"].staff or 0) - 30) <= 1
    assert abs((ag["team"].staff or 0) - 44) <= 1
    assert ag["police"].staff is None  # no one waited: no queue


def test_given_staff_learns_the_caseload(book: CaseBook) -> None:
    ag = learn_scenario(book, children=200000, staff={"team": 22, "police": 2}).scenario.agencies
    assert (ag["team"].staff, ag["team"].caseload) == (22, 30)
    # no one waited at the police: the places written hold the most ever seen at once
    most = int(((book.events["agency"] == "police") & (book.events["kind"] == "start")).sum())
    assert ag["police"].staff == 2 and 1 <= ag["police"].caseload * 2 < most


def test_every_value_has_provenance_and_comment(learned: Learned) -> None:
    prov = learned.provenance
    rate = prov["demand.school.rate_per_10k_per_year"]
    assert rate.source == "data" and rate.n > 1000
    assert rate.low < rate.estimate < rate.high
    assert prov["agencies.desk.caseload"].source == "default"
    line = next(x for x in learned.toml.splitlines() if x.startswith("caseload = 3"))
    assert "# default: Midshire's" in line
    line = next(x for x in learned.toml.splitlines() if x.startswith("rate_per_10k_per_year"))
    assert "# n = " in line and "95% interval" in line


def test_until_learns_only_from_events_before_it(book: CaseBook, learned: Learned) -> None:
    cut = dt.date(2025, 12, 31)
    got = learn_scenario(book, children=200000, until=cut)
    assert got.scenario.duration_days == (cut - dt.date(2025, 4, 1)).days + 1
    n = got.provenance["demand.police.rate_per_10k_per_year"].n
    full = learned.provenance  # the same book learned without a cut
    assert n < full["demand.police.rate_per_10k_per_year"].n / 2


def test_same_book_same_bytes(book: CaseBook, learned: Learned) -> None:
    assert learn_scenario(book, children=200000).toml == learned.toml


def test_too_short_or_unknown_staff_is_an_error(book: CaseBook) -> None:
    with pytest.raises(LearningError, match="learning needs at least 28"):
        learn_scenario(book, children=1000, until=dt.date(2025, 4, 10))
    with pytest.raises(LearningError, match="unknown agency 'camhs'"):
        learn_scenario(book, children=1000, staff={"camhs": 3})


# -- the command line ------------------------------------------------------------------


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["learn", *[str(a) for a in args]], catch_exceptions=False)


def test_cli_writes_a_valid_scenario_byte_identically(tmp_path: Path) -> None:
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    for out in (one, two):
        result = invoke(CASES, "--out", out, "--children", "80000")
        assert result.exit_code == 0, result.output
    assert one.read_bytes() == two.read_bytes()
    check = CliRunner().invoke(cli, ["validate", str(one)], catch_exceptions=False)
    assert check.exit_code == 0, check.output


def test_cli_children_default_is_marked_and_warned(tmp_path: Path) -> None:
    out = tmp_path / "s.toml"
    result = invoke(CASES, "--out", out)
    assert result.exit_code == 0, result.output
    assert "warning: --children not given" in result.stderr
    assert "children = 80000   # default: Midshire's" in out.read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--staff", "desk"), "--staff: must be AGENCY=N"),
        (("--staff", "front_door=0"), "--staff: must be AGENCY=N"),
        (("--staff", "front_door=2.5"), "--staff: must be AGENCY=N"),
        (("--staff", "camhz=3"), "unknown agency 'camhz'"),
        (("--children", "0"), "--children"),
        (("--until", "2024-04-20"), "learning needs at least 28"),
    ],
)
def test_cli_bad_options_exit_2_one_line_nothing_written(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    out = tmp_path / "s.toml"
    result = invoke(CASES, "--out", out, *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_missing_data_exit_2(tmp_path: Path) -> None:
    result = invoke(tmp_path / "nowhere", "--out", tmp_path / "s.toml")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no such folder or file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_row_names_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "cases"
    data.mkdir()
    for name in ("children.csv", "agencies.csv"):
        (data / name).write_bytes((CASES / name).read_bytes())
    lines = (CASES / "events.csv").read_text().splitlines()
    lines[3] = lines[3].replace("police", "polise", 1)
    (data / "events.csv").write_text("\n".join(lines) + "\n")
    result = invoke(data, "--out", tmp_path / "s.toml")
    assert result.exit_code == 2
    assert "events.csv:4: column agency" in result.stderr and "polise" in result.stderr
    assert not (tmp_path / "s.toml").exists()


def test_intervals_are_finite_for_learned_values(learned: Learned) -> None:
    for key, e in learned.provenance.items():
        if e.source == "data" and e.n > 0 and not math.isnan(e.low):
            assert e.low <= e.estimate + 1e-9 and e.estimate <= e.high + 1e-9, key
    assert np.isfinite([e.estimate for e in learned.provenance.values()]).all()


def test_a_clock_split_by_urgency_is_left_out(book: CaseBook) -> None:
    """The area's records mark no referral urgent, so a clock for urgent referrals only
    could time none of them: it is left out (and the learned partnership passes its
    checks)."""
    import attrs

    from jtai_sim.scenario.model import Clock, ClockPoint
    from jtai_sim.scenario.partnership import Partnership

    def desk_clock(label: str, **urgency: str) -> Clock:
        return Clock(
            label=label,
            start=ClockPoint(agency=("desk",), event="arrive"),
            stop=ClockPoint(agency=("desk",), event="start"),
            limit=1.0,
            unit="days",
            **urgency,  # type: ignore[arg-type]
        )

    clocks = {"desk_urgent": desk_clock("urgent", urgency="urgent"), "desk_any": desk_clock("any")}
    learned = learn_scenario(attrs.evolve(book, clocks=clocks), children=200000)
    assert set(learned.scenario.clocks) == {"desk_any"}
    Partnership(learned.scenario)


def test_re_referrals_are_learned_allowing_for_returns_after_the_records_end() -> None:
    """Children closed without help come back a quarter of the time (half of those at risk
    of harm) after 90 days on average; many closures late in the records have not come
    back yet, and the fit must not take that as never. The team's children are children
    in need, so the end of that status is logged after each closure there, between it
    and the return."""
    text = AREA.replace(
        "[mental_health]\n",
        "[mental_health]\nre_referral = { probability = [0.25, 0.25, 0.25], "
        "at_risk_probability = 0.5, mean_delay_days = 90.0 }\n",
    ).replace('kind = "assessment"\n', 'kind = "assessment"\nlegal_status = "cin"\n')
    assert 'legal_status = "cin"' in text
    truth = scenario_from_toml(text)
    book = casebook_from_run(simulate(truth, seed=7))
    rr = learn_scenario(book, children=200000).scenario.mental_health.re_referral
    assert rr.probability == pytest.approx((0.25, 0.25, 0.25), abs=0.02)
    assert rr.at_risk_probability == pytest.approx(0.5, abs=0.04)
    assert rr.mean_delay_days == pytest.approx(90.0, rel=0.1)


#: A clinic whose list puts urgent referrals first and is re-triaged weekly: the GP marks
#: three referrals in ten urgent, and 5% of referrals lose their information (and the mark).
TRIAGED = """
name = "Urgent and re-triaged"
start_date = 2025-04-01
children = 100000
duration_days = 730.0
warmup_days = 0.0

[demand.gp]
agency = "gp"
rate_per_10k_per_year = 100.0
profile = { min_age = 5, max_age = 17, mental_health = [0.4, 0.4, 0.2] }

[agencies.gp]
kind = "gp"
service = { kind = "fixed", mean_days = 0.1 }

[agencies.clinic]
kind = "camhs_community"
staff = 10
caseload = 1
service = { kind = "exponential", mean_days = 4.4 }
while_waiting = { retriage_every_days = 7.0 }

[[pathways]]
from = "gp"
to = "clinic"
probability = 0.8
urgent = 0.3
information = { complete = 0.9, partial = 0.05, lost = 0.05 }
"""


def test_urgent_referrals_and_re_triage_are_learned() -> None:
    """The share of referrals marked urgent is learned from the arrivals whose
    information arrived (a lost one loses the mark), and the re-triage interval from the
    days children had waited at their first re-triage."""
    from jtai_sim.scenario.model import Clock, ClockPoint

    book = casebook_from_run(simulate(scenario_from_toml(TRIAGED), seed=4))
    arrivals = book.events[(book.events["kind"] == "arrive") & (book.events["agency"] == "clinic")]
    assert 0.25 < (arrivals["detail"] == 1).mean() < 0.3  # fewer marked than referred urgent
    urgent_week = Clock(
        label="urgent within a week",
        start=ClockPoint(agency=("clinic",), event="arrive"),
        stop=ClockPoint(agency=("clinic",), event="start"),
        limit=7.0,
        unit="days",
        urgency="urgent",
    )
    book = attrs.evolve(book, clocks={"clinic_urgent": urgent_week})
    learned = learn_scenario(book, children=100000).scenario
    # with urgent referrals learned, the clock of urgent referrals is kept
    assert learned.clocks["clinic_urgent"].urgency == "urgent"
    (gp,) = [p for p in learned.pathways if p.source == "gp"]
    assert gp.urgent == pytest.approx(0.3, abs=0.03)
    clinic = learned.agencies["clinic"]
    assert clinic.while_waiting is not None
    assert clinic.while_waiting.retriage_every_days == 7.0
    assert learned.prioritises("clinic")


def test_the_lists_and_caseloads_open_when_the_records_begin_are_learned() -> None:
    """The team starts with 400 children part-way through assessments, all at risk of
    harm, and the desk with every one of its 90 places taken and 25 waiting: the learned
    scenario starts with them too, with the flags they had, and they are not counted as
    demand."""
    text = AREA.replace(
        "[[pathways]]\n",
        "[agencies.team.backlog]\nin_service = 400\n"
        "profile = { min_age = 3, max_age = 15, at_risk = 1.0 }\n\n"
        "[agencies.desk.backlog]\nwaiting = 25\nin_service = 90\n\n[[pathways]]\n",
        1,
    )
    truth = scenario_from_toml(text)
    learned = learn_scenario(casebook_from_run(simulate(truth, seed=5)), children=200000)
    team = learned.scenario.agencies["team"].backlog
    assert team is not None and team.in_service == 400 and team.waiting == 0
    assert (team.profile.at_risk, team.profile.min_age, team.profile.max_age) == (1.0, 3, 15)
    desk = learned.scenario.agencies["desk"].backlog
    assert desk is not None and (desk.waiting, desk.in_service) == (25, 90)
    for mine, theirs in (("school", "schools"), ("police", "incidents")):
        for want, have in zip(
            _day_rates(truth, theirs), _day_rates(learned.scenario, mine), strict=True
        ):
            assert have == pytest.approx(want, rel=0.05, abs=1e-9), (mine, want, have)
    assert "open when the records begin" in learned.toml


def test_a_pathway_made_when_service_starts_is_learned_at_the_start() -> None:
    """The team tells the school when it starts an assessment, three times in ten (a
    notification ``at = "start"``): learned from the starts, not from the ends."""
    text = AREA.replace(
        "[mental_health]\n",
        '[[pathways]]\nfrom = "team"\nto = "school"\nmode = "notify"\nat = "start"\n'
        "probability = 0.3\n\n[mental_health]\n",
    )
    book = casebook_from_run(simulate(scenario_from_toml(text), seed=11))
    learned = learn_scenario(book, children=200000).scenario
    (told,) = [p for p in learned.pathways if p.source == "team" and p.to == "school"]
    assert (told.mode, told.at) == ("notify", "start")
    assert told.probability == pytest.approx(0.3, abs=0.02)
    # the notifications at the start are not read as pathways at the end as well
    assert [p.at for p in learned.pathways if p.source == "team"].count("end") == 0


def test_records_without_mental_health_states_take_midshire_s_mix(
    book: CaseBook, learned: Learned
) -> None:
    """A book with the states learns the schools' mix (0.4, 0.4, 0.2 in the area); the
    same records as an area holds them show no state at all, and the file says it took
    Midshire's mix for children who come to notice at a school instead of "no need"."""
    from jtai_sim.inspection.casebook import as_recorded
    from jtai_sim.learning.learn import midshire

    mix = learned.scenario.demand["school"].profile.mental_health
    assert mix == pytest.approx((0.4, 0.4, 0.2), abs=0.02)
    blind = learn_scenario(as_recorded(book), children=200000)
    schools = [d for d in midshire().demand.values() if d.agency == "school"]
    assert len(schools) == 1
    got = blind.scenario.demand["school"].profile.mental_health
    assert got == pytest.approx(schools[0].profile.mental_health, abs=1e-4)
    assert "default: Midshire's (its streams into school, by rate)" in blind.toml
    assert blind.provenance["demand.school.profile.mental_health"].source == "default"


@pytest.mark.parametrize("kind", ["gamma", "lognormal", "exponential"])
def test_services_still_open_at_the_end_are_fitted_as_censored(kind: str) -> None:
    """Services of 90 days on average starting over 500 days: a fifth are still open at
    the end, the longer ones most. Left out, they pull the mean to about 80 (or 71);
    counted as lasting at least so long, the fitted mean is within 3% and its interval
    holds 90 in most samples."""
    from jtai_sim.learning.fit_service import fit_durations

    rng = np.random.default_rng({"gamma": 1, "lognormal": 2, "exponential": 3}[kind])
    n = 20000
    start = rng.uniform(0.0, 500.0, n)
    if kind == "gamma":
        length = rng.gamma(2.25, 40.0, n)
    elif kind == "lognormal":
        length = rng.lognormal(math.log(90.0) - 0.18, 0.6, n)
    else:
        length = rng.exponential(90.0, n)
    ended = start + length < 500.0
    naive = fit_durations(length[ended])
    fit = fit_durations(length[ended], 500.0 - start[~ended])
    assert naive.mean_days < 0.92 * 90.0
    assert fit.kind == kind
    assert fit.mean_days == pytest.approx(90.0, rel=0.03)
    assert fit.mean_low < fit.mean_days < fit.mean_high
    assert fit.mean_high - fit.mean_low < 0.05 * 90.0


def test_children_taken_off_a_list_unseen_are_learned_per_year_of_waiting() -> None:
    """The team (at about 99% of its places, so its list is long) takes a waiting child
    off unseen at 20 a year of waiting (a mean of 18 days): learned from the exits before
    a start over the time children spent on the list."""
    text = AREA.replace(
        'caseload = 15\nworking = "office"\n',
        'caseload = 15\nworking = "office"\nleave_list_per_year = 20.0\n',
    )
    book = casebook_from_run(simulate(scenario_from_toml(text), seed=6))
    learned = learn_scenario(book, children=200000)
    assert learned.scenario.agencies["team"].leave_list_per_year == pytest.approx(20.0, rel=0.2)
    e = learned.provenance["agencies.team.leave_list_per_year"]
    assert e.n > 100 and e.low < 20.0 < e.high
    # the desk takes no one off: learned as none, from the time its children waited
    assert learned.scenario.agencies["desk"].leave_list_per_year == 0.0
