"""Equity gradients: a pathway's chance differs by the child's characteristics as set."""

from __future__ import annotations

import numpy as np
import pytest

from jtai_sim import simulate
from jtai_sim.errors import ScenarioError
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.vocabulary import EventKind

SCENARIO = """
name = "Gradient"
duration_days = 2000.0
[demand.d]
agency = "triage"
rate_per_10k_per_year = 4000.0
profile = {{ deprived = 0.5 }}
[agencies.triage]
service = {{ mean_days = 0.1 }}
[agencies.help]
service = {{ mean_days = 0.1 }}
[[pathways]]
from = "triage"
to = "help"
probability = 0.8
{factors}
"""


def accepted_share(text: str) -> dict[bool, float]:
    run = simulate(scenario_from_toml(text), seed=5)
    log = run.events
    kids = run.children.set_index("child")
    at_help = (log["kind"] == EventKind.ARRIVE.word) & (log["agency"] == "help")
    arrived = set(log.loc[at_help, "child"].tolist())
    out = {}
    for deprived in (False, True):
        ids = kids.index[kids["deprived"].astype(bool) == deprived]
        out[deprived] = float(np.isin(ids, list(arrived)).mean())
    return out


def test_a_factor_scales_the_chance_for_children_with_the_characteristic() -> None:
    shares = accepted_share(SCENARIO.format(factors="factors = { deprived = 0.5 }"))
    assert shares[False] == pytest.approx(0.8, abs=0.03)
    assert shares[True] == pytest.approx(0.4, abs=0.03)


def test_without_factors_every_child_has_the_same_chance() -> None:
    shares = accepted_share(SCENARIO.format(factors=""))
    assert shares[False] == pytest.approx(0.8, abs=0.03)
    assert shares[True] == pytest.approx(0.8, abs=0.03)


def test_a_factor_that_would_make_a_chance_above_one_is_refused() -> None:
    with pytest.raises(ScenarioError, match="factors"):
        scenario_from_toml(SCENARIO.format(factors="factors = { deprived = 2.0 }"))
