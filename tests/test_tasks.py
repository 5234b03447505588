"""Tests of utils.tasks: the adding-problem generator and its chance level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.tasks import (
    adding_batches,
    adding_problem,
    adding_problem_chance_mse,
    adding_problem_recent_only_mse,
    marked_value_slopes,
)


@pytest.mark.parametrize("split_halves", [True, False])
def test_shapes_and_dtypes(split_halves):
    x, y = adding_problem(7, 13, seed=0, split_halves=split_halves)
    assert x.shape == (7, 13, 2) and x.dtype == np.float32
    assert y.shape == (7, 1) and y.dtype == np.float32


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 50),
    t=st.integers(2, 60),
    seed=st.integers(0, 2**31 - 1),
    split_halves=st.booleans(),
)
def test_exactly_two_markers_and_correct_target(n, t, seed, split_halves):
    x, y = adding_problem(n, t, seed=seed, split_halves=split_halves)
    markers = x[:, :, 1]
    assert set(np.unique(markers)) <= {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))


def test_split_halves_puts_one_marker_in_each_half():
    x, _ = adding_problem(500, 21, seed=1)
    half = 21 // 2
    assert np.all(x[:, :half, 1].sum(axis=1) == 1)
    assert np.all(x[:, half:, 1].sum(axis=1) == 1)


def test_markers_cover_all_positions():
    x, _ = adding_problem(5000, 10, seed=2, split_halves=False)
    assert np.all(x[:, :, 1].sum(axis=0) > 0)


def test_shortest_sequence_marks_both_steps():
    for split_halves in (True, False):
        x, y = adding_problem(3, 2, seed=4, split_halves=split_halves)
        assert np.all(x[:, :, 1] == 1)
        np.testing.assert_allclose(y[:, 0], x[:, :, 0].sum(axis=1), rtol=1e-6)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a = adding_problem(20, 30, seed=5)
    b = adding_problem(20, 30, seed=5)
    c = adding_problem(20, 30, seed=6)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_target_statistics_match_the_chance_level():
    _, y = adding_problem(200_000, 16, seed=7)
    assert abs(y.mean() - 1.0) < 0.005
    assert abs(y.var() - adding_problem_chance_mse()) < 0.003
    assert adding_problem_chance_mse() == pytest.approx(1 / 6)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_samples": 0, "seq_len": 10}, "n_samples"),
        ({"n_samples": -3, "seq_len": 10}, "n_samples"),
        ({"n_samples": 2.0, "seq_len": 10}, "n_samples"),
        ({"n_samples": 5, "seq_len": 1}, "seq_len"),
        ({"n_samples": 5, "seq_len": 0}, "seq_len"),
        ({"n_samples": 5, "seq_len": "10"}, "seq_len"),
        ({"n_samples": True, "seq_len": 10}, "n_samples"),
    ],
)
def test_bad_parameters_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        adding_problem(**kwargs, seed=0)


def test_numpy_integers_are_accepted():
    x, _ = adding_problem(np.int64(3), np.int32(4), seed=0)
    assert x.shape == (3, 4, 2)


def test_lag_from_first_marker_to_the_end_is_half_to_full_length():
    t = 40
    x, _ = adding_problem(50_000, t, seed=8)
    first = x[:, :, 1].argmax(axis=1)
    lag = t - first  # steps from the first marker to the end, the final step counted
    assert lag.min() == t // 2 + 1 and lag.max() == t
    assert abs(lag.mean() - (3 * t / 4 + 0.5)) < 0.1


def test_batches_are_fresh_seeded_and_shaped():
    a = adding_batches(4, 12, seed=[0, 3, 12])
    b = adding_batches(4, 12, seed=[0, 3, 12])
    first, second = next(a), next(a)
    assert (
        first[0].shape == (4, 12, 2) and first[1].shape == (4, 1) and first[0].dtype == np.float32
    )
    assert not np.array_equal(first[0], second[0])  # a new batch every update
    other = next(b)
    # same seed, same stream
    assert np.array_equal(first[0], other[0]) and np.array_equal(first[1], other[1])
    assert np.all(first[0][:, :6, 1].sum(axis=1) == 1) and np.all(
        first[0][:, 6:, 1].sum(axis=1) == 1
    )
    np.testing.assert_allclose(
        first[1][:, 0], (first[0][:, :, 0] * first[0][:, :, 1]).sum(axis=1), rtol=1e-6
    )


def test_batches_reject_bad_sizes_at_the_call():
    with pytest.raises(ValueError, match="batch_size"):
        adding_batches(0, 10)
    with pytest.raises(ValueError, match="seq_len"):
        adding_batches(8, 1)


def test_marked_value_slopes_recover_known_models():
    x, y = adding_problem(2000, 20, seed=9)
    b1, b2 = marked_value_slopes(x, y)  # the perfect model: slopes 1, 1
    assert b1 == pytest.approx(1.0, abs=1e-5) and b2 == pytest.approx(1.0, abs=1e-5)
    second = (x[:, 10:, 0] * x[:, 10:, 1]).sum(axis=1)
    b1, b2 = marked_value_slopes(x, 0.5 + second)  # remembers only the recent value
    assert b1 == pytest.approx(0.0, abs=1e-5) and b2 == pytest.approx(1.0, abs=1e-5)
    assert adding_problem_recent_only_mse() == pytest.approx(
        np.mean((y[:, 0] - 0.5 - second) ** 2), abs=0.01
    )


def test_marked_value_slopes_reject_bad_input():
    x, y = adding_problem(10, 8, seed=0)
    with pytest.raises(ValueError, match="y_pred"):
        marked_value_slopes(x, y[:5])
    with pytest.raises(ValueError, match="x must"):
        marked_value_slopes(x[:, :, :1], y)
    x[0, :, 1] = 0
    with pytest.raises(ValueError, match="two markers"):
        marked_value_slopes(x, y)
