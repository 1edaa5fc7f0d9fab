"""The app started as a user starts it, and a page on it in a browser with the network shut.

:class:`Served` runs ``jtai-sim app`` as a subprocess on a free port with a given
workspace; :class:`AppPage` opens it in a browser context of its own, in which
every request that is not to the app's own address is blocked and recorded, and
console errors are collected. The planner's and the facilitator's browser tests
share them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JTAI_SIM = [sys.executable, "-c", "from runner.cli import main; main()"]
#: Seconds a small what-if on ``minimal`` may take here, worker start-up included.
RUN_TIMEOUT_MS = 120_000


def app_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Served:
    """A running ``jtai-sim app``: its link, workspace and process."""

    def __init__(self, workspace: Path, extra: list[str] = ()) -> None:  # type: ignore[assignment]
        self.workspace = workspace
        self.process = subprocess.Popen(
            [*JTAI_SIM, "app", "--port", "0", "--workspace", str(workspace), *extra],
            cwd=ROOT,
            env=app_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.search(r"open (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        if not self.url:
            self.stop()
            raise AssertionError(f"the app did not start: {self.process.stderr}")
        self.origin = re.match(r"http://[^/]+", self.url).group(0)  # type: ignore[union-attr]

    def children(self) -> list[str]:
        """The command lines of the app's child processes (its replication workers)."""
        out = []
        for task in Path("/proc").iterdir():
            if not task.name.isdigit():
                continue
            try:
                stat = (task / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                if parent == self.process.pid:
                    out.append((task / "cmdline").read_text().replace("\0", " "))
            except (OSError, IndexError, ValueError):
                continue
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class AppPage:
    """A page on the app in its own browser context, every other address blocked."""

    def __init__(self, browser: Any, served: Served, ready: str = "#lever_0") -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        origin = served.origin

        def route(route: Any) -> None:
            url = route.request.url
            if url == origin or url.startswith(origin + "/"):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()

        self.page.route("**/*", route)
        self.page.goto(served.url)
        self.page.wait_for_selector(ready, timeout=30_000)

    def message(self) -> str:
        return str(self.page.inner_text("#app_message"))

    def say(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)
        self.page.press(selector, "Tab")

    def run_state(self, state: str, timeout: int = RUN_TIMEOUT_MS) -> None:
        self.page.wait_for_selector(f"#run_state[data-state={state}]", timeout=timeout)

    def close(self) -> None:
        self.context.close()
