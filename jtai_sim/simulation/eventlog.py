"""The event log: one row per thing that happened to a child, stored in columns.

Rows are packed records of seven columns, 22 bytes a row:

============  =========  ====================================================
column        type       meaning
============  =========  ====================================================
``time``      float64    clock day (fractional) the event happened
``child``     int32      child id (ids are never reused)
``agency``    int16      agency code (index in ``agencies``), -1 for none
``kind``      int8       :class:`~jtai_sim.vocabulary.EventKind`
``other``     int16      the other agency of a hand-off or arrival (an arrival's
                         ``Origin`` when below zero), else -1
``detail``    int8       kind-specific code (see ``EventKind``)
``value``     float32    kind-specific number (see ``EventKind``)
============  =========  ====================================================

Metrics, findings and exports read the log; nothing else keeps counts. What
each code means is owned by :mod:`jtai_sim.vocabulary`.

>>> log = EventLog(agencies=("a", "b"))
>>> log.add(0.5, 1, 0, EventKind.ARRIVE, -1, 0, 0.0)
>>> len(log), log.nbytes
(1, 22)
>>> log.to_pandas()[["time", "child", "agency", "kind"]].to_dict("records")
[{'time': 0.5, 'child': 1, 'agency': 'a', 'kind': 'arrive'}]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jtai_sim.vocabulary import EventKind

if TYPE_CHECKING:
    import pandas as pd

    from jtai_sim.calendar import WorkingCalendar


_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "f8"),
    ("child", "i4"),
    ("agency", "i2"),
    ("kind", "i1"),
    ("other", "i2"),
    ("detail", "i1"),
    ("value", "f4"),
)
ROW = np.dtype(list(_COLUMNS))
Row = tuple[float, int, int, int, int, int, float]


class EventLog:
    """An append-only columnar log of events for one replication.

    Rows are appended as tuples to ``rows`` (the engine holds ``rows.append``)
    and packed into 22-byte records by :meth:`flush`, which the engine calls
    every simulated week, so memory stays at 22 bytes a row plus one week's
    tuples.
    """

    def __init__(self, agencies: Sequence[str], *, enabled: bool = True) -> None:
        self.agencies = tuple(agencies)
        self.enabled = enabled
        self.rows: list[Row] = []
        self._chunks: list[np.ndarray] = []
        self._packed: np.ndarray | None = None
        self.append: Callable[[Row], None] = self.rows.append if enabled else _ignore

    def add(
        self, time: float, child: int, agency: int, kind: int, other: int, detail: int, value: float
    ) -> None:
        """Append one event."""
        self.append((time, child, agency, kind, other, detail, value))

    def flush(self) -> None:
        """Pack the pending tuple rows into records."""
        if self.rows:
            self._chunks.append(np.fromiter(self.rows, dtype=ROW, count=len(self.rows)))
            self.rows.clear()
            self._packed = None

    def records(self) -> np.ndarray:
        """All rows as one structured array (22 bytes a row)."""
        self.flush()
        if self._packed is None:
            self._packed = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=ROW)
            self._chunks = [self._packed] if len(self._packed) else []
        return self._packed

    def __len__(self) -> int:
        return sum(len(c) for c in self._chunks) + len(self.rows)

    @property
    def nbytes(self) -> int:
        """Bytes used by the stored rows once packed."""
        return len(self) * ROW.itemsize

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns as numpy arrays (views of the packed records)."""
        rec = self.records()
        return {name: rec[name] for name, _ in _COLUMNS}

    def to_pandas(self, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
        """A tidy table: one row per event, agency and kind as categories.

        With a ``calendar``, a ``date`` column is added.
        """
        import pandas as pd

        cols = self.arrays()
        names = list(self.agencies)
        agency_cat = pd.CategoricalDtype(names)
        frame = pd.DataFrame(
            {
                "time": cols["time"],
                "child": cols["child"].astype(np.int64),
                "agency": pd.Categorical.from_codes(
                    np.where(cols["agency"] >= 0, cols["agency"], -1), dtype=agency_cat
                ),
                "kind": pd.Categorical.from_codes(
                    cols["kind"].astype(np.int16),
                    dtype=pd.CategoricalDtype([k.key for k in EventKind]),
                ),
                "other": pd.Categorical.from_codes(
                    np.where(cols["other"] >= 0, cols["other"], -1), dtype=agency_cat
                ),
                "detail": cols["detail"].astype(np.int16),
                "value": cols["value"].astype(np.float64),
            }
        )
        if calendar is not None:
            frame.insert(1, "date", calendar.dates_of(cols["time"]))
        return frame

    def to_csv(self, path: str | Path, calendar: WorkingCalendar | None = None) -> Path:
        """Write the log as CSV."""
        frame = self.to_pandas(calendar)
        path = Path(path)
        frame.to_csv(path, index=False, float_format="%.9g", lineterminator="\n")
        return path

    def to_parquet(self, path: str | Path, calendar: WorkingCalendar | None = None) -> Path:
        """Write the log as Parquet (zstd)."""
        path = Path(path)
        self.to_pandas(calendar).to_parquet(path, index=False, compression="zstd")
        return path


def _ignore(*_: object) -> None:
    return None
