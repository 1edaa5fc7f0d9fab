"""The exceptions jtai-sim raises, rooted at :class:`JtaiError`.

Each subclass also derives from the built-in exception a caller would expect, so
``except ValueError`` keeps working for code that does not know about jtai-sim.
A user mistake (a bad scenario file, a bad case list) is reported with one line
that names the file, the place in it, the key and the offending value.

>>> err = ScenarioError("must be >= 1, got 0", file="s.toml", line=7, key="agencies.camhs.staff")
>>> str(err)
's.toml:7: agencies.camhs.staff: must be >= 1, got 0'
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations


class JtaiError(Exception):
    """Root of every error jtai-sim raises on purpose."""


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

    def located(self, *, file: str | None = None, line: int | None = None) -> InputError:
        """Return a copy of this error that also names ``file`` and ``line``."""
        return type(self)(
            self.message,
            file=file or self.file,
            line=line or self.line,
            key=self.key,
        )


def one_line(text: str) -> str:
    """``text`` on one line: newlines become spaces, other unprintable characters escapes.

    >>> one_line("a\\nb\\u2028c\\x00")
    'a b\\\\u2028c\\\\x00'
    """
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ScenarioError(InputError):
    """A scenario file (or an override of one) is invalid."""


class CaseListError(InputError):
    """A partnership's own case list (CSV) is invalid."""


class ExperimentError(InputError):
    """An experiment file or a command-line override is invalid."""


class InfeasibleTimetable(JtaiError, RuntimeError):
    """No timetable satisfies the hard rules; ``reasons`` says which rules clash."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("no timetable satisfies the rules: " + "; ".join(reasons))
