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

>>> from jtai_sim.vocabulary import EventKind
>>> log = EventLog(agencies=("a", "b"))
>>> log.add(0.5, 1, 0, EventKind.ARRIVE, -1, 0, 0.0)
>>> len(log), log.nbytes
(1, 22)
>>> log.to_pandas()[["time", "child", "agency", "kind"]].to_dict("records")
[{'time': 0.5, 'child': 1, 'agency': 'a', 'kind': 'arrive'}]
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from itertools import starmap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jtai_sim.cells import text_cells
from jtai_sim.vocabulary import KIND_KEYS, ORIGIN_KEYS, arrival_origins

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
#: Columns written as categories (and dictionary-encoded in Parquet).
_DICTIONARY = ("agency", "kind", "other", "origin")
Row = tuple[float, int, int, int, int, int, float]

# A row as ``struct`` packs it: the same bytes as ROW (native order, no padding).
# Packing tuples with it is about half the cost of ``np.fromiter`` with ROW.
_ROW_STRUCT = struct.Struct(
    "=" + "".join({"f8": "d", "i4": "i", "i2": "h", "i1": "b", "f4": "f"}[t] for _, t in _COLUMNS)
)
assert _ROW_STRUCT.size == ROW.itemsize


def pack_into(buffer: bytearray, rows: Sequence[Row]) -> None:
    """Append ``rows`` to ``buffer`` as records: the bytes of ``np.fromiter(rows, dtype=ROW)``.

    >>> buffer = bytearray()
    >>> pack_into(buffer, [(0.5, 1, 0, 1, -1, 0, 2.5)])
    >>> np.frombuffer(buffer, dtype=ROW).tolist()
    [(0.5, 1, 0, 1, -1, 0, 2.5)]
    """
    buffer += b"".join(starmap(_ROW_STRUCT.pack, rows))


class EventLog:
    """An append-only columnar log of events for one replication.

    Rows are appended as tuples to ``rows`` (the engine holds ``rows.append``)
    and packed into 22-byte records by :meth:`flush`, which the engine calls
    every simulated week and whenever a few thousand rows are waiting, so
    memory stays at 22 bytes a row plus those tuples.
    """

    def __init__(self, agencies: Sequence[str], *, enabled: bool = True) -> None:
        self.agencies = tuple(agencies)
        self.enabled = enabled
        self.rows: list[Row] = []
        # the packed rows: one buffer, grown in place as rows are flushed, so there is
        # nothing to join at the end (a second one starts only if rows come after
        # records() has lent the first out, as a lent buffer cannot grow)
        self._chunks: list[bytearray] = []
        self._packed: np.ndarray | None = None  # the records, a view of the one buffer
        self.append: Callable[[Row], None] = self.rows.append if enabled else _ignore

    def add(
        self, time: float, child: int, agency: int, kind: int, other: int, detail: int, value: float
    ) -> None:
        """Append one event."""
        self.append((time, child, agency, kind, other, detail, value))

    def flush(self) -> None:
        """Pack the pending tuple rows into records."""
        if self.rows:
            if self._packed is not None or not self._chunks:
                self._chunks.append(bytearray())
                self._packed = None
            pack_into(self._chunks[-1], self.rows)
            self.rows.clear()

    def records(self) -> np.ndarray:
        """All rows as one structured array (22 bytes a row), a view of the log's buffer.

        >>> from jtai_sim.vocabulary import EventKind
        >>> log = EventLog(agencies=("a",))
        >>> log.add(0.5, 1, 0, EventKind.ARRIVE, -1, 0, 0.0)
        >>> first = log.records()
        >>> log.add(1.5, 1, 0, EventKind.START, -1, 0, 1.0)
        >>> len(first), len(log.records()), log.records()["time"].tolist()
        (1, 2, [0.5, 1.5])
        """
        self.flush()
        if self._packed is None:
            if len(self._chunks) > 1:
                self._chunks = [bytearray().join(self._chunks)]
            self._packed = np.frombuffer(self._chunks[0] if self._chunks else b"", dtype=ROW)
        return self._packed

    def __len__(self) -> int:
        packed = sum(memoryview(c).nbytes for c in self._chunks)
        return packed // ROW.itemsize + len(self.rows)

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
                    dtype=pd.CategoricalDtype(list(KIND_KEYS)),
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

    def written(self, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
        """The table the log's files hold: :meth:`to_pandas` and an ``origin`` column, where
        each arrival came from (a key of :data:`~jtai_sim.vocabulary.ORIGIN_KEYS`, ``""``
        for other rows), as ``other`` names only a referring agency.

        >>> from jtai_sim.vocabulary import EventKind, Origin
        >>> log = EventLog(agencies=("a",))
        >>> log.add(0.5, 1, 0, EventKind.ARRIVE, int(Origin.RETURN), 0, 1.0)
        >>> log.written()["origin"].tolist()
        ['return']
        """
        import pandas as pd

        frame = self.to_pandas(calendar)
        rec = self.records()
        codes = arrival_origins(rec["kind"], rec["other"])
        frame["origin"] = pd.Categorical.from_codes(codes, categories=pd.Index(list(ORIGIN_KEYS)))
        return frame

    def to_csv(self, path: str | Path, calendar: WorkingCalendar | None = None) -> Path:
        """Write the log as CSV (:meth:`written`)."""
        frame = text_cells(self.written(calendar))
        path = Path(path)
        frame.to_csv(path, index=False, float_format="%.9g", lineterminator="\n")
        return path

    def to_parquet(self, path: str | Path, calendar: WorkingCalendar | None = None) -> Path:
        """Write the log as Parquet (zstd; :meth:`written`).

        Only the category columns (agency, kind, other) are dictionary-encoded: times,
        children and values are nearly all distinct, so a dictionary for them costs
        CPU and makes the file larger (a third larger, a third slower for Midshire).
        The table read back is the same either way.
        """
        path = Path(path)
        self.written(calendar).to_parquet(
            path, index=False, compression="zstd", use_dictionary=list(_DICTIONARY)
        )
        return path


def _ignore(*_: object) -> None:
    return None
