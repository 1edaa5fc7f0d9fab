"""Service-time distributions fitted to observed durations, chosen by AIC.

Three families are fitted by maximum likelihood: exponential, gamma and lognormal (the
scenario language's ``exponential``, ``gamma`` and ``lognormal``). The one with the
smallest Akaike information criterion, AIC = 2k - 2 log L (k = 1 parameter for the
exponential, 2 for the others), is chosen. Durations that are all the same (a coefficient
of variation under 1%) are written as ``fixed``. The fits use closed forms (gamma's shape
by Minka's Newton iteration on log-mean minus mean-log), so a million durations fit in
well under a second.

The mean written is the sample mean (the maximum-likelihood mean of the exponential and
the gamma; for the lognormal, the fitted distribution's mean), with a t interval.

>>> import numpy as np
>>> x = np.random.default_rng(1).gamma(4.0, 5.0, size=20000)   # mean 20, sd 10
>>> fit = fit_durations(x)
>>> fit.kind, round(fit.mean_days), round(fit.sd_days)
('gamma', 20, 10)
"""

from __future__ import annotations

import math

import numpy as np
from attrs import frozen
from scipy import special

from jtai_sim.experiments.stats import t_interval


@frozen(kw_only=True)
class ServiceFit:
    """The chosen distribution, its moments, the interval of the mean and every AIC."""

    kind: str
    mean_days: float
    sd_days: float
    n: int
    mean_low: float
    mean_high: float
    aic: dict[str, float]


def _gamma_shape(x: np.ndarray) -> float:
    s = math.log(float(x.mean())) - float(np.log(x).mean())
    if s <= 0:
        return 1e6
    k = (3 - s + math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    for _ in range(6):  # Newton steps on log k - digamma(k) = s
        f = math.log(k) - float(special.digamma(k)) - s
        d = 1 / k - float(special.polygamma(1, k))
        k -= f / d
    return k


def fit_durations(durations: np.ndarray) -> ServiceFit:
    """The best of exponential, gamma and lognormal (by AIC) for ``durations`` (days)."""
    x = np.asarray(durations, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        raise ValueError("no durations to fit")
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    iv = t_interval(x) if n > 1 else None
    low, high = (iv.low, iv.high) if iv is not None else (math.nan, math.nan)
    if mean <= 0 or sd <= 0.01 * mean:
        return ServiceFit(
            kind="fixed", mean_days=mean, sd_days=0.0, n=n, mean_low=low, mean_high=high, aic={}
        )
    pos = x[x > 0]
    aic: dict[str, float] = {}
    # exponential: log L = -n log(mean) - n
    aic["exponential"] = 2 * 1 + 2 * (n * math.log(mean) + n)
    gamma_sd = sd
    logn_mean, logn_sd = mean, sd
    if len(pos) == n:  # gamma and lognormal need every duration above zero
        logs = np.log(x)
        sum_log = float(logs.sum())
        k = _gamma_shape(x)
        theta = mean / k
        ll_gamma = (
            (k - 1) * sum_log - n * mean / theta - n * k * math.log(theta) - n * math.lgamma(k)
        )
        aic["gamma"] = 2 * 2 - 2 * ll_gamma
        gamma_sd = mean / math.sqrt(k)
        mu = sum_log / n
        sigma = float(logs.std(ddof=0))
        if sigma > 0:
            ll_logn = -sum_log - n * math.log(sigma * math.sqrt(2 * math.pi)) - n / 2
            aic["lognormal"] = 2 * 2 - 2 * ll_logn
            logn_mean = math.exp(mu + sigma**2 / 2)
            logn_sd = logn_mean * math.sqrt(math.expm1(sigma**2))
    kind = min(aic, key=lambda name: (aic[name], name))
    if kind == "exponential":
        return ServiceFit(
            kind=kind, mean_days=mean, sd_days=mean, n=n, mean_low=low, mean_high=high, aic=aic
        )
    if kind == "gamma":
        return ServiceFit(
            kind=kind, mean_days=mean, sd_days=gamma_sd, n=n, mean_low=low, mean_high=high, aic=aic
        )
    return ServiceFit(
        kind=kind, mean_days=logn_mean, sd_days=logn_sd, n=n, mean_low=low, mean_high=high, aic=aic
    )
