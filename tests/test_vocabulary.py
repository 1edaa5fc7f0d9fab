"""The vocabulary owns the log's codes: every reader spells and words them the same way."""

from __future__ import annotations

import pandas as pd

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection.casebook import KIND_NAMES, casebook_from_run
from jtai_sim.inspection.cases_csv import load_case_list, write_case_list
from jtai_sim.vocabulary import (
    ORIGIN_KEYS,
    Completeness,
    EventKind,
    ExitReason,
    MentalHealth,
    Origin,
    pathway_name,
)


def test_every_code_has_a_key_and_words() -> None:
    for codes in (EventKind, Completeness, Origin, ExitReason, MentalHealth):
        keys = [c.key for c in codes]
        assert len(set(keys)) == len(keys)
        for c in codes:
            assert codes.from_key(c.key) is c
            assert c.word and c.word == c.word.strip()


def test_the_case_book_spells_kinds_and_origins_from_the_vocabulary() -> None:
    run = simulate(load_scenario("minimal"), seed=2, days=200)
    book = casebook_from_run(run)
    assert tuple(book.events["kind"].cat.categories) == KIND_NAMES
    assert tuple(k.key for k in EventKind) == KIND_NAMES
    assert [int(k) for k in EventKind] == list(range(len(KIND_NAMES)))  # codes are positions
    assert tuple(book.events["origin"].cat.categories) == ORIGIN_KEYS
    rec = run.log.records()
    arrive = rec["kind"] == int(EventKind.ARRIVE)
    origins = book.events["origin"].astype(str).to_numpy()[arrive]
    expected = [Origin.of_other(int(o)).key for o in rec["other"][arrive]]
    # crisis streams aside (minimal has none), the origin is the log's own code
    assert list(origins) == expected


def test_a_written_case_list_reads_back_with_the_same_codes(tmp_path: object) -> None:
    run = simulate(load_scenario("minimal"), seed=4, days=200)
    book = casebook_from_run(run)
    folder = write_case_list(book, tmp_path)  # type: ignore[arg-type]
    back = load_case_list(folder)
    cols = ["kind", "detail"]
    a = book.events[cols].reset_index(drop=True).astype({"kind": str})
    b = back.events[cols].reset_index(drop=True).astype({"kind": str})
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_pathway_names_match_the_scenario() -> None:
    scenario = load_scenario("midshire")
    for p in scenario.pathways:
        assert p.name == pathway_name(p.source, p.mode, p.to)
