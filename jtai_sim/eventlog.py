"""The event log: one row per thing that happened to a child, stored in columns.

Rows are packed records of seven columns, 22 bytes a row:

============  =========  ====================================================
column        type       meaning
============  =========  ====================================================
``time``      float64    clock day (fractional) the event happened
``child``     int32      child id (ids are never reused)
``agency``    int16      agency code (index in ``agencies``), -1 for none
``kind``      int8       :class:`EventKind`
``other``     int16      the other agency of a hand-off or arrival, else -1
``detail``    int8       kind-specific code (see :class:`EventKind`)
``value``     float32    kind-specific number (see :class:`EventKind`)
============  =========  ====================================================

Metrics, findings and exports read the log; nothing else keeps counts.

>>> log = EventLog(agencies=("a", "b"))
>>> log.add(0.5, 1, 0, EventKind.ARRIVE, -1, 0, 0.0)
>>> len(log), log.nbytes
(1, 22)
>>> log.to_pandas()[["time", "child", "agency", "kind"]].to_dict("records")
[{'time': 0.5, 'child': 1, 'agency': 'a', 'kind': 'arrive'}]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from jtai_sim.calendar import WorkingCalendar


class EventKind(enum.IntEnum):
    """What happened. ``detail`` and ``value`` are described per kind."""

    #: child created (first came to notice); detail = demand stream index, value = age
    CHILD = 0
    #: referral received at ``agency`` from ``other`` (-1: new demand, -2: crisis,
    #: -3: coming back after closure, -4: already waiting when the run started);
    #: detail = 1 if urgent; value = 1 if a re-referral
    ARRIVE = 1
    #: joined the waiting list; detail = 1 if urgent; value = queue length ahead
    WAIT = 2
    #: service started; value = wait in days (clock)
    START = 3
    #: service ended; value = service length in days (clock)
    END = 4
    #: left the partnership from ``agency``; detail = 1 if supported at some point;
    #: value = 1 if taken off the waiting list unseen, 2 if dropped from the list
    #: because help started there through another referral (no END row precedes either)
    EXIT = 5
    #: hand-off sent from ``agency`` to ``other``; detail = :class:`Completeness`,
    #: value = information delay in days
    HANDOFF = 6
    #: information received at ``agency`` from ``other``; detail = Completeness,
    #: value = 1 if late
    INFO = 7
    #: mental health worsened; detail = new state (0 none, 1 early signs, 2 ill)
    DETERIORATE = 8
    #: crisis episode while waiting at ``agency``
    CRISIS = 9
    #: mental-health need recognised at ``agency``
    IDENTIFY = 10
    #: mental health improved after support; detail = new state
    IMPROVE = 11
    #: plan review held at ``agency``; value = days late (0 if on time)
    REVIEW = 12
    #: legal status changed; detail = status code (index in LEGAL_STATUSES)
    STATUS = 13
    #: notification (information only) sent from ``agency`` to ``other``;
    #: detail = Completeness, value = delay
    NOTIFY = 14
    #: parallel referral: ``other`` takes the child on while ``agency`` keeps them;
    #: detail = Completeness, value = delay
    FORK = 15


class Completeness(enum.IntEnum):
    """How the information on a hand-off arrived."""

    COMPLETE = 0
    PARTIAL = 1
    LOST = 2
    NOT_RECORDED = 3


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
                    dtype=pd.CategoricalDtype([k.name.lower() for k in EventKind]),
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
