"""Named, independent random streams derived from one root seed.

There is no global random state. Each purpose (arrivals of one demand stream,
service at one agency, routing at one agency, information on one pathway, ...)
gets its own :class:`numpy.random.Generator` from
``SeedSequence(root, spawn_key=(replication, *purpose))``, where the purpose is
hashed to integers. So changing one agency's capacity leaves every other
stream as it was (common random numbers), and replication ``i`` can be rebuilt
from ``(root, i)`` alone, however many replications there are.

Draws are served from pre-drawn blocks: a block of 4,096 variates is drawn at a
time, which keeps the per-draw cost near that of a list index.

>>> a = Streams(7).uniform("routing", "camhs")
>>> b = Streams(7).uniform("routing", "camhs")
>>> [round(a(), 6) for _ in range(3)] == [round(b(), 6) for _ in range(3)]
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from jtai_sim.scenario.model import Distribution

_BLOCK = 4096


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
        return _served(lambda: gen.random(_BLOCK))

    def exponential(self, *purpose: str) -> Callable[[], float]:
        """A function returning the next Exp(1) variate of ``purpose``."""
        gen = self.generator(*purpose)
        return _served(lambda: gen.standard_exponential(_BLOCK))

    def durations(self, dist: Distribution, *purpose: str) -> Callable[[], float]:
        """A function returning durations (days) drawn from ``dist``."""
        gen = self.generator(*purpose)
        return _served(block_sampler(gen, dist))


def block_sampler(gen: np.random.Generator, dist: Distribution) -> Callable[[], np.ndarray]:
    """A function drawing a block of durations from ``dist`` with ``gen``."""
    mean = dist.mean_days
    if dist.kind == "exponential":
        return lambda: gen.standard_exponential(_BLOCK) * mean
    if dist.kind == "fixed":
        return lambda: np.full(_BLOCK, mean)
    if dist.kind == "lognormal":
        sd = dist.sd_days or 0.0
        sigma2 = float(np.log1p((sd / mean) ** 2))
        mu = float(np.log(mean)) - sigma2 / 2
        return lambda: gen.lognormal(mu, np.sqrt(sigma2), _BLOCK)
    if dist.kind == "gamma":
        sd = dist.sd_days or 0.0
        shape = (mean / sd) ** 2
        scale = sd * sd / mean
        return lambda: gen.gamma(shape, scale, _BLOCK)
    lo, hi = dist.min_days or 0.0, dist.max_days or 0.0
    if dist.kind == "uniform":
        return lambda: gen.uniform(lo, hi, _BLOCK)
    mode = min(max(mean, lo), hi)
    if lo == hi:
        return lambda: np.full(_BLOCK, lo)
    return lambda: gen.triangular(lo, mode, hi, _BLOCK)


def _served(draw_block: Callable[[], np.ndarray]) -> Callable[[], float]:
    """Serve single floats from blocks produced by ``draw_block``."""
    buffer: list[float] = []
    pop = buffer.pop

    def next_value() -> float:
        if not buffer:
            block = draw_block().tolist()
            block.reverse()
            buffer.extend(block)
        return pop()

    return next_value
