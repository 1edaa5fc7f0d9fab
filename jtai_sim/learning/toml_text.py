"""Scenario TOML written key by key, each value with its comment: the text ``learn`` writes.

A :class:`Table` collects keys in the order they are set, with the comment that says
where each value came from; :func:`render` writes the top-level keys first, then every
table and array-of-tables entry in the order it was opened. Numbers are written to six
significant figures, so the same inputs always give the same bytes.

>>> doc = Table()
>>> doc.set("name", "Area")
>>> doc.table("agencies", "desk").set("staff", 3, note="most in service at once")
>>> print(render(doc), end="")
#:schema ./scenario.schema.json
name = "Area"
<BLANKLINE>
[agencies.desk]
staff = 3   # most in service at once
"""

from __future__ import annotations

import datetime as dt
import json
import math

from jtai_sim.errors import key_text
from jtai_sim.learning.estimate import Estimate, comment

HEADER = "#:schema ./scenario.schema.json"


def value_text(value: object) -> str:
    """``value`` as TOML writes it.

    >>> value_text(2.0), value_text(0.1234567), value_text([1, "a"]), value_text({"k": True})
    ('2.0', '0.123457', '[1, "a"]', '{ k = true }')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} in a scenario")
        text = f"{value:.6g}"
        return text if any(c in text for c in ".e") else f"{text}.0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{key_text(str(k))} = {value_text(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(f"cannot write {type(value).__name__} in a scenario")


class Table:
    """One TOML table: its keys with comments, and the tables opened under it."""

    def __init__(self, path: tuple[str, ...] = (), root: Table | None = None, array: bool = False):
        self.path = path
        self.is_array = array
        self.root = root if root is not None else self
        self.lines: list[tuple[str, str, str]] = []
        self.children: dict[str, Table] = {}
        if root is None:
            self.opened: list[Table] = []

    def set(self, key: str, value: object, *, est: Estimate | None = None, note: str = "") -> None:
        """Write ``key = value``, with the comment of ``est`` (or ``note``)."""
        text = comment(est) if est is not None else (f"# {note}" if note else "")
        self.lines.append((key_text(key), value_text(value), text))

    def table(self, *path: str) -> Table:
        """The sub-table at ``path`` under this one (opened on first use)."""
        here = self
        for part in path:
            if part not in here.children:
                child = Table((*here.path, part), self.root)
                here.children[part] = child
                self.root.opened.append(child)
            here = here.children[part]
        return here

    def array(self, name: str) -> Table:
        """A new entry of the array of tables ``name`` (only at the top level)."""
        entry = Table((*self.path, name), self.root, array=True)
        self.root.opened.append(entry)
        return entry


def _lines(t: Table) -> list[str]:
    return [f"{k} = {v}   {c}" if c else f"{k} = {v}" for k, v, c in t.lines]


#: The scenario's tables of named entries (``[agencies.desk]``), as opposed to one table.
_NAMED_TABLES = ("demand", "agencies", "clocks")


def scenario_document(resolved: dict[str, object]) -> Table:
    """A whole resolved scenario (:func:`~jtai_sim.scenario.loading.scenario_to_dict`) as a
    document: its keys, a table for each named entry, an array entry for each pathway.

    >>> from jtai_sim import load_scenario, scenario_from_toml
    >>> from jtai_sim.scenario.loading import scenario_to_dict
    >>> s = load_scenario("minimal")
    >>> scenario_from_toml(render(scenario_document(scenario_to_dict(s)))) == s
    True
    """
    doc = Table()

    def fill(table: Table, entries: object) -> None:
        assert isinstance(entries, dict)
        for key, value in entries.items():
            if value is not None:
                table.set(key, value)

    for key, value in resolved.items():
        if value is None:
            continue
        if key in _NAMED_TABLES and isinstance(value, dict):
            for name, entry in value.items():
                fill(doc.table(key, name), entry)
        elif key == "pathways" and isinstance(value, list):
            for entry in value:
                fill(doc.array(key), entry)
        elif isinstance(value, dict):
            fill(doc.table(key), value)
        else:
            doc.set(key, value)
    return doc


def render(doc: Table) -> str:
    """The whole document as TOML text."""
    out = [HEADER, *_lines(doc)]
    for t in doc.opened:
        if not t.lines and not t.is_array:
            continue
        name = ".".join(key_text(p) for p in t.path)
        out += ["", f"[[{name}]]" if t.is_array else f"[{name}]", *_lines(t)]
    return "\n".join(out) + "\n"
