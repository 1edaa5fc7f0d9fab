"""The facilitator's tab in a real browser: a mock week on Midshire, from Run to the letter.

The app runs as ``jtai-sim app`` in a subprocess (:mod:`appbrowser`), with every
request that is not to the app blocked and every console error collected. One
browser session refuses a bad date and a path outside the workspace, runs the
README's week, sees the chosen children, both timetables and the letter, and
downloads the pack; a second browser session starts and cancels a week of its own
without touching the first one's.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from appbrowser import ROOT, AppPage, Served

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Milliseconds a Midshire week may take here, worker start-up included (about 10 s).
WEEK_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("facilitator")
    workspace = base / "workspace"
    workspace.mkdir()
    (base / "outside.toml").write_text((ROOT / "scenarios" / "minimal.toml").read_text())
    app = Served(workspace)
    yield app
    app.stop()


def facilitator(chromium: Any, served: Served) -> AppPage:
    """A new browser session on the app, on the facilitator's tab."""
    opened = AppPage(chromium, served)
    opened.page.click("a[data-value=facilitator]")
    opened.page.wait_for_selector("#facil-run", state="visible", timeout=10_000)
    return opened


def refused(opened: AppPage, words: str) -> str:
    opened.page.click("#facil-run")
    opened.page.wait_for_selector(f"#week_message.refused >> text={words}", timeout=10_000)
    line = str(opened.page.inner_text("#week_message"))
    assert "\n" not in line and "Traceback" not in line
    return line


def test_a_mock_week_runs_shows_its_pack_and_downloads(
    chromium: Any, served: Served, tmp_path: Path
) -> None:
    first = facilitator(chromium, served)
    page = first.page
    first.say("#facil-notify", "2025-13-01")
    assert refused(first, "must be a date").startswith("--notify: must be a date (YYYY-MM-DD)")
    first.say("#facil-notify", "2025-06-03")
    page.check("input[name=facil-source][value=file]")
    first.say("#facil-scenario_file", "../outside.toml")
    refused(first, "outside the workspace")
    page.check("input[name=facil-source][value=builtin]")
    assert page.input_value("#facil-scenario") == "midshire"

    started = time.monotonic()
    page.click("#facil-run")
    page.wait_for_selector("#week_state[data-state=running]", timeout=10_000)
    letter = page.frame_locator("#pack_frame").locator("#letter h2")
    letter.wait_for(timeout=WEEK_TIMEOUT_MS)
    seconds = time.monotonic() - started
    print(f"\nMidshire mock week from Run to the letter shown: {seconds:.1f} s")
    assert letter.inner_text() == "Mock findings letter"
    assert "jtai-sim mock-week midshire --notify 2025-06-03" in str(
        page.inner_text("#week_message")
    )
    assert page.get_attribute("#week_progress", "value") == page.get_attribute(
        "#week_progress", "max"
    )
    assert len(page.query_selector_all("#chosen_children tr.chosen-tracked")) == 6
    assert len(page.query_selector_all("#chosen_children tr.chosen-sampled")) == 40
    assert "Timetable by inspector" in page.inner_text("#timetable_by_inspector")
    assert "Ofsted social care 1 (lead)" in page.inner_text("#timetable_by_inspector")
    assert page.query_selector_all("#timetable_by_agency tbody tr")
    assert len(page.query_selector_all("#case_packs li")) == 6
    assert len(page.query_selector_all("#audit_templates li")) == 6
    assert page.inner_text("#letter_headline").strip()

    with page.expect_download() as caught:
        page.click("#facil-download")
    download = caught.value
    assert download.suggested_filename == "mock-week-pack.zip"
    saved = tmp_path / "pack.zip"
    download.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert "index.html" in names and "timetable.csv" in names

    second = facilitator(chromium, served)
    try:
        assert second.page.query_selector("#week_results") is None
        assert second.page.query_selector("#week_state") is None
        second.page.click("#facil-run")
        second.page.wait_for_selector("#week_state[data-state=running]", timeout=10_000)
        second.page.click("#facil-cancel")
        second.page.wait_for_selector("#week_state[data-state=cancelled]", timeout=15_000)
        time.sleep(1.0)  # two polls of the first page
        assert page.query_selector("#week_results") is not None
        assert page.get_attribute("#week_state", "data-state") == "done"
        assert letter.inner_text() == "Mock findings letter"
        assert second.blocked == [] and second.errors == []
    finally:
        second.close()
    assert first.blocked == [], f"the page reached for the network: {first.blocked}"
    assert first.errors == [], f"the page logged errors: {first.errors}"
    first.close()
