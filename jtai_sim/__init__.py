"""jtai-sim: simulate a local children's services partnership and rehearse a JTAI.

The public API is small:

* :func:`load_scenario` reads and checks a scenario file;
* :func:`simulate` runs one replication and returns a :class:`Run`, whose
  ``events``, ``children`` and ``metrics`` are pandas tables;
* :func:`replicate`, :func:`compare` and :func:`sweep` run experiments
  (replications, variants with common random numbers, sweeps) and return
  pandas tables.

>>> import jtai_sim
>>> scenario = jtai_sim.load_scenario("scenarios/jackson.toml")
>>> run = jtai_sim.simulate(scenario, seed=7, days=200)
>>> waits = run.waits().set_index("agency")
>>> bool(waits.loc["A", "mean_days"] < waits.loc["B", "mean_days"])
True
"""

from jtai_sim.errors import InputError, JtaiError, ScenarioError
from jtai_sim.eventlog import EventLog
from jtai_sim.experiments import Experiment, Variant, compare, replicate, sweep
from jtai_sim.loading import scenario_from_toml
from jtai_sim.partnership import Partnership
from jtai_sim.run import Run, package_version, simulate
from jtai_sim.scenario import Scenario
from jtai_sim.scenarios import load_scenario
from jtai_sim.vocabulary import Completeness, EventKind

__version__ = package_version()

__all__ = [
    "Completeness",
    "EventKind",
    "EventLog",
    "Experiment",
    "InputError",
    "JtaiError",
    "Partnership",
    "Run",
    "Scenario",
    "ScenarioError",
    "Variant",
    "__version__",
    "compare",
    "load_scenario",
    "replicate",
    "scenario_from_toml",
    "simulate",
    "sweep",
]
