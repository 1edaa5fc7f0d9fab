"""Output analysis: t intervals, paired and Welch differences, the precision rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from jtai_sim.experiments import stats

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=2, max_size=40))
@settings(max_examples=60, deadline=None)
def test_t_interval_matches_scipy(values: list[float]) -> None:
    iv = stats.t_interval(values)
    arr = np.asarray(values)
    assert iv.mean == pytest.approx(arr.mean(), abs=1e-6)
    if arr.std() > 1e-9:
        low, high = sp.t.interval(0.95, len(arr) - 1, loc=arr.mean(), scale=sp.sem(arr))
        assert iv.low == pytest.approx(low, rel=1e-9, abs=1e-6)
        assert iv.high == pytest.approx(high, rel=1e-9, abs=1e-6)
    assert iv.low <= iv.mean <= iv.high


@given(st.lists(finite, min_size=2, max_size=30), finite)
@settings(max_examples=60, deadline=None)
def test_a_constant_shift_is_found_exactly_by_pairing(values: list[float], shift: float) -> None:
    base = np.asarray(values)
    iv = stats.paired_difference(base, base + shift)
    assert iv.mean == pytest.approx(shift, abs=1e-6)
    assert iv.half_width == pytest.approx(0.0, abs=1e-6)


def test_missing_values_are_left_out_and_counted() -> None:
    iv = stats.t_interval([1.0, math.nan, 3.0])
    assert (iv.n, iv.mean) == (2, 2.0)
    d = stats.paired_difference([1.0, 2.0, math.nan], [2.0, math.nan, 5.0])
    assert d.n == 1 and math.isinf(d.half_width)
    assert stats.t_interval([]).n == 0 and math.isnan(stats.t_interval([]).mean)


def test_welch_matches_scipy() -> None:
    a, b = [3.1, 2.9, 3.6, 3.3, 2.7], [3.9, 4.4, 3.2, 4.8, 4.1, 3.7]
    iv = stats.welch_difference(a, b)
    result = sp.ttest_ind(b, a, equal_var=False)
    low, high = result.confidence_interval(0.95)
    assert (iv.low, iv.high) == (pytest.approx(low), pytest.approx(high))


def test_replications_needed_reaches_the_target_on_normal_data() -> None:
    rng = np.random.default_rng(3)
    values = list(rng.normal(20.0, 4.0, 10))
    iv = stats.t_interval(values)
    need = stats.replications_needed(iv, 0.02)
    assert need > 10
    values += list(rng.normal(20.0, 4.0, need - 10 + 20))
    assert stats.precise_enough(stats.t_interval(values), 0.025)


def test_precision_rule_edge_cases() -> None:
    assert stats.precise_enough(stats.t_interval([5.0, 5.0, 5.0]), 0.01)
    assert not stats.precise_enough(stats.t_interval([5.0]), 0.5)
    assert stats.Interval(mean=0.0, half_width=1.0, n=5, sd=1.0).relative_half_width == math.inf
