"""Keyed pseudonyms for child ids, so real ids stay on the machine that read the records.

A pseudonym is the HMAC-SHA256 of the id under a key, written as 8 characters of an
alphabet without look-alike letters (no I, L, O, U, 0, 1). The same id and key always
give the same pseudonym; a different key gives an unrelated one.

>>> p = pseudonym("C000123", key=b"area key")
>>> len(p), p == pseudonym("C000123", key=b"area key"), p == pseudonym("C000123", key=b"x")
(8, True, False)
>>> "C000123" in p
False
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8


def pseudonym(reference: str, *, key: bytes) -> str:
    """The keyed pseudonym of one child id."""
    return pseudonyms([reference], key=key)[0]


def pseudonyms(references: Iterable[str], *, key: bytes) -> list[str]:
    """The keyed pseudonym of each child id (the key is prepared once for them all)."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    base = len(ALPHABET)
    out = []
    for reference in references:
        h = keyed.copy()
        h.update(reference.encode("utf-8"))
        digest = int.from_bytes(h.digest())
        letters = []
        for _ in range(LENGTH):
            digest, index = divmod(digest, base)
            letters.append(ALPHABET[index])
        out.append("".join(letters))
    return out


def key_from_files(paths: Iterable[Path]) -> bytes:
    """A key derived from the bytes of the files read, so outputs are reproducible."""
    hasher = hashlib.sha256(b"jtai-sim pseudonym key")
    for path in sorted(paths):
        hasher.update(path.name.encode("utf-8"))
        hasher.update(path.read_bytes())
    return hasher.digest()
