"""Tests of utils.gradients against closed forms: a linear RNN has ∂h_T/∂x_t = K·W^(T−1−t) exactly."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.gradients import (
    fit_decay_rate,
    loss_input_gradient_norms,
    spectral_radius,
    state_input_gradient_norms,
)

T = 12


def _linear_rnn(kernel: np.ndarray, recurrent: np.ndarray, **kwargs) -> keras.layers.SimpleRNN:
    """A SimpleRNN without activation or bias: h_t = x_t K + h_{t-1} W (Keras multiplies row vectors)."""
    layer = keras.layers.SimpleRNN(recurrent.shape[0], activation=None, use_bias=False, **kwargs)
    layer.build((None, None, kernel.shape[0]))
    layer.set_weights([kernel.astype("float32"), recurrent.astype("float32")])
    return layer


def _inputs(batch: int = 3, steps: int = T, features: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, steps, features)).astype("float32")


def _expected_norms(kernel: np.ndarray, recurrent: np.ndarray, steps: int) -> np.ndarray:
    """‖K W^(T-1-t)‖_F for t = 0 … T-1."""
    return np.array(
        [
            np.linalg.norm(kernel @ np.linalg.matrix_power(recurrent, steps - 1 - t))
            for t in range(steps)
        ]
    )


def test_scalar_linear_neuron_gives_k_times_w_to_the_distance() -> None:
    layer = _linear_rnn(np.array([[2.0]]), np.array([[0.9]]))
    norms = state_input_gradient_norms(layer, _inputs(features=1))
    assert norms.shape == (T,)
    np.testing.assert_allclose(norms, 2.0 * 0.9 ** np.arange(T)[::-1], rtol=1e-5)


def test_matrix_case_matches_the_jacobian_product() -> None:
    rng = np.random.default_rng(1)
    kernel, recurrent = rng.normal(size=(2, 3)), 0.5 * rng.normal(size=(3, 3))
    norms = state_input_gradient_norms(_linear_rnn(kernel, recurrent), _inputs())
    np.testing.assert_allclose(norms, _expected_norms(kernel, recurrent, T), rtol=1e-4)


def test_tanh_makes_the_norms_smaller_than_the_linear_ones() -> None:
    rng = np.random.default_rng(2)
    kernel, recurrent = rng.normal(size=(2, 3)), 0.6 * rng.normal(size=(3, 3))
    layer = keras.layers.SimpleRNN(3, activation="tanh", use_bias=False)
    layer.build((None, None, 2))
    layer.set_weights([kernel.astype("float32"), recurrent.astype("float32")])
    norms = state_input_gradient_norms(layer, _inputs())
    assert np.all(norms <= _expected_norms(kernel, recurrent, T) * (1 + 1e-5))
    assert norms[0] < norms[-1]


def test_per_example_rows_average_to_the_default_and_a_single_sequence_works() -> None:
    layer = keras.layers.SimpleRNN(4, activation="tanh")
    x = _inputs(batch=3)
    rows = state_input_gradient_norms(layer, x, per_example=True)
    assert rows.shape == (3, T)
    np.testing.assert_allclose(rows.mean(axis=0), state_input_gradient_norms(layer, x), rtol=1e-6)
    np.testing.assert_allclose(state_input_gradient_norms(layer, x[1]), rows[1], rtol=1e-5)


def test_sequence_outputs_and_state_lists_use_the_final_state() -> None:
    rng = np.random.default_rng(3)
    kernel, recurrent = rng.normal(size=(2, 3)), 0.5 * rng.normal(size=(3, 3))
    x = _inputs()
    last = state_input_gradient_norms(_linear_rnn(kernel, recurrent), x)
    seq = state_input_gradient_norms(_linear_rnn(kernel, recurrent, return_sequences=True), x)
    np.testing.assert_allclose(seq, last, rtol=1e-6)
    lstm = keras.layers.LSTM(3, return_state=True)
    plain = keras.layers.LSTM(3)
    plain.build((None, None, 2))
    lstm.build((None, None, 2))
    plain.set_weights(lstm.get_weights())
    np.testing.assert_allclose(
        state_input_gradient_norms(lstm, x), state_input_gradient_norms(plain, x), rtol=1e-6
    )


def test_a_model_works_and_unbuilt_layers_are_built() -> None:
    model = keras.Sequential([keras.layers.GRU(3), keras.layers.Dense(1)])  # not built yet
    norms = state_input_gradient_norms(model, _inputs())
    assert norms.shape == (T,) and np.all(np.isfinite(norms)) and np.all(norms > 0)
    fixed = keras.Sequential(
        [keras.Input((T, 2)), keras.layers.SimpleRNN(3), keras.layers.Dense(2)]
    )
    assert state_input_gradient_norms(fixed, _inputs()).shape == (T,)


def test_the_result_equals_tapes_batch_jacobian() -> None:
    import tensorflow as tf

    layer = keras.layers.LSTM(4)
    x = tf.constant(_inputs(batch=2, steps=6))
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = layer(x)
    expected = np.sqrt((tape.batch_jacobian(h, x).numpy() ** 2).sum(axis=(1, 3)))
    np.testing.assert_allclose(
        state_input_gradient_norms(layer, x, per_example=True), expected, rtol=1e-5
    )


@pytest.mark.parametrize(
    "x, match",
    [
        (np.zeros(5), "shape"),
        (np.zeros((2, 3, 4, 5)), "shape"),
        (np.zeros((0, 3, 1)), "empty"),
        (np.full((1, 3, 1), np.nan), "NaN"),
    ],
)
def test_bad_inputs_raise_value_errors(x, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        state_input_gradient_norms(keras.layers.SimpleRNN(2), x)


def test_non_callables_and_bad_outputs_raise() -> None:
    with pytest.raises(ValueError, match="layer_or_model"):
        state_input_gradient_norms("SimpleRNN", _inputs())
    with pytest.raises(ValueError, match="units"):
        state_input_gradient_norms(lambda x, training=False: x[:, 0, 0], _inputs())
    with pytest.raises(ValueError, match="model"):
        loss_input_gradient_norms(42, _inputs(), np.zeros((3, 1)), "mse")


# --- loss gradients ------------------------------------------------------------------------------------------


def test_loss_gradient_of_a_linear_model_matches_the_closed_form() -> None:
    """MSE loss L = mean_b (h_b − y_b)²: ∂L/∂x_{b,t} = 2/B (h_b − y_b)·k·w^(T−1−t)."""
    k, w = 1.5, 0.8
    layer = _linear_rnn(np.array([[k]]), np.array([[w]]))
    x = _inputs(batch=4, features=1)
    y = np.array([[1.0], [-2.0], [0.5], [0.0]], dtype="float32")
    h = np.asarray(layer(x))
    expected = 2 / 4 * np.linalg.norm(h - y) * k * w ** np.arange(T)[::-1]
    np.testing.assert_allclose(loss_input_gradient_norms(layer, x, y, "mse"), expected, rtol=1e-4)
    np.testing.assert_allclose(
        loss_input_gradient_norms(layer, x, y, keras.losses.MeanSquaredError()), expected, rtol=1e-4
    )


def test_loss_gradient_of_a_single_sequence_and_bad_arguments() -> None:
    model = keras.Sequential(
        [keras.Input((None, 2)), keras.layers.SimpleRNN(3), keras.layers.Dense(1)]
    )
    x = _inputs(batch=2)
    one = loss_input_gradient_norms(model, x[0], np.array([0.3]), "mse")
    batch_of_one = loss_input_gradient_norms(model, x[:1], np.array([[0.3]]), "mse")
    np.testing.assert_allclose(one, batch_of_one, rtol=1e-6)
    assert one.shape == (T,)
    with pytest.raises(ValueError, match="rows"):
        loss_input_gradient_norms(model, x, np.zeros((5, 1)), "mse")
    with pytest.raises(ValueError, match="loss_fn"):
        loss_input_gradient_norms(model, x, np.zeros((2, 1)), "not_a_loss")
    with pytest.raises(ValueError, match="loss_fn"):
        loss_input_gradient_norms(model, x, np.zeros((2, 1)), 3)


# --- decay fits ----------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(factor=st.floats(0.05, 3.0), scale=st.floats(1e-3, 1e3), steps=st.integers(3, 200))
def test_fit_recovers_an_exact_geometric_sequence(factor: float, scale: float, steps: int) -> None:
    norms = scale * factor ** np.arange(steps, dtype=float)
    fit = fit_decay_rate(norms)
    assert fit.factor == pytest.approx(factor, rel=1e-6)
    assert np.exp(fit.intercept) == pytest.approx(scale, rel=1e-6)
    assert fit.points == steps


def test_fit_skips_zeros_infinities_and_the_excluded_range() -> None:
    norms = 0.5 ** np.arange(20, dtype=float)
    norms[:3] = [7.0, 7.0, 7.0]  # a non-geometric start
    norms[15:] = 0.0  # underflow
    norms[10] = np.inf
    fit = fit_decay_rate(norms, min_distance=3)
    assert fit.factor == pytest.approx(0.5, rel=1e-9)
    assert fit.points == 11
    assert fit.steps_per_decade == pytest.approx(np.log(10) / np.log(2))
    assert fit_decay_rate(norms, min_distance=3, max_distance=8).points == 6


def test_fit_with_explicit_distances_and_a_flat_line() -> None:
    t = np.arange(10)
    norms_by_t = 3.0 * 0.9 ** (9 - t)
    assert fit_decay_rate(norms_by_t, distances=9 - t).factor == pytest.approx(0.9)
    flat = fit_decay_rate(np.ones(5))
    assert flat.factor == pytest.approx(1.0) and flat.steps_per_decade == float("inf")


@pytest.mark.parametrize(
    "norms, kwargs, match",
    [
        (np.ones((2, 3)), {}, "1-D"),
        (np.ones(4), {"distances": np.arange(3)}, "distances"),
        (np.array([1.0, 0.0, np.nan]), {}, "usable"),
        (np.ones(5), {"min_distance": 4}, "usable"),
    ],
)
def test_fit_rejects_bad_input(norms, kwargs, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_decay_rate(norms, **kwargs)


def test_spectral_radius() -> None:
    angle = 0.3
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert spectral_radius(0.9 * rotation) == pytest.approx(0.9)
    assert spectral_radius(np.diag([0.5, -1.2, 1.1])) == pytest.approx(1.2)
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.ones((2, 3)))
