"""The generated JSON Schema and key reference: up to date, valid, and in step with the loader."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_sim import ScenarioError
from jtai_sim.scenario.builtin import load_text
from jtai_sim.scenario.converter import file_key
from jtai_sim.scenario.model import FLAGS
from jtai_sim.scenario.schema import (
    BEGIN,
    CONDITIONS,
    END,
    README_FILE,
    SCHEMA_FILE,
    classes,
    json_schema,
    key_reference,
    main,
    schema_text,
    stale,
    write,
)

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = sorted((ROOT / "scenarios").glob("*.toml"))
VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(SCHEMA_FILE.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)


def as_json(value: Any) -> Any:
    """TOML data as JSON data (dates as ISO text, as editors present them to a schema)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def schema_errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(as_json(tomllib.loads(text)))]


# ---------------------------------------------------------------- up to date


def test_committed_schema_and_reference_are_up_to_date() -> None:
    assert stale() == [], "run: python -m jtai_sim.scenario.schema"
    assert main(["--check"]) == 0


def test_check_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jtai_sim.scenario.schema", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_check_notices_stale_files_and_write_repairs_them(tmp_path: Path) -> None:
    schema, readme = tmp_path / "scenario.schema.json", tmp_path / "README.md"
    schema.write_text(schema_text().replace('"minimum": 1', '"minimum": 2'), encoding="utf-8")
    readme.write_text(f"# Intro\n\n{BEGIN}\nold reference\n{END}\n\nOutro\n", encoding="utf-8")
    assert stale(schema, readme) == [str(schema), str(readme)]
    write(schema, readme)
    assert stale(schema, readme) == []
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Intro\n") and text.endswith("\nOutro\n")
    assert "old reference" not in text and key_reference() in text


def test_a_readme_without_markers_is_stale(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    schema = tmp_path / "s.json"
    schema.write_text(schema_text(), encoding="utf-8")
    assert stale(schema, readme) == [str(readme)]


# ---------------------------------------------------------------- the reference


def test_reference_documents_every_key_of_every_table() -> None:
    readme = README_FILE.read_text(encoding="utf-8")
    for cl in classes():
        section = readme.split(f'<a id="{cl.__name__.lower()}"></a>', 1)[1].split("<a id=", 1)[0]
        for f in attrs.fields(cl):
            key = file_key(cl, f.name)
            row = re.search(rf"^\| `{re.escape(key)}` \|(.*)\|$", section, re.M)
            assert row, (cl.__name__, key)
            cells = [c.strip() for c in row.group(1).split(" | ")]
            assert len(cells) == 4 and cells[0] and cells[2] and cells[3], (cl.__name__, key, cells)


def test_every_condition_is_explained() -> None:
    assert list(CONDITIONS) == list(FLAGS)
    readme = README_FILE.read_text(encoding="utf-8")
    for flag in FLAGS:
        assert f"| `{flag}` | " in readme


def test_every_builtin_scenario_is_listed() -> None:
    readme = README_FILE.read_text(encoding="utf-8")
    for path in BUILTIN:
        assert f"| `{path.stem}` | [{path.name}]({path.name}) |" in readme


def test_worked_example_in_the_readme_loads_and_fits_the_schema() -> None:
    readme = README_FILE.read_text(encoding="utf-8")
    examples = [
        b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[[pathways]]\nfrom" in b
    ]
    assert len(examples) == 1
    scenario = load_text(examples[0], "README example")
    assert len(scenario.pathways) == 5
    assert schema_errors(examples[0]) == []


# ---------------------------------------------------------------- the schema


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_table_rejects_unknown_keys() -> None:
    schema = json_schema()
    tables = [schema, *(d for d in schema["$defs"].values() if d.get("type") == "object")]
    assert len(tables) == len(classes())
    assert all(t["additionalProperties"] is False for t in tables)


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_builtin_scenarios_fit_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#:schema ./scenario.schema.json\n")
    assert schema_errors(text) == []


MINIMAL = (ROOT / "scenarios" / "minimal.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("staff = 4", "staf = 4", "'staf' was unexpected"),
        ("staff = 4", "staff = 4.5", "is not of type 'integer'"),
        ("staff = 4", "staff = 0", "less than the minimum of 1"),
        ("probability = 0.9", "probability = 1.5", "greater than the maximum of 1"),
        ('working = "office"', 'working = "weekdays"', "is not one of"),
        ('when = ["at_risk"]', 'when = ["at_rsk"]', "is not one of"),
        ('name = "Minimal"\n', "", "'name' is a required property"),
        (", sd_days = 10.0 }", " }", "'sd_days' is a required property"),
        ("[0.5, 0.3, 0.2]", "[0.5, 0.5]", "is too short"),
        ("start_date = 2025-04-01", 'start_date = "April"', "is not a 'date'"),
        ('start = { agency = "assessment"', "start = { agency = 3", "is not valid under any"),
    ],
)
def test_broken_scenarios_do_not_fit_the_schema(old: str, new: str, says: str) -> None:
    assert old in MINIMAL
    errors = schema_errors(MINIMAL.replace(old, new, 1))
    assert any(says in e for e in errors), errors


# ---------------------------------------------------------------- in step with the loader


ODD = st.sampled_from(
    [
        "x",
        "",
        0,
        1,
        -1,
        2,
        0.5,
        1.5,
        -0.5,
        True,
        False,
        [],
        ["at_risk"],
        [0.2, 0.3, 0.5],
        {},
        {"kind": "fixed"},
        dt.date(2025, 1, 1),
        "at_risk",
        "office",
        "refer",
        "school",
        "assessment",
        "weeks",
    ]
).map(copy.deepcopy)  # a fresh copy each draw: the test edits what it puts in the document


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _toml(value: Any) -> str:
    from jtai_sim.scenario.converter import toml_value

    return toml_value(value, limit=10**6)


def _dump(data: dict[str, Any]) -> str:
    """Plain data as TOML with every table inline (enough for the property below)."""
    return "\n".join(f"{_key(k)} = {_toml(v)}" for k, v in data.items()) + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_schema_never_refuses_what_the_loader_accepts(data: st.DataObject) -> None:
    base = tomllib.loads(MINIMAL)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(base)
        path = data.draw(st.sampled_from(paths))
        parent = base
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(ODD)
    text = _dump(base)
    try:
        load_text(text, "mutated.toml")
    except ScenarioError:
        return
    assert schema_errors(text) == []


# ---------------------------------------------------------------- an editor's checker


TAPLO = shutil.which("taplo") or str(Path(sys.executable).parent / "taplo")


def test_taplo_checks_files_against_the_schema(tmp_path: Path) -> None:
    good = subprocess.run(
        [TAPLO, "check", *map(str, BUILTIN)], capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stderr
    shutil.copy(SCHEMA_FILE, tmp_path / SCHEMA_FILE.name)
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace("staff = 4", "staff = 0"), encoding="utf-8")
    line = MINIMAL.splitlines().index("staff = 4") + 1
    done = subprocess.run([TAPLO, "check", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "less than the minimum of 1" in done.stderr
    assert f"bad.toml:{line}:" in done.stderr
