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

import numpy as np

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8
_CODES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def pseudonym(reference: str, *, key: bytes) -> str:
    """The keyed pseudonym of one child id."""
    return pseudonyms([reference], key=key)[0]


def pseudonyms(references: Iterable[str], *, key: bytes) -> list[str]:
    """The keyed pseudonym of each child id (the key is prepared once for them all).

    The digest, read as one big-endian number, is written in base 30 from its lowest
    digit; only its remainder by 30**8 decides the 8 letters, so that remainder is
    worked out for every digest at once.
    """
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    digests = bytearray()
    for reference in references:
        h = keyed.copy()
        h.update(reference.encode("utf-8"))
        digests += h.digest()
    rows = np.frombuffer(bytes(digests), dtype=np.uint8).reshape(-1, keyed.digest_size)
    base = len(ALPHABET)
    low = np.zeros(len(rows), dtype=np.uint64)
    for byte in rows.T:  # 256 * 30**8 < 2**64: no step overflows
        low = (low * np.uint64(256) + byte) % np.uint64(base**LENGTH)
    letters = np.empty((len(rows), LENGTH), dtype=np.uint8)
    for i in range(LENGTH):
        low, index = np.divmod(low, np.uint64(base))
        letters[:, i] = _CODES[index]
    text = letters.tobytes().decode("ascii")
    return [text[i : i + LENGTH] for i in range(0, len(text), LENGTH)]


def key_from_files(paths: Iterable[Path]) -> bytes:
    """A key derived from the names and bytes of the files read, so outputs are
    reproducible; taken in name order, so files read from several folders give the key
    they would give in one."""
    hasher = hashlib.sha256(b"jtai-sim pseudonym key")
    for path in sorted(paths, key=lambda p: (p.name, str(p))):
        hasher.update(path.name.encode("utf-8"))
        hasher.update(path.read_bytes())
    return hasher.digest()
