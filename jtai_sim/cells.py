"""Cells a spreadsheet would evaluate, written as text in every CSV and workbook.

A label that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is run as a formula when a CSV is opened in a spreadsheet: an agency, a
variant or a child named ``=HYPERLINK("http://x","y")`` would become a live link.
The OWASP advice for CSV is followed: such a text cell is written with a leading
apostrophe, which spreadsheets show as text; a number written as text (``-3``)
is left alone. Workbooks keep the text exactly and store it as a string, never
as a formula (:func:`no_formulas`).

>>> as_text('=HYPERLINK("x")'), as_text("-3.5"), as_text("Front door"), as_text(7)
('\\'=HYPERLINK("x")', '-3.5', 'Front door', 7)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_text(value: Any) -> Any:
    """``value`` with a leading apostrophe if a spreadsheet would evaluate it."""
    if isinstance(value, str) and value.startswith(_STARTS) and not _number(value):
        return "'" + value
    return value


def text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell a spreadsheet would evaluate made safe (a copy when
    any is changed; the same frame when none is)."""
    columns = [
        c
        for c in frame.columns
        if frame[c].dtype == object or str(frame[c].dtype) in ("string", "str", "category")
    ]
    out = frame
    for column in columns:
        values = frame[column].astype(object)
        safe = values.map(as_text)
        if not safe.equals(values):
            if out is frame:
                out = frame.copy()
            out[column] = safe
    return out


def no_formulas(workbook: Any) -> None:
    """Store every cell of an openpyxl ``workbook`` that would be a formula as text."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


__all__ = ["as_text", "no_formulas", "text_cells"]
