"""The facilitator pack: HTML in a real offline Chromium, Markdown, determinism, escaping.

The week is the minimal scenario with every child's name and one agency's name
carrying a ``<script>`` tag, so escaping is tested on the real pipeline.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.model import CaseBook
from runner.mockweek.checker import violations
from runner.mockweek.pack import md_escape, pack_context, pack_files, render_markdown
from runner.mockweek.pipeline import MockWeek, mock_week, write_pack
from runner.mockweek.settings import default_settings

NOTIFY = dt.date(2026, 2, 3)
EVIL_CHILD = "<script>window.evilChild=1</script>"
EVIL_AGENCY = "Community CAMHS <script>window.evilAgency=1</script>"


def hostile_book() -> CaseBook:
    book = casebook_from_run(simulate(load_scenario("minimal"), seed=3))
    children = book.children.copy()
    children["label"] = [f"Child {c} {EVIL_CHILD}" for c in children["child"]]
    agencies = dict(book.agencies)
    agencies["camhs"] = attrs.evolve(agencies["camhs"], label=EVIL_AGENCY)
    return attrs.evolve(book, children=children, agencies=agencies)


@pytest.fixture(scope="module")
def week() -> MockWeek:
    return mock_week(hostile_book(), NOTIFY, default_settings(), seed=4)


@pytest.fixture(scope="module")
def pack_dir(week: MockWeek, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "week"
    write_pack(week, out)
    return out


def test_pack_files_and_timetable_are_sound(week: MockWeek, pack_dir: Path) -> None:
    assert violations(week.timetable) == []
    assert sorted(p.name for p in pack_dir.iterdir()) == [
        "children-list.csv",
        "chronology.csv",
        "index.html",
        "pack.md",
        "people.csv",
        "planned-meetings.csv",
        "timetable.csv",
    ]
    # the area's list: one row per child on it, recorded facts only, never the hidden state
    listed = (pack_dir / "children-list.csv").read_text().splitlines()
    assert len(listed) == 1 + len(week.cohort)
    assert "hidden" not in listed[0] and "mental_health," not in listed[0]
    rows = (pack_dir / "timetable.csv").read_text().splitlines()
    assert len(rows) == 1 + len(week.timetable.bookings) + week.plan.days + 1
    assert sum(",team_meeting," in r for r in rows) == week.plan.days
    last = [r for r in rows if r.startswith(week.plan.dates[-1].isoformat())]
    kinds = [r.split(",")[3] for r in last]
    assert kinds.index("team_meeting") < kinds.index("feedback"), "moderate, then feed back"
    people = (pack_dir / "people.csv").read_text()
    assert "leader:head_of_camhs" in people


def test_same_week_same_bytes(week: MockWeek) -> None:
    again = mock_week(hostile_book(), NOTIFY, default_settings(), seed=4)
    assert pack_files(again) == pack_files(week)
    other = mock_week(hostile_book(), NOTIFY, default_settings(), seed=5)
    assert pack_files(other)["index.html"] != pack_files(week)["index.html"]


def test_html_escapes_names_and_has_no_scripts(pack_dir: Path) -> None:
    html = (pack_dir / "index.html").read_text()
    assert "<script" not in html
    assert "&lt;script&gt;window.evilChild=1&lt;/script&gt;" in html
    assert "&lt;script&gt;window.evilAgency=1&lt;/script&gt;" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "nothing is fetched"


def _sections_html(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]


def test_markdown_has_the_same_sections(pack_dir: Path) -> None:
    html = (pack_dir / "index.html").read_text()
    md = (pack_dir / "pack.md").read_text()
    md_sections = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert md_sections == _sections_html(html)
    assert md_sections[:4] == [
        "Overview",
        "The three-week calendar",
        "Week 1: set-up discussion and data request",
        "Timetable by inspector",
    ]
    assert "Multi-agency audits of the tracked children" in md_sections
    assert "Inspectors' evaluation of the partnership's audits" in md_sections
    assert "Mock findings letter" in md_sections
    assert "<script" not in md
    assert "&lt;script&gt;window.evilChild=1&lt;/script&gt;" in md


def test_markdown_tables_keep_their_columns(pack_dir: Path) -> None:
    md = (pack_dir / "pack.md").read_text()
    lines = md.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("|---"):
            width = line.count("|")
            header = lines[n - 1]
            assert _cells(header) == width - 1, header
            for row in lines[n + 1 :]:
                if not row.startswith("|"):
                    break
                assert _cells(row) == width - 1, row


def _cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row)) - 2


def test_every_cited_event_is_in_the_log(week: MockWeek) -> None:
    context = pack_context(week)
    events = week.book.events
    cited = 0
    for part in ("working_well", "to_improve"):
        for section in context["letter"][part]:
            for point in section["points"]:
                for case in point["cases"]:
                    child = int(re.findall(r"\d+", case["label"])[0])
                    for event in filter(None, case["events"].split(", ")):
                        assert int(events.loc[int(event), "child"]) == child
                        cited += 1
    assert cited > 0
    for case in context["cases"]:
        for row in case["chronology"]:
            assert int(events.loc[int(row["id"]), "child"]) == case["child"]
        assert {r["id"] for r in case["key_events"]} <= {r["id"] for r in case["chronology"]}
        assert all(r["flagged"] for r in case["key_events"])


def test_audits_go_to_the_tracked_children_by_partner_agency(week: MockWeek) -> None:
    from jtai_sim.inspection.partners import PARTNERS, partner_of_kind

    context = pack_context(week)
    tracked = [p.child for p in week.selection.tracked]
    assert [a["child"] for a in context["audits"]] == tracked
    titles = [c.title for c in week.theme.criteria.values()]
    for sheet in context["audits"]:
        assert [c["title"] for c in sheet["criteria"]] == titles
        partners = [p["title"] for p in sheet["partners"]]
        assert partners and len(set(partners)) == len(partners)
        assert partners == [p.heading for p in PARTNERS.values() if p.heading in partners]
    # each partner's teams are the agencies of that partner the child met
    kinds = {k: a.kind for k, a in week.book.agencies.items()}
    first = context["audits"][0]
    for p in first["partners"]:
        for team in p["teams"]:
            key = next(k for k, a in week.book.agencies.items() if a.label == team)
            assert PARTNERS[partner_of_kind(kinds[key])].heading == p["title"]
    # the sample keeps a compact reading record, not an audit
    assert [r["anchor"] for r in context["reading"]] == [
        f"sample-{p.child}" for p in week.selection.sample
    ]
    assert len(context["evaluation"]["rows"]) == len(tracked)


def test_audit_criteria_can_be_passed_in(week: MockWeek) -> None:
    from jtai_sim.inspection.model import Criterion

    theme = {
        "first": Criterion(key="first", title="First thing", description="d"),
        "second": Criterion(key="second", title="Second thing", description="d"),
    }
    context = pack_context(week, theme)
    assert [c["n"] for c in context["audits"][0]["criteria"]] == ["C1", "C2"]
    assert [p["title"] for p in context["prompts"]] == ["First thing", "Second thing"]


def test_week_one_request_and_planned_meetings(week: MockWeek, pack_dir: Path) -> None:
    context = pack_context(week)
    request = context["week1"]["request"]
    parts = {r["part"].split(".")[0] for r in request}
    assert parts == {"1", "2", "3", "4", "5", "6", "7"}
    assert {r["can"] for r in request} == {"yes", "no"}
    missing = next(r for r in request if "missing" in r["item"])
    assert missing["can"] == "no"
    assert context["week1"]["setup"]["date"] == context["overview"]["notification"]
    rows = (pack_dir / "planned-meetings.csv").read_text().splitlines()
    assert rows[0] == "date,meeting,child,team,basis"
    assert len(rows) == 1 + len(week.meetings)


def test_case_pack_lists_conversations_in_timetable_order(week: MockWeek) -> None:
    context = pack_context(week)
    for case in context["cases"]:
        assert case["conversations"], case["label"]
        assert case["lead"] in {i.name for i in week.plan.inspectors}
        met = [c for c in case["conversations"] if c["kind"] != "observation"]
        assert met[0]["with"].startswith("Social worker")
        assert sum(c["kind"] == "family" for c in met) == 1


def test_md_escape_keeps_table_cells_whole() -> None:
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("*x* <y>") == "\\*x\\* &lt;y&gt;"
    ctx: dict[str, Any] = {"title": "x"}
    with pytest.raises(Exception, match="undefined"):
        render_markdown(ctx)  # every value the template needs must be given


@pytest.mark.browser
def test_pack_opens_offline_in_chromium(pack_dir: Path, offline_page: Any) -> None:
    page = offline_page.open(pack_dir / "index.html")
    assert offline_page.blocked == []
    assert offline_page.console_errors == []
    assert offline_page.page_errors == []
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("typeof window.evilChild") == "undefined"
    assert page.evaluate("typeof window.evilAgency") == "undefined"
    grid = page.locator("#timetable table.tt")
    assert grid.is_visible()
    assert page.locator("#timetable td.k-tracking").count() > 0
    assert page.locator("#timetable td.k-team_meeting").count() == 5
    assert page.locator("#timetable td.k-feedback").count() == 1
    letter = page.locator("#letter").inner_text()
    assert "Areas for improvement" in letter and "Next steps" in letter
    assert "What needs to improve" in page.locator("#annex").inner_text()
    assert EVIL_CHILD in page.locator("#cases").inner_text()
    assert "window.evilAgency=1" in page.locator("#by-agency").inner_text()
    # every in-page link lands somewhere
    missing = page.evaluate(
        "[...document.querySelectorAll('a[href^=\"#\"]')]"
        ".map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(id))"
    )
    assert missing == []


@pytest.mark.browser
def test_pack_prints_without_navigation(pack_dir: Path, offline_page: Any) -> None:
    page = offline_page.open(pack_dir / "index.html")
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    assert page.locator("#timetable table.tt").is_visible()


@pytest.mark.browser
def test_screenshot_of_the_timetable(pack_dir: Path, tmp_path: Path, chromium: Any) -> None:
    from runner.mockweek.screenshot import screenshot_timetable

    png = screenshot_timetable(
        pack_dir / "index.html", tmp_path / "tt.png", height=400, browser=chromium
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 800 and 300 < height <= 400


@pytest.mark.parametrize(
    ("detail", "value", "words"),
    [
        (1, 0.0, "Case closed at Community CAMHS; the child had had mental-health help"),
        (0, 0.0, "Case closed at Community CAMHS; no mental-health help had started"),
        (0, 1.0, "Taken off the waiting list at Community CAMHS without being seen"),
        (1, 2.0, "Second referral to Community CAMHS closed: help had started through another"),
    ],
)
def test_a_closure_says_how_the_case_closed(detail: int, value: float, words: str) -> None:
    from runner.mockweek.chronology import describe_event

    row = {
        "kind": "exit",
        "agency": "camhs_community",
        "other": None,
        "detail": detail,
        "value": value,
        "origin": "",
    }
    assert describe_event(row, {"camhs_community": "Community CAMHS"}) == words
