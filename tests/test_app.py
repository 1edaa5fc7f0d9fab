"""The parts of ``jtai-sim app`` that need no browser.

* path confinement: hostile spellings of a path out of the workspace are refused;
* the token gate, on a real uvicorn server on a free port serving the real app:
  HTTP and websocket requests without the token get 403, the link's token sets
  a cookie that lets the browser back in;
* levers: ranges read from the schema, the variant they make, values out of range;
* a saved variant file read back through the experiments loader is the same
  variant, and the app's what-if gives exactly the numbers ``jtai-sim compare``
  gives on that file;
* the command's own mistakes: one line, exit code 2.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.experiments import load_variant, results_from_store
from jtai_sim.experiments.variants import scenario_hash
from jtai_sim.scenario import model
from jtai_sim.scenario.schema import range_of
from runner.app.access import TokenGate, cookie_name
from runner.app.levers import DEMAND_KEY, levers_of, to_variant, variant_table, variant_text
from runner.app.paths import MAX_PATH_CHARS, OutsideWorkspace, confine
from runner.app.whatif import BackgroundRun, experiment_for
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
JTAI_SIM = [sys.executable, "-c", "from runner.cli import main; main()"]


# ---------------------------------------------------------------- paths


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "secret.toml").write_text("x = 1\n")
    (root / "out_link.toml").symlink_to(tmp_path / "secret.toml")
    (root / "out_dir").symlink_to(tmp_path)
    (root / "in_link.toml").symlink_to(root / "sub")
    return root


@pytest.mark.parametrize(
    "hostile",
    [
        "..",
        "../secret.toml",
        "sub/../../secret.toml",
        "./sub/../../secret.toml",
        "sub/../../ws/../secret.toml",
        "/etc/passwd",
        "//etc/passwd",
        "~/anything.toml",
        "out_link.toml",
        "out_dir/secret.toml",
        "out_dir",
        " ../secret.toml ",
    ],
)
def test_a_path_out_of_the_workspace_is_refused(workspace: Path, hostile: str) -> None:
    with pytest.raises(OutsideWorkspace, match="outside the workspace"):
        confine(workspace, hostile)


@pytest.mark.parametrize(
    "broken", ["", "   ", "a\x00b.toml", "a\nb.toml", "x" * (MAX_PATH_CHARS + 1)]
)
def test_what_is_no_file_name_is_refused_in_one_line(workspace: Path, broken: str) -> None:
    with pytest.raises(OutsideWorkspace) as caught:
        confine(workspace, broken)
    assert "\n" not in str(caught.value)


def test_paths_inside_the_workspace_are_resolved_there(workspace: Path) -> None:
    root = workspace.resolve()
    assert confine(workspace, "a.toml") == root / "a.toml"
    assert confine(workspace, "sub/../b.toml") == root / "b.toml"
    assert confine(workspace, str(root / "sub" / "c.toml")) == root / "sub" / "c.toml"
    assert confine(workspace, ".") == root
    assert confine(workspace, "in_link.toml") == root / "sub"  # a link that stays inside


# ---------------------------------------------------------------- the token gate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real app behind the gate on a real uvicorn server: its address and token."""
    import uvicorn

    from runner.app.serve import asgi_app

    token = "test-token-0123456789abcdef"
    port = _free_port()
    app = asgi_app(tmp_path_factory.mktemp("gated"), token)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"127.0.0.1:{port}", token
    server.should_exit = True
    thread.join(10)


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_http_without_the_token_is_forbidden(gated: tuple[str, str]) -> None:
    address, token = gated
    assert _get(f"http://{address}/")[0] == 403
    assert _get(f"http://{address}/?token=wrong")[0] == 403
    assert _get(f"http://{address}/?token={token[:-1]}")[0] == 403
    assert _get(f"http://{address}/lib/shiny-1.8.0/shiny.js")[0] == 403
    assert _get(f"http://{address}/", cookie=f"{cookie_name(token)}=nope")[0] == 403


def test_the_token_in_the_link_sets_a_cookie_that_lets_the_browser_back(
    gated: tuple[str, str],
) -> None:
    address, token = gated
    status, headers = _get(f"http://{address}/?token={token}")
    assert status == 200
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"{cookie_name(token)}={token};") and "HttpOnly" in cookie
    assert _get(f"http://{address}/", cookie=f"{cookie_name(token)}={token}")[0] == 200
    assert _get(f"http://{address}/", cookie=f"jtai_sim_token={token}")[0] == 403


def _websocket(address: str, cookie: str | None) -> str:
    """``open``, or the HTTP status the server answered a websocket handshake with."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    headers = {"Cookie": cookie} if cookie else {}
    try:
        with connect(f"ws://{address}/websocket/", additional_headers=headers, open_timeout=10):
            return "open"
    except InvalidStatus as exc:
        return str(exc.response.status_code)


def test_a_websocket_without_the_token_is_forbidden(gated: tuple[str, str]) -> None:
    address, token = gated
    assert _websocket(address, None) == "403"
    assert _websocket(address, f"{cookie_name(token)}=wrong") == "403"
    assert _websocket(address, f"{cookie_name(token)}={token}") == "open"


def test_the_gate_refuses_an_empty_token() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        return None

    with pytest.raises(ValueError, match="empty"):
        TokenGate(app, "")


# ---------------------------------------------------------------- levers and variants


def test_levers_take_their_ranges_from_the_schema() -> None:
    levers = {lever.key: lever for lever in levers_of(load_scenario("minimal"))}
    staff = range_of(model.Agency, "staff")
    delay = range_of(model.Information, "delay_mean_days")
    assert staff is not None and delay is not None
    front = levers["agencies.front_door.staff"]
    assert (front.low, front.high, front.whole) == (staff.low, staff.high, True)
    delays = [lever for lever in levers.values() if lever.kind == "delay"]
    assert delays and all((d.low, d.high) == (delay.low, delay.high) for d in delays)
    assert levers[DEMAND_KEY].value == 1.0


def test_levers_make_a_variant_of_only_what_moved() -> None:
    levers = levers_of(load_scenario("minimal"))
    values = {
        "agencies.front_door.staff": 6.0,
        "agencies.assessment.staff": 5.0,  # the base's value: left out
        DEMAND_KEY: 1.2,
    }
    table = variant_table(levers, values, label="More and busier")
    assert table == {
        "label": "More and busier",
        "set": {"agencies.front_door.staff": 6},
        "scale": {DEMAND_KEY: 1.2},
    }
    changed = to_variant(table).apply(load_scenario("minimal"))
    assert changed.agencies["front_door"].staff == 6
    assert isinstance(changed.agencies["front_door"].staff, int)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("agencies.front_door.staff", 0),
        ("agencies.front_door.staff", 2.5),
        ("agencies.front_door.staff", 10**9),
        ("agencies.front_door.staff", None),
        ("agencies.front_door.staff", float("nan")),
        (DEMAND_KEY, -0.5),
        (DEMAND_KEY, float("inf")),
        ("agencies.nobody.staff", 3),
    ],
)
def test_a_lever_value_out_of_range_is_refused(key: str, value: float | None) -> None:
    with pytest.raises(ValueError) as caught:
        variant_table(levers_of(load_scenario("minimal")), {key: value})
    assert "\n" not in str(caught.value)


def test_a_saved_variant_reads_back_as_the_same_variant(tmp_path: Path) -> None:
    base = load_scenario("minimal")
    levers = levers_of(base)
    delay = next(lever for lever in levers if lever.kind == "delay")
    table = variant_table(
        levers,
        {"agencies.camhs.staff": 9.0, DEMAND_KEY: 0.9, delay.key: 2.5},
        label='Quotes "and" = signs',
    )
    file = tmp_path / "saved.toml"
    file.write_text(variant_text(table))
    loaded = load_variant(file)
    made = to_variant(table)
    assert loaded.label == made.label == 'Quotes "and" = signs'
    assert [(o.path, o.op, o.value) for o in loaded.overrides] == [
        (o.path, o.op, o.value) for o in made.overrides
    ]
    assert scenario_hash(loaded.apply(base)) == scenario_hash(made.apply(base))


def test_the_apps_what_if_gives_the_numbers_compare_gives(tmp_path: Path) -> None:
    base = load_scenario("minimal")
    table = variant_table(levers_of(base), {"agencies.front_door.staff": 3.0}, label="fewer")
    (tmp_path / "fewer.toml").write_text(variant_text(table))
    experiment = experiment_for(
        base, "minimal", to_variant(table), replications=2, seed=5, days=200.0
    )
    run = BackgroundRun(experiment)
    run.join(120)
    assert run.snapshot().state == "done" and run.results is not None
    assert run.snapshot().finished == {"Base": 2, "fewer": 2}
    out = tmp_path / "compare"
    result = CliRunner().invoke(
        cli,
        [
            *("compare", "minimal", str(tmp_path / "fewer.toml"), "-r", "2", "--seed", "5"),
            *("--days", "200.0", "--out", str(out), "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    stored = results_from_store(out)
    keys = run.results.key_metrics()
    assert keys == stored.key_metrics()
    app = run.results.summary(keys)[["metric", "mean", "low", "high"]].to_numpy().tolist()
    cli_numbers = stored.summary(keys)[["metric", "mean", "low", "high"]].to_numpy().tolist()
    assert app == cli_numbers
    app_diff = run.results.differences(keys)[["difference", "low", "high"]].to_numpy()
    cli_diff = stored.differences(keys)[["difference", "low", "high"]].to_numpy()
    assert (app_diff == cli_diff).all()


def test_a_what_if_past_the_budget_is_refused_before_it_starts() -> None:
    from jtai_sim.errors import JtaiError

    base = load_scenario("midshire")
    table = variant_table(levers_of(base), {DEMAND_KEY: 1.1})
    experiment = experiment_for(
        base, "midshire", to_variant(table), replications=2000, seed=1, days=36525.0
    )
    with pytest.raises(JtaiError, match=r"allow-large|limit"):
        BackgroundRun(experiment)


def test_a_cancelled_what_if_stops_its_worker() -> None:
    base = load_scenario("minimal")
    table = variant_table(levers_of(base), {"agencies.front_door.staff": 2.0})
    experiment = experiment_for(
        base, "minimal", to_variant(table), replications=50, seed=1, days=3650.0
    )
    run = BackgroundRun(experiment)
    time.sleep(0.5)
    run.cancel()
    run.join(20)
    snap = run.snapshot()
    assert snap.state == "cancelled"
    assert snap.done < snap.total


# ---------------------------------------------------------------- the command's mistakes


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "70000"], "--port"),
        (["--port", "-1"], "--port"),
        (["--port", "eighty"], "--port"),
        (["--workspace", "README.md"], "--workspace"),
        (["--workspace", "/no/such/folder"], "--workspace"),
        (["--token", "short"], "--token"),
        (["--token", "has spaces in it, sixteen+"], "--token"),
        (["--host", "no.such.host.invalid"], "cannot listen"),
    ],
)
def test_a_mistake_is_one_line_and_exit_code_2(args: list[str], says: str) -> None:
    done = subprocess.run(
        [*JTAI_SIM, "app", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jtai-sim: error:") and says in lines[0]


def test_a_port_in_use_is_one_line_and_exit_code_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*JTAI_SIM, "app", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"port {port}" in done.stderr


def test_off_localhost_the_command_makes_a_token_and_asks_for_it() -> None:
    process = subprocess.Popen(
        [*JTAI_SIM, "app", "--host", "0.0.0.0", "--port", "0", "--workspace", str(ROOT / "docs")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        link = ""
        for _ in range(5):
            line = process.stdout.readline()
            if "open http" in line:
                link = line.split("open ", 1)[1].split()[0]
                break
        assert "?token=" in link, link
        port = link.split(":")[2].split("/")[0]
        token = link.split("?token=", 1)[1]
        assert len(token) >= 40
        assert _get(f"http://127.0.0.1:{port}/")[0] == 403
        assert _get(f"http://127.0.0.1:{port}/?token={token}")[0] == 200
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("argv", [["--help"], ["app", "--help"]])
def test_help_does_not_load_the_web_stack(argv: list[str]) -> None:
    script = (
        "import sys\n"
        "from runner.cli import cli\n"
        f"try:\n    cli.main({argv!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "web = ('shiny', 'uvicorn', 'starlette', 'htmltools')\n"
        "print(sorted(m for m in web if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
