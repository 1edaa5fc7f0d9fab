"""``jtai-sim app`` in a real browser: the planner page as a user meets it.

The real command is started as a subprocess on a free port with a temporary
workspace, and Debian's chromium (the shared ``chromium`` fixture) drives it.
Every request that is not to the app's own address is blocked and recorded, so
a page that reaches for the network fails. The what-if's numbers are checked
against ``jtai-sim compare`` run as a subprocess on the variant file the page saved.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from appbrowser import JTAI_SIM, ROOT, AppPage, Served, app_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on a free port, its workspace a fresh folder beside a scenario outside it."""
    base = tmp_path_factory.mktemp("app")
    workspace = base / "workspace"
    workspace.mkdir()
    (base / "outside.toml").write_text((ROOT / "scenarios" / "minimal.toml").read_text())
    (workspace / "mine.toml").write_text((ROOT / "scenarios" / "minimal.toml").read_text())
    (workspace / "link.toml").symlink_to(base / "outside.toml")
    (workspace / "broken.toml").write_text('name = "Broken"\nagencies = 3\n')
    app = Served(workspace)
    yield app
    app.stop()


@pytest.fixture()
def app_page(chromium: Any, served: Served) -> Iterator[AppPage]:
    page = AppPage(chromium, served)
    yield page
    assert page.blocked == [], f"the page reached for the network: {page.blocked}"
    assert page.errors == [], f"the page logged errors: {page.errors}"
    page.close()


def _cli_cells(output: str) -> dict[str, tuple[str, str]]:
    """Each metric key of ``jtai-sim compare``'s output: the base's and the variant's cells."""
    cells: dict[str, tuple[str, str]] = {}
    for block in output.split("\n\n"):
        lines = block.strip().splitlines()
        head = re.search(r"\(([a-z_]+\.[a-z0-9_]+\.[a-z0-9_]+)\)$", lines[0]) if lines else None
        if head is None or len(lines) < 3:
            continue
        values = [
            re.sub(r"\s+", " ", re.split(r"\s{2,}", ln.strip(), maxsplit=1)[1]) for ln in lines[1:3]
        ]
        cells[head.group(1)] = (values[0], values[1])
    return cells


def test_the_page_loads_offline_with_the_levers_of_minimal(app_page: AppPage) -> None:
    page = app_page.page
    assert page.title() == "jtai-sim planner"
    assert "Scenario Minimal" in app_page.message() or "minimal" in app_page.message()
    label = page.inner_text("label[for=lever_0]")
    assert "staff" in label
    assert page.get_attribute("#lever_0", "min") == "1"


def test_a_what_if_runs_saves_and_matches_the_command_line(
    app_page: AppPage, served: Served, tmp_path: Path
) -> None:
    page = app_page.page
    app_page.say("#lever_0", "3")  # the front door loses a member of staff
    app_page.say("#replications", "3")
    app_page.say("#seed", "11")
    app_page.say("#label", "Front door down one")
    page.click("#run")
    app_page.run_state("done")
    assert page.get_attribute("#run_progress", "value") == "6"
    rows = page.query_selector_all("#result_table tbody tr")
    assert rows, "no result rows"
    shown = {
        str(r.get_attribute("data-metric")): (
            re.sub(r"\s+", " ", r.query_selector("td.base").inner_text().strip()),  # type: ignore[union-attr]
            re.sub(r"\s+", " ", r.query_selector("td.variant").inner_text().strip()),  # type: ignore[union-attr]
        )
        for r in rows
    }
    app_page.say("#save_as", "variants/front_door.toml")
    page.click("#save")
    page.wait_for_function(
        "document.querySelector('#app_message').innerText.includes('Saved')", timeout=10_000
    )
    message = app_page.message()
    assert (served.workspace / "variants" / "front_door.toml").is_file()
    command = message.split("command line: ", 1)[1].strip()
    words = command.split()
    assert words[:4] == ["jtai-sim", "compare", "minimal", "variants/front_door.toml"]
    done = subprocess.run(
        [*JTAI_SIM, *words[1:], "--out", str(tmp_path / "compare"), "--quiet"],
        cwd=served.workspace,
        env=app_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    printed = _cli_cells(done.stdout)
    assert set(printed) == set(shown)
    assert printed == shown


def test_a_running_what_if_can_be_cancelled(app_page: AppPage, served: Served) -> None:
    page = app_page.page
    app_page.say("#lever_0", "2")
    app_page.say("#replications", "60")
    app_page.say("#years", "5")
    page.click("#run")
    app_page.run_state("running", timeout=10_000)
    deadline = time.monotonic() + 30
    while not any("multiprocessing" in c and "spawn_main" in c for c in served.children()):
        assert time.monotonic() < deadline, "no worker process started"
        time.sleep(0.2)
    page.click("#cancel")
    app_page.run_state("cancelled", timeout=15_000)
    assert "Cancelled after" in page.inner_text("#run_state")
    deadline = time.monotonic() + 10
    while any("spawn_main" in c for c in served.children()):
        assert time.monotonic() < deadline, f"the worker still runs: {served.children()}"
        time.sleep(0.2)


def test_a_path_outside_the_workspace_is_refused_on_the_page(app_page: AppPage) -> None:
    for hostile in ("../outside.toml", "/etc/passwd.toml", "link.toml"):
        app_page.say("#scenario_file", hostile)
        app_page.page.click("#use_file")
        app_page.page.wait_for_selector(
            "#app_message.refused >> text=outside the workspace", timeout=10_000
        )
    app_page.say("#scenario_file", "broken.toml")
    app_page.page.click("#use_file")
    app_page.page.wait_for_selector("#app_message.refused >> text=broken.toml", timeout=10_000)
    assert "\n" not in app_page.message()
    app_page.say("#scenario_file", "mine.toml")
    app_page.page.click("#use_file")
    app_page.page.wait_for_selector("#app_message >> text=(mine.toml) loaded", timeout=10_000)
    app_page.say("#save_as", "../escape.toml")
    app_page.page.click("#save")
    app_page.page.wait_for_selector(
        "#app_message.refused >> text=outside the workspace", timeout=10_000
    )


def test_two_browser_sessions_stay_apart(chromium: Any, served: Served) -> None:
    first, second = AppPage(chromium, served), AppPage(chromium, served)
    try:
        first.page.select_option("#scenario", "single_desk")
        first.page.wait_for_selector("#app_message >> text=single_desk", timeout=10_000)
        first.say("#replications", "2")
        first.say("#years", "0.5")
        first.say("#lever_0", "4")
        first.page.click("#run")
        first.run_state("done")
        time.sleep(1.5)  # two polls of the second page
        assert "minimal" in second.message()
        assert second.page.query_selector("#run_state") is None
        assert second.page.query_selector("#result_table") is None
        assert "staff" in second.page.inner_text("label[for=lever_0]")
        assert second.page.input_value("#replications") == "10"
        assert first.blocked == second.blocked == []
        assert first.errors == second.errors == []
    finally:
        first.close()
        second.close()


def test_off_localhost_the_page_needs_the_printed_link(chromium: Any, tmp_path: Path) -> None:
    """On another address (127.0.0.2 stays on this machine) only the link's token gets in."""
    app = Served(tmp_path, ["--host", "127.0.0.2"])
    try:
        assert "?token=" in app.url
        context = chromium.new_context()
        try:
            page = context.new_page()
            refused = page.goto(app.origin + "/")
            assert refused is not None and refused.status == 403
            page.goto(app.url)
            page.wait_for_selector("#lever_0", timeout=30_000)  # the websocket is in too
            page.goto(app.origin + "/")  # later visits carry the cookie
            page.wait_for_selector("#lever_0", timeout=30_000)
        finally:
            context.close()
        other = chromium.new_context()
        try:
            assert other.new_page().goto(app.origin + "/").status == 403
        finally:
            other.close()
    finally:
        app.stop()
