"""The hostile cases: named ones by class of attack, and ones generated per option and key.

A :class:`Case` is an argument list, the files to lay out in an empty working folder
first, and what the promise expects. Paths to shipped files are absolute, computed
from this file's place in the checkout. ``XFAIL`` (at the end) holds the ids of the
cases that fail today, each with the class of failure seen: remove an id once its fix
lands (the marks are strict, so a case that starts passing fails until unmarked).
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import shutil
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bounds import TIME_LIMIT_S
from .harness import SCENARIOS, Outcome
from .tomlgen import Raw, dumps, set_path

MINIMAL = SCENARIOS / "minimal.toml"
MIDSHIRE = SCENARIOS / "midshire.toml"
CASES = SCENARIOS / "cases"
SETTINGS = SCENARIOS / "inspection" / "default.toml"
THEME = SCENARIOS.parent / "jtai_sim" / "data" / "themes" / "front-door.toml"
NOTIFY_CASES = "2025-11-04"  # the day scenarios/cases/ was written for
NOTIFY = "2025-06-03"  # the demo's notification date (make demo)

#: a file's content, or a function that makes it when the case is played (generated
#: files are many and large, and most processes collecting them never play them)
Files = Mapping[str, bytes | str | Callable[[], str]]


@dataclass(frozen=True)
class Case:
    """One hostile input and what the promise expects of it.

    ``expect``: ``"refused"`` (exit 2, one line), ``"ok"`` (exit 0) or ``"either"``.
    ``prepare`` lays out more in the working folder before the snapshot (a result
    store, say); ``verify`` checks a success further and returns its problems.
    """

    id: str
    argv: tuple[str, ...]
    files: Files = field(default_factory=dict)
    expect: str = "refused"
    says: tuple[str, ...] = ()
    prepare: Callable[[Path], None] | None = None
    verify: Callable[[Path, Outcome], list[str]] | None = None
    stdin: str | None = None
    timeout: float = TIME_LIMIT_S
    root_skips: bool = False  # a permission case means nothing to root


def case(case_id: str, *argv: str | Path, **kwargs: Any) -> Case:
    """A case from its id and arguments (paths become text)."""
    return Case(case_id, tuple(str(a) for a in argv), **kwargs)


# ------------------------------------------------------------------ files to start from


def toml_of(path: Path) -> dict[str, Any]:
    """A shipped TOML file as data (a fresh copy, parsed once per file)."""
    return copy.deepcopy(_parsed(path))


@functools.cache
def _parsed(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8-sig"))


def edited(path: Path, changes: Mapping[str, Any]) -> str:
    """``path`` with keys set: ``{"agencies.camhs.staff": Raw("0")}`` (dots split a path)."""
    data = toml_of(path)
    for dotted, new in changes.items():
        set_path(data, dotted.split("."), new)
    return dumps(data)


def case_list(**replace: Callable[[str], str]) -> dict[str, bytes | str]:
    """The shipped case list as files under ``cases/``, each optionally rewritten."""
    files: dict[str, bytes | str] = {}
    for name in ("children.csv", "events.csv", "agencies.csv"):
        text = (CASES / name).read_text(encoding="utf-8")
        files[f"cases/{name}"] = (
            replace[name.removesuffix(".csv")](text)
            if name.removesuffix(".csv") in replace
            else text
        )
    return files


def _set_cell(text: str, row: int, column: str, new: str) -> str:
    """A CSV with one cell changed (``row`` 0 is the first data row)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[row][column] = new
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _grid(levels: int, factors: int) -> str:
    """An experiment with ``levels ** factors`` grid cells over minimal's agencies."""
    keys = [
        "agencies.front_door.staff",
        "agencies.assessment.staff",
        "agencies.camhs_spa.staff",
        "agencies.camhs.staff",
    ][:factors]
    text = 'name = "grid"\nscenario = "minimal"\nreplications = 2\ndays = 61\nwarmup_days = 0\n'
    for key in keys:
        text += f'[factors."{key}"]\nadd = {list(range(levels))}\n'
    return text


TINY_EXPERIMENT = (
    'name = "tiny"\nscenario = "minimal"\nreplications = 2\ndays = 61\nwarmup_days = 0\n'
    '[variants.more]\nadd = { "agencies.camhs.staff" = 1 }\n'
)
COMPARE_FAST = ("-r", "2", "--days", "61", "--warmup", "0", "-q")


def _compare_into(folder: str, *extra: str) -> Callable[[Path], None]:
    """A ``prepare`` that runs a small compare into ``folder`` of the working folder."""

    def prepare(work: Path) -> None:
        from .harness import run_subprocess

        outcome = run_subprocess(
            ["compare", "minimal", *extra, *COMPARE_FAST, "--out", folder], work, timeout=120
        )
        assert outcome.returncode == 0, outcome.stderr

    return prepare


# ------------------------------------------------------------------ checks of a success


def svg_parses(name: str) -> Callable[[Path, Outcome], list[str]]:
    """A ``verify`` that the SVG written parses as XML."""

    def verify(work: Path, _outcome: Outcome) -> list[str]:
        import xml.etree.ElementTree as ET

        try:
            ET.parse(work / name)
        except ET.ParseError as exc:
            return [f"svg: {name} is not XML: {exc}"]
        return []

    return verify


def excel_has_text(name: str, text: str) -> Callable[[Path, Outcome], list[str]]:
    """A ``verify`` that the workbook holds ``text`` as text and no formula at all."""

    def verify(work: Path, _outcome: Outcome) -> list[str]:
        import openpyxl

        book = openpyxl.load_workbook(work / name)
        problems, found = [], False
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(f"excel: formula in {sheet.title}!{cell.coordinate}")
                    if isinstance(cell.value, str) and text in cell.value:
                        found = found or cell.data_type == "s"
        if not found:
            problems.append(f"excel: {text!r} is not in the workbook as text")
        return problems[:3]

    return verify


# ------------------------------------------------------------------ named cases

ON_SITE_50 = "[offsets]\non_site_days = 50\n"
TWO_LEADS = (
    '[[team]]\nname = "A"\ninspectorate = "ofsted_social_care"\nlead = true\n'
    '[[team]]\nname = "B"\ninspectorate = "ofsted_social_care"\nlead = true\n'
    '[[team]]\nname = "C"\ninspectorate = "cqc"\n'
)
NO_LEAD = (
    '[[team]]\nname = "A"\ninspectorate = "ofsted_social_care"\n'
    '[[team]]\nname = "C"\ninspectorate = "cqc"\n'
)
BOM = "\ufeff"
BIG_SEED, BIGGER_SEED = str(2**63), str(2**64)


def _scenario_cases() -> Iterator[Case]:
    """Scenario values that ask for unbounded work, or make no sense."""
    run30 = ("run", "s.toml", "--days", "30", "--out", "r")
    for cid, changes, argv, expect in [
        ("rate-1e300", {"demand.school_concerns.rate_per_10k_per_year": 1e300}, run30, "either"),
        ("children-1e12", {"children": 10**12}, run30, "either"),
        ("backlog-waiting-1e9", {"agencies.camhs.backlog": {"waiting": 10**9}}, run30, "either"),
        (
            "backlog-in-service-1e9",
            {"agencies.camhs.backlog": {"in_service": 10**9}},
            run30,
            "either",
        ),
        ("trend-1e6", {"demand.police_incidents.trend_per_year": 1e6}, run30[:2], "either"),
        (
            "sd-days-1e308",
            {"agencies.camhs.service": {"kind": "lognormal", "mean_days": 5.0, "sd_days": 1e308}},
            run30,
            "either",
        ),
        (
            "sd-days-inf",
            {"agencies.camhs.service": {"kind": "gamma", "mean_days": 5.0, "sd_days": Raw("inf")}},
            run30,
            "either",
        ),
        (
            "uniform-max-inf",
            {
                "agencies.camhs.service": {
                    "kind": "uniform",
                    "min_days": 1.0,
                    "max_days": Raw("inf"),
                }
            },
            run30,
            "either",
        ),
        (
            "triangular-mode-outside",
            {
                "agencies.camhs.service": {
                    "kind": "triangular",
                    "min_days": 1.0,
                    "max_days": 2.0,
                    "mean_days": 5.0,
                }
            },
            ("validate", "s.toml"),
            "refused",
        ),
        ("start-date-year-1", {"start_date": Raw("0001-01-01")}, run30, "either"),
        ("start-date-year-9999", {"start_date": Raw("9999-12-01")}, run30, "either"),
        ("seed-file-2p63", {"seed": 2**63}, run30, "either"),
        ("seed-file-2p64", {"seed": 2**64}, run30, "either"),
        ("duration-file-inf", {"duration_days": Raw("inf")}, ("validate", "s.toml"), "refused"),
        (
            "agency-name-empty",
            {"agencies.": {"kind": "generic"}},
            ("validate", "s.toml"),
            "refused",
        ),
        (
            "graph-label-control-chars",
            {"agencies.camhs.label": "a\u0001b\u001b[31mc\u0008d\u007f"},
            ("graph", "s.toml", "--out", "p.svg"),
            "ok",
        ),
    ]:
        verify = svg_parses("p.svg") if argv[0] == "graph" else None
        yield case(
            cid, *argv, files={"s.toml": edited(MINIMAL, changes)}, expect=expect, verify=verify
        )
    reviews = {"agencies.cin_plan.reviews": {"first_after_days": 1.0, "then_every_days": 1e-300}}
    yield case(
        "reviews-then-every-1e-300",
        "run",
        "s.toml",
        "--days",
        "30",
        "--out",
        "r",
        files={"s.toml": edited(MIDSHIRE, reviews)},
        expect="either",
    )


def _option_cases() -> Iterator[Case]:
    """Command-line values that ask for unbounded work or cannot be used."""
    run = ("run", "minimal", "--out", "r")
    for cid, extra, expect in [
        ("run-days-inf", ("--days", "inf"), "refused"),
        ("run-days-nan", ("--days", "nan"), "refused"),
        ("run-days-1e9", ("--days", "1e9"), "refused"),
        ("run-years-1e308", ("--years", "1e308"), "refused"),
        ("run-years-minus-1", ("--years", "-1"), "refused"),
        ("run-seed-2p63", ("--days", "30", "--seed", BIG_SEED), "either"),
        ("run-seed-2p64", ("--days", "30", "--seed", BIGGER_SEED), "either"),
    ]:
        yield case(cid, *run, *extra, expect=expect)
    compare = ("compare", "minimal", "--set", "agencies.camhs.staff+=1", "--out", "c")
    for cid, extra, expect in [
        ("compare-replications-1e11", ("-r", "100000000000", "--days", "61"), "either"),
        (
            "compare-max-replications-1e11",
            (
                "--precision",
                "1e-12"  # never reached: only the cap stops it,
                "-m",
                "wait.camhs.mean_days",
                "--max-replications",
                "100000000000",
                "--days",
                "61",
                "--warmup",
                "0",
                "-q",
            ),
            "either",
        ),
        ("compare-seed-2p63", (*COMPARE_FAST, "--seed", BIG_SEED), "either"),
        ("compare-seed-2p64", (*COMPARE_FAST, "--seed", BIGGER_SEED), "either"),
        ("compare-jobs-1000", (*COMPARE_FAST, "--jobs", "1000"), "either"),
        ("compare-dask-local-0", (*COMPARE_FAST, "--dask", "local:0"), "refused"),
        ("compare-dask-local-abc", (*COMPARE_FAST, "--dask", "local:abc"), "refused"),
        ("compare-dask-unreachable", (*COMPARE_FAST, "--dask", "tcp://127.0.0.1:9"), "either"),
        (
            "compare-set-pathways-minus-1",
            ("--set", "pathways[-1].probability=0.5", *COMPARE_FAST),
            "either",
        ),
        ("compare-days-1e9", ("-r", "2", "--days", "1e9", "-q"), "refused"),
    ]:
        yield case(cid, *compare, *extra, expect=expect)
    yield case("validate-dev-zero", "validate", "/dev/zero")
    yield case("validate-dev-zero-stdin", "validate", "/dev/stdin", stdin="/dev/zero")
    yield case(
        "warmup-seed-2p63",
        "warmup",
        "minimal",
        "-r",
        "2",
        "--days",
        "60",
        "--seed",
        BIG_SEED,
        "--out",
        "w.svg",
        expect="either",
    )
    yield case(
        "warmup-replications-1e11",
        "warmup",
        "minimal",
        "-r",
        "100000000000",
        "--days",
        "60",
        "--out",
        "w.svg",
        expect="either",
    )
    yield case(
        "warmup-bin-days-1e-300",
        "warmup",
        "minimal",
        "-r",
        "2",
        "--days",
        "60",
        "--bin-days",
        "1e-300",
        "--out",
        "w.svg",
        expect="either",
    )
    yield case(
        "sweep-jobs-1000",
        "sweep",
        "e.toml",
        "-q",
        "--jobs",
        "1000",
        "--out",
        "sw",
        files={"e.toml": TINY_EXPERIMENT},
        expect="either",
    )


def _experiment_cases() -> Iterator[Case]:
    """Experiment files that ask for unbounded work, and results that must stay text."""
    base = 'name = "x"\nscenario = "minimal"\ndays = 61\nwarmup_days = 0\n'
    for cid, text, expect in [
        ("sweep-grid-10000-cells", _grid(10, 4), "either"),
        ("sweep-replications-1e11", base + "replications = 100000000000\n", "either"),
        ("sweep-seed-2p63", base + f"replications = 2\nseed = {BIG_SEED}\n", "either"),
        ("sweep-seed-2p64", base + f"replications = 2\nseed = {BIGGER_SEED}\n", "either"),
        (
            "sweep-two-factors-one-key",
            base + 'replications = 2\n[factors."agencies.camhs.staff"]\nadd = [0, 1]\n'
            '[factors."agencies.*.staff"]\nadd = [0, 2]\n',
            "refused",
        ),
    ]:
        yield case(
            cid, "sweep", "e.toml", "-q", "--out", "sw", files={"e.toml": text}, expect=expect
        )
    formula = '=HYPERLINK("x")'
    yield case(
        "results-excel-formula-label",
        "results",
        "store",
        "--excel",
        "x.xlsx",
        prepare=_compare_into("store", "--set", "agencies.camhs.staff+=1", "--label", formula),
        expect="ok",
        verify=excel_has_text("x.xlsx", formula),
    )

    def variant_named_formula(work: Path) -> None:
        (work / f"{formula}.toml").write_text('add = { "agencies.camhs.staff" = 1 }\n')
        _compare_into("store", f"{formula}.toml")(work)

    yield case(
        "results-excel-formula-variant",
        "results",
        "store",
        "--excel",
        "x.xlsx",
        prepare=variant_named_formula,
        expect="ok",
        verify=excel_has_text("x.xlsx", formula),
    )
    yield case(
        "compare-into-other-experiment",
        "compare",
        "jackson",
        *COMPARE_FAST,
        "--out",
        "store",
        prepare=_compare_into("store", "--set", "agencies.camhs.staff+=1"),
    )


def _mock_week_cases() -> Iterator[Case]:
    """Inspection settings, dates, absences and case lists."""
    week = ("mock-week", "minimal", "--notify", NOTIFY, "--out", "mw", "-q")
    with_cases = ("mock-week", "--cases", "cases", "--notify", NOTIFY_CASES, "--out", "mw", "-q")
    for cid, text, expect in [
        ("settings-on-site-days-50", ON_SITE_50, "either"),
        ("settings-on-site-day-1e9", "[offsets]\non_site_day = 1000000000\n", "either"),
        ("settings-draft-letter-1e9", "[offsets]\ndraft_letter_after = 1000000000\n", "either"),
        ("settings-publication-1e9", "[offsets]\npublication_after = 1000000000\n", "either"),
        ("settings-deterministic-time-minus-1", "[solver]\ndeterministic_time = -1.0\n", "refused"),
        ("settings-deterministic-time-inf", "[solver]\ndeterministic_time = inf\n", "either"),
        ("settings-deterministic-time-nan", "[solver]\ndeterministic_time = nan\n", "refused"),
        ("settings-deterministic-time-text", '[solver]\ndeterministic_time = "5"\n', "refused"),
        ("settings-two-leads", TWO_LEADS, "refused"),
        ("settings-no-lead", NO_LEAD, "refused"),
        ("settings-bom", BOM + "tracked = 6\n", "ok"),
    ]:
        yield case(cid, *week, "--settings", "set.toml", files={"set.toml": text}, expect=expect)
    yield case(
        "absences-bom",
        *week,
        "--absences",
        "a.csv",
        files={"a.csv": BOM + "who,date,until,note\ninspector:CQC 2,2025-06-20,,away\n"},
        expect="ok",
    )
    yield case(
        "notify-9999-12-31", *week[:2], "--notify", "9999-12-31", "--out", "mw", says=("--notify",)
    )
    yield case(
        "notify-0001-01-01", *week[:2], "--notify", "0001-01-01", "--out", "mw", expect="either"
    )
    yield case("mock-week-seed-2p63", *week, "--seed", BIG_SEED, expect="either")
    yield case("mock-week-detect-2p63", *week, "--detect", BIG_SEED, expect="either")
    late_birth = case_list(children=lambda t: _set_cell(t, 0, "date_of_birth", "2030-01-01"))
    yield case("cases-birth-after-events", *with_cases, files=late_birth)
    huge_name = case_list(children=lambda t: _set_cell(t, 0, "name", "x" * 200_000))
    yield case("cases-field-200000-chars", *with_cases, files=huge_name, expect="either")
    year_1 = case_list(events=lambda t: _set_cell(t, 0, "date", "0001-01-01 00:00:00"))
    yield case("cases-event-year-1", *with_cases, files=year_1, expect="either")
    year_9999 = case_list(events=lambda t: _set_cell(t, 0, "date", "9999-12-31 23:59:59"))
    yield case("cases-event-year-9999", *with_cases, files=year_9999, expect="either")


def _folder_cases() -> Iterator[Case]:
    """Output folders that cannot be used, and outputs that must not eat their input."""
    afile = {"somefile": "not a folder\n"}
    for cid, argv in [
        ("run-out-under-file", ("run", "minimal", "--days", "30", "--out", "somefile/x")),
        ("graph-out-under-file", ("graph", "minimal", "--out", "somefile/x.svg")),
        ("compare-out-under-file", ("compare", "minimal", *COMPARE_FAST, "--out", "somefile/x")),
        (
            "warmup-out-under-file",
            ("warmup", "minimal", "-r", "2", "--days", "60", "--out", "somefile/x.svg"),
        ),
        (
            "mock-week-out-under-file",
            ("mock-week", "minimal", "--notify", NOTIFY, "-q", "--out", "somefile/x"),
        ),
        ("sweep-out-under-file", ("sweep", "e.toml", "-q", "--out", "somefile/x")),
    ]:
        yield case(cid, *argv, files={**afile, "e.toml": TINY_EXPERIMENT})

    def read_only(work: Path) -> None:
        (work / "ro").mkdir()
        (work / "ro").chmod(0o555)

    for cid, argv in [
        ("run-out-read-only", ("run", "minimal", "--days", "30", "--out", "ro/x")),
        ("graph-out-read-only", ("graph", "minimal", "--out", "ro/x.svg")),
        (
            "mock-week-out-read-only",
            ("mock-week", "minimal", "--notify", NOTIFY, "-q", "--out", "ro/x"),
        ),
    ]:
        yield case(cid, *argv, prepare=read_only, root_skips=True)
    project = {"proj/s.toml": MINIMAL.read_text(encoding="utf-8")}
    yield case(
        "run-out-scenario-folder-force",
        "run",
        "proj/s.toml",
        "--days",
        "30",
        "--out",
        "proj",
        "--force",
        files=project,
    )
    yield case(
        "run-out-scenario-folder-force-dot",
        "run",
        "s.toml",
        "--days",
        "30",
        "--out",
        ".",
        "--force",
        files={"s.toml": project["proj/s.toml"]},
    )
    yield case(
        "mock-week-out-scenario-folder-force",
        "mock-week",
        "proj/s.toml",
        "--notify",
        NOTIFY,
        "-q",
        "--out",
        "proj",
        "--force",
        files=project,
    )


def named_cases() -> list[Case]:
    """Every named case, by class of attack."""
    return [
        *_scenario_cases(),
        *_option_cases(),
        *_experiment_cases(),
        *_mock_week_cases(),
        *_folder_cases(),
    ]


# ------------------------------------------------------------------ generated: options

NUMBERS = {
    "minus-1": "-1",
    "zero": "0",
    "nan": "nan",
    "inf": "inf",
    "minus-inf": "-inf",
    "1e308": "1e308",
    "2p63": BIG_SEED,
    "empty": "",
    "text": "x",
    "control": "\x07",
    "newline": "1\n2",
}
HUGE = "x" * 100_000  # under the 128 KiB a single argument may have on Linux
INPUT_PATHS = {
    "empty": "",
    "missing": "missing.toml",
    "folder": "adir",
    "dev-zero": "/dev/zero",
    "control": "a\x07b",
    "newline": "a\nb",
    "long-name": "y" * 5000,
    "text": "x",
}
# no /dev/zero here: a command that wrote beside it would write into /dev
OUTPUT_PATHS = {
    "empty": "",
    "folder-not-empty": "adir",
    "existing-file": "afile",
    "control": "a\x07b",
    "newline": "a\nb",
    "long-name": "y" * 5000,
    "missing-parent": "nowhere/x",
    "under-file": "afile/x",
}
TEXTS = {"empty": "", "text": "x", "huge": HUGE, "control": "\x07", "newline": "a\nb"}
# Laid out in every generated case's folder: the folder and file the paths above name.
COMMON_FILES: dict[str, bytes | str] = {
    "adir/keep.txt": "kept\n",
    "afile": "a file\n",
    "e.toml": TINY_EXPERIMENT,
}

BASES: dict[str, tuple[str, ...]] = {
    "validate": ("validate", "minimal"),
    "run": ("run", "minimal", "--days", "30", "--out", "r"),
    "graph": ("graph", "minimal", "--out", "g.svg"),
    "compare": (
        "compare",
        "minimal",
        "--set",
        "agencies.camhs.staff+=1",
        *COMPARE_FAST,
        "--out",
        "c",
    ),
    "sweep": ("sweep", "e.toml", "-q", "--out", "sw"),
    "results": ("results", "store"),
    "warmup": ("warmup", "minimal", "-r", "2", "--days", "60", "--out", "w.svg"),
    "mock-week": (
        "mock-week",
        "--cases",
        str(CASES),
        "--notify",
        NOTIFY_CASES,
        "--out",
        "mw",
        "-q",
    ),
}
OPTIONS: dict[str, dict[str, dict[str, str]]] = {
    "validate": {"--seed": NUMBERS, "--inject": INPUT_PATHS},
    "run": {
        "--years": NUMBERS,
        "--days": NUMBERS,
        "--seed": NUMBERS,
        "--out": OUTPUT_PATHS,
        "--export": TEXTS,
        "--inject": INPUT_PATHS,
    },
    "graph": {"--out": OUTPUT_PATHS},
    "compare": {
        "-r": NUMBERS,
        "--seed": NUMBERS,
        "--days": NUMBERS,
        "--warmup": NUMBERS,
        "--precision": NUMBERS,
        "--max-replications": NUMBERS,
        "--jobs": NUMBERS,
        "--set": TEXTS,
        "--label": TEXTS,
        "--metric": TEXTS,
        "--dask": TEXTS,
        "--out": OUTPUT_PATHS,
    },
    "sweep": {"--jobs": NUMBERS, "--dask": TEXTS, "--out": OUTPUT_PATHS},
    "results": {"--csv": OUTPUT_PATHS, "--excel": OUTPUT_PATHS, "--report": OUTPUT_PATHS},
    "warmup": {
        "-r": NUMBERS,
        "--seed": NUMBERS,
        "--days": NUMBERS,
        "--bin-days": NUMBERS,
        "--jobs": NUMBERS,
        "--agency": TEXTS,
        "--out": OUTPUT_PATHS,
    },
    "mock-week": {
        "--seed": NUMBERS,
        "--detect": NUMBERS,
        "--notify": TEXTS,
        "--theme": TEXTS,
        "--settings": INPUT_PATHS,
        "--absences": INPUT_PATHS,
        "--cases": INPUT_PATHS,
        "--out": OUTPUT_PATHS,
    },
}
POSITIONALS: dict[str, tuple[str, ...]] = {
    "validate": ("validate", "{}"),
    "run": ("run", "{}", "--days", "30", "--out", "r"),
    "graph": ("graph", "{}", "--out", "g.svg"),
    "compare-base": (
        "compare",
        "{}",
        "--set",
        "agencies.camhs.staff+=1",
        *COMPARE_FAST,
        "--out",
        "c",
    ),
    "compare-variant": ("compare", "minimal", "{}", *COMPARE_FAST, "--out", "c"),
    "sweep": ("sweep", "{}", "-q", "--out", "sw"),
    "results": ("results", "{}"),
    "warmup": ("warmup", "{}", "-r", "2", "--days", "60", "--out", "w.svg"),
    "mock-week": ("mock-week", "{}", "--notify", NOTIFY, "--out", "mw", "-q"),
}


def with_option(base: Sequence[str], option: str, new: str) -> tuple[str, ...]:
    """``base`` with ``option`` given ``new`` (replacing the value it had, if any)."""
    argv = list(base)
    if option in argv:
        argv[argv.index(option) + 1] = new
    else:
        argv += [option, new]
    return tuple(argv)


def _needs_store(argv: Sequence[str]) -> Callable[[Path], None] | None:
    return STORE_PREPARE if argv[0] == "results" else None


def store_prepare(work: Path) -> None:
    """Copy the shared small result store into ``work/store`` (made once per session)."""
    shutil.copytree(shared_store(), work / "store")


STORE_PREPARE: Callable[[Path], None] = store_prepare
_STORE: list[Path] = []
_STORE_LOCK = threading.Lock()


def shared_store() -> Path:
    """A small compare's result folder, made the first time it is asked for."""
    with _STORE_LOCK:
        if not _STORE:
            _STORE.append(_make_store())
    return _STORE[0]


def _make_store() -> Path:
    """Run a small compare in a temporary folder (removed at exit); its result folder."""
    import atexit
    import tempfile

    from .harness import run_subprocess

    top = Path(tempfile.mkdtemp(prefix="hostile-store-"))
    atexit.register(shutil.rmtree, top, True)
    root = top / "work"  # its streams are kept beside it, in top too
    root.mkdir()
    outcome = run_subprocess(
        ["compare", "minimal", "--set", "agencies.camhs.staff+=1", *COMPARE_FAST, "--out", "store"],
        root,
        timeout=120,
    )
    assert outcome.returncode == 0, outcome.stderr
    return root / "store"


def option_cases() -> list[Case]:
    """Every option of every command given every hostile value of its sort."""
    cases: list[Case] = []
    for command, options in OPTIONS.items():
        for option, values in options.items():
            for name, new in values.items():
                argv = with_option(BASES[command], option, new)
                cases.append(
                    Case(
                        f"{command} {option} {name}",
                        argv,
                        COMMON_FILES,
                        "either",
                        prepare=_needs_store(argv),
                    )
                )
    for slot, template in POSITIONALS.items():
        for name, new in INPUT_PATHS.items():
            argv = tuple(new if a == "{}" else a for a in template)
            cases.append(
                Case(f"{slot} ARG {name}", argv, COMMON_FILES, "either", prepare=_needs_store(argv))
            )
    cases.append(Case("themes extra-argument", ("themes", "x"), COMMON_FILES, "refused"))
    return cases


# ------------------------------------------------------------------ generated: files

HOSTILE_VALUES = {
    "minus-1": Raw("-1"),
    "zero": Raw("0"),
    "nan": Raw("nan"),
    "inf": Raw("inf"),
    "1e308": Raw("1e308"),
    "text": Raw('"x"'),
}


def _schema_paths(schema_file: Path) -> list[list[str]]:
    """Every number or whole-number key a JSON Schema describes, as a path."""
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})
    found: list[list[str]] = []

    def walk(node: dict[str, Any], path: list[str], seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs[name], path, seen | {name})
            return
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if ("number" in kinds or "integer" in kinds) and path not in found:
            found.append(path)
        for key, sub in node.get("properties", {}).items():
            walk(sub, [*path, key], seen)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], [*path, "*"], seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], [*path, "[]"], seen)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, seen)

    walk(schema, [], frozenset())
    return found


def _numeric_paths(data: Any, path: list[str]) -> Iterator[list[str]]:
    """Every number in a settings file, as a path (lists of tables by their first item)."""
    if isinstance(data, dict):
        for key, sub in data.items():
            yield from _numeric_paths(sub, [*path, key])
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        yield from _numeric_paths(data[0], [*path, "[]"])
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield path


def _settings_with(path: list[str], new: Raw) -> str:
    """Inspection settings changing one key: a list of tables is written whole."""
    data = toml_of(SETTINGS)
    if "[]" in path:
        set_path(data, path, new)
        top = path[0]
        return dumps({top: data[top]})
    partial: dict[str, Any] = {}
    node = partial
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = new
    return dumps(partial)


def key_cases() -> list[Case]:
    """Every numeric key of every file kind set to each hostile value."""
    cases: list[Case] = []
    week = ("mock-week", "--cases", str(CASES), "--notify", NOTIFY_CASES, "--out", "mw", "-q")
    for path in _schema_paths(SCENARIOS / "scenario.schema.json"):
        for name, new in HOSTILE_VALUES.items():
            cases.append(
                Case(
                    f"scenario {'.'.join(path)} {name}",
                    ("validate", "s.toml"),
                    {"s.toml": functools.partial(_set_in, MIDSHIRE, path, new)},
                    "either",
                )
            )
    for path in _schema_paths(SCENARIOS / "inspection" / "theme.schema.json"):
        for name, new in HOSTILE_VALUES.items():
            cases.append(
                Case(
                    f"theme {'.'.join(path)} {name}",
                    (*week, "--theme", "t.toml"),
                    {"t.toml": functools.partial(_set_in, THEME, path, new)},
                    "either",
                )
            )
    for path in _numeric_paths(toml_of(SETTINGS), []):
        for name, new in HOSTILE_VALUES.items():
            cases.append(
                Case(
                    f"settings {'.'.join(path)} {name}",
                    (*week, "--settings", "set.toml"),
                    {"set.toml": functools.partial(_settings_with, path, new)},
                    "either",
                )
            )
    for key in ("replications", "seed", "days", "warmup_days", "precision", "max_replications"):
        for name, new in HOSTILE_VALUES.items():
            data = toml_of_text(TINY_EXPERIMENT)
            data[key] = new
            if key == "precision":
                data["metrics"] = ["wait.camhs.mean_days"]
            cases.append(
                Case(
                    f"experiment {key} {name}",
                    ("sweep", "e.toml", "-q", "--out", "sw"),
                    {"e.toml": dumps(data)},
                    "either",
                )
            )
    for op in ("set", "add", "scale"):
        for name, new in HOSTILE_VALUES.items():
            text = dumps({op: {"agencies.camhs.staff": new}})
            cases.append(
                Case(
                    f"variant {op} staff {name}",
                    ("compare", "minimal", "v.toml", *COMPARE_FAST, "--out", "c"),
                    {"v.toml": text},
                    "either",
                )
            )
    return cases


def _set_in(file: Path, path: list[str], new: Raw) -> str:
    """``file`` as TOML text with the key at schema path ``path`` set to ``new``."""
    data = toml_of(file)
    set_path(data, path, new)
    return dumps(data)


def toml_of_text(text: str) -> dict[str, Any]:
    """TOML text as data."""
    return tomllib.loads(text)


def _corruptions(good: bytes, toml: bool) -> dict[str, bytes]:
    """The ways a file of a kind arrives broken (and two harmless odd encodings)."""
    out = {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "not-utf8": good.replace(b"e", b"\xe9", 3),
        "bom": b"\xef\xbb\xbf" + good,
        "crlf": good.replace(b"\n", b"\r\n"),
        "truncated": good[: len(good) // 2],
        "nul-bytes": good[:40] + b"\x00" * 10 + good[40:],
        "utf16": good.decode("utf-8").encode("utf-16"),
    }
    if toml:
        out["nested-arrays"] = b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
        out["nested-tables"] = b"a = " + b"{b = " * 50_000 + b"1" + b"}" * 50_000 + b"\n"
        out["deep-dotted-key"] = b".".join([b"k"] * 100_000) + b" = 1\n"
    else:
        out["huge-line"] = good.split(b"\n")[0] + b"\n" + b"x," * 1_000_000 + b"\n"
        out["header-only"] = good.split(b"\n")[0] + b"\n"
    return out


def file_cases() -> list[Case]:
    """Each file kind empty, binary, not UTF-8, with a BOM, truncated, hugely nested."""
    week = ("mock-week", "minimal", "--notify", NOTIFY, "--out", "mw", "-q")
    week_cases = ("mock-week", "--cases", "cases", "--notify", NOTIFY_CASES, "--out", "mw", "-q")
    variant = SCENARIOS / "experiments" / "variants" / "more_camhs.toml"
    absences = b"who,date,until,note\ninspector:CQC 2,2025-06-20,,away\n"
    kinds: list[tuple[str, bytes, str, tuple[str, ...], bool]] = [
        ("scenario", MINIMAL.read_bytes(), "s.toml", ("validate", "s.toml"), True),
        (
            "variant",
            variant.read_bytes(),
            "v.toml",
            ("compare", "minimal", "v.toml", *COMPARE_FAST, "--out", "c"),
            True,
        ),
        (
            "experiment",
            TINY_EXPERIMENT.encode(),
            "e.toml",
            ("sweep", "e.toml", "-q", "--out", "sw"),
            True,
        ),
        ("settings", SETTINGS.read_bytes(), "set.toml", (*week, "--settings", "set.toml"), True),
        ("theme", THEME.read_bytes(), "t.toml", (*week, "--theme", "t.toml"), True),
        ("absences", absences, "a.csv", (*week, "--absences", "a.csv"), False),
    ]
    for name in ("children", "events", "agencies"):
        kinds.append(
            (
                f"cases-{name}",
                (CASES / f"{name}.csv").read_bytes(),
                f"cases/{name}.csv",
                week_cases,
                False,
            )
        )
    cases: list[Case] = []
    for kind, good, target, argv, is_toml in kinds:
        for how, content in _corruptions(good, is_toml).items():
            files = dict(case_list()) if target.startswith("cases/") else {}
            files[target] = content
            cases.append(Case(f"{kind} file {how}", argv, files, "either"))
    return cases


# ------------------------------------------------------------------ cases that fail today

#: Cases known to break the promise, by id, with the failure seen (each is marked as a
#: strict xfail, so one that starts to pass fails until it is taken off). Empty: every
#: case keeps the promise.
XFAIL: dict[str, str] = {}
