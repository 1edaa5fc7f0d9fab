"""The planner's page and the server logic behind it, one instance per browser session.

The app has two tabs: the planner's what-ifs (here) and the facilitator's mock
week (:mod:`runner.app.facilitator`, a module of its own under the ``facil`` ids).

The page: a scenario (a built-in, or a ``.toml`` file in the workspace), its
levers (staff, demand, information delays) with the ranges the scenario schema
allows, the run settings (replications, years, seed), Run and Cancel, a progress
bar, the headline table and Save variant.

:func:`make_app` closes over the workspace folder only; every value that changes
(the scenario, the running what-if, the messages) lives in reactive values made
inside the server function, so two browser sessions never see each other's work.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from jtai_sim.scenario.model import DAYS_PER_YEAR, MAX_DAYS, SEED
from runner.app import facilitator
from runner.app.jobs import cancel_on_end, job_status
from runner.app.levers import Lever, levers_of, to_variant, variant_table, variant_text
from runner.app.paths import confine
from runner.app.tables import headline_rows
from runner.app.whatif import BackgroundRun, Snapshot, experiment_for

if TYPE_CHECKING:
    from jtai_sim.scenario.model import Scenario

#: The namespace of the facilitator's tab (its inputs' ids start ``facil-``).
FACILITATOR = "facil"

#: Where Save variant writes unless told otherwise (inside the workspace).
DEFAULT_SAVE = "variants/whatif.toml"

_STYLE = """
.jtai-progress { width: 100%; height: 1.4rem; }
.jtai-message { min-height: 1.5rem; font-weight: 600; }
.jtai-message.refused { color: #a4000f; }
.jtai-command { font-family: monospace; white-space: pre-wrap; word-break: break-all; }
table.jtai-results td, table.jtai-results th { padding: 0.25rem 0.6rem; vertical-align: top; }
"""


def builtin_scenarios() -> list[str]:
    """The names of the scenarios that ship with jtai-sim (``scenarios/*.toml``)."""
    from jtai_sim.scenario.builtin import BUILTIN

    return sorted(p.stem for p in BUILTIN.glob("*.toml"))


def _first_choice(names: list[str]) -> str | None:
    """The scenario the page opens on: ``minimal``, the smallest, when it is there."""
    return "minimal" if "minimal" in names else (names[0] if names else None)


def _page() -> ui.Tag:
    names = builtin_scenarios()
    sidebar = ui.sidebar(
        ui.h5("Scenario"),
        ui.input_select("scenario", "Built-in scenario", names, selected=_first_choice(names)),
        ui.input_text("scenario_file", "or a .toml file in the workspace", placeholder="my.toml"),
        ui.input_action_button("use_file", "Use this file", class_="btn-sm"),
        ui.h5("Run"),
        ui.input_numeric("replications", "Replications", 10, min=2, step=1),
        ui.input_numeric("years", "Years", 1, min=0, max=MAX_DAYS / DAYS_PER_YEAR, step=0.5),
        ui.output_ui("seed_box"),
        ui.input_text("label", "Name of the what-if", "What if"),
        ui.input_action_button("run", "Run", class_="btn-primary"),
        ui.input_action_button("cancel", "Cancel", class_="btn-outline-danger"),
        ui.h5("Save variant"),
        ui.input_text("save_as", "File in the workspace", DEFAULT_SAVE),
        ui.input_action_button("save", "Save variant", class_="btn-sm"),
        width=340,
    )
    planner = ui.layout_sidebar(
        sidebar,
        ui.tags.style(_STYLE),
        ui.output_ui("message"),
        ui.output_ui("progress"),
        ui.output_ui("results"),
        ui.h4("Levers"),
        ui.output_ui("lever_inputs"),
    )
    return ui.page_navbar(
        ui.nav_panel("Planner", planner, value="planner"),
        ui.nav_panel("Facilitator", facilitator.panel(FACILITATOR), value="facilitator"),
        id="view",
        title="jtai-sim",
        window_title="jtai-sim planner",
        lang="en",
    )


def _lever_id(index: int) -> str:
    return f"lever_{index}"


def _lever_panel(title: str, levers: list[tuple[int, Lever]]) -> Any:
    def shown(value: float, lever: Lever) -> float:
        return int(value) if lever.whole else value

    inputs = [
        ui.input_numeric(
            _lever_id(i),
            lever.label,
            shown(lever.value, lever),
            min=shown(lever.low, lever),
            max=shown(lever.high, lever),
            step=shown(lever.step, lever),
        )
        for i, lever in levers
    ]
    return ui.accordion_panel(f"{title} ({len(levers)})", *inputs)


def _progress_tag(snap: Snapshot) -> ui.Tag:
    parts = ", ".join(f"{title} {n}" for title, n in snap.finished.items())
    words = {
        "running": f"Running: {snap.done} of {snap.total} replications finished ({parts})",
        "done": f"Finished: {snap.done} of {snap.total} replications",
        "cancelled": f"Cancelled after {snap.done} of {snap.total} replications",
        "failed": f"Stopped: {snap.message}",
    }[snap.state]
    return ui.div(
        ui.tags.progress(
            value=str(snap.done),
            max=str(snap.total),
            class_="jtai-progress",
            id="run_progress",
            **{"aria-label": "replications finished"},
        ),
        ui.p(words, id="run_state", **{"data-state": snap.state}),
    )


def _whole(bound: object) -> int:
    """A numeric bound of the model as a whole number (the seed's are whole)."""
    if not isinstance(bound, int | float):  # pragma: no cover - the seed's bounds are numbers
        raise TypeError(f"not a number: {bound!r}")
    return int(bound)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def make_app(workspace: Path) -> App:
    """The Shiny application of a workspace folder."""
    root = workspace.resolve(strict=True)

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        loaded: reactive.Value[tuple[str, Scenario] | None] = reactive.value(None)
        running: reactive.Value[BackgroundRun | None] = reactive.value(None)
        ran: reactive.Value[dict[str, Any] | None] = reactive.value(None)
        note: reactive.Value[tuple[str, bool]] = reactive.value(("", False))

        def say(text: str, refused: bool = False) -> None:
            note.set((text, refused))

        def load(source: str, where: str | Path) -> None:
            from jtai_sim.errors import JtaiError
            from jtai_sim.scenario.builtin import load_scenario

            try:
                scenario = load_scenario(where)
            except JtaiError as exc:
                say(str(exc), refused=True)
                return
            loaded.set((source, scenario))
            say(f"Scenario {scenario.name} ({source}) loaded.")

        @reactive.effect
        @reactive.event(input.scenario)
        def _builtin() -> None:
            name = str(input.scenario())
            if name in builtin_scenarios():
                load(name, name)

        @reactive.effect
        @reactive.event(input.use_file)
        def _from_file() -> None:
            from jtai_sim.errors import InputError

            given = str(input.scenario_file() or "")
            try:
                path = confine(root, given)
                if path.suffix.lower() != ".toml":
                    raise InputError(f"{given}: a scenario file ends in .toml")
            except InputError as exc:
                say(str(exc), refused=True)
                return
            load(path.relative_to(root).as_posix(), path)

        def levers() -> list[Lever]:
            current = loaded.get()
            return levers_of(current[1]) if current is not None else []

        @render.ui
        def seed_box() -> Any:
            current = loaded.get()
            seed = current[1].seed if current is not None else 0
            return ui.input_numeric(
                "seed", "Seed", seed, min=_whole(SEED.low), max=_whole(SEED.high), step=1
            )

        @render.ui
        def lever_inputs() -> Any:
            chosen = list(enumerate(levers()))
            if not chosen:
                return ui.p("Choose a scenario.")
            groups = [
                ("Staff per agency", [p for p in chosen if p[1].kind == "staff"]),
                ("Demand", [p for p in chosen if p[1].kind == "demand"]),
                ("Information delays on pathways", [p for p in chosen if p[1].kind == "delay"]),
            ]
            panels = [_lever_panel(title, items) for title, items in groups if items]
            first = f"{groups[0][0]} ({len(groups[0][1])})" if groups[0][1] else True
            return ui.accordion(*panels, id="lever_groups", open=first)

        def chosen_values() -> dict[str, Any]:
            values: dict[str, Any] = {}
            for i, lever in enumerate(levers()):
                value = input[_lever_id(i)]() if _lever_id(i) in input else lever.value
                values[lever.key] = _number(value)
            return values

        def chosen_table() -> dict[str, Any]:
            """The variant data of the levers as they stand; ``ValueError`` says what is wrong."""
            table = variant_table(levers(), chosen_values(), label=str(input.label() or ""))
            if len(table) == 1:
                raise ValueError("move at least one lever away from the scenario's value")
            return table

        @reactive.effect
        @reactive.event(input.run)
        def _run() -> None:
            from jtai_sim.errors import JtaiError
            from runner.errors import UserError
            from runner.options import run_length

            current = loaded.get()
            if current is None:
                say("Choose a scenario first.", refused=True)
                return
            previous = running.get()
            if previous is not None and previous.snapshot().state == "running":
                say("A what-if is running: wait for it or cancel it first.", refused=True)
                return
            source, scenario = current
            try:
                table = chosen_table()
                replications = _number(input.replications())
                if replications is None or not replications.is_integer():
                    raise ValueError("Replications: give a whole number, 2 or more")
                years = _number(input.years())
                if years is None:
                    raise ValueError("Years: give a number of years")
                seed = _number(input.seed())
                if seed is None or not seed.is_integer():
                    raise ValueError("Seed: give a whole number")
                days = run_length(years, None)
                experiment = experiment_for(
                    scenario,
                    source,
                    to_variant(table),
                    replications=int(replications),
                    seed=int(seed),
                    days=days,
                )
                started = BackgroundRun(experiment)
            except UserError as exc:
                say(exc.format_message(), refused=True)
                return
            except (JtaiError, ValueError) as exc:
                text = str(exc)
                if "--allow-large" in text:
                    text += " (to jtai-sim compare: the app keeps to the limits)"
                say(text, refused=True)
                return
            running.set(started)
            ran.set(
                {
                    "source": source,
                    "table": table,
                    "replications": int(replications),
                    "seed": int(seed),
                    "days": days,
                }
            )
            say(f"Running {table['label'] or 'the what-if'} against {scenario.name}.")

        status = job_status(running, input.cancel, say)

        @render.ui
        def progress() -> Any:
            snap = status()
            return _progress_tag(snap) if snap is not None else ui.div()

        @render.ui
        def results() -> Any:
            snap = status()
            current = running.get()
            settings = ran.get()
            if snap is None or snap.state != "done" or current is None or current.results is None:
                return ui.div()
            if settings is None:  # pragma: no cover - set with every run
                return ui.div()
            rows = headline_rows(current.results)
            head = ui.tags.tr(
                ui.tags.th("Metric"),
                ui.tags.th(current.results.base.title),
                ui.tags.th(current.results.info(current.results.names[1]).title),
                ui.tags.th("Paired difference (variant minus base)"),
            )
            body = [
                ui.tags.tr(
                    ui.tags.td(row.phrase, ui.br(), ui.tags.small(row.metric)),
                    ui.tags.td(row.base, class_="base"),
                    ui.tags.td(row.variant, class_="variant"),
                    ui.tags.td(row.difference, class_="difference"),
                    **{"data-metric": row.metric},
                )
                for row in rows
            ]
            return ui.div(
                ui.h4("Key metrics with 95% intervals"),
                ui.p(
                    f"{settings['replications']} replications each, seed {settings['seed']}, "
                    f"common random numbers."
                ),
                ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body), class_="jtai-results"),
                ui.p(
                    "A difference of shares is in percentage points. Save variant writes this "
                    "what-if as a file, and shows the jtai-sim compare line that repeats "
                    "these numbers."
                ),
                id="result_table",
            )

        @reactive.effect
        @reactive.event(input.save)
        def _save() -> None:
            from jtai_sim.atomic import write_file
            from jtai_sim.errors import InputError, JtaiError

            current = loaded.get()
            if current is None:
                say("Choose a scenario first.", refused=True)
                return
            given = str(input.save_as() or "")
            try:
                path = confine(root, given)
                if path.suffix.lower() != ".toml":
                    raise InputError(f"{given}: a variant file ends in .toml")
                if path.exists():
                    raise InputError(f"{given}: already exists; choose another name")
                table = chosen_table()
                write_file(path, variant_text(table), key="Save variant", make_parents=True)
            except (JtaiError, ValueError) as exc:
                say(str(exc), refused=True)
                return
            relative = path.relative_to(root).as_posix()
            settings = ran.get()
            if settings is not None and settings["table"] == table:
                command = _command(current[0], relative, settings)
                say(f"Saved {relative}. The last run's numbers from the command line: {command}")
            else:
                command = _command(current[0], relative, None)
                say(f"Saved {relative}. Run it from the command line: {command}")

        @render.ui
        def message() -> Any:
            text, refused = note.get()
            return ui.div(
                text,
                id="app_message",
                role="status",
                class_="jtai-message refused" if refused else "jtai-message",
            )

        def _ended() -> None:
            cancel_on_end(running)

        session.on_ended(_ended)
        facilitator.facilitator_server(FACILITATOR, root=root)

    return App(_page(), server)


def _command(source: str, variant: str, settings: dict[str, Any] | None) -> str:
    """``jtai-sim compare`` with the base, the variant file and the last run's settings."""
    words = ["jtai-sim", "compare", source, variant]
    if settings is not None and settings["source"] == source:
        words += ["--replications", str(settings["replications"]), "--seed", str(settings["seed"])]
        if settings["days"] is not None:
            words += ["--days", repr(float(settings["days"]))]
    return shlex.join(words)


__all__ = ["DEFAULT_SAVE", "builtin_scenarios", "make_app"]
