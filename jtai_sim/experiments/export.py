"""Exporting experiment results: CSV and Excel (summaries, not event logs).

* :func:`summary_table`: one row per (metric, variant): mean and 95% interval,
  and the paired difference from the base with its interval;
* :func:`export_csv` writes it;
* :func:`export_excel` writes a workbook (via openpyxl) with the sheets
  ``summary``, ``differences``, ``replications`` (one value per replication,
  when it fits Excel's 1,048,576 rows) and ``run`` (what was run). The
  workbook's dates and zip timestamps are fixed, so the same results give the
  same bytes.

The workbook is for reading: each metric is named in words with its unit (from
the registry, :func:`jtai_sim.experiments.naming.describe`), the metric key kept in
the last column for scripts; values are stored to six significant figures and
shown with a number format for their unit (shares as percentages, days to one
decimal, counts whole); headers are bold and frozen, columns sized to their
contents. The CSV keeps the keys and full precision, for machines.

>>> import tempfile
>>> from pathlib import Path
>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments import Experiment
>>> res = Experiment(load_scenario("scenarios/single_desk.toml"), replications=2, days=200).run()
>>> with tempfile.TemporaryDirectory() as out:
...     a = export_excel(res, Path(out) / "a.xlsx").read_bytes()
...     b = export_excel(res, Path(out) / "b.xlsx").read_bytes()
>>> a == b
True
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from jtai_sim.atomic import write_file
from jtai_sim.cells import no_formulas, text_cells
from jtai_sim.errors import ExperimentError

from .naming import describe
from .results import Results

EXCEL_ROWS = 1_048_576
_FIXED_TIME = "2000-01-01T00:00:00Z"


def summary_table(results: Results, metrics: list[str] | None = None) -> pd.DataFrame:
    """Per (metric, variant): n, mean, interval, and the paired difference from the base."""
    summary = results.summary(metrics)
    diff = results.differences(metrics)[
        ["variant", "metric", "difference", "low", "high", "unpaired_low", "unpaired_high"]
    ].rename(columns={"low": "difference_low", "high": "difference_high"})
    table = summary.merge(diff, on=["variant", "metric"], how="left")
    return table[
        [
            "metric",
            "variant",
            "n",
            "mean",
            "sd",
            "low",
            "high",
            "half_width",
            "difference",
            "difference_low",
            "difference_high",
            "unpaired_low",
            "unpaired_high",
        ]
    ]


def _target(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise ExperimentError(
            f"expected a {what} file name ending {' or '.join(suffixes)}", file=str(path)
        )
    return target


def export_csv(results: Results, path: str | Path) -> Path:
    """Write the summary table as CSV."""
    target = _target(path, (".csv",), "CSV")
    text = text_cells(summary_table(results)).to_csv(index=False, float_format="%.10g")
    return write_file(target, text, key="--csv")


#: Readable headers of the workbook's columns (a column not named here keeps its name).
HEADERS: dict[str, str] = {
    "label": "Metric",
    "unit": "Unit",
    "variant": "Variant",
    "n": "Replications",
    "mean": "Mean",
    "sd": "Standard deviation",
    "low": "95% interval: low",
    "high": "95% interval: high",
    "half_width": "95% interval: ± half-width",
    "difference": "Difference from base (paired)",
    "difference_low": "Difference: 95% low",
    "difference_high": "Difference: 95% high",
    "unpaired_low": "Difference, unpaired: 95% low",
    "unpaired_high": "Difference, unpaired: 95% high",
    "unpaired_half_width": "Difference, unpaired: ± half-width",
    "base_mean": "Base mean",
    "variant_mean": "Variant mean",
    "replication": "Replication",
    "value": "Value",
    "metric": "Metric key",
    "item": "Item",
}
#: Columns holding a metric's value (shown in the metric's own number format).
_VALUE_COLUMNS = frozenset(HEADERS) - {"label", "unit", "variant", "n", "replication", "metric"}
#: Sheets larger than this many cells keep Excel's general format (formatting each
#: cell of a very long replications sheet would take longer than the experiment).
_FORMAT_CELLS = 2_000_000


def number_format(unit: str) -> str:
    """The Excel number format for values in ``unit``.

    >>> number_format("share"), number_format("days"), number_format("children")
    ('0.0%', '#,##0.0', '#,##0')
    """
    if unit == "share":
        return "0.0%"
    if unit in ("children", "clocks", "referrals", "hand-offs"):
        return "#,##0"
    return "#,##0.0"


def _round(value: Any, figures: int = 6) -> Any:
    """``value`` to ``figures`` significant figures (anything not a finite float as it is)."""
    if not isinstance(value, float) or not math.isfinite(value) or value == 0:
        return value
    return round(value, figures - 1 - math.floor(math.log10(abs(value))))


def _readable(frame: pd.DataFrame, results: Results) -> pd.DataFrame:
    """``frame`` with the metric's label and unit first, values rounded, the key last."""
    scenario = results.base.scenario
    info = {key: describe(key, scenario) for key in frame["metric"].unique()}
    out = frame.copy()
    out.insert(0, "label", [_sentence(info[k].phrase) for k in frame["metric"]])
    out.insert(1, "unit", [info[k].unit for k in frame["metric"]])
    out = out[[c for c in out.columns if c != "metric"] + ["metric"]]
    for column in out.columns:
        if column in _VALUE_COLUMNS and out[column].dtype.kind == "f":
            out[column] = out[column].map(_round)
    return out


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _tidy(sheet: Any, frame: pd.DataFrame) -> None:
    """Bold frozen header, readable headers, sized columns, number formats by unit."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = list(frame.columns)
    for j, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=j)
        cell.value = HEADERS.get(name, name.replace("_", " ").capitalize())
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2" if columns and columns[0] == "label" else "A2"
    if len(frame) * len(columns) <= _FORMAT_CELLS:
        units = frame["unit"].tolist() if "unit" in frame else None
        for j, name in enumerate(columns, start=1):
            if name in ("n", "replication"):
                fmt = "0"
            elif name in _VALUE_COLUMNS and units is not None:
                fmt = ""
            else:
                continue
            for i in range(len(frame)):
                cell = sheet.cell(row=i + 2, column=j)
                cell.number_format = fmt or number_format(units[i])  # type: ignore[index]
    for j, name in enumerate(columns, start=1):
        sample = frame[name].head(500)
        if frame[name].dtype.kind in "fiu":
            longest = 10
        else:
            longest = max((len(str(v)) for v in sample), default=0)
        header = len(HEADERS.get(name, name))
        width = min(60, max(8, longest + 2, min(header, 24) + 2))
        sheet.column_dimensions[get_column_letter(j)].width = width


def export_excel(results: Results, path: str | Path) -> Path:
    """Write the summary workbook (see the module docstring)."""
    target = _target(path, (".xlsx",), "Excel")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheets = {
            "summary": _readable(summary_table(results), results),
            "differences": _readable(results.differences(), results),
        }
        values = results.values
        if len(values) < EXCEL_ROWS:
            sheets["replications"] = _readable(values, results)
        sheets["run"] = pd.DataFrame(
            [
                (k, json.dumps(v) if not isinstance(v, str) else v)
                for k, v in results.settings.items()
            ]
            + [
                (
                    f"variant {v.name}",
                    f"{v.title}; hash {v.scenario_hash}; " + "; ".join(v.overrides),
                )
                for v in results.variants
            ],
            columns=["item", "value"],
        )
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            _tidy(writer.sheets[name], frame)
        no_formulas(writer.book)  # names are text, never formulas
    return write_file(target, _fixed_zip(buffer.getvalue()), key="--excel")


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with fixed document dates and zip entry times."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + _FIXED_TIME.encode(),
                    content,
                )
            info = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


__all__ = ["HEADERS", "export_csv", "export_excel", "number_format", "summary_table"]
