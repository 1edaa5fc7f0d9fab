"""Turn the facilitator's form into the options of ``jtai-sim mock-week``.

:func:`week_request` reads what the page holds (a scenario or the area's own
records, the theme, the notification date, the seed, an inspection settings
file for the team and an absence file) and gives a :class:`WeekRequest`, or
raises :class:`~runner.errors.UserError` with the line the command line prints
for the same mistake (without its ``jtai-sim: error:`` prefix). Every path goes
through :func:`~runner.app.paths.confine`, so nothing outside the workspace is
read. :meth:`WeekRequest.cli_args` is the ``mock-week`` command line that gives
the same pack when run from the workspace folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from attrs import frozen

from jtai_sim.errors import InputError, JtaiError, ThemeError
from runner.app.paths import confine
from runner.errors import UserError

Source = Literal["builtin", "file", "cases"]


@frozen(kw_only=True)
class WeekRequest:
    """One mock week as the command line would be asked for it.

    Paths are relative to the workspace, as the user gave them once checked; the
    worker that runs the week works from the workspace folder, so they mean the
    same to it as to ``jtai-sim mock-week`` run there.
    """

    workspace: Path
    scenario: str | None
    cases: str | None
    notification: dt.date
    theme: str
    seed: int | None = None
    settings_file: str | None = None
    absences_file: str | None = None

    def cli_args(self) -> list[str]:
        """The arguments of ``jtai-sim mock-week`` (without ``--out``) for this week."""
        words = ["mock-week"]
        if self.scenario is not None:
            words.append(self.scenario)
        if self.cases is not None:
            words += ["--cases", self.cases]
        words += ["--notify", self.notification.isoformat(), "--theme", self.theme]
        if self.seed is not None:
            words += ["--seed", str(self.seed)]
        if self.settings_file is not None:
            words += ["--settings", self.settings_file]
        if self.absences_file is not None:
            words += ["--absences", self.absences_file]
        return words


def theme_choices() -> dict[str, str]:
    """The shipped themes ``jtai-sim themes`` lists, name to title, the default first."""
    from jtai_sim.inspection.theme import load_theme, theme_names

    return {name: f"{name}: {load_theme(name).theme.title}" for name in theme_names()}


def _inside(root: Path, given: str, what: str, suffix: str | None = None) -> str:
    """``given`` checked to lie inside the workspace, as a path relative to it."""
    path = confine(root, given)
    if suffix is not None and path.suffix.lower() != suffix:
        raise InputError(f"{given.strip()}: {what} ends in {suffix}")
    return path.relative_to(root).as_posix() or "."


def _optional(root: Path, given: str, what: str, suffix: str) -> str | None:
    return _inside(root, given, what, suffix) if given.strip() else None


def _seed(text: str) -> int | None:
    from jtai_sim.scenario.model import SEED

    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"--seed: must be a whole number, got {text!r}") from None
    if not SEED.holds(value):
        raise UserError(f"--seed: {SEED.refusal(value)}, got {value}")
    return value


def _theme(name: str) -> str:
    """A shipped theme's name; anything else gets the command's unknown-theme line.

    The page offers the shipped themes only: a theme file named here would be read
    from wherever it points, so no name is taken as a path.
    """
    from jtai_sim.inspection.theme import theme_names
    from jtai_sim.scenario.converter import unknown_name

    name = name.strip()
    if name not in theme_names():
        raise ThemeError(unknown_name(name, theme_names(), "theme"), key="--theme")
    return name


def week_request(
    workspace: Path,
    *,
    source: str,
    scenario: str = "",
    scenario_file: str = "",
    cases: str = "",
    notify: str = "",
    theme: str = "front-door",
    seed: str = "",
    settings_file: str = "",
    absences_file: str = "",
) -> WeekRequest:
    """The week the form asks for, checked as far as can be before it runs.

    Raises :class:`UserError` with one line. A mistake inside a case list shows
    only when the records are read, in the worker; its line comes back the same way.
    """
    from jtai_sim.inspection.theme import load_theme
    from jtai_sim.scenario.builtin import load_scenario
    from runner.commands.mock_week import notification_date
    from runner.mockweek.absences import read_absences
    from runner.mockweek.settings import load_settings, theme_settings

    root = workspace.resolve(strict=True)
    notification = notification_date(notify.strip())
    try:
        chosen: str | None = None
        records: str | None = None
        if source == "builtin":
            from runner.app.page import builtin_scenarios

            if scenario not in builtin_scenarios():
                raise InputError(f"{scenario!r}: not a built-in scenario")
            chosen = scenario
        elif source == "file":
            chosen = _inside(root, scenario_file, "a scenario file", ".toml")
            load_scenario(root / chosen)
        elif source == "cases":
            records = _inside(root, cases, "a case list")
        else:
            raise InputError(f"{source!r}: choose a scenario, a scenario file or a case list")
        name = _theme(theme)
        settings = _optional(root, settings_file, "an inspection settings file", ".toml")
        absences = _optional(root, absences_file, "an absence file", ".csv")
        if settings is not None:
            load_settings(root / settings, base=theme_settings(load_theme(name)))
        if absences is not None:
            read_absences(root / absences)
        return WeekRequest(
            workspace=root,
            scenario=chosen,
            cases=records,
            notification=notification,
            theme=name,
            seed=_seed(seed),
            settings_file=settings,
            absences_file=absences,
        )
    except UserError:
        raise
    except JtaiError as exc:  # files are named as from the workspace, as the command run there
        raise UserError(str(exc).replace(f"{root}/", "")) from None


__all__ = ["Source", "WeekRequest", "theme_choices", "week_request"]
