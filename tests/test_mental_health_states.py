"""A child's mental health stays in its three states (well, some need, unwell),
however many lists the child waits on at once.

A child waiting on two lists is watched on both; when one watch makes the child
unwell, the other must not push the state past "unwell" (it once did, and a
re-referral then read past the end of its probabilities).
"""

from __future__ import annotations

from jtai_sim import EventKind, simulate
from jtai_sim.scenario.builtin import load_text

TWO_LISTS = """\
name = "Two lists"
children = 20000
duration_days = 400.0
warmup_days = 0.0
start_date = 2025-04-01

[demand.gp]
agency = "gp"
rate_per_10k_per_year = 400.0
profile = { min_age = 5, max_age = 17, mental_health = [0.2, 0.6, 0.2] }

[agencies.gp]
service = { kind = "exponential", mean_days = 0.5 }

[agencies.camhs]
staff = 1
caseload = 5
support = true
deterioration_while_waiting = true
service = { kind = "exponential", mean_days = 60.0 }

[agencies.mhst]
staff = 1
caseload = 5
support = true
deterioration_while_waiting = true
service = { kind = "exponential", mean_days = 60.0 }

[[pathways]]
from = "gp"
to = "camhs"
probability = 1.0

[[pathways]]
from = "gp"
to = "mhst"
probability = 1.0
mode = "parallel"
at = "end"

[mental_health]
deterioration_per_year_waiting = 6.0
re_referral = { probability = [0.3, 0.3, 0.3], mean_delay_days = 30.0 }
"""


def test_a_child_on_two_lists_never_passes_unwell() -> None:
    run = simulate(load_text(TWO_LISTS), seed=3)
    rec = run.log.records()
    worse = rec[rec["kind"] == int(EventKind.DETERIORATE)]
    assert len(worse) > 100  # the two watches really raced
    assert int(worse["detail"].max()) == 2  # the state after the change
