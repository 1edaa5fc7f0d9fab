"""A partnership's own case list: the documented layout, precise errors, and a round trip."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import CaseListError, InputError
from jtai_sim.inspection import (
    casebook_from_csv,
    casebook_from_run,
    eligible_cohort,
    findings_for,
    findings_letter,
    load_case_list,
    select,
    write_case_list,
)
from jtai_sim.inspection.cases_csv import _fill_durations
from jtai_sim.inspection.theme import load_theme
from jtai_sim.scenario.builtin import BUILTIN
from jtai_sim.vocabulary import EventKind

MH = load_theme("mental-health-2019")

EXAMPLE = BUILTIN / "cases"
DAY = dt.date(2025, 11, 4)


def test_the_example_case_list_goes_through_the_whole_pipeline() -> None:
    book = load_case_list(EXAMPLE)
    assert book.source == "case list" and 30 <= len(book.children) <= 60
    # the mental-health list holds the children whose need the case list records
    # (not those whose mental_health column says so but no agency noticed)
    cohort = eligible_cohort(book, DAY, MH.eligibility)
    assert len(cohort) >= 20 and all(c.need_recorded for c in cohort)
    sel = select(book, cohort, DAY, theme=MH, seed=1)
    assert len(sel.tracked) == 6 and len(sel.sample) >= 15
    found = findings_for(book, sel, DAY, theme=MH)
    letter = findings_letter(found, sel, theme=MH, book=book)
    assert letter.to_improve and letter.working_well
    refs = set(book.children["reference"])
    assert all(book.label(p.child) in refs for p in sel.tracked)
    # findings cite the lines of events.csv they come from
    lines = book.events.loc[[i for f in found for i in f.event_ids], "line"]
    assert (lines >= 2).all()
    assert set(book.clocks) >= {"front_door_decision", "assessment_45wd", "camhs_4_weeks"}


def test_dates_of_birth_give_exact_ages() -> None:
    book = load_case_list(EXAMPLE)
    kids = book.children.set_index("child")
    for c in eligible_cohort(book, DAY, MH.eligibility):
        born = kids.loc[c.child, "date_of_birth"].date()
        assert c.age == DAY.year - born.year - ((DAY.month, DAY.day) < (born.month, born.day))


def test_a_simulated_book_survives_a_round_trip(tmp_path: Path) -> None:
    run = simulate(load_scenario("minimal"), seed=9)
    book = casebook_from_run(run)
    day = dt.date(2026, 2, 3)
    cohort = eligible_cohort(book, day)
    write_case_list(book, tmp_path)
    again = load_case_list(tmp_path, clocks=book.clocks)
    cohort2 = eligible_cohort(again, day)
    ref = dict(zip(again.children["child"], again.children["reference"], strict=True))
    assert sorted(str(c.child) for c in cohort) == sorted(ref[c.child] for c in cohort2)
    assert [c.camhs_status for c in cohort] == [
        c.camhs_status for c in sorted(cohort2, key=lambda c: int(ref[c.child]))
    ]
    ids = [c.child for c in cohort]
    ids2 = [c.child for c in sorted(cohort2, key=lambda c: int(ref[c.child]))]
    kinds = Counter(
        (f.kind, f.subject)
        for f in findings_for(book, ids, day)
        if not f.kind.startswith("information")
    )
    kinds2 = Counter(
        (f.kind, f.subject)
        for f in findings_for(again, ids2, day)
        if not f.kind.startswith("information")
    )
    assert kinds == kinds2


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    shutil.copytree(EXAMPLE, folder)
    return folder


def edit(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def first_line_with(path: Path, text: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return i
    raise AssertionError(text)


def error_of(folder: Path) -> str:
    with pytest.raises(CaseListError) as err:
        load_case_list(folder)
    message = str(err.value)
    assert "\n" not in message and isinstance(err.value, InputError)
    return message


def test_unknown_agency_names_line_column_and_a_suggestion(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    events = folder / "events.csv"
    n = first_line_with(events, ",camhs_spa,arrive,")
    edit(events, n, ",camhs_spa,arrive,", ",camhs_spq,arrive,")
    assert error_of(folder) == (
        f"{events}:{n}: column agency: unknown agency 'camhs_spq' (did you mean 'camhs_spa'?) "
        "(agencies come from agencies.csv)"
    )


@pytest.mark.parametrize(
    ("file", "find", "old", "new", "expected"),
    [
        (
            "events.csv",
            ",police,arrive,",
            "2024-",
            "14/03/",
            "column date: must be a date "
            "YYYY-MM-DD or a date and time YYYY-MM-DD HH:MM, got '14/03/",
        ),
        (
            "events.csv",
            ",police,arrive,",
            "arrive",
            "arive",
            "column kind: unknown event kind 'arive' (did you mean 'arrive'?)",
        ),
        (
            "events.csv",
            ",status,",
            ",status,,cin",
            ",status,,cinn",
            "column detail: a status row needs the legal status",
        ),
        (
            "events.csv",
            ",handoff,",
            ",handoff,",
            ",handoff,,",
            "has 9 values but the header has 8 columns",
        ),
        (
            "children.csv",
            ",early_signs,",
            ",early_signs,",
            ",early signz,",
            "column mental_health: must be none, early_signs or ill",
        ),
        ("children.csv", ",yes,", ",yes,", ",perhaps,", "must be yes or no, got 'perhaps'"),
        (
            "agencies.csv",
            "camhs_spa,camhs_spa",
            "camhs_spa,camhs_spa",
            "camhs_spa,camhs_sap",
            "column kind: unknown agency kind 'camhs_sap' (did you mean 'camhs_spa'?)",
        ),
    ],
)
def test_row_errors_name_file_line_and_column(
    tmp_path: Path, file: str, find: str, old: str, new: str, expected: str
) -> None:
    folder = copy_example(tmp_path)
    path = folder / file
    n = first_line_with(path, find)
    edit(path, n, old, new)
    message = error_of(folder)
    assert message.startswith(f"{path}:{n}: ")
    assert expected in message


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    path = folder / "events.csv"
    edit(path, 1, "agency,", "agent,")
    assert error_of(folder) == f"{path}:1: unknown column 'agent' (did you mean 'agency'?)"
    path.write_text(path.read_text().replace("agent,", "", 1))
    with pytest.raises(CaseListError, match=r"events.csv:1: missing column 'agency'"):
        casebook_from_csv(folder / "children.csv", path, folder / "agencies.csv")


def test_an_unknown_child_and_a_duplicate_child(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    events = folder / "events.csv"
    first = events.read_text().splitlines()[1].split(",")[0]
    edit(events, 2, first, "MS999999")
    assert "events.csv:2: column child: unknown child 'MS999999' (not in children.csv)" in (
        error_of(folder)
    )
    shutil.rmtree(folder)
    folder = copy_example(tmp_path)
    children = folder / "children.csv"
    lines = children.read_text().splitlines()
    children.write_text("\n".join([*lines, lines[1]]) + "\n")
    assert error_of(folder).endswith(
        f"children.csv:{len(lines) + 1}: column child: child '{lines[1].split(',')[0]}' is "
        "listed twice (first on line 2)"
    )


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(CaseListError, match="no such folder or file"):
        load_case_list(tmp_path / "nowhere")
    (tmp_path / "children.csv").write_text("child,age,mental_health\nA,12,ill\n")
    with pytest.raises(CaseListError, match=r"no events\.csv"):
        load_case_list(tmp_path)


def test_agency_kinds_stand_in_for_an_agency_list(tmp_path: Path) -> None:
    (tmp_path / "children.csv").write_text(
        "child,age,mental_health,at_risk\nA,12,ill,yes\nB,9,early_signs,no\n"
    )
    (tmp_path / "events.csv").write_text(
        "child,date,agency,kind,other,detail,value\n"
        "A,2025-01-06 09:00,school,arrive,,,\n"
        "A,2025-01-06 10:00,school,handoff,front_door,lost,\n"
        "A,2025-01-07,front_door,arrive,school,,\n"
        "A,2025-01-07,front_door,status,,cin,\n"
        "A,2025-01-09,front_door,end,,,\n"
        "B,2025-01-08,gp,arrive,,,\n"
    )
    book = load_case_list(tmp_path)
    assert set(book.agencies) == {"school", "front_door", "gp"}
    assert book.agencies["front_door"].kind == "front_door"
    cohort = eligible_cohort(book, dt.date(2025, 2, 4))
    assert [book.label(c.child) for c in cohort] == ["A"]
    found = findings_for(book, [c.child for c in cohort], dt.date(2025, 2, 4))
    assert {f.kind for f in found} == {"information_lost", "late_decision"}
    late = next(f for f in found if f.kind == "late_decision")
    assert "2 working days" in late.evidence
    (tmp_path / "events.csv").write_text("child,date,agency,kind\nA,2025-01-06,camhz,arrive\n")
    with pytest.raises(
        CaseListError,
        match=r"events.csv:2: column agency: unknown agency "
        r"'camhz' \(did you mean 'camhs_spa'\?\)",
    ):
        load_case_list(tmp_path)


def test_mental_health_column_is_optional(tmp_path: Path) -> None:
    # an area's own records never hold a child's unobserved mental-health state
    (tmp_path / "children.csv").write_text("child,age\nA,12\nB,9\n")
    (tmp_path / "events.csv").write_text(
        "child,date,agency,kind\nA,2025-01-06,front_door,arrive\nB,2025-01-07,front_door,arrive\n"
    )
    book = load_case_list(tmp_path)
    assert book.children["mental_health"].tolist() == [0, 0]
    # an empty cell in a present column counts as none too; a wrong one is still refused
    (tmp_path / "children.csv").write_text("child,age,mental_health\nA,12,\nB,9,ill\n")
    assert load_case_list(tmp_path).children["mental_health"].tolist() == [0, 2]
    (tmp_path / "children.csv").write_text("child,age,mental_health\nA,12,sad\nB,9,ill\n")
    with pytest.raises(CaseListError, match=r"children.csv:2: column mental_health: .*'sad'"):
        load_case_list(tmp_path)


def test_only_a_simulated_book_shows_the_hidden_state_in_the_pack(tmp_path: Path) -> None:
    from runner.mockweek.pack import pack_files
    from runner.mockweek.pipeline import mock_week
    from runner.mockweek.settings import default_settings

    notify = dt.date(2026, 2, 3)
    simulated = casebook_from_run(simulate(load_scenario("minimal"), seed=3))
    shown = pack_files(mock_week(simulated, notify, default_settings(), seed=4))
    assert any("simulation only" in text for text in shown.values())
    # the same children as records: the case list carries their state, yet a book
    # that came from records must not present it as known
    write_case_list(simulated, tmp_path)
    recorded = load_case_list(tmp_path)
    assert recorded.source == "case list"
    assert recorded.children["mental_health"].max() > 0
    files = pack_files(mock_week(recorded, notify, default_settings(), seed=4))
    assert files["index.html"]
    for name, text in files.items():
        assert "simulation only" not in text, name
        assert "hidden_mental_health" not in text, name


def _durations_row_by_row(
    kind: np.ndarray, child: np.ndarray, agency: np.ndarray, time: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """The rule of ``_fill_durations`` spelt out one row at a time, to check it against."""
    out = value.copy()
    arrived: dict[tuple[int, int], float] = {}
    started: dict[tuple[int, int], float] = {}
    for i, k in enumerate(kind):
        key = (int(child[i]), int(agency[i]))
        if k == int(EventKind.ARRIVE):
            arrived[key] = time[i]
        elif k == int(EventKind.START):
            started[key] = time[i]
            if np.isnan(out[i]):
                out[i] = time[i] - arrived.get(key, time[i])
        elif k == int(EventKind.END) and np.isnan(out[i]):
            out[i] = time[i] - started.get(key, time[i])
        elif np.isnan(out[i]):
            out[i] = 0.0
    return out


@pytest.mark.parametrize("seed", range(5))
def test_empty_waits_and_lengths_are_filled_as_row_by_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    kinds = [int(k) for k in (EventKind.ARRIVE, EventKind.START, EventKind.END, EventKind.EXIT)]
    kind = rng.choice(kinds, n).astype(np.int64)
    child = rng.integers(1, 12, n).astype(np.int64)
    agency = rng.integers(-1, 3, n).astype(np.int64)
    time = np.sort(rng.uniform(0, 50, n))
    value = np.where(rng.random(n) < 0.7, np.nan, rng.uniform(0, 5, n))
    expected = _durations_row_by_row(kind, child, agency, time, value)
    _fill_durations(kind, child, agency, time, value)
    assert np.array_equal(value, expected, equal_nan=True)
