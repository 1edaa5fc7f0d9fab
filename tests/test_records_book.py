"""Pseudonyms for child ids: stable, keyed, and never containing the real id."""

from pathlib import Path

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
