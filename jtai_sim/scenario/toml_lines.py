"""Where each key of a TOML file is written: key paths to line numbers.

``tomllib`` gives values without positions, so error messages find their line
here: :func:`line_index` scans the text once (tables, arrays of tables, dotted
and quoted keys, inline tables and multi-line values), and falls back to a rough
scan of headers and keys for text too broken to scan. :func:`table_before` and
:func:`opened_at` help reword a syntax error.

>>> text = 'name = "x"\\n[agencies.a]\\nstaff = 2\\n'
>>> locate(text, ("agencies", "a", "staff"))
3
"""

from __future__ import annotations

import bisect
import json
import re

#: One step of a key path: a table key or a list position.
PathPart = str | int
#: A key path, as ``("agencies", "camhs", "staff")``.
Path_ = tuple[PathPart, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?"
    r"|[^\s,\]\}#]+"
)


class _Scanner:
    """Walks valid TOML text and notes the line of every key, table and list item."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.index: dict[Path_, int] = {}
        self.arrays: dict[Path_, int] = {}

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)

    def record(self, path: Path_, pos: int) -> None:
        line = self.line(pos)
        for end in range(1, len(path) + 1):
            self.index.setdefault(path[:end], line)

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def blank(self, newlines: bool) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else (end + 1 if newlines else end)
            else:
                return

    def scan(self) -> dict[Path_, int]:
        table: Path_ = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.s):
                return self.index
            start = self.i
            if self.peek() == "[":
                many = self.peek(2) == "[["
                self.i += 2 if many else 1
                parts = self.key()
                self.blank(newlines=False)
                self.i += 2 if many else 1
                table = self.resolve(parts, many)
                self.record(table, start)
            else:
                self.keyval(table)
            if self.i == start:  # no progress: not TOML we understand
                raise ValueError("scanner stuck")

    def resolve(self, parts: list[str], many: bool) -> Path_:
        path: Path_ = ()
        for j, part in enumerate(parts):
            path = (*path, part)
            if many and j == len(parts) - 1:
                count = self.arrays.get(path, -1) + 1
                self.arrays[path] = count
                path = (*path, count)
            elif path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def key(self) -> list[str]:
        parts = []
        while True:
            self.blank(newlines=False)
            c = self.peek()
            if c in "\"'":
                start = self.i
                self.string()
                raw = self.s[start + 1 : self.i - 1]
                parts.append(_unquote(raw) if c == '"' else raw)
            else:
                match = _BARE.match(self.s, self.i)
                if not match:
                    raise ValueError("bad key")
                parts.append(match.group())
                self.i = match.end()
            self.blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.i += 1

    def keyval(self, base: Path_) -> None:
        start = self.i
        path = (*base, *self.key())
        if self.peek() != "=":
            raise ValueError("expected =")
        self.i += 1
        self.blank(newlines=False)
        self.record(path, start)
        self.value(path)

    def value(self, path: Path_) -> None:
        c = self.peek()
        if c == "{":
            self.i += 1
            while True:
                self.blank(newlines=True)
                if self.peek() == "}":
                    self.i += 1
                    return
                self.keyval(path)
                self.blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif c == "[":
            self.i += 1
            item = 0
            while True:
                self.blank(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.record((*path, item), self.i)
                self.value((*path, item))
                item += 1
                self.blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif c in "\"'":
            self.string()
        else:
            match = _SCALAR.match(self.s, self.i)
            if not match:
                raise ValueError("bad value")
            self.i = match.end()

    def string(self) -> None:
        s = self.s
        quote = s[self.i]
        multi = s.startswith(quote * 3, self.i)
        self.i += 3 if multi else 1
        while self.i < len(s):
            c = s[self.i]
            if c == "\\" and quote == '"':
                self.i += 2
            elif c == quote and (not multi or s.startswith(quote * 3, self.i)):
                run = 1
                while multi and s.startswith(quote, self.i + run) and run < 5:
                    run += 1
                self.i += run
                return
            else:
                self.i += 1
        raise ValueError("unterminated string")


def _unquote(raw: str) -> str:
    try:
        text = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return text if isinstance(text, str) else raw


HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_.\-]+)\s*=')


def split_key(text: str) -> list[str]:
    return [p.strip().strip('"') for p in re.findall(r'"[^"]*"|[^.]+', text)]


def _rough_index(text: str) -> dict[Path_, int]:
    """Line by line: tables and ``key =`` lines only (for text the scanner refuses)."""
    index: dict[Path_, int] = {}
    counts: dict[Path_, int] = {}
    table: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            parts = tuple(split_key(header.group(2)))
            if header.group(1) == "[[":
                n = counts.get(parts, -1) + 1
                counts[parts] = n
                table = (*parts, n)
            else:
                table = parts
            index.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            index.setdefault((*table, *split_key(key.group(1))), number)
    return index


def line_index(text: str) -> dict[Path_, int]:
    """Map each table, key and list item path in TOML ``text`` to its line (1-based).

    >>> idx = line_index('[[p]]\\nx = 1\\n[[p]]\\nq = { a = 1, b = [1,\\n 2] }\\n')
    >>> idx[("p", 1, "q", "b", 1)], idx[("p", 1, "q", "b", 0)], idx[("p", 0, "x")]
    (5, 4, 2)
    """
    try:
        return _Scanner(text).scan()
    except (ValueError, IndexError):
        return _rough_index(text)


def locate(text: str, path: Path_, index: dict[Path_, int] | None = None) -> int | None:
    """The line of the deepest part of ``path`` that appears in ``text``.

    A key that is not in the file at all (a required key left out) is placed at
    its table, or at line 1 when even the top-level key is missing. ``index``,
    when given, is ``line_index(text)`` worked out once for many paths.
    """
    index = line_index(text) if index is None else index
    for end in range(len(path), 0, -1):
        if path[:end] in index:
            return index[path[:end]]
    return 1 if text.strip() else None


def opened_at(lines: list[str], line: int, bracket: str) -> int:
    """The line of the ``key = [`` (or ``{``) left open that ``line`` was found inside."""
    close = {"[": "]", "{": "}"}[bracket]
    for number in range(line, 0, -1):
        source = re.sub(r'"[^"]*"|\'[^\']*\'|#.*$', "", lines[number - 1])
        if _KEY.match(source) and source.count(bracket) > source.count(close):
            return number
    return line


def table_before(lines: list[str], line: int) -> Path_:
    counts: dict[Path_, int] = {}
    table: Path_ = ()
    for source in lines[: line - 1]:
        header = HEADER.match(source)
        if header:
            parts = tuple(split_key(header.group(2)))
            if header.group(1) == "[[":
                counts[parts] = counts.get(parts, -1) + 1
                table = (*parts, counts[parts])
            else:
                table = parts
    return table


__all__ = [
    "HEADER",
    "PathPart",
    "Path_",
    "line_index",
    "locate",
    "opened_at",
    "split_key",
    "table_before",
]
