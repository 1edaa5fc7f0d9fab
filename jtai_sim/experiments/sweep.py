"""Experiment files: a base scenario, factors and levels or named variants, and replications.

An experiment file is TOML::

    name = "CAMHS capacity and demand"
    scenario = "../midshire.toml"   # relative to this file, or a built-in name
    replications = 10
    seed = 2025                      # optional: the scenario's seed otherwise
    days = 730                       # optional run length and warm-up
    warmup_days = 180
    metrics = ["camhs.camhs.mean_wait_to_support_days"]   # the ones that matter
    precision = 0.05                 # optional: add replications until within 5%
    max_replications = 40

    [variants.more_camhs]            # a list of named variants ...
    label = "Three more CAMHS clinicians"
    add = { "agencies.camhs_community.staff" = 3 }

    [factors."agencies.camhs_community.staff"]   # ... and/or a grid of factors
    add = [0, 3, 6]                  # levels; or set = [...], or scale = [...]
    [factors."demand.*.rate_per_10k_per_year"]
    scale = [1.0, 1.15]

A factor may also be given as a plain list of levels to set
(``"agencies.camhs.staff" = [8, 11, 14]`` under ``[factors]``). The grid runs
every combination of levels, each cell a variant named after its levels; the
unchanged scenario always runs as ``base``. Every variant and every cell is
validated before anything runs, and an error names the file, line and key.

>>> exp = read_experiment_text('scenario = "minimal"\\nreplications = 4\\n'
...     '[factors."agencies.camhs.staff"]\\nadd = [0, 3]\\n', file="e.toml")
>>> [v.name for v in exp.variants]
['staff+0', 'staff+3']
>>> read_experiment_text('scenario = "minimal"\\nreplication = 4\\n', file="e.toml")
Traceback (most recent call last):
...
jtai_sim.errors.ExperimentError: e.toml:2: replication: unknown key (did you mean 'replications'?)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jtai_sim.budget import check_runs
from jtai_sim.errors import ExperimentError, ScenarioError
from jtai_sim.scenario.builtin import load_scenario, resolve
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.loading import parse_toml, read_text
from jtai_sim.scenario.model import Scenario
from jtai_sim.scenario.toml_lines import line_index

from .experiment import Experiment
from .variants import (
    Op,
    Origin,
    Override,
    Variant,
    overlap,
    split_path,
    touched_keys,
    variant_from_dict,
)

_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "text"),
    "description": (str, "text"),
    "scenario": (str, "text (a file or a built-in name)"),
    "replications": (int, "a whole number"),
    "seed": (int, "a whole number"),
    "days": ((int, float), "a number"),
    "warmup_days": ((int, float), "a number"),
    "metrics": (list, "a list of metric keys"),
    "headline": (list, "a list of metric keys"),
    "precision": ((int, float), "a number"),
    "max_replications": (int, "a whole number"),
    "keep_events": (bool, "true or false"),
    "base_label": (str, "text"),
    "variants": (dict, "a table of named variants"),
    "factors": (dict, "a table of factors"),
}
_SIGN = {"set": "=", "add": "+", "scale": "×"}


class _Reader:
    """Checks one experiment file's data, naming file, line and key on error."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines = line_index(text)
        self.text = text

    def error(self, keys: tuple[str | int, ...], message: str) -> ExperimentError:
        line = None
        for end in range(len(keys), 0, -1):
            if keys[:end] in self.lines:
                line = self.lines[keys[:end]]
                break
        key = ".".join(_quote(k) for k in keys if not isinstance(k, int))
        key += "".join(f"[{k}]" for k in keys if isinstance(k, int))
        return ExperimentError(message, file=self.file, line=line, key=key or None)

    def check_top(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            if key not in _TYPES:
                close = suggest(key, _TYPES)
                hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(_TYPES)
                raise self.error((key,), f"unknown key ({hint})")
            expected, words = _TYPES[key]
            wrong_bool = isinstance(value, bool) and expected is not bool
            if wrong_bool or not isinstance(value, expected):
                raise self.error((key,), f"must be {words}, got {value!r}")
        if "scenario" not in data:
            raise ExperimentError("scenario: is required (the base scenario file)", file=self.file)
        for key in ("metrics", "headline"):
            for metric in data.get(key, []):
                if not isinstance(metric, str):
                    raise self.error((key,), f"must be metric keys (text), got {metric!r}")

    def factor(self, path: str, spec: Any) -> tuple[Op, list[Any]]:
        keys = ("factors", path)
        if isinstance(spec, list):
            op, levels = "set", spec
        elif isinstance(spec, Mapping):
            ops = [k for k in spec if k in ("set", "add", "scale")]
            extra = [k for k in spec if k not in ("set", "add", "scale")]
            if extra:
                raise self.error((*keys, extra[0]), "unknown key (a factor has set, add or scale)")
            if len(ops) != 1:
                raise self.error(keys, "give exactly one of set, add or scale with its levels")
            op, levels = ops[0], spec[ops[0]]
        else:
            raise self.error(keys, f"must be a list of levels or a table, got {spec!r}")
        if not isinstance(levels, list) or not levels:
            raise self.error(keys, f"levels must be a non-empty list, got {levels!r}")
        split_path(path, Origin(f"factors.{path}", file=self.file))
        return op, levels  # type: ignore[return-value]


def _quote(key: str | int) -> str:
    text = str(key)
    return text if all(c.isalnum() or c in "_-" for c in text) else f'"{text}"'


def read_experiment(path: str | Path, *, allow_large: bool = False) -> Experiment:
    """Read and fully check an experiment file (including every variant and grid cell).

    Before the cells are checked, their number of runs is held to the budget's soft
    limit (:func:`jtai_sim.budget.check_runs`; ``allow_large`` lifts it).
    """
    try:
        text = read_text(path, what="an experiment file")
    except ScenarioError as exc:
        raise ExperimentError(exc.message, file=exc.file) from None
    return read_experiment_text(
        text, file=str(path), folder=Path(path).parent, allow_large=allow_large
    )


def read_experiment_text(
    text: str,
    *,
    file: str = "<experiment>",
    folder: Path | None = None,
    allow_large: bool = False,
) -> Experiment:
    """Read an experiment from TOML text; relative scenario paths are under ``folder``."""
    try:
        data = parse_toml(text, file=file)
    except ScenarioError as exc:
        raise ExperimentError(exc.message, file=exc.file, line=exc.line) from None
    reader = _Reader(text, file)
    reader.check_top(data)
    base = _load_base(reader, str(data["scenario"]), folder)
    variants: list[Variant] = []
    for name, spec in data.get("variants", {}).items():
        if not isinstance(spec, Mapping):
            raise reader.error(("variants", name), f"must be a table, got {spec!r}")
        variants.append(
            variant_from_dict(spec, name=name, file=file, text=text, prefix=f"variants.{name}.")
        )
    variants += _grid(reader, data.get("factors", {}), base)
    experiment = Experiment(
        base,
        tuple(variants),
        name=str(data.get("name", Path(file).stem)),
        base_label=str(data.get("base_label", "")),
        replications=int(data.get("replications", 10)),
        seed=data.get("seed"),
        days=float(data["days"]) if "days" in data else None,
        warmup_days=float(data["warmup_days"]) if "warmup_days" in data else None,
        metrics=tuple(data.get("metrics", ())),
        headline=tuple(data.get("headline", ())),
        precision=float(data["precision"]) if "precision" in data else None,
        max_replications=int(data.get("max_replications", 100)),
        keep_events=bool(data.get("keep_events", False)),
        source=str(data["scenario"]),
    )
    check_runs(experiment.planned_runs, allow_large=allow_large, file=file)
    try:
        experiment.resolve()
    except ExperimentError as exc:
        if exc.file is None and exc.key in {
            "replications",
            "seed",
            "precision",
            "days",
            "warmup_days",
            "metrics",
            "headline",
            "max_replications",
        }:
            raise reader.error((str(exc.key),), exc.message) from None
        if exc.file is None:
            raise ExperimentError(exc.message, file=file, key=exc.key) from None
        raise
    return experiment


def _load_base(reader: _Reader, name: str, folder: Path | None) -> Scenario:
    candidate = (folder / name) if folder is not None and not Path(name).is_absolute() else None
    target: str | Path = candidate if candidate is not None and candidate.exists() else name
    if candidate is not None and not candidate.exists() and not resolve(name).exists():
        raise reader.error(("scenario",), f"no such scenario file {str(candidate)!r}")
    try:
        return load_scenario(target)
    except ScenarioError as exc:
        raise ExperimentError(
            f"{exc}", file=reader.file, line=reader.lines.get(("scenario",)), key="scenario"
        ) from None


def _grid(reader: _Reader, factors: Mapping[str, Any], base: Scenario) -> list[Variant]:
    """Every combination of the factors' levels, one variant per cell."""
    if not factors:
        return []
    axes: list[list[tuple[str, Override]]] = []
    parsed = {path: reader.factor(path, spec) for path, spec in factors.items()}
    leaves = [split_path(p, Origin(p))[-1] for p in parsed]
    for path, (op, levels) in parsed.items():
        leaf = split_path(path, Origin(path))[-1]
        short = str(leaf) if leaves.count(leaf) == 1 and isinstance(leaf, str) else path
        line = reader.lines.get(("factors", path, op)) or reader.lines.get(("factors", path))
        axis = []
        for i, level in enumerate(levels):
            origin = Origin(
                f"factors.{_quote(path)}.{op}[{i}]"
                if isinstance(factors[path], Mapping)
                else f"factors.{_quote(path)}[{i}]",
                file=reader.file,
                line=line,
            )
            if op != "set" and (isinstance(level, bool) or not isinstance(level, int | float)):
                raise origin.error(f"{op} levels must be numbers, got {level!r}")
            axis.append((f"{short}{_SIGN[op]}{_level(level)}", Override(path, op, level, origin)))
        axes.append(axis)
    _check_distinct(reader, [axis[0][1] for axis in axes], base)
    variants = []
    for cell in itertools.product(*axes):
        name = ",".join(n for n, _ in cell)
        variants.append(Variant(name, tuple(o for _, o in cell)))
    return variants


def _check_distinct(reader: _Reader, firsts: list[Override], base: Scenario) -> None:
    """Refuse two factors that change one scenario key (``agencies.camhs.staff`` and
    ``agencies.*.staff``): their cells would collapse into the same scenario, or
    one factor would silently undo the other."""
    seen: list[tuple[str, str]] = []  # (concrete key, factor)
    for override in firsts:
        for key in touched_keys(override, base):
            for other_key, other in seen:
                if other != override.path and overlap(key, other_key):
                    shared = key if len(key) <= len(other_key) else other_key
                    line = reader.lines.get(("factors", override.path))
                    raise ExperimentError(
                        f"factors {other!r} and {override.path!r} both change {shared}; "
                        "make them one factor",
                        file=reader.file,
                        line=line,
                        key=f"factors.{_quote(override.path)}",
                    )
            seen.append((key, override.path))


def _level(value: Any) -> str:
    """A level as it appears in a cell's name (``1.0`` as ``1``, ``1.15`` as ``1.15``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["read_experiment", "read_experiment_text"]
