"""Output analysis across replications: t intervals, paired and unpaired differences.

Each replication gives one value of a metric (its mean over the observation
window), and replications are independent, so the mean over replications has a
Student t interval. Two variants run with common random numbers share their
streams replication by replication, so their difference is estimated from the
paired differences, whose spread is usually far smaller than that of either
variant (the unpaired Welch interval is given too, for comparison).

Values that are not a number (a metric with no children in one replication) are
left out, and ``n`` says how many replications counted. scipy (for the t
quantiles) is imported when the first interval is computed.

A wait, a count or a rate cannot be below zero and a share lies between 0 and 1, but
a t interval around a small mean can reach past either. :func:`bounded_interval`
builds the t interval on the log scale (a quantity that cannot be negative) or the
logit scale (a share) and maps its ends back (the delta method: the standard error
of ``log m`` is ``se / m``, of ``logit m`` it is ``se / (m (1 - m))``), so its ends
always respect the bound; :data:`BOUNDED_METHOD` names it in the reports' words.
Differences between variants can be of either sign and keep the plain t interval.

>>> iv = bounded_interval([0.0, 0.0, 0.1, 0.0, 0.3], "share")
>>> iv.low >= 0, round(iv.mean, 2), iv.method
(True, 0.08, 'logit t')
>>> t_interval([0.0, 0.0, 0.1, 0.0, 0.3]).low < 0   # the plain t interval goes below zero
True

>>> iv = t_interval([10.0, 12.0, 11.0, 13.0, 9.0])
>>> round(iv.mean, 3), round(iv.half_width, 3), iv.n
(11.0, 1.963, 5)
>>> d = paired_difference([10.0, 12.0, 11.0], [9.0, 11.2, 10.1])
>>> round(d.mean, 3), d.n
(-0.9, 3)
>>> d.high < 0   # the variant is lower in every pair: clearly lower
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np

LEVEL = 0.95

#: How a bounded interval is made, in the reports' words.
BOUNDED_METHOD = (
    "95% Student t intervals over replications, made on the log scale for times, counts "
    "and rates and on the logit scale for shares, then mapped back (delta method), so no "
    "interval goes below zero or a share past 0% or 100%; differences between variants "
    "use the plain paired t interval"
)


@attrs.frozen
class Interval:
    """A mean with its confidence interval, from ``n`` replications.

    ``half_width`` is the plain t half-width (what the precision rule reads); a bounded
    interval (:func:`bounded_interval`) has its own ends, ``lower`` and ``upper``.
    """

    mean: float
    half_width: float
    n: int
    sd: float
    level: float = LEVEL
    lower: float | None = None
    upper: float | None = None
    method: str = "t"

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width if self.lower is None else self.lower

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width if self.upper is None else self.upper

    @property
    def relative_half_width(self) -> float:
        """Half-width as a share of the mean (infinite for a mean of zero).

        >>> Interval(mean=20.0, half_width=1.0, n=10, sd=1.4).relative_half_width
        0.05
        """
        if self.mean == 0 or math.isnan(self.mean):
            return 0.0 if self.half_width == 0 else math.inf
        return abs(self.half_width / self.mean)

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval."""
        return self.low <= value <= self.high


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr[~np.isnan(arr)]


def t_quantile(n: int, level: float = LEVEL) -> float:
    """The two-sided Student t quantile for ``n`` observations (``n - 1`` degrees of freedom).

    >>> round(t_quantile(10), 3)
    2.262
    """
    if n < 2:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, n - 1))


def t_interval(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> Interval:
    """Mean and Student t interval of independent replication values (NaN left out).

    One value gives an infinitely wide interval; none gives NaN.

    >>> t_interval([4.0]).half_width
    inf
    """
    arr = _clean(values)
    n = len(arr)
    if n == 0:
        return Interval(mean=math.nan, half_width=math.nan, n=0, sd=math.nan, level=level)
    mean = float(arr.mean())
    if n == 1:
        return Interval(mean=mean, half_width=math.inf, n=1, sd=math.nan, level=level)
    sd = float(arr.std(ddof=1))
    return Interval(
        mean=mean, half_width=t_quantile(n, level) * sd / math.sqrt(n), n=n, sd=sd, level=level
    )


# The bound of a metric by its unit: shares lie in [0, 1]; every other unit the registry
# uses (days, children, clocks, per year, ...) is a quantity that cannot be negative.
def bound_of(unit: str) -> str:
    """``"share"`` for a share, ``"positive"`` for any other unit a metric has.

    >>> bound_of("share"), bound_of("days")
    ('share', 'positive')
    """
    return "share" if unit == "share" else "positive"


def bounded_interval(
    values: Sequence[float] | np.ndarray, bound: str | None, level: float = LEVEL
) -> Interval:
    """Mean and t interval of replication values whose ends respect ``bound``.

    ``bound`` is ``"positive"`` (at least zero: log-scale interval), ``"share"`` (0 to 1:
    logit-scale interval) or ``None`` (the plain t interval). A mean on the bound itself
    (every value zero, say) has an interval of that one point when the values agree, and
    reaches the far bound when only one replication counted.

    >>> iv = bounded_interval([0.5, 1.0, 8.0], "positive")
    >>> round(iv.low, 2), round(iv.high, 2), iv.method, t_interval([0.5, 1.0, 8.0]).low < 0
    (0.12, 84.96, 'log t', True)
    >>> bounded_interval([0.0, 0.0, 0.0], "share").high
    0.0
    >>> bounded_interval([1.0, 1.0, 0.8], "share").high <= 1.0
    True
    """
    iv = t_interval(values, level)
    if bound is None or iv.n == 0:
        return iv
    top = 1.0 if bound == "share" else math.inf
    method = "logit t" if bound == "share" else "log t"
    m = min(max(iv.mean, 0.0), top)
    if iv.n == 1 or not math.isfinite(iv.half_width):
        return attrs.evolve(iv, lower=0.0, upper=top, method=method)
    if iv.half_width == 0 or m <= 0 or m >= top:
        return attrs.evolve(iv, lower=m, upper=m, method=method)
    se = iv.half_width  # the half-width is q * se: scale it as the standard error is
    if bound == "share":
        centre, spread = math.log(m / (1 - m)), se / (m * (1 - m))
        lower = 1 / (1 + math.exp(-(centre - spread)))
        upper = 1 / (1 + math.exp(-(centre + spread)))
    else:
        spread = se / m
        lower, upper = m * math.exp(-spread), m * math.exp(min(spread, 700.0))
    return attrs.evolve(iv, lower=lower, upper=upper, method=method)


def paired_difference(
    base: Sequence[float] | np.ndarray,
    variant: Sequence[float] | np.ndarray,
    level: float = LEVEL,
) -> Interval:
    """Interval for ``variant - base`` from values paired by replication (common random numbers).

    ``base[i]`` and ``variant[i]`` must come from the same seed and replication;
    pairs with a NaN on either side are left out.
    """
    b = np.asarray(base, dtype=np.float64)
    v = np.asarray(variant, dtype=np.float64)
    if b.shape != v.shape:
        raise ValueError(f"paired values need equal lengths, got {len(b)} and {len(v)}")
    return t_interval(v - b, level)


def welch_difference(
    base: Sequence[float] | np.ndarray,
    variant: Sequence[float] | np.ndarray,
    level: float = LEVEL,
) -> Interval:
    """Interval for ``variant - base`` treating the two samples as independent (Welch).

    ``n`` is the smaller sample size; ``sd`` the standard error of the difference.

    >>> iv = welch_difference([10.0, 12.0, 11.0], [9.0, 11.2, 10.1])
    >>> iv.low < 0 < iv.high   # unpaired, the same data say nothing clear
    True
    """
    b, v = _clean(base), _clean(variant)
    nb, nv = len(b), len(v)
    if nb < 2 or nv < 2:
        mean = float(v.mean() - b.mean()) if nb and nv else math.nan
        return Interval(mean=mean, half_width=math.inf, n=min(nb, nv), sd=math.nan, level=level)
    vb, vv = b.var(ddof=1) / nb, v.var(ddof=1) / nv
    se = math.sqrt(vb + vv)
    if se == 0:
        dof = float(nb + nv - 2)
    else:
        dof = (vb + vv) ** 2 / (vb**2 / (nb - 1) + vv**2 / (nv - 1))
    from scipy import stats

    q = float(stats.t.ppf(0.5 + level / 2, dof))
    return Interval(
        mean=float(v.mean() - b.mean()), half_width=q * se, n=min(nb, nv), sd=se, level=level
    )


def precise_enough(iv: Interval, relative: float) -> bool:
    """Whether the half-width is within ``relative`` of the mean (the precision rule).

    A metric that is exactly the same in every replication (half-width 0) is precise.

    >>> precise_enough(Interval(mean=20.0, half_width=0.8, n=10, sd=1.1), 0.05)
    True
    >>> precise_enough(Interval(mean=20.0, half_width=1.2, n=10, sd=1.7), 0.05)
    False
    """
    if iv.n < 2:
        return False
    if iv.half_width == 0:
        return True
    return iv.relative_half_width <= relative


def replications_needed(iv: Interval, relative: float) -> int:
    """Replications expected to bring the half-width within ``relative`` of the mean.

    Uses the usual estimate ``n * (h / target)**2`` from the current ``n`` and
    half-width ``h``; never fewer than ``n``.

    >>> replications_needed(Interval(mean=20.0, half_width=2.0, n=10, sd=2.8), 0.05)
    40
    """
    if iv.n < 2 or math.isnan(iv.mean):
        return max(iv.n, 2) * 2
    if precise_enough(iv, relative):
        return iv.n
    target = relative * abs(iv.mean)
    if target == 0:
        return iv.n * 2
    return max(iv.n + 1, math.ceil(iv.n * (iv.half_width / target) ** 2 - 1e-9))


__all__ = [
    "BOUNDED_METHOD",
    "LEVEL",
    "Interval",
    "bound_of",
    "bounded_interval",
    "paired_difference",
    "precise_enough",
    "replications_needed",
    "t_interval",
    "t_quantile",
    "welch_difference",
]
