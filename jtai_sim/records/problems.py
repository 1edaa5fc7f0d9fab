"""Every mistake found in a file of the area's own records, gathered and raised together.

A data officer exporting Annex A lists from a case-management system wants to see
all that is wrong with a file at once, not one mistake per attempt. A reader adds
each mistake to a :class:`Problems` as it goes (row, column, what is wrong and the
value found) and calls :meth:`Problems.check` at the end of a file, which raises
one :class:`~jtai_sim.errors.RecordsError` listing them, the first
:data:`MAX_LISTED` in file order and a count of the rest.

>>> p = Problems("contacts.csv")
>>> p.add(4, "Date of Contact", "must be a date DD/MM/YYYY", "2024-13-01")
>>> p.add(2, "Child Unique ID", "is empty")
>>> try:
...     p.check()
... except RecordsError as err:
...     print(err)
contacts.csv:2: column Child Unique ID: is empty
contacts.csv:4: column Date of Contact: must be a date DD/MM/YYYY, got '2024-13-01'
"""

from __future__ import annotations

from jtai_sim.errors import RecordsError

#: How many mistakes in one file are listed: enough to show every kind a file has,
#: few enough to read. The rest are counted, not listed.
MAX_LISTED = 50


def shown(value: str) -> str:
    """``value`` quoted, cut to its first 40 characters when longer.

    >>> shown("x" * 50)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'..."
    """
    return repr(value) if len(value) <= 40 else repr(value[:40]) + "..."


class Problems:
    """The mistakes found in one file (``file`` is how lines name it)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._found: list[tuple[int, int, str]] = []

    def add(
        self, row: int | None, column: str | None, message: str, value: str | None = None
    ) -> None:
        """Note a mistake at ``row`` (the spreadsheet row, the header being row 1; ``None``
        for the whole file) in ``column``; ``value`` is the cell as found."""
        place = f"{self.file}:{row}: " if row else f"{self.file}: "
        where = f"column {column}: " if column else ""
        got = f", got {shown(value)}" if value is not None else ""
        self._found.append((row or 0, len(self._found), f"{place}{where}{message}{got}"))

    def __len__(self) -> int:
        return len(self._found)

    def __bool__(self) -> bool:
        return bool(self._found)

    def check(self) -> None:
        """Raise one :class:`~jtai_sim.errors.RecordsError` for everything noted, if anything."""
        if not self._found:
            return
        lines = [text for _, _, text in sorted(self._found)]
        listed = lines[:MAX_LISTED]
        if len(lines) > MAX_LISTED:
            listed.append(
                f"{self.file}: and {len(lines) - MAX_LISTED:,} more mistakes like these "
                f"(the first {MAX_LISTED} are listed)"
            )
        raise RecordsError(tuple(listed))


__all__ = ["MAX_LISTED", "Problems", "RecordsError", "shown"]
