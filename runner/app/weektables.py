"""The facilitator's page's tables of a finished mock week, as HTML tags.

Each function takes a :class:`~runner.app.weekview.WeekView` and gives one block:
the chosen children and why, the timetable by inspector, the timetable by
agency, and the case packs and audit templates (each linked to its place in the
pack shown below them).
"""

from __future__ import annotations

from typing import Any

from shiny import ui

from runner.app.weekview import WeekView

#: The name of the frame the pack is shown in; links into the pack open there.
FRAME = "pack_frame"


def chosen_children(view: WeekView) -> ui.Tag:
    """The tracked and sampled children, with the reasons each was chosen."""
    head = ui.tags.tr(
        ui.tags.th("Child"), ui.tags.th("Chosen as"), ui.tags.th("From"), ui.tags.th("Why")
    )
    rows = [
        ui.tags.tr(
            ui.tags.td(c.label),
            ui.tags.td(c.role),
            ui.tags.td(c.frame),
            ui.tags.td("; ".join(c.reasons)),
            class_=f"chosen-{c.role}",
        )
        for c in view.chosen
    ]
    tracked = sum(1 for c in view.chosen if c.role == "tracked")
    return ui.div(
        ui.h4("The children chosen"),
        ui.p(
            f"{tracked} tracked and {len(view.chosen) - tracked} sampled, from "
            f"{view.eligible:,} children on the {view.theme} list at notification."
        ),
        ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*rows), class_="jtai-results"),
        id="chosen_children",
    )


def _cell(cell: dict[str, Any]) -> ui.Tag:
    if cell.get("kind") == "away":
        return ui.tags.td("Away", class_="k-away")
    if not cell.get("title"):
        return ui.tags.td("", class_="k-free")
    return ui.tags.td(
        ui.tags.b(cell["title"]),
        ui.br(),
        ui.tags.small(cell.get("room", "")),
        class_=f"k-{cell['kind']}",
    )


def by_inspector(view: WeekView) -> ui.Tag:
    """The timetable by inspector: a row per time of each on-site day."""
    people = view.by_inspector["inspectors"]
    head = ui.tags.tr(
        ui.tags.th("Time"),
        *[ui.tags.th(i["name"], ui.br(), ui.tags.small(i["inspectorate"])) for i in people],
    )
    bodies = []
    for day in view.by_inspector["days"]:
        rows: list[ui.Tag] = [ui.tags.tr(ui.tags.th(day["name"], colspan=str(len(people) + 1)))]
        for row in day["rows"]:
            if row["span"]:
                cells = [ui.tags.td(row["text"], colspan=str(len(people)), class_="k-span")]
            else:
                cells = [_cell(c) for c in row["cells"]]
            rows.append(ui.tags.tr(ui.tags.th(row["time"]), *cells))
        bodies.append(ui.tags.tbody(*rows))
    return ui.div(
        ui.h4("Timetable by inspector"),
        ui.tags.table(ui.tags.thead(head), *bodies, class_="jtai-results jtai-timetable"),
        id="timetable_by_inspector",
    )


def by_agency(view: WeekView) -> ui.Tag:
    """The timetable by agency: what each agency is asked for on each day."""
    head = ui.tags.tr(ui.tags.th("Agency"), *[ui.tags.th(d) for d in view.by_agency["days"]])
    rows = [
        ui.tags.tr(
            ui.tags.th(row["agency"]),
            *[
                ui.tags.td(
                    *[
                        ui.div(
                            ui.tags.b(e["time"]),
                            f" {e['title']} ({e['inspector']}"
                            + (f", {e['room']})" if e["room"] else ")"),
                        )
                        for e in entries
                    ]
                )
                for entries in row["days"]
            ],
        )
        for row in view.by_agency["rows"]
    ]
    return ui.div(
        ui.h4("Timetable by agency"),
        ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*rows), class_="jtai-results"),
        id="timetable_by_agency",
    )


def packs_and_audits(view: WeekView, index_url: str) -> ui.Tag:
    """The case packs and audit templates of the tracked children, linked into the pack."""

    def link(text: str, anchor: str) -> ui.Tag:
        return ui.tags.a(text, href=f"{index_url}#{anchor}", target=FRAME)

    cases = [
        ui.tags.li(link(c["label"], c["anchor"]), f": {c['events']} events, lead {c['lead']}")
        for c in view.cases
    ]
    audits = [
        ui.tags.li(link(f"Audit {a['n']}: {a['label']}", a["anchor"]), f", due {a['due']}")
        for a in view.audits
    ]
    return ui.div(
        ui.h4("Case packs"),
        ui.tags.ul(*cases, id="case_packs"),
        ui.h4("Audit templates"),
        ui.tags.ul(*audits, id="audit_templates"),
        ui.p("Files in the pack: " + ", ".join(view.files)),
    )


__all__ = ["FRAME", "by_agency", "by_inspector", "chosen_children", "packs_and_audits"]
