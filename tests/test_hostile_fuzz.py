"""Random manglings of the built-in scenario and inspection settings text, in-process.

Each example deletes, repeats, replaces or inserts a few bytes of ``minimal.toml`` or
``default.toml`` and runs the command through click's ``CliRunner`` (no interpreter to
start). Whatever the mangling, the command must refuse with one ``jtai-sim: error:``
line and exit code 2, or succeed with 0: never a traceback or another exit code.
"""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner
from hostile.cases import CASES, MINIMAL, NOTIFY_CASES, SETTINGS
from hostile.harness import PREFIX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.cli import cli

# Bytes a mangling may insert: TOML's own punctuation, digits, letters, a newline,
# and the odd bytes (NUL, a lone UTF-8 continuation byte, a BOM) that break decoding.
ALPHABET = b"[]{}=.,\"'#\n 0123456789-+eEinfatrux" + b"\x00\x80\xef\xbb\xbf"


@st.composite
def mangled(draw: st.DrawFn, text: bytes) -> bytes:
    """``text`` after one to three random edits."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        span = draw(st.integers(0, 40))
        how = draw(st.sampled_from(["delete", "repeat", "replace", "insert", "truncate"]))
        junk = draw(
            st.binary(min_size=1, max_size=8).map(
                lambda b: bytes(ALPHABET[c % len(ALPHABET)] for c in b)
            )
        )
        if how == "delete":
            text = text[:at] + text[at + span :]
        elif how == "repeat":
            text = text[:at] + text[at : at + span] * draw(st.integers(2, 50)) + text[at:]
        elif how == "replace":
            text = text[:at] + junk + text[at + len(junk) :]
        elif how == "insert":
            text = text[:at] + junk + text[at:]
        else:
            text = text[:at]
    return text


def _judge(result: object, tmp: Path) -> None:
    exc = getattr(result, "exception", None)
    code = getattr(result, "exit_code", None)
    assert exc is None or isinstance(exc, SystemExit), f"exception {exc!r}"
    assert code in (0, 2), (code, getattr(result, "stderr", ""))
    if code == 2:
        lines = getattr(result, "stderr", "").splitlines()
        assert len(lines) == 1 and lines[0].startswith(PREFIX), lines
    assert "Traceback" not in getattr(result, "output", "")


def _invoke(args: list[str], folder: Path) -> object:
    """Run the command in ``folder`` and come back."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        os.chdir(here)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=mangled(MINIMAL.read_bytes()))
def test_a_mangled_scenario_is_refused_in_one_line_or_loads(text: bytes, tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_bytes(text)
    _judge(_invoke(["validate", "s.toml"], tmp_path), tmp_path)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=mangled(SETTINGS.read_bytes()))
def test_mangled_settings_are_refused_in_one_line_or_run(text: bytes, tmp_path: Path) -> None:
    (tmp_path / "set.toml").write_bytes(text)
    out = tmp_path / "mw"
    args = [
        "mock-week",
        "--cases",
        str(CASES),
        "--notify",
        NOTIFY_CASES,
        "--settings",
        "set.toml",
        "--out",
        str(out),
        "--force",
        "-q",
    ]
    result = _invoke(args, tmp_path)
    _judge(result, tmp_path)
