"""The vectorised paths of the metrics agree with the plain rule they replace."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_sim.results.clocktime import _sum_before

rows = st.lists(
    st.tuples(
        st.integers(0, 4), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]), st.sampled_from([1, -1])
    ),
    max_size=30,
)
probes = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 4.0])), max_size=15
)


@settings(max_examples=200, deadline=None)
@given(rows, probes)
def test_sum_before_is_the_sum_of_earlier_steps(
    steps: list[tuple[int, float, int]], asked: list[tuple[int, float]]
) -> None:
    """Ties in time are the point: a step at the probe's very moment does not count."""
    child = np.array([c for c, _, _ in steps], dtype=np.int64)
    time = np.array([t for _, t, _ in steps], dtype=np.float64)
    step = np.array([s for _, _, s in steps], dtype=np.int64)
    got = _sum_before(
        child,
        time,
        step,
        np.array([c for c, _ in asked], dtype=np.int64),
        np.array([t for _, t in asked], dtype=np.float64),
    )
    want = [sum(s for c, t, s in steps if c == pc and t < pt) for pc, pt in asked]
    assert got.tolist() == want
