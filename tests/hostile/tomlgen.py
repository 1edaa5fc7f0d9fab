"""Write TOML from Python data, with any value replaced by a raw token (``nan``, ``"x"``).

The hostile cases need files that differ from a shipped one in one key only, set to a
value a TOML library would not write (``inf`` for a whole number, text for a number).
Every table is written inline, one top-level key a line, which any TOML reader accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Raw:
    """A TOML token written as it is (``inf``, ``1e308``, ``"x"``)."""

    token: str


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key)


def value(item: Any) -> str:
    """One TOML value."""
    if isinstance(item, Raw):
        return item.token
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item)
    if isinstance(item, dt.date | dt.datetime | dt.time):
        return item.isoformat()
    if isinstance(item, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value(v)}" for k, v in item.items()) + " }"
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise TypeError(f"cannot write {item!r} as TOML")


def dumps(data: dict[str, Any]) -> str:
    """A whole document: one ``key = value`` line per top-level key."""
    return "".join(f"{_key(k)} = {value(v)}\n" for k, v in data.items())


def _empty(following: str | None) -> Any:
    """What to make for a missing table on the way: a list for ``[]``, a table else."""
    if following == "[]":
        return [{}]
    if following == "*":
        return {"x": {}}
    return {}


def _step(node: Any, part: str, following: str | None) -> Any:
    """Go one step down ``node`` along a schema path part (``*``: a name, ``[]``: an item)."""
    if part in ("*", "[]"):
        children = list(node.values()) if isinstance(node, dict) else list(node)
        if not children:
            if isinstance(node, dict):
                node["x"] = {}
            else:
                node.append({})
            return _step(node, part, following)
        holding = [c for c in children if isinstance(c, dict) and following in c]
        return (holding or children)[0]
    if part not in node or not isinstance(node[part], dict | list):
        node[part] = _empty(following)
    return node[part]


def set_path(data: dict[str, Any], path: list[str], new: Any) -> None:
    """Set the key at a schema path (``demand.*.rate``, ``pathways.[].delay.mean_days``).

    ``*`` and ``[]`` take the first name or item that already holds the next part of the
    path (else the first); a missing table on the way is made, with a name ``x`` or one
    item if it is a table of names or a list.
    """
    node: Any = data
    for i, part in enumerate(path[:-1]):
        node = _step(node, part, path[i + 1])
    last = path[-1]
    if last == "*" and isinstance(node, dict):
        node[next(iter(node), "x")] = new
    elif last == "[]" and isinstance(node, list):
        if node:
            node[0] = new
        else:
            node.append(new)
    else:
        node[last] = new
