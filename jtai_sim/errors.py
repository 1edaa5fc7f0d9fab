"""Every exception jtai-sim raises on purpose, rooted at :class:`JtaiError`.

All the classes live here, library and command line alike, so one glance shows
the whole family; the modules that raise them re-export the names they always
had (``jtai_sim.scenario.partnership.PartnershipError``, ``jtai_sim.scenario.model.FieldError``,
``runner.mockweek.settings.SettingsError``, ...). Each class also derives from
the built-in exception a caller would expect, so ``except ValueError`` keeps
working for code that does not know about jtai-sim, and ``except JtaiError``
catches everything of ours::

    JtaiError (Exception)
    ├── InputError (ValueError)    what the user gave is wrong: file:line: key: message
    │   ├── FieldError             a value refused by a class's own check (Scenario(...),
    │   │                          attrs.evolve, inspection settings)
    │   ├── ValueRejected          a value refused while reading a file (the loader turns
    │   │                          it into a located ScenarioError; it never escapes)
    │   ├── ScenarioError          a scenario file, or an override of one
    │   │   └── PartnershipError   a check of the whole partnership (names, reachability)
    │   ├── CaseListError          a partnership's own case list (CSV)
    │   │   └── RecordsError       the area's own records (Annex A, SSDA903, CAMHS):
    │   │                          every mistake in a file, one line each, up to a cap
    │   ├── LearningError          records a scenario cannot be learned from (too few days,
    │   │                          an unknown agency in --staff)
    │   ├── ExperimentError        an experiment file, a variant or a --set
    │   ├── OutputFolderError      the result folder cannot be used (not empty, a file)
    │   ├── SettingsError          mock week: an inspection settings file
    │   ├── ThemeError             mock week: a theme file or theme name
    │   ├── AbsenceError           mock week: an absence CSV
    │   ├── MockWeekError          mock week: a date or cohort the week cannot run on
    │   └── BudgetError            a job too big to start (jtai_sim.budget)
    ├── NotAQueueingNetwork (ValueError)
    │                              a scenario outside what the analytic results cover
    └── InfeasibleTimetable (RuntimeError)
                                   mock week: no timetable satisfies the hard rules

The command line adds ``runner.errors.UserError`` (``click.ClickException``,
``JtaiError`` and ``ValueError``) for a bad option, which click prints as one
line before exiting with code 2.

Why these built-ins:

* ``ValueError`` for every mistake in what was given: a value, a file, a folder
  named with ``--out``. The caller can fix each by changing its input, and the
  command line answers them all alike (one line, exit code 2).
  ``OutputFolderError`` is one of them rather than an ``OSError``: it is raised
  before anything is written, about the folder the user chose; a failure of
  the file system while writing is not wrapped and reaches the caller as the
  ``OSError`` it is. ``NotAQueueingNetwork`` says that the scenario passed is
  outside the domain of the formulas, which is a bad argument too.
* ``RuntimeError`` for ``InfeasibleTimetable``: nothing given is malformed, and
  only solving shows that the rules cannot all hold together.

A user mistake is reported with one line that names the file, the place in it,
the key and the offending value. Every error pickles with its attributes, so an
error raised in a worker process reaches the caller whole.

>>> err = ScenarioError("must be >= 1, got 0", file="s.toml", line=7, key="agencies.camhs.staff")
>>> str(err)
's.toml:7: agencies.camhs.staff: must be >= 1, got 0'
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

import errno
import json
import re
from typing import Any


class JtaiError(Exception):
    """Root of every error jtai-sim raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt without calling __init__, whose signature differs by class
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[JtaiError], args: tuple[Any, ...], state: dict[str, Any]) -> JtaiError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(JtaiError, ValueError):
    """A user-supplied file or value is wrong.

    ``str()`` gives one line: ``file:line: key: message``, leaving out the parts
    that are not known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        super().__init__(self.__str__())

    def __str__(self) -> str:
        place = ""
        if self.file:
            place = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        key = f"{self.key}: " if self.key else ""
        return one_line(f"{place}{key}{self.message}")


def one_line(text: str) -> str:
    """``text`` on one line: newlines become spaces, other unprintable characters escapes.

    >>> one_line("a\\nb\\u2028c\\x00")
    'a b\\\\u2028c\\\\x00'
    """
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, and what the user can do about it.

    >>> os_reason(OSError(errno.ENOSPC, "No space left on device"))
    'No space left on device; free some space or write somewhere else'
    """
    return f"{exc.strerror or exc}{_OS_HINTS.get(exc.errno or 0, '')}"


_OS_HINTS = {
    errno.ENOSPC: "; free some space or write somewhere else",
    errno.EDQUOT: "; free some space or write somewhere else",
    errno.EFBIG: "; the file is larger than this machine allows",
    errno.EROFS: "; choose a folder you can write to",
    errno.EACCES: "; choose a file or folder you may use",
    errno.EPERM: "; choose a file or folder you may use",
    errno.EMFILE: "; too many open files: raise the limit (ulimit -n) or use fewer --jobs",
    errno.ENFILE: "; too many open files on this machine: close some, or use fewer --jobs",
}


def key_text(key: str) -> str:
    """A table key as TOML writes it: bare when it can be, else in double quotes.

    >>> key_text("camhs"), key_text("front door")
    ('camhs', '"front door"')
    """
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def dotted(path: tuple[str | int, ...]) -> str:
    """``("pathways", 3, "probability")`` as ``pathways[3].probability``.

    >>> dotted(("agencies", "front door", "staff"))
    'agencies."front door".staff'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = key_text(part)
            out += f".{key}" if out else key
    return out


class FieldError(InputError):
    """A value rejected by a class's own check; ``field`` names the key at fault.

    Raised by the validators of the scenario (and settings) classes, so building
    ``Scenario(...)`` or ``attrs.evolve(scenario, duration_days=-1)`` in Python
    fails with a :class:`JtaiError`; the loader adds the file and line.

    >>> str(FieldError("staff", "must be >= 1, got 0"))
    'staff: must be >= 1, got 0'
    """

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(message, key=field_name)


class ValueRejected(InputError):
    """A value rejected while a file is read; the loader adds ``got VALUE`` and the place."""


class ScenarioError(InputError):
    """A scenario file (or an override of one) is invalid."""


class PartnershipError(ScenarioError):
    """A partnership check failed; ``path`` is the scenario key at fault."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        super().__init__(message, key=dotted(path))


class CaseListError(InputError):
    """A partnership's own case list (CSV) is invalid."""


class RecordsError(CaseListError):
    """Mistakes in one of the area's own record files (Annex A, SSDA903, a CAMHS extract).

    Unlike the other input errors it carries every mistake found in the file (up to
    a cap, see :class:`jtai_sim.records.problems.Problems`), each on its own line in
    the ``file:row: column NAME: message`` form, so a data officer fixes them all at
    once rather than one per attempt.

    >>> err = RecordsError(("a.csv:3: column DOB: not a date, got '31/02/2020'",
    ...                     "a.csv:9: column ID: is empty"))
    >>> print(err)
    a.csv:3: column DOB: not a date, got '31/02/2020'
    a.csv:9: column ID: is empty
    >>> isinstance(err, ValueError), err.lines[1]
    (True, 'a.csv:9: column ID: is empty')
    """

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = tuple(one_line(text) for text in lines)
        super().__init__("\n".join(self.lines))

    def __str__(self) -> str:
        return "\n".join(self.lines)


class LearningError(InputError):
    """A scenario cannot be learned from these records with these options (too few days,
    an unknown agency in ``--staff``)."""


class ExperimentError(InputError):
    """An experiment file or a command-line override is invalid."""


class OutputFolderError(InputError):
    """The result folder cannot be used (it holds files, or is a file)."""


class SettingsError(InputError):
    """An inspection settings file is invalid."""


class ThemeError(InputError):
    """A theme file (or a theme name) is invalid."""


class AbsenceError(InputError):
    """An absence CSV is invalid."""


class MockWeekError(InputError):
    """The mock week cannot be run on what was given (a date, a folder)."""


class BudgetError(InputError):
    """A job is too big to start: its estimated size passes a limit (:mod:`jtai_sim.budget`)."""


class NotAQueueingNetwork(JtaiError, ValueError):
    """The scenario is outside what the analytic results cover; ``reasons`` says why."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("not a plain queueing network: " + "; ".join(self.reasons))


class InfeasibleTimetable(JtaiError, RuntimeError):
    """No timetable satisfies the hard rules; ``reasons`` says which rules clash."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("no timetable satisfies the rules: " + "; ".join(reasons))


__all__ = [
    "AbsenceError",
    "BudgetError",
    "CaseListError",
    "ExperimentError",
    "FieldError",
    "InfeasibleTimetable",
    "InputError",
    "JtaiError",
    "MockWeekError",
    "NotAQueueingNetwork",
    "OutputFolderError",
    "PartnershipError",
    "RecordsError",
    "ScenarioError",
    "SettingsError",
    "ThemeError",
    "ValueRejected",
    "dotted",
    "key_text",
    "one_line",
    "os_reason",
]
