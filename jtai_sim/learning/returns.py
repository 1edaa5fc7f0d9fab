"""Re-referrals learned from the records: how many children closed without help come back,
and after how long.

The engine's rule (``mental_health.re_referral``): when a child's last open episode
closes and the child had no mental-health support, the child comes back to the agency
that first saw them with a chance (by mental-health state; at least
``at_risk_probability`` for a child at risk of harm), after an exponential delay.

In the records a **closure** is an ``exit`` that leaves the child with nothing open (no
arrival unmatched by an exit or a hand-off onwards) and no arrival at the same moment, for a child
who has not started at a support agency; a **return** is the child's next arrival when its
origin is ``return``. A closure late in the records may come back after they end, so the
chance and the delay are fitted together by maximum likelihood with those closures
censored at the records' end: a closure that came back after ``g`` days counts
``p * rate * exp(-rate * g)``, one that had not after ``h`` days ``1 - p * (1 - exp(-rate
* h))``. Records hold no mental-health state, so one chance serves every state; children
at risk of harm get theirs fitted apart (the delay is shared).

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> back = rng.random(20000) < 0.3
>>> gaps = rng.exponential(100.0, 20000)
>>> horizon = rng.uniform(0, 400, 20000)
>>> seen = back & (gaps < horizon)
>>> p, p_risk, delay = fit_returns(gaps[seen], horizon[~seen], np.zeros(0), np.zeros(0))
>>> round(p, 2), abs(delay - 100.0) < 5
(0.3, True)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize


def closures(
    events: pd.DataFrame, kinds: np.ndarray, agency: np.ndarray, support: set[str]
) -> pd.DataFrame:
    """One row per closure in ``events`` (in time order): ``child``, ``time``, and
    ``gap``, the days to the child's return (``NaN`` if the records show none)."""
    n = len(events)
    child = events["child"].to_numpy(np.int64)
    time = events["time"].to_numpy(np.float64)
    origin = events["origin"].astype(str).to_numpy()
    order = np.lexsort((np.arange(n), child))
    c, t, k, o = child[order], time[order], kinds[order], origin[order]
    # a hand-off moves the child's episode on (the sender logs no exit), so it closes one
    # episode as the arrival it leads to opens one; a parallel referral opens one more
    arrive, leave = k == "arrive", (k == "exit") | (k == "handoff")
    first = np.ones(n, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    group = np.cumsum(first) - 1
    step = arrive.astype(np.int64) - leave.astype(np.int64)
    total = np.cumsum(step)
    opened = total - (total - step)[first][group]  # running count within each child
    helped = (k == "start") & np.isin(agency[order], list(support))
    helped = pd.Series(helped).groupby(group).cummax().to_numpy(bool)
    # the child's next arrival (the rows between, such as the legal status ending with a
    # plan, say nothing of a return): a return, one at the same moment, or none
    arrivals = np.flatnonzero(arrive)
    at_next = np.searchsorted(arrivals, np.arange(n), side="right")
    has_next = at_next < len(arrivals)
    nxt = np.where(has_next, arrivals[np.minimum(at_next, len(arrivals) - 1)], 0)
    has_next &= c[nxt] == c
    same_moment = has_next & (t[nxt] <= t + 1e-9)
    closed = (k == "exit") & (opened == 0) & ~helped & ~same_moment
    back = closed & has_next & (o[nxt] == "return")
    gap = np.where(back, t[nxt] - t, np.nan)
    at = np.flatnonzero(closed)
    return pd.DataFrame({"child": c[at], "time": t[at], "gap": gap[at]})


def fit_returns(
    gaps: np.ndarray, horizons: np.ndarray, risk_gaps: np.ndarray, risk_horizons: np.ndarray
) -> tuple[float, float, float]:
    """The chance of coming back (children not at risk, then at risk) and the mean delay
    in days, fitted by maximum likelihood (see the module doc): ``gaps`` are the days to
    each return seen, ``horizons`` the days from each closure not seen to return to the
    records' end; the ``risk_`` arrays the same for children at risk of harm."""
    seen = np.concatenate([gaps, risk_gaps])
    if len(seen) == 0:
        return 0.0, 0.0, 120.0
    groups = ((gaps, horizons), (risk_gaps, risk_horizons))

    def nll(x: np.ndarray) -> float:
        rate = math.exp(x[2])
        out = 0.0
        for (g, h), z in zip(groups, x[:2], strict=True):
            p = 1.0 / (1.0 + math.exp(-z))
            out -= len(g) * math.log(p * rate) - rate * float(g.sum())
            out -= float(np.log1p(-p * -np.expm1(-rate * h)).sum())
        return out

    def logit(k: int, n: int) -> float:
        q = min(max((k + 0.5) / (n + 1.0), 1e-6), 1 - 1e-6)
        return math.log(q / (1 - q))

    start = np.array(
        [
            logit(len(gaps), len(gaps) + len(horizons)),
            logit(len(risk_gaps), len(risk_gaps) + len(risk_horizons)),
            -math.log(max(float(seen.mean()), 1e-3)),
        ]
    )
    best = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6})
    p, p_risk = (1.0 / (1.0 + math.exp(-z)) for z in best.x[:2])
    chance = 0.0 if len(gaps) == 0 else p
    risk = 0.0 if len(risk_gaps) == 0 else p_risk
    return chance, risk, 1.0 / math.exp(best.x[2])


__all__ = ["closures", "fit_returns"]
