"""The delivery half of the mock JTAI week: settings, the on-site timetable, the pack.

* :mod:`runner.mockweek.settings`: the inspection settings (team, day, rooms, sizes, calendar).
* :mod:`runner.mockweek.week`: the sessions of the on-site week built from a selection.
* :mod:`runner.mockweek.timetable`: the week timetabled with OR-Tools CP-SAT, and why it fails.
* :mod:`runner.mockweek.prechecks`: counting checks that say why a week cannot work.
* :mod:`runner.mockweek.checker`: an independent re-check of every hard rule on a timetable.
* :mod:`runner.mockweek.pack`: the facilitator pack as offline HTML and as Markdown.
* :mod:`runner.mockweek.chronology`: a child's events in words.
* :mod:`runner.mockweek.absences`: who is away, drawn from the seed or read from a CSV.
* :mod:`runner.mockweek.pipeline`: scenario or case list to a written pack.
* :mod:`runner.mockweek.screenshot`: a picture of a pack's timetable for the docs.
"""
