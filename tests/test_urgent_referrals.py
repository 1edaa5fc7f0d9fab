"""Urgent referrals: a pathway's ``urgent`` mark puts a child ahead on the receiver's list."""

from __future__ import annotations

import numpy as np
import pytest

from jtai_sim import simulate
from jtai_sim.scenario.builtin import load_text
from jtai_sim.simulation.run import Run
from jtai_sim.vocabulary import EventKind

#: triage (no queue) refers every child to a busy clinic; at-risk children go as urgent
TRIAGE = """\
name = "Urgent referrals"
children = 10000
duration_days = 1500.0
warmup_days = 100.0
start_date = 2025-04-01

[demand.walk_in]
agency = "triage"
rate_per_10k_per_year = 1460.0
profile = {{ at_risk = 0.3 }}

[agencies.triage]
service = {{ kind = "exponential", mean_days = 0.01 }}

[agencies.clinic]
staff = 1
service = {{ kind = "exponential", mean_days = 0.22 }}

[[pathways]]
from = "triage"
to = "clinic"
probability = 1.0
when = ["at_risk"]
urgent = {urgent}
information = {{ complete = {complete}, partial = 0.0, lost = {lost} }}

[[pathways]]
from = "triage"
to = "clinic"
probability = 1.0
unless = ["at_risk"]
"""


def clinic_starts(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Waits of the children who started at the clinic, and whether each was urgent."""
    rec = run.log.records()
    clinic = run.agency_ids.index("clinic")
    rows = rec[(rec["kind"] == int(EventKind.START)) & (rec["agency"] == clinic)]
    return rows["value"].astype(np.float64), rows["detail"] == 1


def run_triage(urgent: float, complete: float = 1.0, seed: int = 3) -> Run:
    text = TRIAGE.format(urgent=urgent, complete=complete, lost=round(1.0 - complete, 6))
    return simulate(load_text(text, "urgent.toml"), seed=seed)


def test_urgent_children_wait_less_and_routine_ones_more() -> None:
    plain_waits, plain_urgent = clinic_starts(run_triage(0.0))
    waits, urgent = clinic_starts(run_triage(1.0))
    assert not plain_urgent.any()
    assert 0.25 < urgent.mean() < 0.35  # the at-risk share of the demand
    assert waits[urgent].mean() < 0.5 * waits[~urgent].mean()
    # with one exponential server and the same service for all, priority only reorders the
    # list: the mean wait over everyone stays that of first come, first served (M/M/1:
    # rho / (mu - lambda) = 0.88 / (4.55 - 4.0) = 1.6 days)
    assert waits.mean() == pytest.approx(plain_waits.mean(), rel=0.2)


def test_a_share_of_referrals_is_marked_urgent() -> None:
    _, urgent = clinic_starts(run_triage(0.5))
    assert 0.12 < urgent.mean() < 0.18  # half of the 30% at risk


def test_lost_information_loses_the_urgent_mark() -> None:
    _, urgent = clinic_starts(run_triage(1.0, complete=0.0))
    assert not urgent.any()
    _, urgent = clinic_starts(run_triage(1.0, complete=0.5))
    assert 0.12 < urgent.mean() < 0.18


def test_the_receiver_keeps_a_prioritised_list_only_when_marked() -> None:
    assert run_triage(1.0).scenario.prioritises("clinic")
    assert not run_triage(0.0).scenario.prioritises("clinic")
    assert not run_triage(1.0).scenario.prioritises("triage")


def test_the_mark_has_its_own_random_stream() -> None:
    """Marking referrals urgent changes nothing before the clinic's list (common random numbers)."""
    triage = 0  # agency code of the triage desk
    plain = run_triage(0.0).log.records()
    marked = run_triage(1.0).log.records()
    for rows in (plain, marked):
        assert (rows["agency"] == triage).sum() > 10_000
    assert np.array_equal(plain[plain["agency"] == triage], marked[marked["agency"] == triage])


def test_waits_of_a_prioritised_list_are_split_into_urgent_and_routine() -> None:
    run = run_triage(1.0)
    table = run.waits().set_index("agency")
    clinic = table.loc["clinic"]
    _, urgent = clinic_starts(run)  # every start, warm-up included
    assert clinic["urgent_mean_days"] < clinic["routine_mean_days"]
    share = (clinic["mean_days"] - clinic["routine_mean_days"]) / (
        clinic["urgent_mean_days"] - clinic["routine_mean_days"]
    )
    assert share == pytest.approx(urgent.mean(), abs=0.02)  # the mean mixes the two
    assert np.isnan(table.loc["triage"].get("routine_mean_days", np.nan))
    summary = run.summary()
    assert summary["wait.clinic.routine_mean_days"] == clinic["routine_mean_days"]
    assert "wait.triage.routine_mean_days" not in summary
