"""One loader for the area's own records: whatever a folder holds, one case book.

:func:`load_records` looks at a folder (or one file) and reads every format it
recognises, each by its own reader:

* a **folder written by** ``jtai-sim run`` (it holds ``run.json``; :data:`ALONE`), read
  as the records the simulated area left: the Annex A lists, SSDA903 return and CAMHS
  extract it exported (``--export``), side by side as below as if they sat in one
  folder; or, when it exported none, its event log and ``children.csv`` without what
  only the simulation knows (:mod:`jtai_sim.records.run_folder`);
* a **case list** in the event layout (``children.csv`` and ``events.csv``,
  ``scenarios/cases/README.md``), a whole case book on its own, read alone;
* **SSDA903** header and episodes files, a **CAMHS referral extract** and the
  **Annex A lists**, which may sit side by side in one folder: their children are
  matched by the child's id across files (the local authority's id, as the lists
  and returns share it) and their events put together in one case book.

Where two formats hold the same fact, the one that holds it in more detail is
kept: the SSDA903 episodes over Annex A's List 8 for periods of care, a CAMHS
extract over anything else for CAMHS. A child whose date of birth differs between
formats is a mistake naming both files.

Child ids never reach an output unpseudonymised unless asked: with
``pseudonymise`` (the default) each child's ``reference`` and ``label`` become a
keyed pseudonym (:mod:`jtai_sim.records.pseudonym`), and the id as recorded is kept
only in memory, in the ``source_reference`` column, for a facilitator who needs
to find the child's file. The key is ``key`` when given, or else one made from the
bytes of the files read, so the same files give the same pseudonyms on every run.

>>> book = load_records("scenarios/cases")
>>> book.source, book.children["reference"].iat[0] != book.children["source_reference"].iat[0]
('case list', True)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pandas as pd
from attrs import frozen

from jtai_sim.errors import CaseListError, RecordsError
from jtai_sim.inspection.cases_csv import assemble_casebook, load_case_list
from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.records import annex_a, camhs_extract, run_folder, ssda903
from jtai_sim.records.codes import NOT_RECORDED
from jtai_sim.records.pseudonym import key_from_files, pseudonyms
from jtai_sim.records.recorded import Carried, Recorded
from jtai_sim.records.statuses import implied_statuses
from jtai_sim.results.output import RUN_RECORD
from jtai_sim.vocabulary import EventKind

_KIND_KEY = {int(k): k.key for k in EventKind}


@frozen
class RecordFormat:
    """A format of records: how to find its files at a path and read them."""

    name: str
    #: the files at a path (a folder or a file) that are in this format; empty for none
    detect: Callable[[Path], list[Path]]
    #: read those files
    read: Callable[[Path, list[Path]], Recorded]
    #: the facts it holds (a later format's events of these kinds are dropped)
    carried: Carried


def _case_list_files(path: Path) -> list[Path]:
    folder = path if path.is_dir() else path.parent
    files = [folder / "children.csv", folder / "events.csv"]
    # anything there that is not a file is refused as the case list is read
    if not all(f.exists() for f in files):
        return []
    if path.is_file() and path not in files and path.name != "agencies.csv":
        return []
    agencies = folder / "agencies.csv"
    return files + ([agencies] if agencies.exists() else [])


def _annex_a_files(path: Path) -> list[Path]:
    return sorted({file for _, file, _ in annex_a.detect_annex_a(path)})


def _ssda903_files(path: Path) -> list[Path]:
    return sorted({file for _, file, _ in ssda903.detect_ssda903(path)})


#: The formats read side by side, the most detailed first (see the module doc).
SIDE_BY_SIDE: tuple[RecordFormat, ...] = (
    RecordFormat(
        "CAMHS referral extract",
        camhs_extract.detect_camhs_extract,
        lambda path, files: camhs_extract.read_camhs_extract(path),
        camhs_extract.CARRIED,
    ),
    RecordFormat(
        "SSDA903 return",
        _ssda903_files,
        lambda path, files: ssda903.read_ssda903(path),
        ssda903.CARRIED,
    ),
    RecordFormat(
        "Annex A lists",
        _annex_a_files,
        lambda path, files: annex_a.read_annex_a(path),
        annex_a.CARRIED,
    ),
)


@frozen
class WholeFormat:
    """Records that are a whole case book on their own and are read alone."""

    name: str
    #: the files at a path that make it one, empty for none
    detect: Callable[[Path], list[Path]]
    #: the case book, and the files read (the pseudonyms' key is made from them)
    read: Callable[[Path, list[Path]], tuple[CaseBook, list[Path]]]


def _run_folder_files(path: Path) -> list[Path]:
    # a file in a result folder (its run.json, its events.csv) stands for the folder
    folder = path if path.is_dir() else path.parent
    return [folder / RUN_RECORD] if run_folder.is_run_folder(folder) else []


def _read_run_folder(path: Path, files: list[Path]) -> tuple[CaseBook, list[Path]]:
    """A result folder's records (``--export``) side by side, else its event log."""
    folder = files[0].parent
    found = run_folder.record_folders(folder)
    if found:
        return _side_by_side(found, name=folder.name)
    return run_folder.read_run_log(folder)


def _read_case_list(path: Path, files: list[Path]) -> tuple[CaseBook, list[Path]]:
    return load_case_list(path), files


#: The formats read alone, in the order they are looked for: a result folder first, as
#: one written with ``--events-csv`` also holds a children.csv and an events.csv.
ALONE: tuple[WholeFormat, ...] = (
    WholeFormat("folder written by jtai-sim run", _run_folder_files, _read_run_folder),
    WholeFormat("case list", _case_list_files, _read_case_list),
)


def load_records(
    path: str | Path, *, pseudonymise: bool = True, key: str | None = None
) -> CaseBook:
    """The case book of the records at ``path``: a folder (or a file in it) of records in
    the formats of :data:`ALONE` or :data:`SIDE_BY_SIDE`, or a folder written by
    ``jtai-sim run`` (see the module doc). Child ids are pseudonymised unless
    ``pseudonymise`` is false, with ``key`` or else a key made from the files read; a
    mistake in any file raises a :class:`~jtai_sim.errors.CaseListError` naming it."""
    path = Path(path)
    if not path.exists():
        raise CaseListError("no such folder or file", file=str(path))
    for whole in ALONE:
        files = whole.detect(path)
        if files:
            book, read = whole.read(path, files)
            return _pseudonymised(book, read, key) if pseudonymise else book
    book, read = _side_by_side([path], name=path.name if path.is_dir() else path.stem)
    return _pseudonymised(book, read, key) if pseudonymise else book


def _side_by_side(folders: list[Path], *, name: str) -> tuple[CaseBook, list[Path]]:
    """The records of every format in :data:`SIDE_BY_SIDE` found at ``folders`` (each a
    folder or a file), put together as if they were in one folder; and the files read."""
    found = [
        (fmt, at, files) for fmt in SIDE_BY_SIDE for at in folders if (files := fmt.detect(at))
    ]
    if not found:
        names = ", ".join(f.name for f in SIDE_BY_SIDE)
        raise CaseListError(
            "holds no records jtai-sim reads (a case list: children.csv and events.csv; "
            f"a folder written by jtai-sim run; or {names})",
            file=str(folders[0]) if len(folders) == 1 else str(folders[0].parent),
        )
    lines: list[str] = []
    parts: list[tuple[RecordFormat, Recorded]] = []
    for fmt, at, files in found:
        try:
            parts.append((fmt, fmt.read(at, files)))
        except RecordsError as err:
            lines.extend(err.lines)
    if lines:
        raise RecordsError(tuple(lines))
    book = _merged(parts, name=name)
    return book, sorted({f for _, _, files in found for f in files})


def _merged(parts: list[tuple[RecordFormat, Recorded]], *, name: str) -> CaseBook:
    """One case book from the records of several formats."""
    held: set[tuple[str, str]] = set()
    children: list[pd.DataFrame] = []
    events: list[pd.DataFrame] = []
    agencies: dict[str, AgencyInfo] = {}
    for fmt, rec in parts:
        ev = rec.events
        kinds = {k: a.kind for k, a in rec.agencies.items()}
        pair = ev["agency_key"].map(kinds) + ":" + ev["kind"].map(_KIND_KEY)
        keep = ~pair.isin([f"{a}:{k}" for a, k in held]).to_numpy()
        events.append(ev[keep])
        held |= set(fmt.carried.events)
        children.append(rec.children.assign(_format=fmt.name))
        agencies |= rec.agencies
    raw = pd.concat(events, ignore_index=True)
    if not (raw["kind"] == int(EventKind.STATUS)).any():
        kinds = {k: a.kind for k, a in agencies.items()}
        raw = pd.concat([raw, implied_statuses(raw, kinds)], ignore_index=True)
    kids = pd.concat(children, ignore_index=True)
    _check_same_births(kids)
    kids = _one_row_per_child(kids)
    until = [rec.covers_until for _, rec in parts if rec.covers_until is not None]
    return assemble_casebook(
        kids,
        raw,
        agencies,
        name=name,
        source=", ".join(fmt.name for fmt, _ in parts),
        covers_until=max(until) if until else None,
    )


def _one_row_per_child(kids: pd.DataFrame) -> pd.DataFrame:
    """One row per child from every format's: each fact from the first format that
    records it (in :data:`SIDE_BY_SIDE` order), a disability if any format records one."""
    known = kids.assign(ethnicity=kids["ethnicity"].where(kids["ethnicity"] != NOT_RECORDED))
    merged = known.groupby("reference", sort=False).agg(
        {c: ("max" if c == "disability" else "first") for c in known.columns if c != "reference"}
    )
    merged["ethnicity"] = merged["ethnicity"].fillna(NOT_RECORDED)
    return merged.reset_index().drop(columns=["_format"])


def _check_same_births(kids: pd.DataFrame) -> None:
    """Raise for a child whose date of birth differs between formats."""
    known = kids[kids["dob"].notna()]
    first = known.groupby("reference")[["dob", "_format"]].transform("first")
    differ = known["dob"] != first["dob"]
    if differ.any():
        raise RecordsError(
            tuple(
                f"child {r!r}: the date of birth {d:%d/%m/%Y} in the {f} differs from "
                f"{d0:%d/%m/%Y} in the {f0}"
                for r, d, f, d0, f0 in zip(
                    known["reference"][differ],
                    known["dob"][differ],
                    known["_format"][differ],
                    first["dob"][differ],
                    first["_format"][differ],
                    strict=True,
                )
            )[:50]
        )


def _pseudonymised(book: CaseBook, files: list[Path], key: str | None) -> CaseBook:
    """``book`` with each child's id and label replaced by a keyed pseudonym."""
    secret = key.encode("utf-8") if key is not None else key_from_files(files)
    kids = book.children.copy()
    real = kids["reference"].astype(str)
    fake = pseudonyms(real.tolist(), key=secret)
    kids["source_reference"] = real
    kids["reference"] = fake
    kids["label"] = fake
    return attrs.evolve(book, children=kids)


__all__ = ["ALONE", "SIDE_BY_SIDE", "RecordFormat", "WholeFormat", "load_records"]
