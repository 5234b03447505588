"""Tests of utils.tasks: the adding-problem generator and its chance level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.tasks import adding_problem, adding_problem_chance_mse


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
