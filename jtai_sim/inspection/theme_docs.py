"""The theme file's JSON Schema and key reference, generated from the theme classes.

The same walk that documents scenario files (:mod:`jtai_sim.scenario.schema`)
documents theme files: ``scenarios/inspection/theme.schema.json`` for editors,
and the key tables of ``docs/themes.md`` (between two marker comments), with the
list of shipped themes. ``python -m jtai_sim.inspection.theme_docs`` rewrites
both; ``--check`` exits 1 when either is stale (the tests run the same check).

>>> schema = theme_schema()
>>> sorted(schema["$defs"]["SampleFrame"]["required"])
['key', 'label']
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jtai_sim import vocabulary
from jtai_sim.inspection import model, theme
from jtai_sim.scenario import model as scenario_model
from jtai_sim.scenario.schema import file_reference, file_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "scenarios" / "inspection" / "theme.schema.json"
REFERENCE_FILE = ROOT / "docs" / "themes.md"
BEGIN = (
    "<!-- BEGIN GENERATED REFERENCE: edit jtai_sim/inspection/theme.py, "
    "then run python -m jtai_sim.inspection.theme_docs -->"
)
END = "<!-- END GENERATED REFERENCE -->"
_MODULES = (theme, model, scenario_model, vocabulary)


def theme_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a theme file."""
    return file_schema(
        theme.Theme,
        "jtai-sim inspection theme",
        "A theme file for jtai-sim mock-week --theme (TOML). Generated from "
        "jtai_sim/inspection/theme.py by python -m jtai_sim.inspection.theme_docs; the key "
        "reference is docs/themes.md.",
        _MODULES,
    )


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(theme_schema(), indent=2, ensure_ascii=False) + "\n"


def reference() -> str:
    """The generated part of ``docs/themes.md``: every key, then the shipped themes."""
    out = ["## Key reference", ""]
    out.append(
        "Generated from `jtai_sim/inspection/theme.py` by "
        "`python -m jtai_sim.inspection.theme_docs`; do not edit by hand."
    )
    out += file_reference(theme.Theme, "Top level", _MODULES)
    out += ["", "### Shipped themes", "", "| name | title | guidance |", "|---|---|---|"]
    for name in theme.theme_names():
        t = theme.load_theme(name)
        out.append(f"| `{name}` | {t.theme.title} | {t.theme.guidance} |")
    return "\n".join(out) + "\n"


def with_reference(text: str) -> str:
    """``text`` with the part between the markers replaced by :func:`reference`."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {BEGIN!r} ... {END!r} markers")
    return pattern.sub(lambda _: f"{BEGIN}\n{reference()}{END}", text, count=1)


def stale() -> list[str]:
    """The generated files that differ from what the classes give."""
    out = []
    if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != schema_text():
        out.append(str(SCHEMA_FILE))
    text = REFERENCE_FILE.read_text(encoding="utf-8") if REFERENCE_FILE.exists() else ""
    try:
        if text != with_reference(text):
            out.append(str(REFERENCE_FILE))
    except ValueError:
        out.append(str(REFERENCE_FILE))
    return out


def main(argv: list[str] | None = None, echo: Callable[[str], None] = print) -> int:
    """``python -m jtai_sim.inspection.theme_docs [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m jtai_sim.inspection.theme_docs")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        for name in stale():
            echo(f"{name}: out of date; run python -m jtai_sim.inspection.theme_docs")
        return 1 if stale() else 0
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    REFERENCE_FILE.write_text(
        with_reference(REFERENCE_FILE.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
