"""Tests of utils.init: the chrono initialiser of an LSTM's gate biases."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from utils.init import ChronoInitializer, chrono_bias


def test_layout_and_range():
    units, t_max = 64, 400
    bias = chrono_bias(units, t_max, seed=3)
    assert bias.shape == (4 * units,) and bias.dtype == np.float32
    b_i, b_f, b_c, b_o = np.split(bias, 4)
    np.testing.assert_array_equal(b_i, -b_f)
    assert np.all(b_c == 0) and np.all(b_o == 0)
    assert np.all(b_f >= 0) and np.all(b_f <= np.log(t_max - 1) + 1e-6)
    # exp(b_f) is uniform on [1, t_max − 1]: the characteristic memory times are spread over that range
    times = np.exp(chrono_bias(20_000, t_max, seed=4)[20_000:40_000].astype(np.float64))
    assert abs(times.mean() - t_max / 2) < 0.02 * t_max


def test_memory_time_is_one_plus_u_between_2_and_t_max():
    """The docstring's claim: σ(b_f) = 1 − 1/(1 + u), so the memory time 1/(1 − σ(b_f)) is 1 + u ∈ [2, T_max]."""
    t_max = 400
    b_f = np.split(chrono_bias(5_000, t_max, seed=5).astype(np.float64), 4)[1]
    u = np.exp(b_f)
    forget = 1 / (1 + np.exp(-b_f))
    np.testing.assert_allclose(forget, 1 - 1 / (1 + u), rtol=1e-12)
    memory = 1 / (1 - forget)
    np.testing.assert_allclose(memory, 1 + u, rtol=1e-9)
    assert memory.min() >= 2 - 1e-6 and memory.max() <= t_max + 1e-3


def test_seeded():
    assert np.array_equal(chrono_bias(8, 50, seed=1), chrono_bias(8, 50, seed=1))
    assert not np.array_equal(chrono_bias(8, 50, seed=1), chrono_bias(8, 50, seed=2))


@pytest.mark.parametrize(
    ("units", "t_max", "name"),
    [
        (0, 10, "units"),
        (2.5, 10, "units"),
        (4, 2, "t_max"),
        (4, "100", "t_max"),
        (True, 10, "units"),
    ],
)
def test_bad_arguments_name_the_parameter(units, t_max, name):
    with pytest.raises(ValueError, match=name):
        chrono_bias(units, t_max)


def test_keras_layer_gets_the_chrono_bias_in_gate_order_i_f_c_o():
    units, t_max = 5, 100
    layer = keras.layers.LSTM(
        units, bias_initializer=ChronoInitializer(t_max, seed=7), unit_forget_bias=False
    )
    layer.build((None, 3, 2))
    np.testing.assert_allclose(
        np.asarray(layer.cell.bias), chrono_bias(units, t_max, seed=7), rtol=1e-6
    )
    # Keras splits the bias as i, f, c, o (keras/src/layers/rnn/lstm.py): check that the forget part is what
    # makes the gate keep the state, by running one step with zero weights and a cell state of 1
    cell = layer.cell
    cell.kernel.assign(np.zeros(cell.kernel.shape))
    cell.recurrent_kernel.assign(np.zeros(cell.recurrent_kernel.shape))
    _, (h, c) = cell(
        np.zeros((1, 2), "float32"),
        [np.zeros((1, units), "float32"), np.ones((1, units), "float32")],
    )
    b_i, b_f = np.split(chrono_bias(units, t_max, seed=7), 4)[:2]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    # candidate tanh(0) = 0
    np.testing.assert_allclose(np.asarray(c)[0], sig(b_f) * 1 + sig(b_i) * 0, rtol=1e-5)


def test_initializer_rejects_a_non_lstm_shape_and_round_trips_its_config():
    with pytest.raises(ValueError, match="4 \\* units"):
        ChronoInitializer(10)((6,))
    init = ChronoInitializer(30, seed=2)
    assert ChronoInitializer(**init.get_config()).get_config() == init.get_config()
    with pytest.raises(ValueError, match="t_max"):
        ChronoInitializer(1.5)
