"""One error root: every exception class of jtai-sim is a JtaiError and a built-in.

Every module of the library and the command line is imported and every
exception class defined in it is collected, so a new ``class X(Exception)``
anywhere fails here. The tree drawn in :mod:`jtai_sim.errors` is checked against
the classes themselves.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import re
from types import ModuleType

import attrs
import pytest

import jtai_sim
import runner
from jtai_sim import errors, load_scenario
from jtai_sim.errors import (
    FieldError,
    InfeasibleTimetable,
    InputError,
    JtaiError,
    NotAQueueingNetwork,
    PartnershipError,
    ScenarioError,
)
from jtai_sim.scenario.loading import structure
from jtai_sim.scenario.model import Agency, Scenario, is_at_least_one


def all_modules() -> list[ModuleType]:
    found = []
    for package in (jtai_sim, runner):
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            found.append(importlib.import_module(info.name))
    return found


def defined_exceptions() -> dict[str, type[BaseException]]:
    """``module.Class`` -> class, for every exception class defined in our modules."""
    out = {}
    for module in all_modules():
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                out[f"{module.__name__}.{name}"] = value
    return out


def builtin_bases(cls: type) -> set[type]:
    return {
        base
        for base in cls.__mro__
        if base.__module__ == "builtins" and base not in (Exception, BaseException, object)
    }


EXCEPTIONS = defined_exceptions()


def test_the_walk_finds_the_library_and_the_command_line_errors() -> None:
    names = {name.rsplit(".", 1)[1] for name in EXCEPTIONS}
    assert {"JtaiError", "FieldError", "PartnershipError", "SettingsError", "UserError"} <= names
    assert "runner.errors.UserError" in EXCEPTIONS


@pytest.mark.parametrize("name", sorted(EXCEPTIONS))
def test_every_error_is_a_jtai_error_and_a_builtin(name: str) -> None:
    cls = EXCEPTIONS[name]
    if cls is JtaiError:
        return
    assert issubclass(cls, JtaiError), f"{name} does not derive from JtaiError"
    assert builtin_bases(cls), f"{name} derives from no built-in exception but Exception"


def test_the_drawn_tree_is_the_real_tree() -> None:
    doc = errors.__doc__ or ""
    drawn = {}
    parents: list[str] = []
    for line in doc.splitlines():
        match = re.match(r"^    ((?:[│ ]   )*)(?:[├└]── )?([A-Z][A-Za-z]+)(?: \((\w+)\))?", line)
        if not match:
            continue
        depth = len(match.group(1)) // 4 + (1 if "── " in line else 0)
        name, builtin = match.group(2), match.group(3)
        parents[depth:] = [name]
        drawn[name] = (parents[depth - 1] if depth else None, builtin)
    classes = {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }
    assert set(drawn) == set(classes)
    for name, (parent, builtin) in drawn.items():
        cls = classes[name]
        if parent is not None:
            assert cls.__bases__[0] is classes[parent], name
        if builtin is not None:
            assert builtin in {b.__name__ for b in cls.__bases__}, name


def test_old_import_places_still_work() -> None:
    from jtai_sim.results.output import OutputFolderError
    from jtai_sim.scenario.model import FieldError as FromScenario
    from jtai_sim.scenario.partnership import PartnershipError as FromPartnership
    from jtai_sim.validation.theory import NotAQueueingNetwork as FromTheory
    from runner.mockweek.absences import AbsenceError
    from runner.mockweek.pipeline import MockWeekError
    from runner.mockweek.settings import SettingsError

    assert FromPartnership is PartnershipError and FromScenario is FieldError
    assert FromTheory is NotAQueueingNetwork
    assert {OutputFolderError, AbsenceError, MockWeekError, SettingsError} <= {
        getattr(errors, n) for n in errors.__all__
    }


def test_a_bad_value_in_python_is_a_jtai_error() -> None:
    scenario = load_scenario("scenarios/minimal.toml")
    with pytest.raises(JtaiError) as caught:
        attrs.evolve(scenario, duration_days=-1.0)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InputError)
    assert str(caught.value) == "duration_days: must be > 0, got -1.0"
    with pytest.raises(FieldError, match="staff: must be >= 1, got 0"):
        Agency(staff=0)
    with pytest.raises(JtaiError):
        Scenario(name="x", agencies={}, demand={}, duration_days=0.0)


@pytest.mark.parametrize(
    "error",
    [
        ScenarioError("must be >= 1, got 0", file="s.toml", line=3, key="agencies.a.staff"),
        FieldError("staff", "must be >= 1, got 0"),
        PartnershipError(("pathways", 2, "to"), "unknown agency"),
        NotAQueueingNetwork(["a reason", "another"]),
        InfeasibleTimetable(["too few inspectors"]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_cross_process_boundaries_whole(error: JtaiError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_a_bug_in_a_validator_is_not_reported_as_a_mistake_in_the_file() -> None:
    def broken(_: object, __: object, value: int) -> None:
        raise AttributeError("a bug")

    @attrs.frozen
    class Thing:
        size: int = attrs.field(validator=broken)

    @attrs.frozen
    class Checked:
        size: int = attrs.field(validator=is_at_least_one)

    with pytest.raises(AttributeError, match="a bug"):
        structure({"size": 1}, Thing)
    with pytest.raises(ScenarioError, match=r"^t.toml:1: size: must be >= 1, got 0$"):
        structure({"size": 0}, Checked, text="size = 0\n", file="t.toml")
