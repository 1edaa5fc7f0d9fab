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

Services still open when the records end are **right-censored**: all that is known is
that each has lasted at least so long. Leaving them out would bias long services short
(the longer a service, the likelier it is still open). Given such lengths,
:func:`fit_durations` maximises the full likelihood instead, each finished service
counting its density and each open one its survival function (the exponential in closed
form, the gamma and lognormal numerically from the closed-form fit of the finished ones),
and the mean is the fitted distribution's, with a 95% interval by the delta method from
the likelihood's curvature.

>>> import numpy as np
>>> x = np.random.default_rng(1).gamma(4.0, 5.0, size=20000)   # mean 20, sd 10
>>> fit = fit_durations(x)
>>> fit.kind, round(fit.mean_days), round(fit.sd_days)
('gamma', 20, 10)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from attrs import frozen
from scipy import optimize, special

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


def fit_durations(durations: np.ndarray, open_for: np.ndarray | None = None) -> ServiceFit:
    """The best of exponential, gamma and lognormal (by AIC) for ``durations`` (days),
    with ``open_for`` the lengths so far of services still open (right-censored)."""
    x = np.asarray(durations, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        raise ValueError("no durations to fit")
    if open_for is not None:
        c = np.asarray(open_for, dtype=np.float64)
        c = c[np.isfinite(c) & (c > 0)]
        if len(c) and n > 1 and float(x.std(ddof=1)) > 0.01 * float(x.mean()):
            return _censored_fit(x, c)
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


def _censored_fit(x: np.ndarray, c: np.ndarray) -> ServiceFit:
    """Maximum likelihood with the open services ``c`` right-censored (module doc)."""
    n, total = len(x), float(x.sum() + c.sum())
    fits: dict[str, tuple[float, float, float, float]] = {}  # kind: -log L, mean, sd, se
    mean = total / n  # the exponential's: every day in service over the services ended
    fits["exponential"] = (n * math.log(mean) + total / mean, mean, mean, mean / math.sqrt(n))
    if (x > 0).all():
        logs, log_c = np.log(x), np.log(c)
        sum_log = float(logs.sum())

        def gamma_nll(p: np.ndarray) -> float:
            k, theta = math.exp(p[0]), math.exp(p[1])
            ll = (k - 1) * sum_log - float(x.sum()) / theta - n * (k * p[1] + math.lgamma(k))
            survive = np.log(np.maximum(special.gammaincc(k, c / theta), 1e-300))
            return -float(ll + float(survive.sum()))

        def lognormal_nll(p: np.ndarray) -> float:
            mu, sigma = p[0], math.exp(p[1])
            z = (logs - mu) / sigma
            ll = -sum_log - n * (p[1] + 0.5 * math.log(2 * math.pi)) - 0.5 * float(z @ z)
            return -float(ll + float(special.log_ndtr(-(log_c - mu) / sigma).sum()))

        k0 = _gamma_shape(x)
        families = {
            "gamma": (gamma_nll, [math.log(k0), math.log(float(x.mean()) / k0)], _gamma_moments),
            "lognormal": (
                lognormal_nll,
                [float(logs.mean()), math.log(max(float(logs.std()), 1e-3))],
                _lognormal_moments,
            ),
        }
        for kind, (nll, start, moments) in families.items():
            best = optimize.minimize(
                nll,
                np.array(start),
                method="Nelder-Mead",
                options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 2000},
            )
            m, sd = moments(best.x)
            fits[kind] = (float(best.fun), m, sd, _mean_se(nll, best.x, moments))
    aic = {kind: 2 * (1 if kind == "exponential" else 2) + 2 * f[0] for kind, f in fits.items()}
    kind = min(aic, key=lambda name: (aic[name], name))
    _, m, sd, se = fits[kind]
    return ServiceFit(
        kind=kind,
        mean_days=m,
        sd_days=sd,
        n=n + len(c),
        mean_low=m - 1.96 * se,
        mean_high=m + 1.96 * se,
        aic=aic,
    )


def _gamma_moments(p: np.ndarray) -> tuple[float, float]:
    k, theta = math.exp(p[0]), math.exp(p[1])
    return k * theta, math.sqrt(k) * theta


def _lognormal_moments(p: np.ndarray) -> tuple[float, float]:
    mu, sigma = float(p[0]), math.exp(p[1])
    mean = math.exp(mu + sigma**2 / 2)
    return mean, mean * math.sqrt(math.expm1(sigma**2))


def _mean_se(
    nll: Callable[[np.ndarray], float],
    p: np.ndarray,
    moments: Callable[[np.ndarray], tuple[float, float]],
) -> float:
    """The standard error of the fitted mean: the delta method on the inverse of the
    negative log-likelihood's Hessian at ``p`` (central differences)."""
    h = 1e-4
    dim = len(p)
    hess = np.empty((dim, dim))
    for i in range(dim):
        for j in range(dim):
            ei, ej = np.eye(dim)[i] * h, np.eye(dim)[j] * h
            hess[i, j] = (
                nll(p + ei + ej) - nll(p + ei - ej) - nll(p - ei + ej) + nll(p - ei - ej)
            ) / (4 * h * h)
    grad = np.array(
        [
            (moments(p + np.eye(dim)[i] * h)[0] - moments(p - np.eye(dim)[i] * h)[0]) / (2 * h)
            for i in range(dim)
        ]
    )
    try:
        var = float(grad @ np.linalg.solve(hess, grad))
    except np.linalg.LinAlgError:
        return math.nan
    return math.sqrt(var) if var > 0 else math.nan
