"""Finding and loading scenario files, with every check and a located error.

:func:`load_scenario` accepts a path, or the name of a built-in scenario
(``midshire``, ``minimal``, ``jackson``) when no such file exists.

>>> load_scenario("minimal").name
'Minimal'
"""

from __future__ import annotations

from pathlib import Path

from jtai_sim.errors import ScenarioError
from jtai_sim.scenario.loading import parse_toml, read_text, scenario_from_toml
from jtai_sim.scenario.model import Scenario
from jtai_sim.scenario.partnership import Partnership, PartnershipError
from jtai_sim.scenario.toml_lines import locate

#: Folder of the built-in scenarios (the repository's ``scenarios/``).
BUILTIN = Path(__file__).resolve().parents[2] / "scenarios"


def resolve(path_or_name: str | Path) -> Path:
    """The file for ``path_or_name``: the path itself, or a built-in scenario."""
    path = Path(path_or_name)
    if path.exists() or path.suffix:
        return path
    builtin = BUILTIN / f"{path_or_name}.toml"
    return builtin if builtin.exists() else path


def check(scenario: Scenario, text: str = "", file: str | None = None) -> Partnership:
    """Run the partnership checks, locating any error in ``text``."""
    try:
        return Partnership(scenario)
    except PartnershipError as exc:
        line = locate(text, exc.path) if text else None
        raise ScenarioError(exc.message, file=file, line=line, key=exc.key) from None


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Read, validate and check a scenario file; raise :class:`ScenarioError` if bad."""
    path = resolve(path_or_name)
    text = read_text(path)
    scenario = scenario_from_toml(text, file=str(path))
    check(scenario, text, str(path))
    return scenario


def load_text(text: str, file: str = "<scenario>") -> Scenario:
    """Validate and check a scenario given as TOML text."""
    scenario = scenario_from_toml(text, file=file)
    check(scenario, text, file)
    return scenario


__all__ = ["BUILTIN", "check", "load_scenario", "load_text", "parse_toml", "resolve"]
