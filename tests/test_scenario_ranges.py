"""Every number of a scenario has a range: refused outside it, documented, and safe inside it.

The ranges are read from the classes themselves (each key's
:class:`~jtai_sim.scenario.model.Range`), the same way the JSON Schema and the key
reference are written, so a key added later is covered here without a new test.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_sim import ScenarioError, simulate
from jtai_sim.errors import FieldError, dotted, key_text
from jtai_sim.scenario import model
from jtai_sim.scenario.builtin import load_text
from jtai_sim.scenario.converter import strip_optional, toml_value
from jtai_sim.scenario.model import MAX_DAYS, Distribution, Range
from jtai_sim.scenario.schema import README_FILE, SCHEMA_FILE, classes, keys_of, range_of

ROOT = Path(__file__).resolve().parent.parent

#: A valid scenario in which every table that has numbers appears at least once.
BASE: dict[str, Any] = {
    "name": "Ranges",
    "children": 10_000,
    "duration_days": 100.0,
    "warmup_days": 10.0,
    "start_date": dt.date(2025, 4, 1),
    "seed": 1,
    "calendar": {
        "bank_holidays": True,
        "terms": [{"start": dt.date(2025, 4, 22), "end": dt.date(2025, 7, 22)}],
    },
    "demand": {
        "walk_in": {
            "agency": "desk",
            "rate_per_10k_per_year": 365.0,
            "seasonality": "school_terms",
            "term_factor": 1.2,
            "holiday_factor": 0.5,
            "weekend_factor": 0.2,
            "trend_per_year": 0.05,
            "profile": {
                "min_age": 5,
                "max_age": 17,
                "at_risk": 0.3,
                "mental_health": [0.8, 0.15, 0.05],
                "mental_health_by_age": [
                    {"min_age": 5, "max_age": 10, "mental_health": [0.9, 0.08, 0.02]}
                ],
                "ethnicity": {"White": 0.8, "Other": 0.2},
            },
        }
    },
    "agencies": {
        "desk": {
            "staff": 2,
            "caseload": 3,
            "working": "office",
            "leave_list_per_year": 0.5,
            "identifies_mental_health": 0.1,
            "identifies_factors": {"deprived": 0.5},
            "service": {"kind": "exponential", "mean_days": 1.0},
            "attendance": {"police": 0.9, "health": 0.5},
        },
        "camhs": {
            "staff": 3,
            "caseload": 5,
            "service": {"kind": "gamma", "mean_days": 20.0, "sd_days": 5.0},
            "reviews": {
                "first_after_days": 28.0,
                "second_after_days": 60.0,
                "then_every_days": 90.0,
                "late_mean_days": 10.0,
            },
            "backlog": {"waiting": 10, "in_service": 5, "profile": {"min_age": 10}},
            "while_waiting": {
                "interim_support": 0.5,
                "interim_after_days": 14.0,
                "deterioration_factor": 0.6,
                "crisis_factor": 0.5,
                "retriage_every_days": 30.0,
            },
            "shared": {"other_areas_per_year": 10.0, "urgent": 0.1, "in_place_at_start": 2},
            "held_in": {"paediatric_ward": 0.6, "home": 0.4},
            "far_from_home": 0.2,
        },
        "plan": {
            "staff": 1,
            "service": {"kind": "triangular", "mean_days": 5.0, "min_days": 1.0, "max_days": 9.0},
            "placements": {
                "moves_per_year": 0.5,
                "out_of_area": 0.3,
                "services": ["camhs"],
                "lose_place": 0.5,
                "re_refer_to": "camhs",
            },
        },
    },
    "pathways": [
        {
            "from": "desk",
            "to": "camhs",
            "probability": 0.5,
            "factors": {"deprived": 0.5},
            "ethnicity_factors": {"Other": 0.5},
            "delay_factors": {"deprived": 1.5},
            "min_age": 5,
            "max_age": 17,
            "delay": {"kind": "lognormal", "mean_days": 2.0, "sd_days": 1.0},
            "information": {
                "complete": 0.8,
                "partial": 0.1,
                "lost": 0.1,
                "delay_mean_days": 1.0,
                "due_within_days": 2.0,
            },
            "recognise_need": 0.2,
            "urgent": 0.1,
        },
        {"from": "desk", "to": "plan", "probability": 0.2, "factors": {"send": 2.0}},
        {
            "from": "plan",
            "to": "camhs",
            "mode": "parallel",
            "at": "every",
            "first_after_days": 30.0,
            "every_days": 30.0,
            "probability": 0.5,
        },
    ],
    "clocks": {
        "four_weeks": {
            "label": "Help within 4 weeks",
            "start": {"agency": "desk"},
            "stop": {"agency": "camhs", "event": "start"},
            "limit": 4.0,
            "unit": "weeks",
        }
    },
    "mental_health": {
        "deterioration_per_year_waiting": 1.0,
        "crisis_per_year_waiting": 0.5,
        "crisis_agency": "camhs",
        "re_referral": {
            "probability": [0.1, 0.2, 0.3],
            "at_risk_probability": 0.1,
            "mean_delay_days": 100.0,
        },
    },
    "injects": [
        # early and short, so the shortened runs below still hold them
        {"kind": "staff", "from_day": 1.0, "days": 1.0, "agency": "camhs", "change": -1},
        {"kind": "demand", "from_day": 2.0, "days": 1.0, "factor": 1.5},
        {
            "kind": "sharing",
            "from_day": 3.0,
            "days": 1.0,
            "pathway": "desk -> camhs",
            "lost": 0.5,
            "delay_mean_days": 2.0,
        },
    ],
}


def dump(data: dict[str, Any]) -> str:
    """Plain data as TOML, every table written inline after its key."""
    return "".join(f"{key_text(k)} = {toml_value(v, limit=None)}\n" for k, v in data.items())


def tables(data: Any, cl: type, path: tuple[Any, ...] = ()) -> list[tuple[type, tuple[Any, ...]]]:
    """Every (class, path) of an attrs table present in ``data`` read as class ``cl``."""
    found = [(cl, path)]
    for key in keys_of(cl):
        if key.name not in data:
            continue
        hint = strip_optional(key.hint)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        value = data[key.name]
        if attrs.has(hint):
            found += tables(value, hint, (*path, key.name))
        elif origin is dict and attrs.has(args[1]):
            for name, item in value.items():
                found += tables(item, args[1], (*path, key.name, name))
        elif origin is tuple and args and attrs.has(args[0]):
            for i, item in enumerate(value):
                found += tables(item, args[0], (*path, key.name, i))
    return found


PLACES = tables(BASE, model.Scenario)


def ranged_keys() -> list[tuple[type, str, Range]]:
    """Every key of every scenario table that has a range, as (class, file key, range)."""
    return [(cl, k.name, k.range) for cl in classes() for k in keys_of(cl) if k.range is not None]


def place_of(cl: type, key: str) -> tuple[Any, ...]:
    """Where in ``BASE`` to set ``key`` of a ``cl`` table: where it is given, else the first."""
    paths = [path for c, path in PLACES if c is cl]
    assert paths, f"BASE has no {cl.__name__} table: add one so its keys are tested"
    given_at = [p for p in paths if key in _at(BASE, p)]
    return (given_at or paths)[0]


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _numbers(hint: Any) -> bool:
    """Whether a key of type ``hint`` holds numbers (alone, in a list, or in a table)."""
    hint = strip_optional(hint)
    if hint in (int, float):
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        return bool(args) and all(a in (int, float) for a in args if a is not Ellipsis)
    return origin is dict and args[1] in (int, float)


# ---------------------------------------------------------------- every number has a range


def test_the_base_scenario_is_valid() -> None:
    scenario = load_text(dump(BASE), "base.toml")
    assert scenario.agencies["plan"].service.kind == "triangular"


def test_every_number_of_every_table_has_a_range() -> None:
    missing = [
        f"{cl.__name__}.{k.name}"
        for cl in classes()
        for k in keys_of(cl)
        if _numbers(k.hint) and k.range is None
    ]
    assert missing == []


def test_every_bound_is_finite_and_the_range_not_empty() -> None:
    for cl, key, bounds in ranged_keys():
        numbers = [b for b in (bounds.low, bounds.high) if not isinstance(b, dt.date)]
        assert all(math.isfinite(b) for b in numbers), (cl, key)
        assert bounds.low < bounds.high, (cl, key)
        assert not bounds.holds(math.nan) and not bounds.holds(math.inf), (cl, key)


def test_every_range_is_in_the_schema_and_the_reference() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    readme = README_FILE.read_text(encoding="utf-8")
    for cl, key, bounds in ranged_keys():
        table = schema if cl is model.Scenario else schema["$defs"][cl.__name__]
        prop = table["properties"][key]
        assert any(
            line.startswith(f"| `{key}` | ") and bounds.text() in line
            for line in readme.splitlines()
        ), (cl, key)
        assert bounds.text() in prop["description"], (cl, key)
        if isinstance(bounds.high, dt.date):
            continue
        where = prop.get("items") or prop.get("additionalProperties") if bounds.each else prop
        assert isinstance(where, dict)
        assert where["maximum"] == bounds.high, (cl, key)
        low = "exclusiveMinimum" if bounds.low_open else "minimum"
        assert where[low] == bounds.low, (cl, key)


def test_a_range_is_read_from_the_field_it_guards() -> None:
    staff = range_of(model.Agency, "staff")
    assert staff is not None and (staff.low, staff.high) == (1, 100_000)
    assert range_of(model.Agency, "label") is None


# ---------------------------------------------------------------- refused outside it


def keys_of_hint(cl: type, key: str) -> Any:
    """The type hint of the file key ``key`` of class ``cl``."""
    return next(k.hint for k in keys_of(cl) if k.name == key)


def outside(bounds: Range, integer: bool) -> list[Any]:
    """Values just past each bound of ``bounds``, and the ones no bound lets in."""
    if isinstance(bounds.low, dt.date) and isinstance(bounds.high, dt.date):
        return [bounds.low - dt.timedelta(days=1), bounds.high + dt.timedelta(days=1)]
    low, high = float(bounds.low), float(bounds.high)
    if integer:
        return [int(low) - (0 if bounds.low_open else 1), int(high) + 1]
    below = low if bounds.low_open else math.nextafter(low, -math.inf)
    return [below, math.nextafter(high, math.inf), math.inf, math.nan]


CASES = [
    (cl, key, bounds, value)
    for cl, key, bounds in ranged_keys()
    for value in outside(bounds, strip_optional(keys_of_hint(cl, key)) is int)
]


def with_value(cl: type, key: str, bounds: Range, value: Any) -> tuple[str, tuple[Any, ...]]:
    """``BASE`` as TOML with ``key`` of a ``cl`` table set to ``value``, and the key's path."""
    data = copy.deepcopy(BASE)
    path = place_of(cl, key)
    table = _at(data, path)
    if bounds.each:
        current = table.get(key) or list(_default(cl, key))
        items = list(current.values()) if isinstance(current, dict) else list(current)
        items[0] = value
        table[key] = dict(zip(current, items, strict=True)) if isinstance(current, dict) else items
    else:
        table[key] = value
    return dump(data), (*path, key)


def line_of(path: tuple[Any, ...]) -> int:
    """The line :func:`dump` writes the top-level key of ``path`` on."""
    return list(BASE).index(path[0]) + 1


def _default(cl: type, key: str) -> Any:
    field = attrs.fields_dict(cl)[key]
    default = field.default
    return default.factory() if isinstance(default, attrs.Factory) else default  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cl", "key", "bounds", "value"),
    CASES,
    ids=[f"{cl.__name__}.{key}={toml_value(value)}" for cl, key, _, value in CASES],
)
def test_a_value_outside_its_range_is_refused_naming_the_key(
    cl: type, key: str, bounds: Range, value: Any
) -> None:
    text, path = with_value(cl, key, bounds, value)
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "r.toml")
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"r.toml:{line_of(path)}: {dotted(path)}: "), message


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_value_outside_any_range_is_refused(data: st.DataObject) -> None:
    cl, key, bounds = data.draw(st.sampled_from(ranged_keys()))
    integer = strip_optional(keys_of_hint(cl, key)) is int
    value = data.draw(beyond(bounds, integer))
    text, path = with_value(cl, key, bounds, value)
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "r.toml")
    assert str(caught.value).startswith(f"r.toml:{line_of(path)}: {dotted(path)}: ")


def beyond(bounds: Range, integer: bool) -> st.SearchStrategy[Any]:
    """Any value outside ``bounds`` (below or above; for numbers, also nan)."""
    if isinstance(bounds.low, dt.date) and isinstance(bounds.high, dt.date):
        return st.dates(max_value=bounds.low - dt.timedelta(days=1)) | st.dates(
            min_value=bounds.high + dt.timedelta(days=1)
        )
    low, high = float(bounds.low), float(bounds.high)
    if integer:
        top = int(low) if bounds.low_open else int(low) - 1
        return st.integers(max_value=top) | st.integers(min_value=int(high) + 1)
    below = st.floats(max_value=low, exclude_max=not bounds.low_open)
    return below | st.floats(min_value=high, exclude_min=True) | st.just(math.nan)


# ---------------------------------------------------------------- safe inside it


def test_the_error_names_the_bound_and_why() -> None:
    with pytest.raises(FieldError) as caught:
        Distribution(kind="gamma", mean_days=60.0, sd_days=math.inf)
    assert str(caught.value) == (
        "sd_days: must be at most 36,525 (100 years, the longest run), got inf"
    )


@pytest.mark.parametrize(
    "service",
    [
        {"kind": "gamma", "mean_days": 60.0, "sd_days": 6000.0},  # widest spread allowed
        {"kind": "gamma", "mean_days": 60.0, "sd_days": 0.06},  # narrowest
        {"kind": "lognormal", "mean_days": 60.0, "sd_days": 6000.0},
        {"kind": "lognormal", "mean_days": MAX_DAYS, "sd_days": MAX_DAYS},
        {"kind": "uniform", "min_days": 0.0, "max_days": MAX_DAYS},
        {"kind": "triangular", "mean_days": MAX_DAYS, "min_days": 0.0, "max_days": MAX_DAYS},
    ],
    ids=["gamma-wide", "gamma-narrow", "lognormal-wide", "lognormal-long", "uniform", "triangular"],
)
def test_services_at_the_edge_of_their_ranges_simulate_finitely(service: dict[str, Any]) -> None:
    data = copy.deepcopy(BASE)
    data["agencies"]["camhs"]["service"] = service
    data["demand"]["walk_in"]["trend_per_year"] = 1.0  # a doubling a year: 1.2 times in 100 days
    run = simulate(load_text(dump(data), "edge.toml"), days=60)
    times = run.events["time"].to_numpy()
    assert len(times) > 0
    assert bool((times >= 0).all() and (times <= 60).all())


def test_the_growth_of_demand_over_the_run_is_bounded_not_the_trend_alone() -> None:
    data = copy.deepcopy(BASE)
    data["demand"]["walk_in"]["trend_per_year"] = 1.0
    data["duration_days"] = 365.25 * 3  # 2**3 = 8 times: allowed
    assert load_text(dump(data), "ok.toml").demand["walk_in"].trend_per_year == 1.0
    data["duration_days"] = 365.25 * 4  # 16 times: refused
    with pytest.raises(ScenarioError, match=r"grows the rate 16 times over duration_days = 1461"):
        load_text(dump(data), "long.toml")


@pytest.mark.parametrize("start", [dt.date(1900, 1, 1), dt.date(2200, 12, 31)], ids=str)
def test_runs_starting_at_either_end_of_the_date_range_simulate(start: dt.date) -> None:
    data = copy.deepcopy(BASE)
    data["start_date"] = start
    del data["calendar"]["terms"]  # the default terms, built for the years around the run
    data["demand"]["walk_in"]["seasonality"] = "none"
    run = simulate(load_text(dump(data), "dates.toml"), days=30)
    assert len(run.events) > 0
    assert run.calendar.start_date == start


def test_a_short_run_inside_a_school_holiday_is_not_refused() -> None:
    run = simulate(load_text(dump(BASE), "easter.toml"), days=5)  # 1 to 5 April 2025
    assert run.calendar.start_date == dt.date(2025, 4, 1)
