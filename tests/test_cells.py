"""utils.cells: the NumPy cells equal keras.layers.SimpleRNN/LSTM/GRU, and bad shapes raise clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from utils import cells

keras = pytest.importorskip("keras")

TOL = 1e-5
# (batch, time, features, units): a seeded random sample of shapes plus edge cases (1 step, 1 unit, 1 feature,
# a long sequence with many units)
_rng = np.random.default_rng(2024)
SHAPES = [(1, 1, 1, 1), (3, 1, 5, 2), (1, 12, 1, 7), (4, 80, 3, 32)] + [
    tuple(int(v) for v in _rng.integers([1, 1, 1, 1], [6, 16, 8, 12])) for _ in range(5)
]


def _random_layer(layer, features: int, seed: int):
    """Build ``layer`` for ``features`` inputs and give it random weights (the bias too, which starts at zero).

    The recurrent kernel gets a standard deviation of 0.9/sqrt(units), so the recurrence is contracting on
    average: with much larger recurrent weights a SimpleRNN is chaotic, and float32 round-off (in Keras) grows
    exponentially over long sequences, which would test the arithmetic precision, not the cell.
    """
    layer.build((None, None, features))
    rng = np.random.default_rng(seed)
    kernel, recurrent, bias = layer.get_weights()
    units = recurrent.shape[0]
    layer.set_weights(
        [
            rng.normal(0.0, 1.0 / np.sqrt(features), kernel.shape).astype("float32"),
            rng.normal(0.0, 0.9 / np.sqrt(units), recurrent.shape).astype("float32"),
            rng.normal(0.0, 0.5, bias.shape).astype("float32"),
        ]
    )
    return layer


def _inputs(batch, time, features, seed):
    return (
        np.random.default_rng(seed + 1).normal(0.0, 1.0, (batch, time, features)).astype("float32")
    )


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_rnn_matches_keras(shape):
    batch, time, features, units = shape
    layer = _random_layer(
        keras.layers.SimpleRNN(units, return_sequences=True, return_state=True), features, 1
    )
    x = _inputs(batch, time, features, 1)
    h0 = np.random.default_rng(7).normal(0, 1, (batch, units)).astype("float32")
    for init in (None, h0):
        keras_seq, keras_last = layer(x, initial_state=None if init is None else [init])
        h_seq, h_last = cells.rnn_forward(x, *layer.get_weights(), h0=init)
        assert h_seq.shape == (batch, time, units) and h_seq.dtype == np.float32
        np.testing.assert_allclose(h_seq, keras_seq, atol=TOL)
        np.testing.assert_allclose(h_last, keras_last, atol=TOL)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lstm_matches_keras(shape):
    batch, time, features, units = shape
    layer = _random_layer(
        keras.layers.LSTM(units, return_sequences=True, return_state=True), features, 2
    )
    x = _inputs(batch, time, features, 2)
    rng = np.random.default_rng(8)
    h0, c0 = (rng.normal(0, 1, (batch, units)).astype("float32") for _ in range(2))
    for init in (None, (h0, c0)):
        keras_seq, keras_h, keras_c = layer(x, initial_state=None if init is None else list(init))
        h_seq, h_last, c_last = cells.lstm_forward(x, *layer.get_weights(), *(init or ()))
        assert h_seq.shape == (batch, time, units)
        np.testing.assert_allclose(h_seq, keras_seq, atol=TOL)
        np.testing.assert_allclose(h_last, keras_h, atol=TOL)
        np.testing.assert_allclose(c_last, keras_c, atol=TOL)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gru_matches_keras(shape, reset_after):
    batch, time, features, units = shape
    layer = keras.layers.GRU(
        units, return_sequences=True, return_state=True, reset_after=reset_after
    )
    layer = _random_layer(layer, features, 3)
    weights = layer.get_weights()
    assert weights[2].shape == ((2, 3 * units) if reset_after else (3 * units,))
    x = _inputs(batch, time, features, 3)
    h0 = np.random.default_rng(9).normal(0, 1, (batch, units)).astype("float32")
    for init in (None, h0):
        keras_seq, keras_last = layer(x, initial_state=None if init is None else [init])
        h_seq, h_last = cells.gru_forward(x, *weights, h0=init, reset_after=reset_after)
        assert h_seq.shape == (batch, time, units)
        np.testing.assert_allclose(h_seq, keras_seq, atol=TOL)
        np.testing.assert_allclose(h_last, keras_last, atol=TOL)


def test_gru_variants_differ():
    """The two reset_after variants are different cells: the same weights give different states."""
    rng = np.random.default_rng(0)
    kernel, recurrent = rng.normal(size=(3, 6)), rng.normal(size=(2, 6))
    x = rng.normal(size=(1, 4, 3))
    after, _ = cells.gru_forward(x, kernel, recurrent, np.zeros((2, 6)), reset_after=True)
    before, _ = cells.gru_forward(x, kernel, recurrent, np.zeros(6), reset_after=False)
    assert not np.allclose(after, before)


def test_steps_return_gates_and_agree_with_forward():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 3))
    w = [rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)]
    trace = cells.lstm_trace(x, *w)
    h_seq, h_last, c_last = cells.lstm_forward(x, *w)
    np.testing.assert_allclose(trace["h"], h_seq, atol=1e-6)
    for gate in ("i", "f", "o"):
        assert (
            trace[gate].shape == (2, 5, 4) and (trace[gate] > 0).all() and (trace[gate] < 1).all()
        )
    step = cells.lstm_step(x[:, 0], np.zeros((2, 4)), np.zeros((2, 4)), *w)
    np.testing.assert_allclose(step.c, step.i * step.g)  # c_0 = 0, so only the written part remains
    np.testing.assert_allclose(step.h, trace["h"][:, 0])

    g = [rng.normal(size=(3, 12)), rng.normal(size=(4, 12)), rng.normal(size=(2, 12))]
    gstep = cells.gru_step(x[:, 0], np.ones((2, 4)), *g)
    np.testing.assert_allclose(gstep.h, gstep.z + (1 - gstep.z) * gstep.h_tilde)
    assert set(cells.gru_trace(x, *g)) == {"h", "z", "r", "h_tilde"}

    r = cells.rnn_step(x[:, 0], np.zeros((2, 4)), rng.normal(size=(3, 4)), np.eye(4), np.zeros(4))
    np.testing.assert_allclose(r.h, np.tanh(r.pre_activation))


def test_sigmoid_is_stable():
    with np.errstate(all="raise"):
        out = cells.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "units,features",
    [(1, 1), (4, 3), (32, 10)],
)
def test_param_counts_match_keras(units, features):
    for layer, expected in [
        (keras.layers.LSTM(units), cells.lstm_param_count(units, features)),
        (keras.layers.GRU(units), cells.gru_param_count(units, features)),
        (
            keras.layers.GRU(units, reset_after=False),
            cells.gru_param_count(units, features, reset_after=False),
        ),
    ]:
        layer.build((None, None, features))
        assert layer.count_params() == expected


X = np.zeros((2, 3, 4))
LSTM_W = [np.zeros((4, 20)), np.zeros((5, 20)), np.zeros(20)]
GRU_W = [np.zeros((4, 15)), np.zeros((5, 15)), np.zeros((2, 15))]


@pytest.mark.parametrize(
    "call,pattern",
    [
        (
            lambda: cells.lstm_forward(X, np.zeros((3, 20)), *LSTM_W[1:]),
            r"kernel has shape \(3, 20\), expected \(4, 20\)",
        ),
        (
            lambda: cells.lstm_forward(X, LSTM_W[0], np.zeros((5, 16)), LSTM_W[2]),
            r"recurrent_kernel has shape \(5, 16\)",
        ),
        (
            lambda: cells.lstm_forward(X, *LSTM_W[:2], np.zeros(16)),
            r"bias has shape \(16,\), expected \(20,\)",
        ),
        (
            lambda: cells.lstm_forward(X, *LSTM_W, c0=np.zeros((2, 4))),
            r"c0 has shape \(2, 4\), expected \(2, 5\)",
        ),
        (
            lambda: cells.lstm_forward(X, *LSTM_W, h0=np.zeros(5)),
            r"h0 has shape \(5,\), expected \(2, 5\)",
        ),
        (
            lambda: cells.lstm_forward(X[0], *LSTM_W),
            r"x has shape \(3, 4\), expected \(batch, time, features\)",
        ),
        (lambda: cells.lstm_forward(X[:, :0], *LSTM_W), r"empty axis"),
        (
            lambda: cells.gru_forward(X, *GRU_W[:2], np.zeros(15)),
            r"bias has shape \(15,\), expected \(2, 15\)",
        ),
        (
            lambda: cells.gru_forward(X, *GRU_W, reset_after=False),
            r"bias has shape \(2, 15\), expected \(15,\)",
        ),
        (
            lambda: cells.gru_forward(X, *LSTM_W),
            r"recurrent_kernel has shape \(5, 20\), expected \(units, 3·units\)",
        ),
        (
            lambda: cells.rnn_forward(X, np.zeros((4, 5)), np.zeros((5, 5)), np.zeros(4)),
            r"bias has shape \(4,\)",
        ),
        (
            lambda: cells.rnn_step(X[:, 0], np.zeros((3, 5)), np.zeros((4, 5)), np.eye(5), None),
            r"h_prev",
        ),
        (lambda: cells.lstm_forward(X, "weights", *LSTM_W[1:]), r"kernel must be a numeric array"),
    ],
)
def test_wrong_shapes_raise(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_no_bias_means_zero_bias():
    rng = np.random.default_rng(3)
    x, k, u = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 15)), rng.normal(size=(5, 15))
    np.testing.assert_array_equal(
        cells.gru_forward(x, k, u, None)[0], cells.gru_forward(x, k, u, np.zeros((2, 15)))[0]
    )
    assert cells.gru_forward(x.astype("float64"), k, u, None)[0].dtype == np.float64


# ------------------------------------------------------------------------------------------- cuDNN eligibility
CUDNN_CASES = [
    ({}, []),
    ({"dropout": 0.2}, []),
    ({"recurrent_dropout": 0.2}, ["recurrent_dropout=0.2"]),
    ({"activation": "relu"}, ["activation=relu (needs tanh)"]),
    (
        {"recurrent_activation": "hard_sigmoid"},
        ["recurrent_activation=hard_sigmoid (needs sigmoid)"],
    ),
    ({"unroll": True}, ["unroll=True"]),
    ({"use_bias": False}, ["use_bias=False"]),
    ({"use_cudnn": False}, ["use_cudnn=False"]),
    ({"activation": "relu", "unroll": True}, ["activation=relu (needs tanh)", "unroll=True"]),
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize(("kwargs", "expected"), CUDNN_CASES)
def test_cudnn_blockers_name_every_setting_that_rules_cudnn_out(
    kind: str, kwargs: dict, expected: list
) -> None:
    layer = getattr(keras.layers, kind)(4, **kwargs)
    assert cells.cudnn_blockers(layer) == expected
    assert cells.cudnn_eligible(layer) is (not expected)


def test_cudnn_rules_apply_the_gru_reset_after_rule() -> None:
    assert cells.cudnn_blockers(keras.layers.GRU(4, reset_after=False)) == ["reset_after=False"]
    assert cells.cudnn_eligible(keras.layers.GRU(4, reset_after=True))
    with pytest.raises(ValueError, match="keras.layers.LSTM or keras.layers.GRU"):
        cells.cudnn_blockers(keras.layers.SimpleRNN(4))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("kwargs", [case[0] for case in CUDNN_CASES])
def test_cudnn_rules_agree_with_the_installed_keras(
    kind: str, reset_after: bool, kwargs: dict
) -> None:
    """Our public-API rules give the same answer as Keras's own (private) checks plus its inner_loop conditions."""
    tf_rnn = pytest.importorskip("keras.src.backend.tensorflow.rnn")
    if kind == "LSTM":
        layer = keras.layers.LSTM(4, **kwargs)
        args_ok = tf_rnn._do_lstm_arguments_support_cudnn(
            layer.cell.activation,
            layer.cell.recurrent_activation,
            layer.unroll,
            layer.cell.use_bias,
        )
    else:
        layer = keras.layers.GRU(4, reset_after=reset_after, **kwargs)
        args_ok = tf_rnn._do_gru_arguments_support_cudnn(
            layer.cell.activation,
            layer.cell.recurrent_activation,
            layer.unroll,
            layer.cell.use_bias,
            layer.cell.reset_after,
        )
    keras_says = (
        bool(args_ok) and not layer.cell.recurrent_dropout and layer.use_cudnn in ("auto", True)
    )
    assert cells.cudnn_eligible(layer) is keras_says
