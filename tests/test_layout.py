"""The library's layout follows the data flow: a stage imports only from stages above it.

Read from the source (imports under ``if TYPE_CHECKING`` are for type checkers and
do not count), so a change that makes, say, the inspection analysis import the
engine fails here before anyone has to notice it in a diagram.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parent.parent / "jtai_sim"

#: Each stage and the stages it may import. The ground floor (errors, the log's
#: vocabulary, atomic folders) imports nothing of ours; the calendar, the random
#: streams and the budget read a scenario. Metrics are pure functions of a run record, so results
#: need nothing of the engine, and a simulated ``Run`` hands its record to them.
ALLOWED: dict[str, set[str]] = {
    "ground": set(),
    "scenario": {"ground"},
    "shared": {"ground", "scenario"},
    "results": {"ground", "scenario", "shared"},
    "simulation": {"ground", "scenario", "shared", "results"},
    "inspection": {"ground", "scenario", "shared", "results"},
    # the area's own files (Annex A, returns, extracts) are read into the inspection's case book
    "records": {"ground", "scenario", "shared", "results", "inspection"},
    "experiments": {"ground", "scenario", "shared", "results", "simulation", "inspection"},
    # validation sits beside experiments at the top: its calibration table's intervals are
    # the comparison reports' (experiments.stats), one method in one place
    "validation": {"ground", "scenario", "shared", "results", "simulation", "experiments"},
    # learning a scenario from records, and proving it against them, sits at the top
    "learning": {
        "ground",
        "scenario",
        "shared",
        "results",
        "simulation",
        "inspection",
        "records",
        "experiments",
        "validation",
    },
}
GROUND = {"errors", "vocabulary", "atomic", "cells"}
SHARED = {"calendar", "randomness", "budget"}


def stage_of(module: str) -> str | None:
    """The stage of a ``jtai_sim`` module (``None`` for the package itself)."""
    parts = module.split(".")
    if parts[0] != "jtai_sim" or len(parts) == 1:
        return None
    if parts[1] in GROUND:
        return "ground"
    if parts[1] in SHARED:
        return "shared"
    return parts[1] if parts[1] in ALLOWED else None


def runtime_imports(module: str, source: str, package: bool = False) -> set[str]:
    """The absolute ``jtai_sim`` and ``runner`` modules that ``module`` imports when it runs."""
    tree = ast.parse(source)
    here = module if package else module.rsplit(".", 1)[0]
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in ("jtai_sim", "runner")}


def problems(module: str, source: str, package: bool = False) -> list[str]:
    """Imports of ``module`` that break the layout."""
    mine = stage_of(module + ".x")
    if mine is None:
        return [f"{module} is in no stage of the layout"]
    out = []
    for imported in sorted(runtime_imports(module, source, package)):
        theirs = stage_of(imported)
        if imported.startswith("runner"):
            out.append(f"{module} imports {imported}: the library never imports the runner")
        elif theirs is not None and theirs != mine and theirs not in ALLOWED[mine]:
            out.append(f"{module} ({mine}) imports {imported} ({theirs})")
    return out


MODULES = sorted(p for p in LIBRARY.rglob("*.py") if p != LIBRARY / "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_each_stage_imports_only_the_stages_above_it(path: Path) -> None:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    package = parts[-1] == "__init__"
    module = ".".join(parts[:-1] if package else parts)
    assert problems(module, path.read_text(encoding="utf-8"), package) == []


def test_the_check_can_fail() -> None:
    """An inspection module importing the engine, or any module the runner, is caught."""
    source = "from jtai_sim.simulation.engine import Engine\nimport runner.cli\n"
    found = problems("jtai_sim.inspection.probe", source)
    assert any("imports jtai_sim.simulation.engine (simulation)" in p for p in found)
    assert any("never imports the runner" in p for p in found)
