"""Exporting experiment results: CSV and Excel (summaries, not event logs).

* :func:`summary_table`: one row per (metric, variant): mean and 95% interval,
  and the paired difference from the base with its interval;
* :func:`export_csv` writes it;
* :func:`export_excel` writes a workbook (via openpyxl) with the sheets
  ``summary``, ``differences``, ``replications`` (one value per replication,
  when it fits Excel's 1,048,576 rows) and ``run`` (what was run). The
  workbook's dates and zip timestamps are fixed, so the same results give the
  same bytes.

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
import re
import zipfile
from pathlib import Path

import pandas as pd

from jtai_sim.atomic import write_file
from jtai_sim.cells import no_formulas, text_cells
from jtai_sim.errors import ExperimentError

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


def export_excel(results: Results, path: str | Path) -> Path:
    """Write the summary workbook (see the module docstring)."""
    target = _target(path, (".xlsx",), "Excel")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        summary_table(results).to_excel(writer, sheet_name="summary", index=False)
        results.differences().to_excel(writer, sheet_name="differences", index=False)
        values = results.values
        if len(values) < EXCEL_ROWS:
            values.to_excel(writer, sheet_name="replications", index=False)
        run = pd.DataFrame(
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
        run.to_excel(writer, sheet_name="run", index=False)
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


__all__ = ["export_csv", "export_excel", "summary_table"]
