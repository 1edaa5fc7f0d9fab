"""The animated partnership page: self-contained, its data compact, and it plays offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.results.drawing import placed_partnership
from jtai_sim.results.flows import flow_frames
from jtai_sim.results.flows_page import flows_data, flows_page
from jtai_sim.results.record import RunRecord


@pytest.fixture(scope="module")
def record() -> RunRecord:
    return simulate(load_scenario("minimal"), seed=3, days=120).record


@pytest.fixture(scope="module")
def page(record: RunRecord) -> str:
    return flows_page(record, seed=3)


def embedded(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="flows-data">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, Any] = json.loads(found[1])
    return data


def test_the_page_fetches_nothing(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace, never fetched
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    assert "<script src" not in page


def test_the_data_are_flat_integer_arrays_of_the_frames(record: RunRecord, page: str) -> None:
    data = embedded(page)
    frames = flow_frames(record)
    assert data == flows_data(record)
    assert data["waiting"] == frames.waiting.ravel().tolist()
    assert data["in_service"] == frames.in_service.ravel().tolist()
    assert len(data["dates"]) == len(frames) == 120 and data["dates"][0] == "Tue 1 Apr 2025"
    for name in ("waiting", "in_service", "handoffs"):
        assert all(type(v) is int for v in data[name])
    # only routes that carried a hand-off are sent, each with its whole count
    assert sum(data["handoffs"]) == int(frames.handoffs.sum())


def test_the_page_is_drawn_on_the_partnership_picture(record: RunRecord, page: str) -> None:
    svg, placed = placed_partnership(record.scenario)
    assert svg in page
    data = embedded(page)
    for agency in data["agencies"]:
        assert agency["box"] == [round(v, 2) for v in placed.boxes[agency["key"]]]


def test_a_name_cannot_end_the_script_that_holds_the_data(record: RunRecord) -> None:
    import attrs

    scenario = record.scenario
    spoilt = attrs.evolve(
        scenario,
        agencies={
            k: attrs.evolve(v, label="</script><b>x</b>") if k == "front_door" else v
            for k, v in scenario.agencies.items()
        },
    )
    html = flows_page(attrs.evolve(record, scenario=spoilt))
    assert "</script><b>" not in html
    label = next(a["label"] for a in embedded(html)["agencies"] if a["key"] == "front_door")
    assert label == "</script><b>x</b>"


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_plays_offline_in_a_browser(page: str, tmp_path: Path, offline_page: Any) -> None:
    path = tmp_path / "flows.html"
    path.write_text(page, encoding="utf-8")
    browser = offline_page.open(path)
    date = browser.locator("#date")
    first = date.inner_text()
    assert first == "Tue 1 Apr 2025"
    assert browser.locator("#flows-overlay .agency-flow").count() > 0
    play = browser.get_by_role("button", name="Play the animation")
    play.click()
    browser.wait_for_function(f"document.getElementById('date').textContent !== {first!r}")
    browser.get_by_role("button", name="Pause the animation").click()
    paused = date.inner_text()
    browser.wait_for_timeout(400)
    assert date.inner_text() == paused, "the animation went on after pause"
    # the slider, moved by the keyboard and by setting it: the counts follow
    slider = browser.get_by_role("slider")
    totals = browser.locator("#total-waiting, #total-service")

    def counts() -> list[str]:
        return [*totals.all_inner_texts(), *browser.locator(".agency-flow text").all_inner_texts()]

    slider.focus()
    browser.keyboard.press("Home")
    assert date.inner_text() == first
    at_start = counts()
    browser.keyboard.press("End")
    assert date.inner_text() == "Tue 29 Jul 2025"  # day 119
    slider.fill("60")
    assert slider.get_attribute("aria-valuetext") == "Sat 31 May 2025, step 61 of 120"
    assert counts() != at_start
    # dragged with the mouse from its start to three quarters of the way
    box = slider.bounding_box()
    assert box is not None
    middle = box["y"] + box["height"] / 2
    browser.mouse.move(box["x"] + 2, middle)
    browser.mouse.down()
    browser.mouse.move(box["x"] + box["width"] * 0.75, middle, steps=8)
    browser.mouse.up()
    assert 80 <= int(slider.input_value()) <= 95
    assert date.inner_text() not in (first, "Sat 31 May 2025")
    assert offline_page.blocked == []
    assert offline_page.console_errors == [] and offline_page.page_errors == []


def test_run_with_flows_writes_the_page_into_its_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from runner.cli import cli

    out = tmp_path / "run"
    args = ["run", "minimal", "--days", "90", "--seed", "5", "--out", str(out), "--flows"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (out / "flows.html").read_text(encoding="utf-8")
    assert len(embedded(page)["dates"]) == 90
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "flows.html" in record["files"] and record["command"].endswith("--flows")
    assert "flows" in record["timings_seconds"]
    # the page is one of the run's own files: --force replaces the folder, and without
    # --flows the page is not written
    again = CliRunner().invoke(cli, [*args[:-1], "--force"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert not (out / "flows.html").exists()
