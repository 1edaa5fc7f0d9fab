"""The result store: one DuckDB file per experiment folder, written one run at a time.

Layout of ``FOLDER/results.duckdb``:

* ``experiment`` (key, value): the experiment as run (JSON), the latest definition;
* ``variants``: name, position, label, scenario hash and overrides of each variant;
* ``scenarios``: each resolved scenario (canonical JSON) by its hash;
* ``runs``: one row per finished replication: run key, scenario hash, root seed,
  replication, jtai-sim version, sizes, the seconds it took, and ``finished``;
* ``metrics`` (run key, metric, value) and ``waits`` (run key, agency, quantile, days).

Event logs, when kept, are Parquet files in ``FOLDER/events/`` named by run key.

A run is written in one transaction, with its ``runs`` row last, and only
finished runs are ever read; so a sweep killed at any moment, run again, keeps
every run that finished and redoes only the rest. A run's key covers the
scenario, seed, replication and version, so nothing is counted twice and a new
version never mixes with old results. One process writes at a time (DuckDB
holds a lock on the file; a second writer is told so in one line). DuckDB is
imported when a store is first opened.

Whatever stops the store being used (a file that is not a DuckDB database, or
is one of other tables; a folder that cannot be written; the file locked by
another process; a full disk) is one :class:`~jtai_sim.errors.ExperimentError`
naming the file, and a run being written when it happens is rolled back.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
...     store.finished_keys()
set()
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from jtai_sim.errors import ExperimentError

from .replicate import QUANTILES, ReplicationResult

FILE = "results.duckdb"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS variants (
    name VARCHAR PRIMARY KEY, position INTEGER, label VARCHAR, scenario_hash VARCHAR,
    overrides VARCHAR);
CREATE TABLE IF NOT EXISTS scenarios (scenario_hash VARCHAR PRIMARY KEY, scenario VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_key VARCHAR PRIMARY KEY, scenario_hash VARCHAR, seed BIGINT, replication INTEGER,
    version VARCHAR, children BIGINT, events BIGINT, events_file VARCHAR, seconds DOUBLE,
    finished BOOLEAN);
CREATE TABLE IF NOT EXISTS metrics (run_key VARCHAR, metric VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS waits (run_key VARCHAR, agency VARCHAR, quantile DOUBLE, days DOUBLE);
"""

_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"

#: Each table's columns, as :data:`_SCHEMA` makes them (checked when a store is opened).
_COLUMNS = {
    table: tuple(
        part.split()[0] for part in body.split(",") if part.split()[0].upper() != "PRIMARY"
    )
    for table, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \(([^;]*)\);", _SCHEMA)
}


class Store:
    """An experiment folder's result store (a context manager; closes the file on exit)."""

    def __init__(self, folder: str | Path, *, create: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / FILE
        if not create and not self.path.exists():
            raise ExperimentError("no results here (expected results.duckdb)", file=str(folder))
        import duckdb

        try:
            if create:
                self.folder.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=not create)
        except (duckdb.Error, OSError) as exc:
            raise self._failure("cannot open the result store", exc) from None
        try:
            tables = {r[0] for r in self.con.execute(_TABLES).fetchall()}
            if tables and not set(_COLUMNS) <= tables:  # a database of something else
                raise duckdb.CatalogException("other tables")
            if create and not tables:
                self.con.execute(_SCHEMA)
            for table, columns in _COLUMNS.items():  # table and column names from _SCHEMA
                self.con.execute(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0")
        except duckdb.Error as exc:
            self.con.close()
            if isinstance(exc, duckdb.CatalogException | duckdb.BinderException):
                raise ExperimentError(
                    "is a DuckDB database but not a jtai-sim result store (its tables differ); "
                    "choose another folder",
                    file=str(self.path),
                ) from None
            raise self._failure("cannot open the result store", exc) from None

    def _failure(self, doing: str, exc: BaseException, file: Path | None = None) -> ExperimentError:
        """One line naming the file (the store's unless ``file``) for a failure of DuckDB
        or of the file system."""
        text = str(exc).split("\n")[0] or type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            text = exc.strerror
        reason = "in use by another jtai-sim process" if "lock" in text.lower() else text
        return ExperimentError(f"{doing}: {reason}", file=str(file or self.path))

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[Any]:
        """A transaction on the store: committed at the end, rolled back on any error; a
        failure of DuckDB or of the file system becomes one line naming the file."""
        import duckdb

        con = self.con
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
        except (duckdb.IOException, duckdb.PermissionException, OSError) as exc:
            raise self._failure(doing, exc) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self.con.close()

    # ------------------------------------------------------------------ writing

    def clear(self) -> None:
        """Remove every experiment, variant, scenario and run (to start a folder afresh)."""
        with self._transaction("cannot clear the result store") as con:
            for table in ("waits", "metrics", "runs", "scenarios", "variants", "experiment"):
                con.execute(f"DELETE FROM {table}")  # table names from this list only

    def base_hash(self) -> str | None:
        """The scenario hash of the stored experiment's base (``None`` for an empty store)."""
        row = self.con.execute(
            "SELECT scenario_hash FROM variants ORDER BY position LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def save_definition(
        self,
        definition: Mapping[str, Any],
        variants: Iterable[tuple[str, str, str, list[str]]],
        scenarios: Mapping[str, str],
    ) -> None:
        """Record the experiment, its variants ``(name, label, hash, overrides)`` and scenarios."""
        with self._transaction("cannot write to the result store") as con:
            con.execute("DELETE FROM experiment")
            for key, value in definition.items():
                con.execute("INSERT INTO experiment VALUES (?, ?)", [key, json.dumps(value)])
            con.execute("DELETE FROM variants")
            for position, (name, label, digest, overrides) in enumerate(variants):
                con.execute(
                    "INSERT INTO variants VALUES (?, ?, ?, ?, ?)",
                    [name, position, label, digest, json.dumps(overrides)],
                )
            for digest, text in scenarios.items():
                con.execute(
                    "INSERT INTO scenarios SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM scenarios WHERE scenario_hash = ?)",
                    [digest, text, digest],
                )

    def set_meta(self, key: str, value: Any) -> None:
        """Set one entry of the experiment definition."""
        with self._transaction("cannot write to the result store") as con:
            con.execute("INSERT OR REPLACE INTO experiment VALUES (?, ?)", [key, json.dumps(value)])

    def save_run(self, result: ReplicationResult) -> None:
        """Write one finished replication in a single transaction, its ``runs`` row last."""
        events_file = None
        if result.event_log is not None:
            events_file = f"events/{result.run_key}.parquet"
            try:
                (self.folder / "events").mkdir(exist_ok=True)
                partial = self.folder / f"{events_file}.partial"
                partial.write_bytes(result.event_log)
                os.replace(partial, self.folder / events_file)
            except OSError as exc:
                where = Path(exc.filename) if exc.filename else self.folder / "events"
                raise self._failure("cannot write an event log", exc, where) from None
        metrics = pd.DataFrame(
            {
                "run_key": result.run_key,
                "metric": list(result.metrics),
                "value": list(result.metrics.values()),
            }
        )
        rows = [
            (a, q, d) for a, ds in result.waits.items() for q, d in zip(QUANTILES, ds, strict=True)
        ]
        waits = pd.DataFrame(rows, columns=["agency", "quantile", "days"])
        waits.insert(0, "run_key", result.run_key)
        with self._transaction("cannot write to the result store") as con:
            con.execute("DELETE FROM metrics WHERE run_key = ?", [result.run_key])
            con.execute("DELETE FROM waits WHERE run_key = ?", [result.run_key])
            con.execute("DELETE FROM runs WHERE run_key = ?", [result.run_key])
            con.register("new_metrics", metrics)
            con.execute("INSERT INTO metrics SELECT run_key, metric, value FROM new_metrics")
            con.unregister("new_metrics")
            con.register("new_waits", waits)
            con.execute("INSERT INTO waits SELECT run_key, agency, quantile, days FROM new_waits")
            con.unregister("new_waits")
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE)",
                [
                    result.run_key,
                    result.scenario_hash,
                    result.seed,
                    result.replication,
                    result.version,
                    result.children,
                    result.events,
                    events_file,
                    result.seconds,
                ],
            )

    # ------------------------------------------------------------------ reading

    def finished_keys(self) -> set[str]:
        """Keys of every finished run."""
        rows = self.con.execute("SELECT run_key FROM runs WHERE finished").fetchall()
        return {r[0] for r in rows}

    def definition(self) -> dict[str, Any]:
        """The experiment definition as saved."""
        rows = self.con.execute("SELECT key, value FROM experiment").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def variants(self) -> pd.DataFrame:
        """Variants in order: name, label, scenario_hash, overrides (list of texts)."""
        frame = self.con.execute(
            "SELECT name, label, scenario_hash, overrides FROM variants ORDER BY position"
        ).df()
        frame["overrides"] = [json.loads(o) for o in frame["overrides"]]
        return frame

    def scenario_text(self, digest: str) -> str:
        """The canonical JSON of the scenario with hash ``digest``."""
        row = self.con.execute(
            "SELECT scenario FROM scenarios WHERE scenario_hash = ?", [digest]
        ).fetchone()
        if row is None:
            raise ExperimentError(f"scenario {digest[:12]} is missing", file=str(self.path))
        return str(row[0])

    def runs(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Finished runs (all, or those with the given keys)."""
        frame = self.con.execute(
            "SELECT * EXCLUDE (finished) FROM runs WHERE finished ORDER BY scenario_hash, seed, "
            "replication"
        ).df()
        if keys is not None:
            frame = frame[frame["run_key"].isin(set(keys))]
        return frame.reset_index(drop=True)

    def metrics(self, keys: Iterable[str]) -> pd.DataFrame:
        """Metrics (run_key, metric, value) of finished runs among ``keys``."""
        wanted = pd.DataFrame({"run_key": sorted(set(keys))})
        self.con.register("wanted_keys", wanted)
        try:
            return self.con.execute(
                "SELECT m.run_key, m.metric, m.value FROM metrics m "
                "JOIN runs r USING (run_key) JOIN wanted_keys w USING (run_key) "
                "WHERE r.finished ORDER BY m.run_key, m.metric"
            ).df()
        finally:
            self.con.unregister("wanted_keys")

    def waits(self, keys: Iterable[str]) -> pd.DataFrame:
        """Wait quantiles (run_key, agency, quantile, days) of finished runs among ``keys``."""
        wanted = pd.DataFrame({"run_key": sorted(set(keys))})
        self.con.register("wanted_keys", wanted)
        try:
            return self.con.execute(
                "SELECT w.run_key, w.agency, w.quantile, w.days FROM waits w "
                "JOIN runs r USING (run_key) JOIN wanted_keys k USING (run_key) "
                "WHERE r.finished ORDER BY w.run_key, w.agency, w.quantile"
            ).df()
        finally:
            self.con.unregister("wanted_keys")


__all__ = ["FILE", "Store"]
