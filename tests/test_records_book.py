"""Pseudonyms for child ids (stable, keyed, never containing the real id), and the one
loader of the area's records."""

from pathlib import Path

import pytest

from jtai_sim.errors import CaseListError
from jtai_sim.records.book import load_records
from jtai_sim.records.pseudonym import ALPHABET, key_from_files, pseudonym


def test_pseudonym_is_stable_and_keyed() -> None:
    ids = [f"C{n:06d}" for n in range(500)]
    first = [pseudonym(i, key=b"k1") for i in ids]
    assert first == [pseudonym(i, key=b"k1") for i in ids]
    assert len(set(first)) == len(ids)
    other = [pseudonym(i, key=b"k2") for i in ids]
    assert sum(a == b for a, b in zip(first, other, strict=True)) == 0
    assert all(len(p) == 8 and set(p) <= set(ALPHABET) for p in first)
    assert all(i not in p for i, p in zip(ids, first, strict=True))


def test_key_from_files_follows_the_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n", encoding="utf-8")
    b.write_text("y\n", encoding="utf-8")
    key = key_from_files([a, b])
    assert key == key_from_files([b, a])
    b.write_text("z\n", encoding="utf-8")
    assert key != key_from_files([a, b])


# ------------------------------------------------------------------------ the loader

CASES = Path("scenarios/cases")
ANNEX_A = Path("scenarios/records/annex_a")


def test_a_case_list_is_read_whole_and_pseudonymised() -> None:
    book = load_records(CASES)
    assert book.source == "case list"
    real = set(book.children["source_reference"])
    assert real and all(r.startswith("MS") for r in real)
    assert not real & set(book.children["reference"])
    assert not real & set(book.children["label"])
    again = load_records(CASES)
    assert list(again.children["reference"]) == list(book.children["reference"])


def test_real_ids_are_kept_when_asked() -> None:
    book = load_records(CASES, pseudonymise=False)
    assert book.children["reference"].str.startswith("MS").all()


def test_a_given_key_gives_other_pseudonyms() -> None:
    a = load_records(ANNEX_A, key="one")
    b = load_records(ANNEX_A, key="two")
    assert list(a.children["source_reference"]) == list(b.children["source_reference"])
    assert not set(a.children["reference"]) & set(b.children["reference"])


def test_annex_a_lists_are_found_in_a_folder_beside_other_files(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ANNEX_A, tmp_path / "area")
    (tmp_path / "area" / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    book = load_records(tmp_path / "area", pseudonymise=False)
    assert book.source == "Annex A lists"
    assert book.name == "area"
    assert len(book.events) == len(load_records(ANNEX_A).events)


def test_a_folder_with_no_records_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CaseListError, match="holds no records jtai-sim reads"):
        load_records(tmp_path)
    with pytest.raises(CaseListError, match="no such folder or file"):
        load_records(tmp_path / "nowhere")


def test_the_three_examples_read_together_with_the_statuses_they_imply(tmp_path: Path) -> None:
    """The Annex A lists, SSDA903 return and CAMHS extract of one simulated Midshire, in one
    folder, are one case book; their episodes give each child's legal status, so a
    mental-health week (children in need, on a plan or looked after) can run on them."""
    import shutil

    from click.testing import CliRunner

    from runner.cli import cli

    examples = ANNEX_A.parent
    area = tmp_path / "area"
    area.mkdir()
    for folder in ("annex_a", "ssda903", "camhs"):
        for file in (examples / folder).glob("*.csv"):
            shutil.copy(file, area / file.name)
    book = load_records(area, pseudonymise=False)
    assert book.source == "CAMHS referral extract, SSDA903 return, Annex A lists"
    ev = book.events
    statuses = ev[ev["kind"].astype(str) == "status"]
    kinds = {k: a.kind for k, a in book.agencies.items()}
    # every child in care on the last day holds the looked-after status (code 4)
    last = statuses.sort_values("time").groupby("child")["detail"].last()
    care = ev[ev["agency"].astype(object).map(kinds) == "looked_after"]
    opened = care[care["kind"].astype(str) == "start"].groupby("child").size()
    closed = care[care["kind"].astype(str) == "end"].groupby("child").size()
    in_care = opened.index[opened > closed.reindex(opened.index, fill_value=0)]
    assert len(in_care) > 100
    assert (last.loc[in_care] == 4).all()
    week = CliRunner().invoke(
        cli,
        [
            "mock-week",
            "--cases",
            str(area),
            "--theme",
            "mental-health-2019",
            "--notify",
            "2024-06-25",
            "--out",
            str(tmp_path / "week"),
        ],
    )
    assert week.exit_code == 0, week.output
    assert "on the mental health list" in week.output
