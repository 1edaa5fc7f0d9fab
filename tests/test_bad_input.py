"""Broken scenario files: each gives one located line, exit code 2 and nothing written.

Every case starts from ``GOOD`` (a small valid scenario whose line numbers the
table refers to), breaks it in one way, and checks the error through the
library (:func:`jtai_sim.load_scenario`) and through the command line
(``jtai-sim validate`` and ``jtai-sim run``). A hypothesis test then mangles
valid scenarios at random and checks the loader never raises anything but
:class:`~jtai_sim.errors.ScenarioError`.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_sim import Scenario, ScenarioError, load_scenario
from jtai_sim.scenario.builtin import load_text
from jtai_sim.scenario.loading import MAX_FILE_BYTES
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
#:schema ./scenario.schema.json
name = "Bad input"
children = 10000
duration_days = 100.0
warmup_days = 10.0
start_date = 2025-04-01

[calendar]
bank_holidays = true

[demand.walk_in]
agency = "desk"
rate_per_10k_per_year = 365.0
profile = { min_age = 5, max_age = 17, at_risk = 0.3 }

[agencies.desk]
staff = 2
working = "office"
service = { kind = "exponential", mean_days = 1.0 }
urgent_if = ["at_risk"]

[agencies.camhs]
staff = 3
caseload = 5
support = true
service = { kind = "gamma", mean_days = 20.0, sd_days = 5.0 }

[[pathways]]
from = "desk"
to = "camhs"
probability = 0.5
when = ["mental_health_need"]
information = { complete = 0.8, partial = 0.1, lost = 0.1 }

[[pathways]]
from = "desk"
to = "camhs"
probability = 0.2
unless = ["mental_health_need"]

[clocks.four_weeks]
label = "Help within 4 weeks"
start = { agency = "desk", event = "arrive" }
stop = { agency = "camhs", event = "start" }
limit = 4.0
unit = "weeks"

[mental_health]
deterioration_per_year_waiting = 1.0
crisis_agency = "camhs"

[flow]
contact = ["desk"]
camhs_support = [
    "camhs",
]
"""


def edit(old: str, new: str, nth: int = 0) -> Callable[[str], str]:
    """Replace the ``nth`` occurrence of ``old`` (which must exist) by ``new``."""

    def apply(text: str) -> str:
        at = -1
        for _ in range(nth + 1):
            at = text.index(old, at + 1)
        return text[:at] + new + text[at + len(old) :]

    return apply


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def chain(*edits: Callable[[str], str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        for e in edits:
            text = e(text)
        return text

    return apply


@dataclass(frozen=True)
class Case:
    """One kind of mistake: how to make it, and the line, key and value it must name."""

    id: str
    make: Callable[[str], str]
    line: int
    key: str | None
    value: str | None  # text the message must contain (the value found, or a hint)


CASES = [
    # TOML syntax
    Case("toml-syntax", edit("staff = 2", "staff = = 2"), 17, "agencies.desk.staff", "= 2"),
    Case(
        "toml-bare-text",
        edit('working = "office"', "working = office"),
        18,
        "agencies.desk.working",
        "office",
    ),
    Case(
        "toml-duplicate-key",
        edit("staff = 2\n", "staff = 2\nstaff = 3\n"),
        18,
        "agencies.desk.staff",
        "already set",
    ),
    Case(
        "toml-duplicate-table",
        append('[agencies.desk]\nlabel = "Desk"\n'),
        57,
        "agencies.desk",
        "already declared",
    ),
    Case(
        "toml-unclosed-list",
        edit('urgent_if = ["at_risk"]', 'urgent_if = ["at_risk"'),
        20,
        "agencies.desk.urgent_if",
        "not closed",
    ),
    Case("toml-bad-date", edit("2025-04-01", "2025-02-30"), 6, "start_date", "2025-02-30"),
    # unknown keys
    Case("unknown-key", edit("staff = 2", "staf = 2"), 17, "agencies.desk.staf", "'staff'"),
    Case(
        "unknown-key-inline-table",
        edit("mean_days = 1.0 }", "mean_dayz = 1.0 }"),
        19,
        "agencies.desk.service.mean_dayz",
        "'mean_days'",
    ),
    Case(
        "unknown-key-dotted",
        edit('working = "office"', 'working = "office"\nreviews.first = 3.0'),
        19,
        "agencies.desk.reviews.first",
        "'first_after_days'",
    ),
    Case(
        "unknown-table",
        edit("[mental_health]", "[mental_helth]"),
        48,
        "mental_helth",
        "'mental_health'",
    ),
    Case(
        "unknown-key-second-pathway",
        edit("unless = [", "unles = ["),
        39,
        "pathways[1].unles",
        "'unless'",
    ),
    Case(
        "top-level-key-after-tables",
        append("seed = 3\n"),
        57,
        "flow.seed",
        "before the first [table]",
    ),
    # wrong types
    Case(
        "text-for-number",
        edit("365.0", '"365"'),
        13,
        "demand.walk_in.rate_per_10k_per_year",
        'got "365"',
    ),
    Case(
        "decimal-for-whole-number",
        edit("staff = 2", "staff = 2.5"),
        17,
        "agencies.desk.staff",
        "got 2.5",
    ),
    Case(
        "number-for-true-false",
        edit("support = true", "support = 1"),
        25,
        "agencies.camhs.support",
        "got 1",
    ),
    Case(
        "true-false-for-number",
        edit("staff = 2", "staff = true"),
        17,
        "agencies.desk.staff",
        "got true",
    ),
    Case(
        "list-for-table",
        edit('{ kind = "exponential", mean_days = 1.0 }', "[1.0]"),
        19,
        "agencies.desk.service",
        "got [1.0]",
    ),
    Case(
        "table-for-list",
        edit('urgent_if = ["at_risk"]', "urgent_if = { at_risk = true }"),
        20,
        "agencies.desk.urgent_if",
        "got { at_risk = true }",
    ),
    Case(
        "text-for-list",
        edit('contact = ["desk"]', 'contact = "desk"'),
        53,
        "flow.contact",
        'got "desk"',
    ),
    Case(
        "number-for-choice",
        edit('unit = "weeks"', "unit = 4"),
        46,
        "clocks.four_weeks.unit",
        "got 4",
    ),
    Case(
        "text-for-date", edit("2025-04-01", '"1 April 2025"'), 6, "start_date", 'got "1 April 2025"'
    ),
    # out of range
    Case("negative-staff", edit("staff = 2", "staff = -1"), 17, "agencies.desk.staff", "got -1"),
    Case("zero-staff", edit("staff = 2", "staff = 0"), 17, "agencies.desk.staff", "got 0"),
    Case(
        "probability-over-1",
        edit("probability = 0.5", "probability = 1.5"),
        31,
        "pathways[0].probability",
        "got 1.5",
    ),
    Case(
        "nan",
        edit("probability = 0.5", "probability = nan"),
        31,
        "pathways[0].probability",
        "got nan",
    ),
    Case(
        "inf", edit("duration_days = 100.0", "duration_days = inf"), 4, "duration_days", "got inf"
    ),
    Case(
        "minus-inf",
        edit("deterioration_per_year_waiting = 1.0", "deterioration_per_year_waiting = -inf"),
        49,
        "mental_health.deterioration_per_year_waiting",
        "got -inf",
    ),
    Case(
        "negative-seed",
        edit('name = "Bad input"\n', 'name = "Bad input"\nseed = -1\n'),
        3,
        "seed",
        "got -1",
    ),
    Case(
        "choice-not-in-list",
        edit('working = "office"', 'working = "weekdays"'),
        18,
        "agencies.desk.working",
        'got "weekdays"',
    ),
    Case(
        "condition-not-in-list",
        edit('when = ["mental_health_need"]', 'when = ["mental_health_needs"]'),
        32,
        "pathways[0].when[0]",
        '"mental_health_needs"',
    ),
    # required keys
    Case("missing-name", edit('name = "Bad input"\n', ""), 1, "name", "required"),
    Case("missing-pathway-to", edit('to = "camhs"\n', "", nth=1), 35, "pathways[1].to", "required"),
    Case(
        "missing-clock-limit", edit("limit = 4.0\n", ""), 41, "clocks.four_weeks.limit", "required"
    ),
    Case("empty-file", lambda _: "", 1, None, "no settings"),
    Case("comments-only", lambda _: "# nothing yet\n\n", 1, None, "no settings"),
    # agencies that do not exist
    Case(
        "unknown-agency-pathway-from",
        edit('from = "desk"', 'from = "dsk"', nth=1),
        36,
        "pathways[1].from",
        'got "dsk"',
    ),
    Case(
        "unknown-agency-pathway-to",
        edit('to = "camhs"', 'to = "cahms"'),
        30,
        "pathways[0].to",
        'got "cahms"',
    ),
    Case(
        "unknown-agency-demand",
        edit('agency = "desk"\n', 'agency = "front_door"\n'),
        12,
        "demand.walk_in.agency",
        'got "front_door"',
    ),
    Case(
        "unknown-agency-clock",
        edit('stop = { agency = "camhs"', 'stop = { agency = "camhs_team"'),
        44,
        "clocks.four_weeks.stop.agency",
        'got "camhs_team"',
    ),
    Case(
        "unknown-agency-flow",
        edit('    "camhs",', '    "camhs_team",'),
        55,
        "flow.camhs_support[0]",
        'got "camhs_team"',
    ),
    Case(
        "unknown-crisis-agency",
        edit('crisis_agency = "camhs"', 'crisis_agency = "crisis"'),
        50,
        "mental_health.crisis_agency",
        'got "crisis"',
    ),
    # partnership checks
    Case(
        "referral-chances-over-1",
        chain(
            edit("probability = 0.2", "probability = 0.6"),
            edit('unless = ["mental_health_need"]', 'unless = ["at_risk"]'),
        ),
        38,
        "pathways[1].probability",
        "got 1.1",
    ),
    Case(
        "unreachable-agency",
        append("[agencies.youth_justice]\nstaff = 1\n"),
        57,
        "agencies.youth_justice",
        "no child can reach",
    ),
    Case(
        "no-way-out",
        chain(
            edit('probability = 0.5\nwhen = ["mental_health_need"]\n', "probability = 0.8\n"),
            edit('unless = ["mental_health_need"]\n', ""),
            append('[[pathways]]\nfrom = "camhs"\nto = "desk"\nprobability = 1.0\n'),
        ),
        31,
        "pathways[0].probability",
        "no way out",
    ),
    Case(
        "information-shares",
        edit("lost = 0.1 }", "lost = 0.3 }"),
        33,
        "pathways[0].information.complete",
        "got 1.2",
    ),
    Case(
        "profile-shares",
        edit("at_risk = 0.3 }", "at_risk = 0.3, mental_health = [0.5, 0.6, 0.2] }"),
        14,
        "demand.walk_in.profile.mental_health",
        "got 1.3",
    ),
    # rules between keys
    Case(
        "lognormal-without-sd",
        edit('kind = "exponential"', 'kind = "lognormal"'),
        19,
        "agencies.desk.service.sd_days",
        "not set",
    ),
    Case(
        "profile-min-age-above-max",
        edit("min_age = 5, max_age = 17", "min_age = 12, max_age = 3"),
        14,
        "demand.walk_in.profile.min_age",
        "12",
    ),
    Case(
        "pathway-min-age-above-max",
        edit(
            'when = ["mental_health_need"]\n',
            'when = ["mental_health_need"]\nmin_age = 16\nmax_age = 10\n',
        ),
        33,
        "pathways[0].min_age",
        "16",
    ),
    Case(
        "urgent-notification",
        append(
            '[[pathways]]\nfrom = "desk"\nto = "camhs"\nmode = "notify"\n'
            "probability = 0.5\nurgent = 0.5\n"
        ),
        62,
        "pathways[2].urgent",
        "cannot be urgent",
    ),
    Case(
        "warmup-not-shorter",
        edit("warmup_days = 10.0", "warmup_days = 100.0"),
        5,
        "warmup_days",
        "100",
    ),
    Case(
        "term-ends-before-start",
        edit(
            "bank_holidays = true\n",
            "bank_holidays = true\nterms = [{ start = 2025-09-01, end = 2025-07-01 }]\n",
        ),
        10,
        "calendar.terms[0].end",
        "got 2025-07-01",
    ),
    Case(
        "age-bands-overlap",
        edit(
            "at_risk = 0.3 }",
            "at_risk = 0.3, mental_health_by_age = ["
            "{ min_age = 5, max_age = 10, mental_health = [0.9, 0.1, 0.0] }, "
            "{ min_age = 9, max_age = 12, mental_health = [0.8, 0.1, 0.1] }] }",
        ),
        14,
        "demand.walk_in.profile.mental_health_by_age",
        "overlaps band 0 at age 9",
    ),
    Case(
        "age-band-shares-not-one",
        edit(
            "at_risk = 0.3 }",
            "at_risk = 0.3, mental_health_by_age = "
            "[{ min_age = 5, max_age = 10, mental_health = [0.9, 0.1, 0.1] }] }",
        ),
        14,
        "demand.walk_in.profile.mental_health_by_age[0].mental_health",
        "sum to 1, got 1.1",
    ),
    # ranges that keep the model finite (jtai_sim/scenario/model.py says where each comes from)
    Case(
        "children-beyond-any-area",
        edit("children = 10000", "children = 3000000"),
        3,
        "children",
        "at most 2,000,000 (over six times the children of the largest local authority), "
        "got 3000000",
    ),
    Case(
        "sd-days-inf",
        edit("sd_days = 5.0 }", "sd_days = inf }"),
        26,
        "agencies.camhs.service.sd_days",
        "must be at most 36,525 (100 years, the longest run), got inf",
    ),
    Case(
        "sd-days-1e308",
        edit("sd_days = 5.0 }", "sd_days = 1e308 }"),
        26,
        "agencies.camhs.service.sd_days",
        "got 1e+308",
    ),
    Case(
        "sd-days-spread-too-wide",
        edit("sd_days = 5.0 }", "sd_days = 5000.0 }"),
        26,
        "agencies.camhs.service.sd_days",
        "must be from 0.001 to 100 times mean_days (20) for a gamma",
    ),
    Case(
        "uniform-max-days-inf",
        edit(
            'kind = "exponential", mean_days = 1.0',
            'kind = "uniform", min_days = 0.0, max_days = inf',
        ),
        19,
        "agencies.desk.service.max_days",
        "got inf",
    ),
    Case(
        "review-interval-1e-300",
        edit(
            "support = true\n",
            "support = true\nreviews = { first_after_days = 28.0, then_every_days = 1e-300 }\n",
        ),
        26,
        "agencies.camhs.reviews.then_every_days",
        "must be >= 1 (reviews are at least a day apart), got 1e-300",
    ),
    Case(
        "sd-days-for-a-kind-that-has-none",
        edit(
            'kind = "exponential", mean_days = 1.0',
            'kind = "exponential", mean_days = 1.0, sd_days = 3.0',
        ),
        19,
        "agencies.desk.service.sd_days",
        "is read only for kind lognormal or gamma, not exponential: leave it out or change kind, "
        "got 3.0",
    ),
    Case(
        "school-terms-outside-the-run",
        chain(
            edit(
                "bank_holidays = true\n",
                "bank_holidays = true\nterms = [{ start = 2019-09-01, end = 2019-12-20 }]\n",
            ),
            edit('agency = "desk"\n', 'agency = "desk"\nseasonality = "school_terms"\n'),
        ),
        10,
        "calendar.terms",
        "no term falls within a year of the run (2025-04-01 to 2025-07-09)",
    ),
    Case(
        "triangular-mode-outside-its-bounds",
        edit(
            'kind = "exponential", mean_days = 1.0',
            'kind = "triangular", mean_days = 9.0, min_days = 1.0, max_days = 5.0',
        ),
        19,
        "agencies.desk.service.mean_days",
        "must be from min_days (1) to max_days (5), got 9.0",
    ),
    Case(
        "agency-named-with-empty-text",
        append('[agencies.""]\nstaff = 1\n'),
        57,
        'agencies.""',
        "needs a name",
    ),
    Case(
        "start-date-in-year-1",
        edit("2025-04-01", "0001-04-01"),
        6,
        "start_date",
        "must be >= 1900-01-01 (the calendar starts in 1900), got 0001-04-01",
    ),
    Case(
        "start-date-in-year-9999",
        edit("2025-04-01", "9999-12-31"),
        6,
        "start_date",
        "must be at most 2200-12-31",
    ),
    Case(
        "rate-beyond-100-a-year-per-child",
        edit("365.0", "2000000.0"),
        13,
        "demand.walk_in.rate_per_10k_per_year",
        "at most 1,000,000 (100 a year for every child, from one stream), got 2000000.0",
    ),
    Case(
        "trend-beyond-a-doubling",
        edit('agency = "desk"\n', 'agency = "desk"\ntrend_per_year = 5.0\n'),
        13,
        "demand.walk_in.trend_per_year",
        "must be at most 1 (a doubling in a year), got 5.0",
    ),
    Case(
        "trend-multiplying-demand-over-the-run",
        chain(
            edit("duration_days = 100.0", "duration_days = 3650.0"),
            edit('agency = "desk"\n', 'agency = "desk"\ntrend_per_year = 0.9\n'),
        ),
        13,
        "demand.walk_in.trend_per_year",
        "more than the 10 times allowed",
    ),
    Case(
        "backlog-more-than-the-children",
        append("[agencies.waiting_list]\nstaff = 1\nbacklog = { waiting = 20000 }\n"),
        59,
        "agencies.waiting_list.backlog.waiting",
        "more than the 10,000 children in the area (children), got 20000",
    ),
    Case(
        "clock-beyond-100-years",
        edit("limit = 4.0", "limit = 6000.0"),
        45,
        "clocks.four_weeks.limit",
        "must be at most 5,217 weeks (100 years), got 6000.0",
    ),
    Case(
        "staff-beyond-any-service",
        edit("staff = 2", "staff = 1000000"),
        17,
        "agencies.desk.staff",
        "got 1000000",
    ),
    Case(
        "ethnicity-shares-not-one",
        edit("at_risk = 0.3 }", "at_risk = 0.3, ethnicity = { White = 0.5 } }"),
        14,
        "demand.walk_in.profile.ethnicity",
        "sum to 1, got 0.5",
    ),
    Case(
        "seed-beyond-15-digits",
        edit('name = "Bad input"\n', 'name = "Bad input"\nseed = 10000000000000000\n'),
        3,
        "seed",
        "got 10000000000000000",
    ),
    Case(
        "backlog-returns-to-unknown",
        append('[agencies.waiting_list]\nstaff = 1\nbacklog = { returns_to = "nowhere" }\n'),
        59,
        "agencies.waiting_list.backlog.returns_to",
        'got "nowhere"',
    ),
]

IDS = [case.id for case in CASES]
assert len(set(IDS)) == len(IDS)


def write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"{case.id}.toml"
    path.write_text(case.make(GOOD), encoding="utf-8")
    return path


def check_message(message: str, path: Path, case: Case) -> None:
    assert len(message.splitlines()) == 1
    prefix = f"{path}:{case.line}: " + (f"{case.key}: " if case.key else "")
    assert message.startswith(prefix), (message, prefix)
    if case.value is not None:
        assert case.value in message[len(prefix) :], (message, case.value)


def test_the_good_file_is_good(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.agencies["desk"].staff == 2


def test_there_are_at_least_25_kinds() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_library_names_file_line_key_and_value(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    check_message(str(caught.value), path, case)
    assert isinstance(caught.value, ValueError)


def cli_error(args: list[str]) -> str:
    """Run the command line; it must fail with code 2 and one stderr line, returned."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jtai-sim: error: ")
    return lines[0].removeprefix("jtai-sim: error: ")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_prints_one_line_and_exits_2(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case)
    check_message(cli_error(["validate", str(path)]), path, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_writes_nothing(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case)
    out = tmp_path / "out"
    check_message(cli_error(["run", str(path), "--days", "5", "--out", str(out)]), path, case)
    assert not out.exists()


# ---------------------------------------------------------------- files themselves


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError, match=r"nowhere\.toml: no such file$"):
        load_scenario(path)
    assert cli_error(["validate", str(path)]) == f"{path}: no such file"


def test_missing_file_suggests_a_neighbour(tmp_path: Path) -> None:
    (tmp_path / "midshire.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"no such file \(did you mean .*midshire\.toml"):
        load_scenario(tmp_path / "midshre.toml")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"is a folder, not a scenario file \(it holds a\.toml\)"
    ):
        load_scenario(tmp_path)
    message = cli_error(["validate", str(tmp_path)])
    assert message.startswith(f"{tmp_path}: is a folder")
    out = tmp_path / "out"
    cli_error(["run", str(tmp_path), "--days", "5", "--out", str(out)])
    assert not out.exists()


def test_non_utf8_bytes_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace('"Bad input"', '"Caf\u00e9"').encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (f"{path}:2: not UTF-8 text (save the file as UTF-8), got byte e9")
    assert cli_error(["validate", str(path)]) == str(caught.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_being_read() -> None:
    started = time.monotonic()
    with pytest.raises(ScenarioError) as caught:
        load_scenario("/dev/zero")
    assert str(caught.value) == (
        "/dev/zero: is a character device, not a file: "
        "give the path of a scenario file saved on disk"
    )
    assert cli_error(["validate", "/dev/zero"]) == str(caught.value)
    assert time.monotonic() - started < 15


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match=r"pipe\.toml: is a pipe \(FIFO\), not a file"):
        load_scenario(fifo)
    assert cli_error(["validate", str(fifo)]).startswith(f"{fifo}: is a pipe (FIFO)")


def test_a_file_past_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(11 * 2**30)  # 11 GiB of nothing, stored sparse: never read
    message = (
        f"{huge}: is larger than the 524,288 bytes jtai-sim reads from a scenario file, "
        f"got {11 * 2**30:,} bytes"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(huge)
    assert str(caught.value) == message
    assert cli_error(["validate", str(huge)]) == message


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    text = GOOD + "#" * (MAX_FILE_BYTES - len(GOOD.encode()) - 1) + "\n"
    path = tmp_path / "padded.toml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_scenario(path).name == "Bad input"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"got 524,289 bytes$"):
        load_scenario(path)


def test_a_mistake_in_every_table_of_a_file_at_the_limit_is_found_in_time(tmp_path: Path) -> None:
    lines = ['name = "Many"', "[demand.d]", 'agency = "a0"', "rate_per_10k_per_year = 1.0"]
    size, n = sum(len(line) + 1 for line in lines), 0
    while size < MAX_FILE_BYTES - 100:
        block = f"[agencies.a{n}]\nstaff = 0"
        lines.append(block)
        size += len(block) + 1
        n += 1
    path = tmp_path / "many.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ScenarioError, match=r"many\.toml:6: agencies\.a0\.staff: must be >= 1"):
        load_scenario(path)
    assert time.monotonic() - started < 15


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_scenario(path).name == "Bad input"


def test_the_first_mistake_in_the_file_is_reported(tmp_path: Path) -> None:
    text = chain(edit("staff = 3", "staff = 0"), edit("staff = 2", "staf = 2"))(GOOD)
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"two\.toml:17: agencies\.desk\.staf: unknown key"):
        load_scenario(path)


def test_array_of_tables_written_as_a_table(tmp_path: Path) -> None:
    text = GOOD.replace("[[pathways]]", "[pathways]", 1).split("[[pathways]]")[0]
    path = tmp_path / "aot.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"aot\.toml:28: pathways: .*\[\[double\]\] header"):
        load_scenario(path)


# ---------------------------------------------------------------- mangled files


def _valid_texts() -> list[str]:
    texts = [GOOD]
    for name in ("minimal", "jackson"):
        texts.append((ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    return texts


TEXTS = _valid_texts()
ODD_VALUES = [
    '"x"',
    '""',
    "1",
    "0",
    "-1",
    "1.5",
    "-0.0",
    "true",
    "false",
    "[]",
    "[1, 2]",
    '["a", 3]',
    "{}",
    "{ a = 1 }",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "99999999999999999999",
    "2025-13-01",
    "2025-04-01",
    "07:30:00",
    '"at_risk"',
    '"desk"',
    '"nowhere"',
    "0.999999999",
    "1.0000001",
]


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A valid scenario with one to four random edits, as bytes."""
    lines = draw(st.sampled_from(TEXTS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "value", "swap-values", "noise"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(ODD_VALUES))}\n"
        elif op == "swap-values" and "=" in lines[i]:
            j = draw(st.integers(0, len(lines) - 1))
            if "=" in lines[j]:
                (ki, vi), (kj, vj) = lines[i].split("=", 1), lines[j].split("=", 1)
                lines[i], lines[j] = f"{ki}={vj}", f"{kj}={vi}"
        elif op == "noise":
            at = draw(st.integers(0, len(lines[i])))
            noise = draw(st.text(min_size=1, max_size=4))
            lines[i] = lines[i][:at] + noise + lines[i][at:]
    data = "".join(lines).encode("utf-8")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mangled")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mangled())
def test_mangled_files_only_ever_raise_scenario_error(scratch: Path, data: bytes) -> None:
    path = scratch / "mangled.toml"
    path.write_bytes(data)
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert len(message.splitlines()) == 1
        assert message.startswith(f"{path}")
    else:
        assert isinstance(scenario, Scenario)


# ---------------------------------------------------------------- checks that must not fire


def _out_of_desk(*pathways: str) -> str:
    """GOOD with its two pathways replaced by ``pathways`` (TOML bodies) out of the desk."""
    head = GOOD.split("[[pathways]]")[0]
    tail = "[clocks." + GOOD.split("[clocks.", 1)[1]
    blocks = "".join(f'[[pathways]]\nfrom = "desk"\nto = "camhs"\n{p}\n' for p in pathways)
    return head + blocks + tail


@pytest.mark.parametrize(
    "pathways",
    [
        (
            'probability = 0.6\nwhen = ["child_in_need"]',
            'probability = 0.6\nwhen = ["child_protection"]',
        ),
        (
            'probability = 0.7\nwhen = ["information_partial"]',
            'probability = 0.7\nwhen = ["information_lost"]',
        ),
        (
            'probability = 0.7\nwhen = ["mental_ill_health"]',
            'probability = 0.5\nunless = ["mental_health_need"]',
        ),
        (
            'probability = 0.7\nwhen = ["known_to_social_care"]',
            'probability = 0.5\nwhen = ["looked_after"]\nunless = ["known_to_social_care"]',
        ),
        ("probability = 0.7\nmax_age = 9", "probability = 0.7\nmin_age = 10"),
    ],
    ids=[
        "one-legal-status",
        "partial-or-lost",
        "ill-implies-need",
        "status-implies-known",
        "age-bands",
    ],
)
def test_chances_for_children_who_cannot_exist_are_not_added(pathways: tuple[str, str]) -> None:
    scenario = load_text(_out_of_desk(*pathways), "ok.toml")
    assert len(scenario.pathways) == 2


def test_overlapping_age_bands_name_the_ages() -> None:
    text = _out_of_desk(
        "probability = 0.7\nmin_age = 5\nmax_age = 12", "probability = 0.7\nmin_age = 10"
    )
    with pytest.raises(
        ScenarioError,
        match=r"for children aged 10 to 12 \(pathways\[0\] 0\.7 \+ pathways\[1\] 0\.7\), got 1\.4$",
    ):
        load_text(text, "ages.toml")


def test_an_agency_with_children_on_day_0_is_reachable() -> None:
    text = GOOD + "[agencies.waiting_list]\nstaff = 1\nbacklog = { waiting = 5 }\n"
    assert load_text(text, "backlog.toml").agencies["waiting_list"].staff == 1


def test_the_messages_shown_in_the_scenario_readme_are_real() -> None:
    readme = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    shown = [line for line in readme.splitlines() if line.startswith("s.toml:")]
    assert len(shown) >= 8
    produced = set()
    for case in CASES:
        try:
            load_text(case.make(GOOD), "s.toml")
        except ScenarioError as exc:
            produced.add(str(exc))
    latin = GOOD.replace('"Bad input"', '"Caf\u00e9"').encode("latin-1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_bytes(latin)
        try:
            load_scenario(path)
        except ScenarioError as exc:
            produced.add(str(exc).replace(str(path), "s.toml"))
    assert set(shown) <= produced, set(shown) - produced
