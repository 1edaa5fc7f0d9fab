"""Named, independent random streams derived from one root seed.

There is no global random state. Each purpose (arrivals of one demand stream,
service at one agency, routing at one agency, information on one pathway, ...)
gets its own :class:`numpy.random.Generator` from
``SeedSequence(root, spawn_key=(replication, *purpose))``, where the purpose is
hashed to integers. So changing one agency's capacity leaves every other
stream as it was (common random numbers), and replication ``i`` can be rebuilt
from ``(root, i)`` alone, however many replications there are.

Draws are served from pre-drawn blocks, which keeps the per-draw cost near that
of a list index. A stream's first block is 64 variates and each next one twice
the last, up to 512: a stream that is seldom drawn from (reviews running late
at one agency) holds a few variates, not thousands. numpy's generators draw
variate after variate, so the values do not depend on how they are blocked.

>>> a = Streams(7).uniform("routing", "camhs")
>>> b = Streams(7).uniform("routing", "camhs")
>>> [round(a(), 6) for _ in range(3)] == [round(b(), 6) for _ in range(3)]
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain

import numpy as np

from jtai_sim.scenario.model import Distribution

_FIRST_BLOCK = 64
_BLOCK = 512


def purpose_key(*names: str) -> tuple[int, ...]:
    """A stable integer key for a named purpose (independent of Python's hash seed)."""
    digest = hashlib.blake2b("\x1f".join(names).encode(), digest_size=8).digest()
    return (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little"))


class Streams:
    """The random streams of one replication of one scenario."""

    def __init__(self, root: int, replication: int = 0) -> None:
        self.root = root
        self.replication = replication

    def generator(self, *purpose: str) -> np.random.Generator:
        """A fresh generator for ``purpose`` in this replication."""
        seq = np.random.SeedSequence(
            self.root, spawn_key=(self.replication, *purpose_key(*purpose))
        )
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, *purpose: str) -> Callable[[], float]:
        """A function returning the next U(0, 1) variate of ``purpose``."""
        gen = self.generator(*purpose)
        return _served(gen.random)

    def exponential(self, *purpose: str) -> Callable[[], float]:
        """A function returning the next Exp(1) variate of ``purpose``."""
        gen = self.generator(*purpose)
        return _served(gen.standard_exponential)

    def durations(self, dist: Distribution, *purpose: str) -> Callable[[], float]:
        """A function returning durations (days) drawn from ``dist``."""
        gen = self.generator(*purpose)
        return _served(block_sampler(gen, dist))

    def length_biased(self, dist: Distribution, *purpose: str) -> Callable[[], float]:
        """A function returning durations drawn from the length-biased form of ``dist``.

        That is the length of the episode a child found in service at a random moment
        is on: density ``x f(x) / mean``, so long episodes are met more often.
        """
        gen = self.generator(*purpose)
        return _served(length_biased_sampler(gen, dist))


def length_biased_sampler(
    gen: np.random.Generator, dist: Distribution
) -> Callable[[int], np.ndarray]:
    """A function drawing ``size`` durations from the length-biased form of ``dist``.

    Exact forms where they exist: an exponential's is a gamma of shape 2, a
    gamma's (shape k) a gamma of shape k + 1 with the same scale, a lognormal's
    a lognormal with ``mu + sigma**2``, a fixed duration is itself; a uniform or
    triangular one (bounded by ``max_days``) is drawn by rejection, keeping a
    draw ``x`` with probability ``x / max_days``.

    >>> from jtai_sim.scenario.model import Distribution
    >>> draw = length_biased_sampler(np.random.default_rng(1), Distribution(mean_days=10.0))
    >>> bool(19.8 < draw(200_000).mean() < 20.2)  # twice the mean for an exponential
    True
    """
    mean = dist.mean_days
    if dist.kind == "exponential":
        return lambda size: gen.gamma(2.0, mean, size)
    if dist.kind == "fixed":
        return lambda size: np.full(size, mean)
    if dist.kind == "lognormal":
        sd = dist.sd_days or 0.0
        sigma2 = float(np.log1p((sd / mean) ** 2))
        mu = float(np.log(mean)) - sigma2 / 2 + sigma2
        return lambda size: gen.lognormal(mu, np.sqrt(sigma2), size)
    if dist.kind == "gamma":
        sd = dist.sd_days or 0.0
        shape = (mean / sd) ** 2
        scale = sd * sd / mean
        return lambda size: gen.gamma(shape + 1.0, scale, size)
    plain = block_sampler(gen, dist)
    hi = dist.max_days or 0.0
    if hi <= 0:
        return plain

    def rejected(size: int) -> np.ndarray:
        kept: list[np.ndarray] = []
        have = 0
        while have < size:
            x = plain(2 * size)
            x = x[gen.random(len(x)) * hi < x]
            kept.append(x)
            have += len(x)
        return np.concatenate(kept)[:size]

    return rejected


def block_sampler(gen: np.random.Generator, dist: Distribution) -> Callable[[int], np.ndarray]:
    """A function drawing ``size`` durations from ``dist`` with ``gen``."""
    mean = dist.mean_days
    if dist.kind == "exponential":
        return lambda size: gen.standard_exponential(size) * mean
    if dist.kind == "fixed":
        return lambda size: np.full(size, mean)
    if dist.kind == "lognormal":
        sd = dist.sd_days or 0.0
        sigma2 = float(np.log1p((sd / mean) ** 2))
        mu = float(np.log(mean)) - sigma2 / 2
        return lambda size: gen.lognormal(mu, np.sqrt(sigma2), size)
    if dist.kind == "gamma":
        sd = dist.sd_days or 0.0
        shape = (mean / sd) ** 2
        scale = sd * sd / mean
        return lambda size: gen.gamma(shape, scale, size)
    lo, hi = dist.min_days or 0.0, dist.max_days or 0.0
    if dist.kind == "uniform":
        return lambda size: gen.uniform(lo, hi, size)
    mode = min(max(mean, lo), hi)
    if lo == hi:
        return lambda size: np.full(size, lo)
    return lambda size: gen.triangular(lo, mode, hi, size)


def _blocks(draw: Callable[[int], np.ndarray]) -> Iterator[list[float]]:
    size = _FIRST_BLOCK
    while True:
        yield draw(size).tolist()
        size = min(2 * size, _BLOCK)


def _served(draw: Callable[[int], np.ndarray]) -> Callable[[], float]:
    """Serve single floats from blocks of ``draw(size)`` (see the module's docstring).

    The next block is drawn when the last one runs out and a value is asked for, as
    a chain of iterators does it in C: a draw costs one ``next`` call, no Python frame.

    >>> draw = _served(lambda size: np.arange(float(size)))
    >>> [draw() for _ in range(66)][62:]
    [62.0, 63.0, 0.0, 1.0]
    """
    return partial(next, chain.from_iterable(_blocks(draw)))
