"""The registry of metrics: every statistic's name, unit, words and better direction.

A metric key is ``group.name.statistic``: the group of tables it comes from
(``wait``, ``clock``, ...), the agency, clock, pathway or ``partnership`` it is
about, and the statistic. :data:`STATISTICS` says, once, for each group and
statistic:

* ``phrase``: how a sentence names it, with ``{a}`` for the agency's label,
  ``{c}`` for the clock's label and ``{p}`` for the pathway;
* ``label``: how a table row names it (funnel and CAMHS tables);
* ``unit``: ``share``, ``days``, ... (``{u}`` for the clock's own unit);
* ``higher_is_better``: ``True``, ``False`` or ``None`` (neither).

The metric tables (:mod:`jtai_sim.results.metrics`), the run report, experiments and
their plain-language sentences all read it; nothing guesses a unit from a name.

>>> STATISTICS["wait"]["p90_days"].unit, STATISTICS["clock"]["met_share"].higher_is_better
('days', True)
>>> STATISTICS["flow"]["nfa_share_of_referrals"].label
'Referrals closed with no further action'
"""

from __future__ import annotations

from attrs import frozen


@frozen
class Statistic:
    """One statistic of a metric group, in words."""

    phrase: str
    unit: str
    higher_is_better: bool | None = None
    label: str = ""


_S = Statistic

#: Statistics of each metric group, in the order tables list them.
STATISTICS: dict[str, dict[str, Statistic]] = {
    "wait": {
        "children": _S("children who started {a}", "children", True),
        "mean_days": _S("the mean wait for {a}", "days", False),
        "median_days": _S("the median wait for {a}", "days", False),
        "p90_days": _S("the 90th-percentile wait for {a}", "days", False),
        "mean_working_days": _S("the mean wait for {a} in working days", "working days", False),
        "waited_share": _S("the share of children who waited for {a}", "share", False),
        "urgent_mean_days": _S("the mean wait of urgent referrals for {a}", "days", False),
        "routine_mean_days": _S("the mean wait of routine referrals for {a}", "days", False),
        # counting the children still waiting (jtai_sim.results.censored, Kaplan-Meier)
        "cohort": _S("referrals to {a} after the warm-up", "children"),
        "still_waiting_share": _S(
            "the share of referrals to {a} still waiting at the end", "share", False
        ),
        "km_median_days": _S(
            "the median wait for {a} counting those still waiting (Kaplan-Meier)", "days", False
        ),
        "restricted_mean_days": _S(
            "the restricted mean wait for {a} to a year, counting those still waiting "
            "(Kaplan-Meier)",
            "days",
            False,
        ),
        "over_18_weeks_share": _S(
            "the share of referrals to {a} waiting over 18 weeks (Kaplan-Meier)", "share", False
        ),
        "urgent_km_median_days": _S(
            "the median wait of urgent referrals for {a} (Kaplan-Meier)", "days", False
        ),
        "routine_km_median_days": _S(
            "the median wait of routine referrals for {a} (Kaplan-Meier)", "days", False
        ),
        "urgent_restricted_mean_days": _S(
            "the restricted mean wait of urgent referrals for {a} (Kaplan-Meier)", "days", False
        ),
        "routine_restricted_mean_days": _S(
            "the restricted mean wait of routine referrals for {a} (Kaplan-Meier)", "days", False
        ),
        "growing_list_share": _S(
            "the share of runs in which the list of {a} kept growing", "share", False
        ),
    },
    "clock": {
        "started": _S("clocks started for '{c}'", "clocks"),
        "met": _S("'{c}' met", "clocks", True),
        "breached": _S("'{c}' breached", "clocks", False),
        "pending": _S("'{c}' still running at the end", "clocks"),
        "not_reached": _S("'{c}' not reached", "clocks"),
        "met_share": _S("the share meeting '{c}'", "share", True),
        "mean_elapsed": _S("the mean time to '{c}'", "{u}", False),
        "median_elapsed": _S("the median time to '{c}'", "{u}", False),
        # added by experiments from met and breached
        "breach_share": _S("the share breaching '{c}'", "share", False),
    },
    "flow": {
        "contacts_per_10k_per_year": _S("contacts", "per 10k children per year", label="Contacts"),
        "referrals_per_10k_per_year": _S(
            "referrals", "per 10k children per year", label="Referrals"
        ),
        "assessments_per_10k_per_year": _S(
            "assessments", "per 10k children per year", label="Assessments"
        ),
        "plans_per_10k_per_year": _S("plans", "per 10k children per year", label="Plans"),
        "camhs_referrals_per_10k_per_year": _S(
            "camhs referrals", "per 10k children per year", label="CAMHS referrals"
        ),
        "camhs_supports_per_10k_per_year": _S(
            "camhs supports", "per 10k children per year", label="CAMHS support started"
        ),
        "nfa_share_of_referrals": _S(
            "nfa share of referrals", "share", label="Referrals closed with no further action"
        ),
        "not_in_need_share_of_referrals": _S(
            "not in need share of referrals", "share", label="Referrals assessed as not in need"
        ),
        "re_referral_share_within_12_months": _S(
            "re referral share within 12 months", "share", label="Re-referrals within 12 months"
        ),
        "referral_share_of_contacts": _S(
            "referral share of contacts", "share", label="Contacts that became referrals"
        ),
    },
    "camhs": {
        "referrals": _S("CAMHS referrals", "referrals", label="CAMHS referrals made after warm-up"),
        "supported_share": _S(
            "the share of CAMHS referrals supported", "share", True, "Supported (help started)"
        ),
        "closed_share": _S(
            "the share of CAMHS referrals closed without support",
            "share",
            False,
            "Closed without support",
        ),
        "waiting_share": _S(
            "the share of CAMHS referrals still waiting", "share", False, "Still waiting at the end"
        ),
        "mean_wait_to_support_days": _S(
            "the mean wait from CAMHS referral to support",
            "days",
            False,
            "Mean wait from referral to support",
        ),
        "p90_wait_to_support_days": _S(
            "the 90th-percentile wait from CAMHS referral to support",
            "days",
            False,
            "90th percentile wait to support",
        ),
    },
    "handoff": {
        "handoffs": _S("hand-offs on {p}", "hand-offs"),
        "complete_share": _S("the share of hand-offs on {p} arriving complete", "share", True),
        "partial_share": _S("the share of hand-offs on {p} arriving partial", "share", False),
        "lost_share": _S("the share of hand-offs on {p} lost", "share", False),
        "late_share": _S("the share of hand-offs on {p} arriving late", "share", False),
    },
    "mental_health": {
        "identifications_per_year": _S("mental-health needs recognised at {a}", "per year", True),
        "deteriorations_per_year": _S(
            "children deteriorating while waiting for {a}", "per year", False
        ),
        "crises_per_year": _S("crises while waiting for {a}", "per year", False),
    },
    "utilisation": {"utilisation": _S("the utilisation of {a}", "share")},
    "review": {"on_time_share": _S("the share of reviews on time at {a}", "share", True)},
}

#: The metric groups.
GROUPS: tuple[str, ...] = tuple(STATISTICS)
#: Groups whose metrics are about one agency (the key's name is the agency).
AGENCY_GROUPS: frozenset[str] = frozenset({"wait", "mental_health", "utilisation", "review"})


#: Why a statistic can have no value, for the tables that would otherwise show a blank.
_MISSING: dict[str, str] = {
    "km_median_days": "not reached: more than half were still waiting at the end",
    "urgent_km_median_days": "not reached: more than half were still waiting at the end",
    "routine_km_median_days": "not reached: more than half were still waiting at the end",
    "over_18_weeks_share": "the run after warm-up is shorter than 18 weeks",
    "met_share": "no clock was met or breached after the warm-up",
    "breach_share": "no clock was met or breached after the warm-up",
    "mean_elapsed": "no clock stopped after the warm-up",
    "median_elapsed": "no clock stopped after the warm-up",
    "re_referral_share_within_12_months": "no referral had a year of the run behind it",
}


def why_missing(group: str, stat: str) -> str:
    """Why ``stat`` of ``group`` can have no value (nothing to measure, in most cases).

    >>> why_missing("wait", "km_median_days")
    'not reached: more than half were still waiting at the end'
    >>> why_missing("wait", "mean_days")
    'no child to measure after the warm-up'
    """
    if stat in _MISSING:
        return _MISSING[stat]
    if group == "wait":
        return "no child to measure after the warm-up"
    return "nothing to measure after the warm-up"


def statistic(group: str, stat: str) -> Statistic | None:
    """The registry's entry for ``stat`` of ``group``, if there is one."""
    return STATISTICS.get(group, {}).get(stat)


def label(group: str, stat: str) -> str:
    """How a table row names ``stat`` of ``group``.

    >>> label("camhs", "closed_share"), label("flow", "something_new")
    ('Closed without support', 'something new')
    """
    entry = statistic(group, stat)
    return entry.label if entry and entry.label else stat.replace("_", " ")
