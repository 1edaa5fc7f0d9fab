"""Finding and loading scenario files, with every check and a located error.

:func:`load_scenario` accepts a path, or the name of a built-in scenario
(``midshire``, ``minimal``, ``jackson``) when no such file exists.

>>> load_scenario("minimal").name
'Minimal'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from jtai_sim.errors import ScenarioError, dotted
from jtai_sim.scenario.loading import parse_toml, read_text, scenario_from_toml, structure
from jtai_sim.scenario.model import Inject, InjectFile, Scenario
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


def load_injects(path: str | Path) -> tuple[tuple[Inject, ...], str]:
    """The injects of an inject file (``[[injects]]`` tables) and the file's text; a
    mistake in them is a located ScenarioError, as in a scenario file."""
    text = read_text(path, what="an inject file")
    data = parse_toml(text, file=str(path))
    data.pop("$schema", None)
    if not data.get("injects"):
        raise ScenarioError(
            "the file holds no injects: write one or more [[injects]] tables (see README, Injects)",
            file=str(path),
            line=1,
        )
    found: InjectFile = structure(data, InjectFile, text=text, file=str(path))
    return found.injects, text


def with_injects(scenario: Scenario, path: str | Path) -> Scenario:
    """``scenario`` with the injects of the file at ``path`` added after its own, checked
    against it; an error in one of them names the inject file, its line and its key."""
    injects, text = load_injects(path)
    own = len(scenario.injects)
    # (typed loosely: mypy reads the field's converter, tuple, as a generic Iterable)
    every: Any = (*scenario.injects, *injects)
    combined = attrs.evolve(scenario, injects=every)
    try:
        Partnership(combined)
    except PartnershipError as exc:
        where = exc.path
        number = where[1] if len(where) > 1 and where[0] == "injects" else None
        if isinstance(number, int) and number >= own:  # one of the file's: as it counts them
            where = ("injects", number - own, *where[2:])
            line = locate(text, where)
            raise ScenarioError(exc.message, file=str(path), line=line, key=dotted(where)) from None
        raise ScenarioError(exc.message, key=exc.key) from None
    return combined


__all__ = [
    "BUILTIN",
    "check",
    "load_injects",
    "load_scenario",
    "load_text",
    "parse_toml",
    "resolve",
    "with_injects",
]
