"""What the facilitator's page shows of a finished mock week, as plain data.

:func:`week_view` takes the :class:`~runner.mockweek.pipeline.MockWeek` the
pipeline made and keeps what the page needs: the tracked and sampled children
with the reasons they were chosen, the timetable by inspector and by agency (the
pack's own tables, from :func:`runner.mockweek.pack.pack_context`), the case
packs and audit templates, and the letter's headline findings. It is plain data so it can
come back from the worker process that ran the week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import field, frozen

if TYPE_CHECKING:
    from runner.mockweek.pipeline import MockWeek


@frozen(kw_only=True)
class ChosenChild:
    """One child the inspectors chose: tracked (followed through the week) or sampled."""

    role: str
    label: str
    frame: str
    reasons: tuple[str, ...]
    anchor: str


@frozen(kw_only=True)
class WeekView:
    """A finished mock week as the page shows it."""

    name: str
    theme: str
    notification: str
    on_site: str
    eligible: int
    chosen: tuple[ChosenChild, ...]
    by_inspector: dict[str, Any]
    by_agency: dict[str, Any]
    cases: tuple[dict[str, Any], ...]
    audits: tuple[dict[str, Any], ...]
    letter_theme: str
    headline: tuple[str, ...]
    status: str
    sessions: int
    files: tuple[str, ...] = ()
    timings: dict[str, float] = field(factory=dict)


def week_view(week: MockWeek, files: tuple[str, ...] = ()) -> WeekView:
    """The page's view of ``week``; ``files`` are the pack's files as written."""
    from runner.mockweek.pack import child_labels, pack_context

    context = pack_context(week)
    labels = child_labels(week)
    overview = context["overview"]
    chosen = [
        ChosenChild(
            role="tracked",
            label=labels[p.child],
            frame=p.frame,
            reasons=tuple(p.reasons),
            anchor=f"child-{p.child}",
        )
        for p in week.selection.tracked
    ] + [
        ChosenChild(
            role="sampled",
            label=labels[p.child],
            frame=p.frame,
            reasons=tuple(p.reasons),
            anchor=f"sample-{p.child}",
        )
        for p in week.selection.sample
    ]
    cases = tuple(
        {"label": c["label"], "anchor": c["anchor"], "lead": c["lead"], "events": c["events"]}
        for c in context["cases"]
    )
    audits = tuple(
        {
            "n": a["n"],
            "label": a["label"],
            "anchor": a["anchor"],
            "lead": a["lead"],
            "due": a["due"],
        }
        for a in context["audits"]
    )
    return WeekView(
        name=week.name,
        theme=str(overview["theme"]),
        notification=str(overview["notification"]),
        on_site=str(overview["on_site"]),
        eligible=int(overview["eligible"]),
        chosen=tuple(chosen),
        by_inspector=context["by_inspector"],
        by_agency=context["by_agency"],
        cases=cases,
        audits=audits,
        letter_theme=str(context["letter"]["theme"]),
        headline=tuple(str(h) for h in context["letter"]["headline"]),
        status=str(overview["status"]),
        sessions=int(overview["sessions"]),
        files=files,
        timings=dict(week.timings),
    )


__all__ = ["ChosenChild", "WeekView", "week_view"]
