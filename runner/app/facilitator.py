"""The facilitator's view: set up a mock JTAI week, run it, read and download the pack.

The panel asks for what ``jtai-sim mock-week`` asks for: a built-in scenario, a
scenario file in the workspace or the area's own records (a case list or a
records folder in the workspace), the theme, the notification date, the seed, an
inspection settings file (the team, rooms and sizes) and an absence file. **Run
mock week** runs the command's own pipeline in a worker process
(:mod:`runner.app.weekrun`) while the page names each step; **Cancel** ends the
worker. The finished week shows the tracked and sampled children and why they
were chosen, the timetable by inspector and by agency, the case packs and audit
templates, and the pack itself in a frame opened at the letter, served from the
browser session's own temporary folder; **Download pack** zips that folder.

It is a Shiny module: :func:`panel` is its UI and :func:`facilitator_server` its
server, called once per browser session, so every value lives in that browser
session's reactive values.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from runner.app.jobs import cancel_on_end, job_status
from runner.app.packfolder import PackFolder, zip_pack
from runner.app.weekrun import STEPS, BackgroundWeek, WeekSnapshot
from runner.app.weektables import FRAME, by_agency, by_inspector, chosen_children, packs_and_audits

#: What the form opens on: the README's example week.
DEFAULT_SCENARIO = "midshire"
DEFAULT_NOTIFY = "2025-06-03"

_SOURCES = (
    ("builtin", "A built-in scenario"),
    ("file", "A scenario file in the workspace"),
    ("cases", "The area's own records in the workspace"),
)

_STYLE = """
.jtai-pack { width: 100%; height: 48rem; border: 1px solid #bbb; }
table.jtai-timetable td { font-size: 0.85rem; min-width: 7rem; }
table.jtai-timetable td.k-free { background: #f6f6f6; }
table.jtai-timetable td.k-away { background: #eee; color: #555; }
"""


@module.ui
def panel() -> Any:
    """The facilitator's tab: the mock week's options beside its results."""
    from runner.app.page import builtin_scenarios
    from runner.app.weekform import theme_choices

    names = builtin_scenarios()
    sidebar = ui.sidebar(
        ui.h5("The area"),
        ui.input_radio_buttons("source", None, dict(_SOURCES), selected="builtin"),
        ui.input_select(
            "scenario",
            "Built-in scenario",
            names,
            selected=DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else None,
        ),
        ui.input_text("scenario_file", "Scenario file (.toml)", placeholder="my-area.toml"),
        ui.input_text("cases", "Case list or records folder", placeholder="records/annex_a"),
        ui.h5("The inspection"),
        ui.input_select("theme", "Theme", theme_choices()),
        ui.input_text("notify", "Notification date (YYYY-MM-DD)", DEFAULT_NOTIFY),
        ui.input_text("seed", "Seed", placeholder="the scenario's own"),
        ui.input_text(
            "settings_file",
            "Inspection settings: team, rooms (.toml)",
            placeholder="the theme's team",
        ),
        ui.input_text("absences_file", "Absences (.csv)", placeholder="drawn at random"),
        ui.input_action_button("run", "Run mock week", class_="btn-primary"),
        ui.input_action_button("cancel", "Cancel", class_="btn-outline-danger"),
        width=340,
    )
    return ui.layout_sidebar(
        sidebar,
        ui.tags.style(_STYLE),
        ui.output_ui("message"),
        ui.output_ui("progress"),
        ui.output_ui("results"),
    )


def _progress_tag(snap: WeekSnapshot) -> ui.Tag:
    last = snap.steps[-1] if snap.steps else "starting the worker"
    words = {
        "running": f"Running: {last} ({snap.seconds:.0f} s)",
        "done": f"Finished in {snap.seconds:.1f} s: {last}",
        "cancelled": "Cancelled: the worker was stopped",
        "failed": f"Stopped: {snap.message}",
    }[snap.state]
    return ui.div(
        ui.tags.progress(
            value=str(snap.done),
            max=str(STEPS),
            class_="jtai-progress",
            id="week_progress",
            **{"aria-label": "steps of the mock week finished"},
        ),
        ui.p(words, id="week_state", **{"data-state": snap.state}),
    )


@module.server
def facilitator_server(input: Inputs, output: Outputs, session: Session, root: Path) -> None:
    """The facilitator's tab for one browser session, on the workspace ``root``."""
    packs = PackFolder()
    running: reactive.Value[BackgroundWeek | None] = reactive.value(None)
    note: reactive.Value[tuple[str, bool]] = reactive.value(("", False))
    routes: reactive.Value[dict[str, str]] = reactive.value({})

    def say(text: str, refused: bool = False) -> None:
        note.set((text, refused))

    @reactive.effect
    @reactive.event(input.run)
    def _run() -> None:
        from runner.app.weekform import week_request
        from runner.errors import UserError

        previous = running.get()
        if previous is not None and previous.snapshot().state == "running":
            say("A mock week is running: wait for it or cancel it first.", refused=True)
            return
        try:
            request = week_request(
                root,
                source=str(input.source()),
                scenario=str(input.scenario() or ""),
                scenario_file=str(input.scenario_file() or ""),
                cases=str(input.cases() or ""),
                notify=str(input.notify() or ""),
                theme=str(input.theme() or ""),
                seed=str(input.seed() or ""),
                settings_file=str(input.settings_file() or ""),
                absences_file=str(input.absences_file() or ""),
            )
        except UserError as exc:
            say(exc.format_message(), refused=True)
            return
        routes.set({})
        running.set(BackgroundWeek(request, packs.next_out()))
        command = shlex.join(["jtai-sim", *request.cli_args(), "--out", "pack"])
        say(f"Running the mock week; from the workspace the same pack comes from: {command}")

    status = job_status(running, input.cancel, say)

    @reactive.effect
    def _serve() -> None:
        """Once a week is done, serve its pack's files to this browser session only."""
        snap = status()
        if snap is None or snap.state != "done" or routes.get():
            return
        from runner.mockweek.pipeline import PACK_FILES

        top = session.root_scope()
        with reactive.isolate():
            routes.set(
                {name: top.dynamic_route(name, _handler(packs, name)) for name in PACK_FILES}
            )

    @render.ui
    def progress() -> Any:
        snap = status()
        return _progress_tag(snap) if snap is not None else ui.div()

    @render.ui
    def results() -> Any:
        snap = status()
        served = routes.get()
        if snap is None or snap.state != "done" or snap.view is None or not served:
            return ui.div()
        view = snap.view
        index = served["index.html"]
        return ui.div(
            ui.h4(f"Mock JTAI of {view.letter_theme}: {view.name}"),
            ui.p(
                f"Notified {view.notification}; on site {view.on_site}; {view.sessions} "
                f"sessions timetabled ({view.status})."
            ),
            ui.download_button("download", "Download pack", class_="btn-success"),
            chosen_children(view),
            by_inspector(view),
            by_agency(view),
            packs_and_audits(view, index),
            ui.h4("The letter"),
            ui.p(" ".join(view.headline), id="letter_headline"),
            ui.p("The pack as written, opened at the mock findings letter:"),
            ui.tags.iframe(
                src=f"{index}#letter",
                name=FRAME,
                id="pack_frame",
                class_="jtai-pack",
                title="The facilitator pack",
            ),
            id="week_results",
        )

    @render.download(filename="mock-week-pack.zip", media_type="application/zip")
    def download() -> Iterator[bytes]:
        folder = packs.current
        if folder is None or not folder.is_dir():
            raise ValueError("no pack yet: run a mock week first")
        yield zip_pack(folder)

    @render.ui
    def message() -> Any:
        text, refused = note.get()
        return ui.div(
            text,
            id="week_message",
            role="status",
            class_="jtai-message refused" if refused else "jtai-message",
        )

    def _ended() -> None:
        current = cancel_on_end(running)
        if current is not None:
            current.join(10)
        packs.remove()

    session.on_ended(_ended)


def _handler(packs: PackFolder, name: str) -> Any:
    """The route that answers a request for the pack file ``name`` of this browser session."""

    def answer(_request: Any) -> Any:
        from starlette.responses import FileResponse, PlainTextResponse

        path = packs.file(name)
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "no-store"})

    return answer


__all__ = ["facilitator_server", "panel"]
