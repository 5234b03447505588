"""Backpropagation through time by hand (utils.cells): the NumPy backward passes equal tf.GradientTape on Keras
layers with the same weights (random shapes, float64 to 1e-5 and float32 to 1e-4), equal centred finite
differences on small float64 cases, and bad arguments raise ValueErrors that name the argument."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import bptt, cells


def _shape(seed: int) -> tuple[int, int, int, int]:
    """A random (batch, time, features, units)."""
    rng = np.random.default_rng(100 + seed)
    return tuple(
        int(v)
        for v in (rng.integers(1, 5), rng.integers(1, 10), rng.integers(1, 6), rng.integers(1, 7))
    )


# six random shapes, then the edge cases: one of everything, one step with one unit, a longer sequence
SHAPES = [_shape(seed) for seed in range(6)] + [(1, 1, 1, 1), (3, 1, 2, 1), (2, 25, 2, 6)]
SEEDS = range(len(SHAPES))


def _layer(kind: str, units: int, features: int, dtype: str, seed: int):
    """A Keras SimpleRNN or LSTM returning every state and its final states, with random (non-zero) weights."""
    cls = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}[kind]
    layer = cls(units, return_sequences=True, return_state=True, dtype=dtype)
    layer.build((None, None, features))
    rng = np.random.default_rng(seed)
    # recurrent weights small enough not to saturate every unit, random biases so that b matters
    layer.set_weights(
        [
            rng.normal(0, s, w.shape).astype(dtype)
            for w, s in zip(layer.get_weights(), (0.6, 0.4, 0.5))
        ]
    )
    return layer


def _data(shape, dtype, seed, states: int):
    batch, time, features, units = shape
    rng = np.random.default_rng(seed + 1000)
    x = rng.normal(size=(batch, time, features)).astype(dtype)
    init = [rng.normal(0, 0.5, (batch, units)).astype(dtype) for _ in range(states)]
    upstream = [rng.normal(size=(batch, time, units)).astype(dtype)] + [
        rng.normal(size=(batch, units)).astype(dtype) for _ in range(states - 1)
    ]
    return x, init, upstream


def _tape_gradients(layer, x, init, upstream):
    """Gradients of L = Σ dh_seq·h_seq (+ Σ dc_last·c_T for an LSTM) for x, the initial states and the weights."""
    x_var = tf.Variable(x)
    init_vars = [tf.Variable(s) for s in init]
    with tf.GradientTape() as tape:
        outputs = layer(x_var, initial_state=init_vars)
        loss = tf.reduce_sum(outputs[0] * upstream[0])
        if len(upstream) > 1:  # LSTM: outputs = [h_seq, h_T, c_T]
            loss += tf.reduce_sum(outputs[2] * upstream[1])
    weights = layer.trainable_variables  # kernel, recurrent_kernel, bias
    grads = tape.gradient(loss, [x_var, *init_vars, *weights])
    return [g.numpy() for g in grads]


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-5), ("float32", 1e-4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_backward_matches_gradient_tape(seed, dtype, tol):
    shape = SHAPES[seed]
    layer = _layer("rnn", shape[3], shape[2], dtype, seed)
    x, init, upstream = _data(shape, dtype, seed, states=1)
    expected = _tape_gradients(layer, x, init, upstream)
    h_seq, h_last, cache = cells.rnn_forward(x, *layer.get_weights(), h0=init[0], return_cache=True)
    np.testing.assert_allclose(h_seq, layer(x, initial_state=init)[0], atol=tol)
    grads = bptt.rnn_backward(upstream[0], cache)
    assert [g.shape for g in grads] == [e.shape for e in expected]
    assert all(g.dtype == np.dtype(dtype) for g in grads)
    for name, mine, theirs in zip(bptt.RNNGrads._fields, grads, expected):
        np.testing.assert_allclose(mine, theirs, atol=tol, rtol=tol, err_msg=name)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-5), ("float32", 1e-4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_backward_matches_gradient_tape(seed, dtype, tol):
    shape = SHAPES[seed]
    layer = _layer("lstm", shape[3], shape[2], dtype, seed)
    x, init, upstream = _data(shape, dtype, seed, states=2)
    expected = _tape_gradients(layer, x, init, upstream)
    *_, cache = cells.lstm_forward(
        x, *layer.get_weights(), h0=init[0], c0=init[1], return_cache=True
    )
    grads = bptt.lstm_backward(upstream[0], cache, dc_last=upstream[1])
    assert [g.shape for g in grads] == [e.shape for e in expected]
    for name, mine, theirs in zip(bptt.LSTMGrads._fields, grads, expected):
        np.testing.assert_allclose(mine, theirs, atol=tol, rtol=tol, err_msg=name)


def test_loss_on_the_last_state_only_and_default_initial_state():
    """The many-to-one case: upstream gradient only on h_T, initial state zeros, against GradientTape."""
    layer = keras.layers.SimpleRNN(5, dtype="float64")
    layer.build((None, None, 3))
    x = np.random.default_rng(0).normal(size=(2, 12, 3))
    v = np.random.default_rng(1).normal(size=(2, 5))
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_var) * v)
    expected = [g.numpy() for g in tape.gradient(loss, [x_var, *layer.trainable_variables])]
    *_, cache = cells.rnn_forward(x, *layer.get_weights(), return_cache=True)
    dh_seq = np.zeros((2, 12, 5))
    dh_seq[:, -1] = v
    grads = bptt.rnn_backward(dh_seq, cache)
    for mine, theirs in zip(
        [grads.dx, grads.dkernel, grads.drecurrent_kernel, grads.dbias], expected
    ):
        np.testing.assert_allclose(mine, theirs, atol=1e-10)


def test_backward_equals_the_loop_of_step_backwards():
    rng = np.random.default_rng(2)
    x, w = (
        rng.normal(size=(3, 4, 2)),
        [rng.normal(size=(2, 8)), rng.normal(0, 0.4, (2, 8)), rng.normal(size=8)],
    )
    h0, c0 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    dh_seq = rng.normal(size=(3, 4, 2))
    *_, cache = cells.lstm_forward(x, *w, h0=h0, c0=c0, return_cache=True)
    total = bptt.lstm_backward(dh_seq, cache)
    dh, dc, h, c = np.zeros((3, 2)), np.zeros((3, 2)), [h0], [c0]
    for t in range(4):
        step = cells.lstm_step(x[:, t], h[-1], c[-1], *w)
        h.append(step.h)
        c.append(step.c)
    dw = np.zeros((2, 8))
    for t in reversed(range(4)):
        step = cells.lstm_step(x[:, t], h[t], c[t], *w)
        g = bptt.lstm_step_backward(dh_seq[:, t] + dh, dc, x[:, t], h[t], c[t], step, *w[:2])
        dh, dc, dw = g.dh_prev, g.dc_prev, dw + g.dkernel
        np.testing.assert_allclose(g.dx_t, total.dx[:, t], atol=1e-12)
    np.testing.assert_allclose(dh, total.dh0, atol=1e-12)
    np.testing.assert_allclose(dc, total.dc0, atol=1e-12)
    np.testing.assert_allclose(dw, total.dkernel, atol=1e-12)


# --- centred finite differences ------------------------------------------------------------------------------


def _numerical(f, arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred differences (f(a + ε) − f(a − ε)) / 2ε of a scalar function, entry by entry (``arr`` is restored)."""
    grad = np.zeros_like(arr)
    for index in np.ndindex(arr.shape):
        old = arr[index]
        arr[index] = old + eps
        up = f()
        arr[index] = old - eps
        down = f()
        arr[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


def _relative_error(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("seed", range(3))
def test_rnn_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    batch, time, features, units = 2, 5, 3, 4
    arrays = {
        "x": rng.normal(size=(batch, time, features)),
        "h0": rng.normal(0, 0.5, (batch, units)),
        "kernel": rng.normal(0, 0.6, (features, units)),
        "recurrent_kernel": rng.normal(0, 0.5, (units, units)),
        "bias": rng.normal(0, 0.3, units),
    }
    upstream = rng.normal(size=(batch, time, units))

    def loss():
        h_seq, _ = cells.rnn_forward(
            arrays["x"],
            arrays["kernel"],
            arrays["recurrent_kernel"],
            arrays["bias"],
            h0=arrays["h0"],
        )
        return float(np.sum(h_seq * upstream))

    *_, cache = cells.rnn_forward(
        arrays["x"],
        arrays["kernel"],
        arrays["recurrent_kernel"],
        arrays["bias"],
        h0=arrays["h0"],
        return_cache=True,
    )
    grads = bptt.rnn_backward(upstream, cache)._asdict()
    for name, arr in arrays.items():
        assert _relative_error(grads["d" + name], _numerical(loss, arr)) < 1e-7, name


@pytest.mark.parametrize("seed", range(3))
def test_lstm_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(10 + seed)
    batch, time, features, units = 2, 4, 3, 3
    arrays = {
        "x": rng.normal(size=(batch, time, features)),
        "h0": rng.normal(0, 0.5, (batch, units)),
        "c0": rng.normal(0, 0.5, (batch, units)),
        "kernel": rng.normal(0, 0.6, (features, 4 * units)),
        "recurrent_kernel": rng.normal(0, 0.5, (units, 4 * units)),
        "bias": rng.normal(0, 0.5, 4 * units),
    }
    upstream, upstream_c = rng.normal(size=(batch, time, units)), rng.normal(size=(batch, units))

    def run(return_cache=False):
        return cells.lstm_forward(
            arrays["x"],
            arrays["kernel"],
            arrays["recurrent_kernel"],
            arrays["bias"],
            h0=arrays["h0"],
            c0=arrays["c0"],
            return_cache=return_cache,
        )

    def loss():
        h_seq, _, c_last = run()
        return float(np.sum(h_seq * upstream) + np.sum(c_last * upstream_c))

    grads = bptt.lstm_backward(upstream, run(True)[-1], dc_last=upstream_c)._asdict()
    for name, arr in arrays.items():
        assert _relative_error(grads["d" + name], _numerical(loss, arr)) < 1e-7, name


def test_finite_differences_catch_a_transposed_recurrent_kernel():
    """The check can fail: a backward pass that uses U instead of Uᵀ is far from the numerical gradient."""
    rng = np.random.default_rng(4)
    x, w, u = rng.normal(size=(2, 6, 3)), rng.normal(size=(3, 4)), rng.normal(0, 0.5, (4, 4))
    upstream = rng.normal(size=(2, 6, 4))
    *_, cache = cells.rnn_forward(x, w, u, None, return_cache=True)
    # the same states; the loop now multiplies by (Uᵀ)ᵀ = U
    broken = cache._replace(recurrent_kernel=u.T)
    good = bptt.rnn_backward(upstream, cache).drecurrent_kernel
    bad = bptt.rnn_backward(upstream, broken).drecurrent_kernel
    numerical = _numerical(lambda: float(np.sum(cells.rnn_forward(x, w, u, None)[0] * upstream)), u)
    assert _relative_error(good, numerical) < 1e-7
    assert _relative_error(bad, numerical) > 1e-2


# --- bad arguments -------------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 4))
RNN_W = [RNG.normal(size=(4, 5)), RNG.normal(size=(5, 5)), np.zeros(5)]
LSTM_W = [RNG.normal(size=(4, 20)), RNG.normal(size=(5, 20)), np.zeros(20)]
RNN_CACHE = cells.rnn_forward(X, *RNN_W, return_cache=True)[2]
LSTM_CACHE = cells.lstm_forward(X, *LSTM_W, return_cache=True)[3]
H = np.zeros((2, 5))
LSTM_STEP = cells.lstm_step(X[:, 0], H, H, *LSTM_W)


@pytest.mark.parametrize(
    "call,pattern",
    [
        (
            lambda: bptt.rnn_backward(np.zeros((2, 3, 4)), RNN_CACHE),
            r"dh_seq has shape \(2, 3, 4\), expected \(2, 3, 5\)",
        ),
        (lambda: bptt.rnn_backward(np.zeros((2, 5)), RNN_CACHE), r"dh_seq has shape \(2, 5\)"),
        (lambda: bptt.rnn_backward(np.zeros((2, 3, 5)), LSTM_CACHE), r"cache must be the RNNCache"),
        (lambda: bptt.rnn_backward(np.zeros((2, 3, 5)), (X, H)), r"cache must be the RNNCache"),
        (
            lambda: bptt.lstm_backward(np.zeros((2, 3, 5)), RNN_CACHE),
            r"cache must be the LSTMCache",
        ),
        (
            lambda: bptt.lstm_backward(np.zeros((3, 3, 5)), LSTM_CACHE),
            r"dh_seq has shape \(3, 3, 5\)",
        ),
        (
            lambda: bptt.lstm_backward(np.zeros((2, 3, 5)), LSTM_CACHE, dc_last=np.zeros(5)),
            r"dc_last has shape",
        ),
        (
            lambda: bptt.rnn_step_backward(np.zeros((2, 4)), X[:, 0], H, H, *RNN_W[:2]),
            r"dh has shape \(2, 4\)",
        ),
        (
            lambda: bptt.rnn_step_backward(H, X[:, 0], H, np.zeros(5), *RNN_W[:2]),
            r"h has shape \(5,\)",
        ),
        (
            lambda: bptt.rnn_step_backward(H, X[:, 0], np.zeros((2, 4)), H, *RNN_W[:2]),
            r"h_prev has shape",
        ),
        (
            lambda: bptt.rnn_step_backward(H, X[:, 0], H, H, RNN_W[0].T, RNN_W[1]),
            r"kernel has shape \(5, 4\)",
        ),
        (
            lambda: bptt.rnn_step_backward(H, X[:, 0], H, H, RNN_W[0], np.zeros((5, 4))),
            r"recurrent_kernel",
        ),
        (lambda: bptt.rnn_step_backward(H, X[0], H, H, *RNN_W[:2]), r"x_t has shape \(3, 4\)"),
        (
            lambda: bptt.lstm_step_backward(
                H, np.zeros((2, 4)), X[:, 0], H, H, LSTM_STEP, *LSTM_W[:2]
            ),
            r"dc has shape",
        ),
        (
            lambda: bptt.lstm_step_backward(
                H, H, X[:, 0], H, np.zeros((1, 5)), LSTM_STEP, *LSTM_W[:2]
            ),
            r"c_prev has",
        ),
        (
            lambda: bptt.lstm_step_backward(H, H, X[:, 0], H, H, (H,) * 6, *LSTM_W[:2]),
            r"step must be the LSTMStep",
        ),
        (
            lambda: bptt.lstm_step_backward(H, H, X[:, 0], H, H, LSTM_STEP, *RNN_W[:2]),
            r"recurrent_kernel has shape",
        ),
        (lambda: bptt.rnn_backward("gradients", RNN_CACHE), r"dh_seq must be a numeric array"),
    ],
)
def test_wrong_arguments_raise(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_forward_without_cache_is_unchanged():
    """return_cache is opt-in: the existing callers still get two (RNN) or three (LSTM) arrays."""
    assert len(cells.rnn_forward(X, *RNN_W)) == 2
    assert len(cells.lstm_forward(X, *LSTM_W)) == 3
    h_seq, h_last, cache = cells.rnn_forward(X, *RNN_W, return_cache=True)
    np.testing.assert_allclose(cache.h, h_seq)
    assert cache.h0.shape == (2, 5) and not cache.h0.any()
    *_, lcache = cells.lstm_forward(X, *LSTM_W, return_cache=True)
    assert lcache.c.shape == (2, 3, 5) and lcache.c0.shape == (2, 5)
