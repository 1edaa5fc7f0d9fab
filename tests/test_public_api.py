"""The public names of ``jtai_sim`` and what importing it, and starting the command line, loads.

``jtai_sim.__all__`` is pinned: a name added or dropped is a change to the API and
must change this file too. The names are loaded on first use, so the start-up
checks run in a fresh interpreter and read ``sys.modules`` after importing the
package, or after running ``jtai-sim --help``, a command's ``--help`` or
``validate``: none of them may load the engine or the heavy libraries; and running
``compare``, ``sweep`` or ``warmup``, which draw charts, must not load matplotlib (the
charts are written as SVG by hand). These are checks of what gets imported, not of how
long it takes (see ``benchmarks/test_startup.py`` for that).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import jtai_sim
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent

#: Every public name but ``__version__``.
PUBLIC = {
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
    "compare",
    "load_scenario",
    "replicate",
    "scenario_from_toml",
    "simulate",
    "sweep",
}

#: Libraries that take a noticeable share of a second to import, and the engine.
HEAVY = (
    "scipy",
    "matplotlib",
    "duckdb",
    "simpy",
    "ortools",
    "pandas",
    "jinja2",
    "networkx",
    "tqdm",
    "openpyxl",
    "xlsxwriter",
    "jtai_sim.simulation.engine",
    "jtai_sim.simulation.run",
)

PROBE = """
import json, sys
mode, argv, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
code, text = None, ""
if mode == "python":
    exec(argv[0])
else:
    import contextlib, io
    from runner.cli import cli
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(argv, prog_name="jtai-sim", standalone_mode=False)
    text = buffer.getvalue()
with open(out, "w") as f:
    json.dump({"modules": sorted(sys.modules), "code": code, "output": text}, f)
"""


def probe(tmp_path: Path, mode: str, argv: list[str]) -> dict[str, object]:
    """Run ``PROBE`` in a fresh interpreter from the repository root; what it saw.

    ``mode`` is ``"python"`` (run the code ``argv[0]``) or ``"cli"`` (run the
    command line with the arguments ``argv``).
    """
    out = tmp_path / "probe.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    subprocess.run(
        [sys.executable, "-c", PROBE, mode, json.dumps(argv), str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(out.read_text())
    return result


def heavy_loaded(seen: dict[str, object]) -> list[str]:
    modules = seen["modules"]
    assert isinstance(modules, list)
    return [name for name in HEAVY if name in modules]


# -- the names -----------------------------------------------------------------------


def test_all_is_pinned() -> None:
    assert sorted(jtai_sim.__all__) == sorted([*PUBLIC, "__version__"])
    assert len(jtai_sim.__all__) == len(set(jtai_sim.__all__))


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_name_resolves_to_its_definition(name: str) -> None:
    value = getattr(jtai_sim, name)
    assert value.__name__ == name
    assert value is getattr(importlib.import_module(value.__module__), name)
    assert getattr(jtai_sim, name) is value


def test_version_is_the_installed_one() -> None:
    from jtai_sim.simulation.run import package_version

    assert jtai_sim.__version__ == version("jtai-sim")
    assert package_version() == jtai_sim.__version__


def test_dir_lists_every_public_name() -> None:
    assert set(jtai_sim.__all__) <= set(dir(jtai_sim))


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from jtai_sim import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(jtai_sim.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'simulations'"):
        _ = jtai_sim.simulations  # type: ignore[attr-defined]
    assert not hasattr(jtai_sim, "Store")


def test_version_option_prints_the_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"jtai-sim, version {jtai_sim.__version__}\n"


# -- what starting up loads ----------------------------------------------------------


def test_import_loads_nothing_heavy(tmp_path: Path) -> None:
    seen = probe(tmp_path, "python", ["import jtai_sim"])
    assert heavy_loaded(seen) == []
    assert "numpy" not in seen["modules"]  # type: ignore[operator]


def test_the_probe_sees_what_a_name_loads(tmp_path: Path) -> None:
    """The check above could pass by reading the wrong list: using a name must show."""
    seen = probe(tmp_path, "python", ["import jtai_sim; jtai_sim.simulate"])
    assert {"simpy", "pandas", "jtai_sim.simulation.engine", "jtai_sim.simulation.run"} <= set(
        heavy_loaded(seen)
    )
    assert "scipy" not in heavy_loaded(seen)
    seen = probe(
        tmp_path, "python", ["from jtai_sim.experiments import stats; stats.t_quantile(5)"]
    )
    assert "scipy" in heavy_loaded(seen)


def test_experiments_load_scipy_and_duckdb_only_when_used(tmp_path: Path) -> None:
    seen = probe(tmp_path, "python", ["import jtai_sim; jtai_sim.compare"])
    assert {"pandas", "simpy"} <= set(heavy_loaded(seen))
    for name in ("scipy", "matplotlib", "duckdb", "jinja2", "ortools"):
        assert name not in heavy_loaded(seen)


@pytest.mark.parametrize("command", ["compare", "sweep", "warmup"])
def test_experiment_commands_draw_without_matplotlib(tmp_path: Path, command: str) -> None:
    """Each command runs to the end and draws its charts, and matplotlib is never imported."""
    out = tmp_path / "out"
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        'name = "Grid"\nscenario = "single_desk"\nreplications = 2\ndays = 200\n'
        '[factors."agencies.desk.staff"]\nset = [3, 4]\n'
    )
    line = {
        "compare": f"compare single_desk --set agencies.desk.staff=4 -r 2 --days 200 -o {out} -q",
        "sweep": f"sweep {experiment} -o {out} -q",
        "warmup": f"warmup single_desk -r 2 --days 200 -o {out / 'w.svg'}",
    }[command]
    argv = line.split()  # pytest's temporary folders have no spaces
    seen = probe(tmp_path, "cli", argv)
    assert seen["code"] in (None, 0)
    modules = seen["modules"]
    assert isinstance(modules, list)
    assert "jtai_sim.experiments.plots" in modules and "matplotlib" not in modules
    drawn = out / "w.svg" if command == "warmup" else out / "report.html"
    assert "<svg" in drawn.read_text()


def test_help_loads_nothing_heavy(tmp_path: Path) -> None:
    seen = probe(tmp_path, "cli", ["--help"])
    assert seen["code"] == 0
    assert "Usage: jtai-sim" in str(seen["output"])
    for name in cli.commands:
        assert name in str(seen["output"])
    assert heavy_loaded(seen) == []


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_command_help_loads_nothing_heavy(tmp_path: Path, command: str) -> None:
    seen = probe(tmp_path, "cli", [command, "--help"])
    assert seen["code"] == 0
    assert f"Usage: jtai-sim {command}" in str(seen["output"])
    assert heavy_loaded(seen) == []


def test_validate_loads_nothing_heavy(tmp_path: Path) -> None:
    seen = probe(tmp_path, "cli", ["validate", "scenarios/midshire.toml"])
    assert seen["code"] is None
    assert str(seen["output"]).startswith("ok: scenarios/midshire.toml: Midshire: ")
    assert heavy_loaded(seen) == []
