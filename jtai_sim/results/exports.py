"""A run's event log in the formats process-mining tools read: OCEL 2.0 and XES.

* :func:`export_ocel` writes an object-centric event log in the OCEL 2.0 JSON format
  (van der Aalst et al., *OCEL 2.0 Specification*, 2023): object types ``child``,
  ``agency`` and ``referral``; one event per log row, typed by its
  :class:`~jtai_sim.vocabulary.EventKind` key;
* :func:`export_xes` writes an IEEE 1849-2016 XES log: one trace per child, one event
  per log row.

The mapping (the README's "Event-log exports" section says it in a table):

* **timestamps** are real dates from the run's calendar (its ``start_date`` plus the
  clock time, to the second). The simulation has no time zone; times are written
  as UTC.
* **children** are the simulation's own ids (``child:17``); their attributes come from
  the child register (age, sex, the yes/no flags, ethnicity, household, demand stream)
  as they were on coming to notice.
* **referrals** are the hand-off rows (``handoff``: a referral, ``fork``: a parallel
  referral, ``notify``: information only), one object each, with the pathway, the mode,
  the completeness and the information delay; the ``arrive`` row the referral
  brought relates to it (the earliest unmatched referral of that child from that
  agency to that one).
* **attributes of an event** are its ``detail`` and ``value`` columns decoded as the
  vocabulary says (an arrival's ``urgent`` and ``re_referral``, a start's
  ``wait_days``, an exit's ``reason``...).
* In XES, ``concept:name`` is the event kind, except that a service's start and end
  are one activity, ``service``, with ``lifecycle:transition`` ``start`` and
  ``complete`` (every other event is ``complete``); ``org:resource`` is the agency.
  A trace is a child, not a journey: the log has no journey id, and a child's
  several referrals (a hand-off on, a parallel referral, a return) are one history.

Both are streamed in blocks of rows, so a Midshire run of a million rows never sits in
memory as Python objects, and written atomically
(:func:`jtai_sim.atomic.atomic_file`): a failure leaves no half-written file.
Child-level data stays where the user asked for it to be written.

>>> import json, tempfile
>>> from pathlib import Path
>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=30)
>>> with tempfile.TemporaryDirectory() as tmp:
...     ocel = json.loads(export_ocel(run, Path(tmp) / "log.json").read_text())
...     xes = export_xes(run, Path(tmp) / "log.xes").read_text()
>>> len(ocel["events"]) == len(run.log), sorted(t["name"] for t in ocel["objectTypes"])
(True, ['agency', 'child', 'referral'])
>>> xes.count("<event>") == len(run.log)
True
"""

from __future__ import annotations

import json
import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import numpy as np

from jtai_sim.atomic import atomic_file, atomic_path
from jtai_sim.vocabulary import (
    CHILD_FLAGS,
    HOUSEHOLD_FLAGS,
    KIND_KEYS,
    LEGAL_STATUSES,
    MODE_OF_KIND,
    Completeness,
    EventKind,
    ExitReason,
    HeldIn,
    MentalHealth,
    Origin,
    PartnerCode,
    pathway_name,
)

if TYPE_CHECKING:
    from jtai_sim.simulation.run import Run

#: Rows converted to Python objects at a time.
BLOCK = 20_000

#: The formats :func:`export` writes, and the file name each takes in a result folder.
FORMATS: dict[str, str] = {
    "ocel": "events.ocel.json",
    "sqlite": "events.ocel.sqlite",
    "xes": "events.xes",
}

# -- what an event's detail and value columns say, per kind ---------------------------
# Each is (attribute name, OCEL type, decode) or None; decode turns the column's number
# into the attribute's value (a bool, an int, a float or a str).
_Attr = tuple[str, str, Callable[[float], object]] | None


def _flag(x: float) -> bool:
    return bool(x)


def _int(x: float) -> int:
    return int(x)


def _days(x: float) -> float:
    return round(float(x), 4)


def _key(
    enum: type[Completeness | ExitReason | HeldIn | MentalHealth | PartnerCode],
) -> Callable[[float], str]:
    keys = {int(m): m.key for m in enum}
    return lambda x: keys.get(int(x), str(int(x)))


def _status(x: float) -> str:
    i = int(x)
    return LEGAL_STATUSES[i] if 0 <= i < len(LEGAL_STATUSES) else str(i)


_COMPLETENESS_KEY = _key(Completeness)
_COMPLETENESS = ("completeness", "string", _COMPLETENESS_KEY)
#: (detail, value) attributes of each event kind, as the vocabulary describes them.
EVENT_ATTRIBUTES: dict[EventKind, tuple[_Attr, _Attr]] = {
    EventKind.CHILD: (None, ("age", "integer", _int)),
    EventKind.ARRIVE: (("urgent", "boolean", _flag), ("re_referral", "boolean", _flag)),
    EventKind.WAIT: (("urgent", "boolean", _flag), ("queue_ahead", "integer", _int)),
    EventKind.START: (None, ("wait_days", "float", _days)),
    EventKind.END: (None, ("service_days", "float", _days)),
    EventKind.EXIT: (("supported", "boolean", _flag), ("reason", "string", _key(ExitReason))),
    EventKind.HANDOFF: (_COMPLETENESS, ("information_delay_days", "float", _days)),
    EventKind.INFO: (_COMPLETENESS, ("late", "boolean", _flag)),
    EventKind.DETERIORATE: (("mental_health", "string", _key(MentalHealth)), None),
    EventKind.CRISIS: (None, None),
    EventKind.IDENTIFY: (None, None),
    EventKind.IMPROVE: (("mental_health", "string", _key(MentalHealth)), None),
    EventKind.REVIEW: (None, ("days_late", "float", _days)),
    EventKind.STATUS: (("legal_status", "string", _status), None),
    EventKind.NOTIFY: (_COMPLETENESS, ("information_delay_days", "float", _days)),
    EventKind.FORK: (_COMPLETENESS, ("information_delay_days", "float", _days)),
    EventKind.ATTEND: (("partner", "string", _key(PartnerCode)), ("attended", "boolean", _flag)),
    EventKind.INTERIM: (("urgent", "boolean", _flag), ("days_on_list", "float", _days)),
    EventKind.RETRIAGE: (("escalated", "boolean", _flag), ("days_on_list", "float", _days)),
    EventKind.PLACEMENT: (
        ("out_of_area", "boolean", _flag),
        ("placement_moves", "integer", _int),
    ),
    EventKind.SIGNPOST: (("urgent", "boolean", _flag), ("days_on_list", "float", _days)),
    EventKind.HELD: (("setting", "string", _key(HeldIn)), None),
}
_BY_CODE = [EVENT_ATTRIBUTES[k] for k in EventKind]  # by kind code (codes run from 0)
_HANDOFF_KINDS = tuple(MODE_OF_KIND)  # handoff, fork, notify codes
_ARRIVE = int(EventKind.ARRIVE)

#: Attributes of a child object (from the child register), with their OCEL types.
CHILD_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("age", "integer"),
    ("sex", "string"),
    ("ethnicity", "string"),
    ("household", "string"),
    ("stream", "string"),
    ("mental_health", "string"),
    *((flag, "boolean") for flag in CHILD_FLAGS if flag != "female"),
    *((flag, "boolean") for flag in HOUSEHOLD_FLAGS),
)
AGENCY_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("label", "string"),
    ("kind", "string"),
    ("staff", "integer"),
)
REFERRAL_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("pathway", "string"),
    ("mode", "string"),
    ("completeness", "string"),
    ("information_delay_days", "float"),
)


def _stamps(run: Run, times: np.ndarray) -> list[str]:
    """ISO 8601 UTC timestamps (to the second) of clock times ``times``."""
    base = np.datetime64(run.calendar.start_date, "s")
    seconds = np.rint(np.asarray(times, dtype=np.float64) * 86_400).astype("timedelta64[s]")
    stamps: list[str] = np.datetime_as_string(base + seconds, unit="s").tolist()
    return stamps


def _child_rows(run: Run) -> Iterator[tuple[str, str, list[tuple[str, object]]]]:
    """Per child: id, arrival timestamp, attributes (name, value) in CHILD_ATTRIBUTES order."""
    frame = run.children
    columns = {c: frame[c].tolist() for c in frame.columns if c != "arrived_date"}
    stamps = _stamps(run, frame["arrived"].to_numpy())
    mh = {int(m): m.key for m in MentalHealth}
    for i, child in enumerate(columns["child"]):
        values: list[tuple[str, object]] = [
            ("age", int(columns["age"][i])),
            ("sex", "female" if columns["female"][i] else "male"),
            ("ethnicity", str(columns["ethnicity"][i])),
            ("household", f"child:{columns['household'][i]}"),
            ("stream", str(columns["stream"][i])),
            ("mental_health", mh.get(int(columns["mental_health"][i]), "none")),
        ]
        values += [(name, bool(columns[name][i])) for name, t in CHILD_ATTRIBUTES[6:]]
        yield f"child:{child}", stamps[i], values


def _blocks(run: Run) -> Iterator[tuple[int, list[str], tuple[list[int], ...], list[float]]]:
    """The log in blocks: first row index, timestamps, (child, agency, kind, other,
    detail) lists and the values."""
    rec = run.log.records()
    for start in range(0, len(rec), BLOCK):
        part = rec[start : start + BLOCK]
        ints = tuple(part[c].tolist() for c in ("child", "agency", "kind", "other", "detail"))
        yield start, _stamps(run, part["time"]), ints, part["value"].tolist()


def _decoded(kind: int, detail: int, value: float, other: int) -> list[tuple[str, object]]:
    """An event's attributes: its detail and value columns, decoded."""
    out: list[tuple[str, object]] = []
    on_detail, on_value = _BY_CODE[kind]
    if on_detail is not None:
        out.append((on_detail[0], on_detail[2](detail)))
    if on_value is not None:
        out.append((on_value[0], on_value[2](value)))
    if kind == _ARRIVE:
        out.append(("origin", Origin.of_other(other).key))
    return out


def _event_types() -> list[tuple[str, list[tuple[str, str]]]]:
    types = []
    for kind in EventKind:
        attrs = [(a[0], a[1]) for a in EVENT_ATTRIBUTES[kind] if a is not None]
        if kind == EventKind.ARRIVE:
            attrs.append(("origin", "string"))
        types.append((kind.key, attrs))
    return types


def _agencies(run: Run) -> list[tuple[str, list[tuple[str, object]]]]:
    out: list[tuple[str, list[tuple[str, object]]]] = []
    for name in run.log.agencies:
        agency = run.scenario.agencies.get(name)
        attrs: list[tuple[str, object]] = [
            ("label", (agency.label if agency else "") or name),
            ("kind", str(agency.kind) if agency else ""),
        ]
        if agency is not None and agency.staff is not None:
            attrs.append(("staff", int(agency.staff)))
        out.append((name, attrs))
    return out


# -- OCEL 2.0 JSON ---------------------------------------------------------------------
_TEXT: dict[str, str] = {}


def _j(value: object) -> str:
    """``value`` as JSON (text kept once made: the same few words recur a million times)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    text = str(value)
    found = _TEXT.get(text)
    if found is None:
        found = _TEXT[text] = json.dumps(text, ensure_ascii=False)
    return found


def _ocel_attrs(attrs: list[tuple[str, object]], time: str | None) -> str:
    at = f',"time":"{time}Z"' if time is not None else ""
    return ",".join(f'{{"name":"{n}","value":{_j(v)}{at}}}' for n, v in attrs)


def _ocel_types(types: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return ",".join(
        f'{{"name":{_j(name)},"attributes":['
        + ",".join(f'{{"name":{_j(a)},"type":"{t}"}}' for a, t in attrs)
        + "]}"
        for name, attrs in types
    )


Rel = tuple[str, str]  # (object id, qualifier)
_EPOCH = "1970-01-01T00:00:00"  # OCEL 2.0: an attribute's value from the start


def _object_types() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        ("child", list(CHILD_ATTRIBUTES)),
        ("agency", list(AGENCY_ATTRIBUTES)),
        ("referral", list(REFERRAL_ATTRIBUTES)),
    ]


def ocel_objects(run: Run) -> Iterator[tuple[str, str, str, list[tuple[str, object]], list[Rel]]]:
    """The OCEL objects: (id, type, time of the attributes, attributes, relationships)."""
    names = run.log.agencies
    for name, attrs in _agencies(run):
        yield f"agency:{name}", "agency", _EPOCH, attrs, []
    known: set[int] = set(run.children["child"].tolist())
    for oid, stamp, attrs in _child_rows(run):
        household = str(attrs[3][1])
        same = household != oid and int(household[6:]) in known
        yield oid, "child", stamp, attrs, [(household, "household of")] if same else []
    for start, stamps, (child, agency, kind, other, detail), value in _blocks(run):
        for i, k in enumerate(kind):
            if k not in _HANDOFF_KINDS:
                continue
            src, dst = agency[i], other[i]
            attrs = [
                ("pathway", pathway_name(names[src], MODE_OF_KIND[k], names[dst])),
                ("mode", MODE_OF_KIND[k]),
                ("completeness", _COMPLETENESS_KEY(detail[i])),
                ("information_delay_days", _days(value[i])),
            ]
            rels = [
                (f"child:{child[i]}", "concerns"),
                (f"agency:{names[src]}", "sent by"),
                (f"agency:{names[dst]}", "sent to"),
            ]
            yield f"referral:{start + i}", "referral", stamps[i], attrs, rels


def ocel_events(run: Run) -> Iterator[tuple[str, str, str, list[tuple[str, object]], list[Rel]]]:
    """The OCEL events, one per log row: (id, type, time, attributes, relationships)."""
    names = [f"agency:{n}" for n in run.log.agencies]
    pending: dict[tuple[int, int, int], deque[int]] = {}
    for start, stamps, (child, agency, kind, other, detail), value in _blocks(run):
        for i, k in enumerate(kind):
            row = start + i
            rels = [(f"child:{child[i]}", "child")]
            a, o = agency[i], other[i]
            if a >= 0:
                rels.append((names[a], "at"))
            if k in _HANDOFF_KINDS:
                rels.append((names[o], "to"))
                rels.append((f"referral:{row}", "sends"))
                if k != EventKind.NOTIFY:
                    pending.setdefault((child[i], a, o), deque()).append(row)
            elif k == _ARRIVE and o >= 0:
                rels.append((names[o], "from"))
                waiting = pending.get((child[i], o, a))
                if waiting:
                    rels.append((f"referral:{waiting.popleft()}", "brought by"))
            yield f"e{row}", KIND_KEYS[k], stamps[i], _decoded(k, detail[i], value[i], o), rels


def write_ocel(run: Run, out: IO[str]) -> None:
    """Write ``run``'s OCEL 2.0 JSON log to the open text file ``out`` (streamed)."""
    ids = {f"agency:{n}": _j(f"agency:{n}") for n in run.log.agencies}

    def rels(pairs: list[Rel]) -> str:
        return ",".join(
            f'{{"objectId":{ids.get(o) or chr(34) + o + chr(34)},"qualifier":"{q}"}}'
            for o, q in pairs
        )

    out.write('{"objectTypes":[' + _ocel_types(_object_types()))
    out.write('],\n"eventTypes":[' + _ocel_types(_event_types()) + '],\n"objects":[\n')
    _write_list(
        out,
        (
            f'{{"id":{ids.get(oid) or chr(34) + oid + chr(34)},"type":"{kind}",'
            f'"attributes":[{_ocel_attrs(attrs, stamp)}],"relationships":[{rels(pairs)}]}}'
            for oid, kind, stamp, attrs, pairs in ocel_objects(run)
        ),
    )
    out.write('\n],\n"events":[\n')
    _write_list(
        out,
        (
            f'{{"id":"{eid}","type":"{kind}","time":"{stamp}Z",'
            f'"attributes":[{_ocel_attrs(attrs, None)}],"relationships":[{rels(pairs)}]}}'
            for eid, kind, stamp, attrs, pairs in ocel_events(run)
        ),
    )
    out.write("\n]}\n")


def _write_list(out: IO[str], items: Iterable[str]) -> None:
    """Write ``items`` one to a line, separated by commas, ``BLOCK`` lines at a time."""
    chunk: list[str] = []
    sep = ""
    for item in items:
        chunk.append(sep + item)
        sep = ",\n"
        if len(chunk) >= BLOCK:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))


_SQL_TYPE = {"string": "TEXT", "integer": "INTEGER", "float": "REAL", "boolean": "BOOLEAN"}


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_ocel_sqlite(run: Run, path: Path) -> None:
    """Write ``run``'s OCEL 2.0 log as the standard's SQLite database at ``path`` (a new
    file): tables ``event``, ``object``, ``event_object``, ``object_object``, the type
    maps and one table of attributes per event and object type."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(
            """
            CREATE TABLE event (ocel_id TEXT, ocel_type TEXT);
            CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);
            CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT,
                                       ocel_qualifier TEXT);
            CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT,
                                        ocel_qualifier TEXT);
            CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);
            CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);
            """
        )
        insert: dict[str, tuple[str, list[str]]] = {}
        for table, types in (("event", _event_types()), ("object", _object_types())):
            for name, attrs in types:
                db.execute(f"INSERT INTO {table}_map_type VALUES (?, ?)", (name, name))
                fixed = ["ocel_id TEXT", "ocel_time TIMESTAMP"]
                fixed += ["ocel_changed_field TEXT"] if table == "object" else []
                columns = fixed + [f"{_sql_name(a)} {_SQL_TYPE[t]}" for a, t in attrs]
                db.execute(f"CREATE TABLE {_sql_name(f'{table}_{name}')} ({', '.join(columns)})")
                marks = ", ".join("?" * (len(fixed) + len(attrs)))
                insert[f"{table}:{name}"] = (
                    f"INSERT INTO {_sql_name(f'{table}_{name}')} VALUES ({marks})",
                    [a for a, _ in attrs],
                )
        for table, rows, relations in (
            ("object", ocel_objects(run), "object_object"),
            ("event", ocel_events(run), "event_object"),
        ):
            by_type: dict[str, list[tuple[object, ...]]] = defaultdict(list)
            ids: list[tuple[str, str]] = []
            links: list[tuple[str, str, str]] = []

            def flush() -> None:
                db.executemany(f"INSERT INTO {table} VALUES (?, ?)", ids)  # noqa: B023
                db.executemany(f"INSERT INTO {relations} VALUES (?, ?, ?)", links)  # noqa: B023
                for kind, values in by_type.items():  # noqa: B023
                    db.executemany(insert[f"{table}:{kind}"][0], values)  # noqa: B023
                ids.clear()  # noqa: B023
                links.clear()  # noqa: B023
                by_type.clear()  # noqa: B023

            for oid, kind, stamp, values, pairs in rows:
                ids.append((oid, kind))
                links += [(oid, target, q) for target, q in pairs]
                got = dict(values)
                names = insert[f"{table}:{kind}"][1]
                fixed_values: tuple[object, ...] = (oid, stamp.replace("T", " "))
                if table == "object":
                    fixed_values += (None,)
                by_type[kind].append((*fixed_values, *(got.get(n) for n in names)))
                if len(ids) >= BLOCK:
                    flush()
            flush()
        db.commit()
    finally:
        db.close()


# -- XES -------------------------------------------------------------------------------
_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<global scope="trace"><string key="concept:name" value=""/></global>
<global scope="event"><string key="concept:name" value=""/>\
<date key="time:timestamp" value="1970-01-01T00:00:00Z"/>\
<string key="lifecycle:transition" value="complete"/></global>
<classifier name="Activity" keys="concept:name"/>
<classifier name="Activity at agency" keys="concept:name org:resource"/>
"""


def _xes_attr(name: str, value: object) -> str:
    if isinstance(value, bool):
        return f'<boolean key="{name}" value="{"true" if value else "false"}"/>'
    if isinstance(value, int):
        return f'<int key="{name}" value="{value}"/>'
    if isinstance(value, float):
        return f'<float key="{name}" value="{value!r}"/>'
    return f"<string key={quoteattr(name)} value={quoteattr(str(value))}/>"


#: XES activity and lifecycle transition of each kind code.
_ACTIVITY: list[tuple[str, str]] = [
    ("service", "start")
    if k == EventKind.START
    else ("service", "complete")
    if k == EventKind.END
    else (k.key, "complete")
    for k in EventKind
]


def write_xes(run: Run, out: IO[str]) -> None:
    """Write ``run``'s XES log (one trace per child) to the open text file ``out``."""
    names = [quoteattr(n) for n in run.log.agencies]
    out.write(_XES_HEAD)
    out.write(_xes_attr("concept:name", run.scenario.name) + "\n")
    rec = run.log.records()
    order = np.argsort(rec["child"], kind="stable")  # each child's rows, in time order
    children = {oid: attrs for oid, _, attrs in _child_rows(run)}
    current = -1
    for start in range(0, len(order), BLOCK):
        part = rec[order[start : start + BLOCK]]
        stamps = _stamps(run, part["time"])
        child, agency, kind, other, detail = (
            part[c].tolist() for c in ("child", "agency", "kind", "other", "detail")
        )
        value = part["value"].tolist()
        chunk = []
        for i, k in enumerate(kind):
            c = child[i]
            if c != current:
                if current >= 0:
                    chunk.append("</trace>\n")
                oid = f"child:{c}"
                attrs = "".join(_xes_attr(n, v) for n, v in children.get(oid, []))
                chunk.append(f'<trace><string key="concept:name" value="{oid}"/>{attrs}\n')
                current = c
            activity, transition = _ACTIVITY[k]
            resource = (
                f'<string key="org:resource" value={names[agency[i]]}/>' if agency[i] >= 0 else ""
            )
            attrs = "".join(_xes_attr(n, v) for n, v in _decoded(k, detail[i], value[i], other[i]))
            if k in _HANDOFF_KINDS or (k == _ARRIVE and other[i] >= 0):
                side = "to" if k in _HANDOFF_KINDS else "from"
                attrs += _xes_attr(side, run.log.agencies[other[i]])
            chunk.append(
                f'<event><string key="concept:name" value="{activity}"/>'
                f'<date key="time:timestamp" value="{stamps[i]}Z"/>'
                f'<string key="lifecycle:transition" value="{transition}"/>{resource}'
                f'<string key="kind" value="{KIND_KEYS[k]}"/>{attrs}</event>\n'
            )
        out.write("".join(chunk))
    if current >= 0:
        out.write("</trace>\n")
    out.write("</log>\n")


# -- files -----------------------------------------------------------------------------
_WRITERS: dict[str, Callable[[Run, IO[str]], None]] = {"ocel": write_ocel, "xes": write_xes}


def export(run: Run, fmt: str, path: str | Path, *, key: str = "--out") -> Path:
    """Write ``run``'s log in format ``fmt`` (a key of :data:`FORMATS`) to ``path``,
    atomically."""
    if fmt == "sqlite":
        with atomic_path(path, key=key) as partial:
            write_ocel_sqlite(run, partial)
        return Path(path)
    writer = _WRITERS[fmt]
    with atomic_file(path, key=key) as out:
        writer(run, out)
    return Path(path)


def export_ocel(run: Run, path: str | Path, *, sqlite: bool = False) -> Path:
    """Write ``run``'s OCEL 2.0 log to ``path`` (atomically) and return the path: JSON,
    or with ``sqlite`` the standard's SQLite database."""
    return export(run, "sqlite" if sqlite else "ocel", path)


def export_xes(run: Run, path: str | Path) -> Path:
    """Write ``run``'s XES log to ``path`` (atomically) and return the path."""
    return export(run, "xes", path)


__all__ = [
    "EVENT_ATTRIBUTES",
    "FORMATS",
    "export",
    "export_ocel",
    "export_xes",
    "ocel_events",
    "ocel_objects",
    "write_ocel",
    "write_ocel_sqlite",
    "write_xes",
]
