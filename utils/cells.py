"""NumPy reference implementations of the SimpleRNN, LSTM and GRU cells, in Keras's weight layout.

Every function takes the weights exactly as ``layer.get_weights()`` returns them, so a trained Keras layer
can be replayed step by step and every gate inspected:

- SimpleRNN: ``kernel`` (features, units), ``recurrent_kernel`` (units, units), ``bias`` (units,).
- LSTM: ``kernel`` (features, 4·units), ``recurrent_kernel`` (units, 4·units), ``bias`` (4·units,);
  the four blocks of columns are the gates in Keras's order **i, f, c, o** (input gate, forget gate,
  candidate, output gate).
- GRU: ``kernel`` (features, 3·units), ``recurrent_kernel`` (units, 3·units); blocks in the order
  **z, r, h** (update gate, reset gate, candidate). With ``reset_after=True`` (the Keras default) the bias has
  shape (2, 3·units): row 0 is added to the input projection, row 1 to the recurrent projection, and the reset
  gate multiplies the recurrent projection *after* the matrix product. With ``reset_after=False`` the bias has
  shape (3·units,) and the reset gate multiplies ``h_{t-1}`` *before* the product (the 2014 paper's form).

Inputs ``x`` have shape (batch, time, features); sequences of states have shape (batch, time, units). The
activations are the Keras defaults: ``tanh`` for the state/candidate and ``sigmoid`` for the gates.

The step functions (:func:`rnn_step`, :func:`lstm_step`, :func:`gru_step`) return a NamedTuple with the new
state and every gate's activation; :func:`lstm_trace` and :func:`gru_trace` collect them over a whole
sequence for plotting. Computation is done in float64 and returned as float32 (float64 for float64 input).

:func:`cudnn_blockers` and :func:`cudnn_eligible` read a Keras ``LSTM`` or ``GRU`` layer's settings and say
whether the TensorFlow backend may run it with NVIDIA's fused cuDNN kernel (they import Keras only when called).

The backward passes of these cells (backpropagation through time, notebook 02b) are in :mod:`utils.bptt`;
``rnn_forward(..., return_cache=True)`` and ``lstm_forward(..., return_cache=True)`` return what they need.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "GRUStep",
    "cudnn_blockers",
    "cudnn_eligible",
    "LSTMCache",
    "LSTMStep",
    "RNNCache",
    "RNNStep",
    "gru_forward",
    "gru_param_count",
    "gru_step",
    "gru_trace",
    "lstm_forward",
    "lstm_param_count",
    "lstm_step",
    "lstm_trace",
    "rnn_forward",
    "rnn_step",
    "sigmoid",
]


class RNNStep(NamedTuple):
    """One SimpleRNN step: the new state ``h`` and its pre-activation ``x·W + h_{t-1}·U + b``."""

    h: np.ndarray
    pre_activation: np.ndarray


class LSTMStep(NamedTuple):
    """One LSTM step: new hidden state ``h`` and cell state ``c``, and the gates ``i, f, g`` (candidate), ``o``."""

    h: np.ndarray
    c: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray


class GRUStep(NamedTuple):
    """One GRU step: new state ``h``, update gate ``z``, reset gate ``r`` and candidate ``h_tilde``."""

    h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray


class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs from the forward pass (float64): inputs, initial state, every state, weights."""

    x: np.ndarray  # (batch, time, features)
    h0: np.ndarray  # (batch, units)
    h: np.ndarray  # (batch, time, units): h_1 ... h_T
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs (float64): inputs, initial states, every state and gate, weights."""

    x: np.ndarray  # (batch, time, features)
    h0: np.ndarray  # (batch, units)
    c0: np.ndarray  # (batch, units)
    h: np.ndarray  # (batch, time, units), as c, i, f, g, o
    c: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e^{-x})``, computed as ``(1 + tanh(x/2)) / 2`` (no overflow)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def lstm_param_count(units: int, features: int) -> int:
    """Trainable parameters of ``keras.layers.LSTM(units)`` on ``features`` inputs: ``4·(u·(u+d) + u)``."""
    return 4 * (units * (units + features) + units)


def gru_param_count(units: int, features: int, reset_after: bool = True) -> int:
    """Trainable parameters of ``keras.layers.GRU(units)``: ``3·(u·(u+d) + u)``, plus ``3·u`` if ``reset_after``."""
    return 3 * (units * (units + features) + units) + (3 * units if reset_after else 0)


# --------------------------------------------------------------------------------------------- cuDNN rules
def cudnn_blockers(layer) -> list[str]:
    """The settings of a Keras ``LSTM`` or ``GRU`` layer that keep it off the cuDNN kernel; empty if none.

    The rules are those of Keras 3's TensorFlow backend (``keras/src/backend/tensorflow/rnn.py``,
    ``_do_lstm_arguments_support_cudnn`` / ``_do_gru_arguments_support_cudnn``, and ``LSTM.inner_loop`` /
    ``GRU.inner_loop``), written with the public API only:

    - ``activation`` is tanh and ``recurrent_activation`` is sigmoid;
    - ``unroll=False``, ``use_bias=True``, ``recurrent_dropout == 0`` (input ``dropout`` is fine);
    - GRU only: ``reset_after=True``;
    - ``use_cudnn`` is not ``False``.

    Two conditions are not settings and are not checked here: a GPU must be visible at run time, and a mask,
    if any, must be right-padded with no sequence fully masked.

    Raises:
        ValueError: if ``layer`` is not a ``keras.layers.LSTM`` or ``keras.layers.GRU``.
    """
    import keras

    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        raise ValueError(
            f"layer must be a keras.layers.LSTM or keras.layers.GRU, got {type(layer).__name__}"
        )
    tanh = {keras.activations.tanh, keras.ops.tanh}
    sigmoid = {keras.activations.sigmoid, keras.ops.sigmoid}
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tanh.add(tf.tanh)
        sigmoid.add(tf.sigmoid)
    cell = layer.cell
    blockers = []
    if cell.activation not in tanh:
        blockers.append(
            f"activation={getattr(cell.activation, '__name__', cell.activation)} (needs tanh)"
        )
    if cell.recurrent_activation not in sigmoid:
        name = getattr(cell.recurrent_activation, "__name__", cell.recurrent_activation)
        blockers.append(f"recurrent_activation={name} (needs sigmoid)")
    if layer.unroll:
        blockers.append("unroll=True")
    if not cell.use_bias:
        blockers.append("use_bias=False")
    if cell.recurrent_dropout:
        blockers.append(f"recurrent_dropout={cell.recurrent_dropout}")
    if isinstance(layer, keras.layers.GRU) and not cell.reset_after:
        blockers.append("reset_after=False")
    if layer.use_cudnn is False:
        blockers.append("use_cudnn=False")
    return blockers


def cudnn_eligible(layer) -> bool:
    """True when a Keras ``LSTM``/``GRU`` layer's settings allow the cuDNN kernel: see :func:`cudnn_blockers`."""
    return not cudnn_blockers(layer)


# --------------------------------------------------------------------------------------------- validation
def _array(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array, got {type(value).__name__}") from err
    return arr


def _check_shape(arr: np.ndarray, name: str, expected: tuple[int, ...], meaning: str) -> None:
    if arr.shape != expected:
        raise ValueError(
            f"{name} has shape {arr.shape}, expected {expected} {meaning}; "
            "pass the arrays in the order layer.get_weights() returns them"
        )


def _out_dtype(x) -> type:
    return np.float64 if np.asarray(x).dtype == np.float64 else np.float32


def _prepare(
    x, kernel, recurrent_kernel, bias, gates: int, cell: str, bias_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Validate and convert ``x`` and the weights of a cell with ``gates`` blocks; return them and ``units``."""
    x = _array(x, "x")
    if x.ndim != 3:
        raise ValueError(
            f"x has shape {x.shape}, expected (batch, time, features); add the missing axes, "
            "e.g. x[None] for one sequence or x[..., None] for one feature"
        )
    if 0 in x.shape:
        raise ValueError(
            f"x has shape {x.shape} with an empty axis; pass at least one sequence, step and feature"
        )
    features = x.shape[2]
    recurrent_kernel = _array(recurrent_kernel, "recurrent_kernel")
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[1] != gates * recurrent_kernel.shape[0]:
        raise ValueError(
            f"recurrent_kernel has shape {recurrent_kernel.shape}, expected (units, {gates}·units) for a "
            f"{cell} cell; pass the arrays in the order layer.get_weights() returns them"
        )
    units = recurrent_kernel.shape[0]
    what = f"(features, {gates}·units) for a {cell} with {units} units on {features} features"
    kernel = _array(kernel, "kernel")
    _check_shape(kernel, "kernel", (features, gates * units), what)
    if bias is None:
        bias = np.zeros((bias_rows, gates * units) if bias_rows else (gates * units,))
    bias = _array(bias, "bias")
    if bias_rows:
        _check_shape(
            bias,
            "bias",
            (bias_rows, gates * units),
            f"(2, 3·units) for a {cell} with {units} units",
        )
    else:
        _check_shape(
            bias, "bias", (gates * units,), f"({gates}·units,) for a {cell} with {units} units"
        )
    return x, kernel, recurrent_kernel, bias, units


def _initial(state, name: str, batch: int, units: int) -> np.ndarray:
    if state is None:
        return np.zeros((batch, units))
    state = _array(state, name)
    _check_shape(state, name, (batch, units), "(batch, units)")
    return state


def _step_inputs(x_t, h_prev, kernel, recurrent_kernel, bias, gates, cell, bias_rows=None):
    x_t = _array(x_t, "x_t")
    h_prev = _array(h_prev, "h_prev")
    if x_t.ndim != 2 or h_prev.ndim != 2 or x_t.shape[0] != h_prev.shape[0]:
        raise ValueError(
            f"x_t has shape {x_t.shape} and h_prev shape {h_prev.shape}; expected (batch, features) and "
            "(batch, units) with the same batch size"
        )
    x, kernel, recurrent_kernel, bias, units = _prepare(
        x_t[:, None, :], kernel, recurrent_kernel, bias, gates, cell, bias_rows
    )
    _check_shape(h_prev, "h_prev", (x.shape[0], units), "(batch, units)")
    return x[:, 0, :], h_prev, kernel, recurrent_kernel, bias, units


# --------------------------------------------------------------------------------------------- SimpleRNN
def _rnn(x_t, h_prev, kernel, recurrent_kernel, bias) -> RNNStep:
    pre = x_t @ kernel + h_prev @ recurrent_kernel + bias
    return RNNStep(h=np.tanh(pre), pre_activation=pre)


def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias) -> RNNStep:
    """One SimpleRNN step ``h_t = tanh(x_t·W + h_{t-1}·U + b)``.

    Args:
        x_t: inputs at one time step, shape (batch, features).
        h_prev: previous state ``h_{t-1}``, shape (batch, units).
        kernel, recurrent_kernel, bias: ``SimpleRNN.get_weights()``.

    Returns:
        :class:`RNNStep` with ``h`` and ``pre_activation`` (both (batch, units), float64).
    """
    x_t, h_prev, kernel, recurrent_kernel, bias, _ = _step_inputs(
        x_t, h_prev, kernel, recurrent_kernel, bias, 1, "SimpleRNN"
    )
    return _rnn(x_t, h_prev, kernel, recurrent_kernel, bias)


def rnn_forward(x, kernel, recurrent_kernel, bias, h0=None, return_cache: bool = False):
    """Run a SimpleRNN over whole sequences, like ``keras.layers.SimpleRNN(units, return_sequences=True)``.

    Args:
        x: inputs, shape (batch, time, features).
        kernel: (features, units); recurrent_kernel: (units, units); bias: (units,) or None (no bias).
        h0: initial state (batch, units); zeros if None.
        return_cache: also return the :class:`RNNCache` that :func:`rnn_backward` needs.

    Returns:
        ``(h_seq, h_last)``: all states (batch, time, units) and the last one (batch, units);
        ``(h_seq, h_last, cache)`` if ``return_cache``.
    """
    dtype = _out_dtype(x)
    x, kernel, recurrent_kernel, bias, units = _prepare(
        x, kernel, recurrent_kernel, bias, 1, "SimpleRNN"
    )
    h = _initial(h0, "h0", x.shape[0], units)
    states = []
    for t in range(x.shape[1]):
        h = _rnn(x[:, t], h, kernel, recurrent_kernel, bias).h
        states.append(h)
    h_seq = np.stack(states, axis=1)
    if return_cache:
        cache = RNNCache(
            x, _initial(h0, "h0", x.shape[0], units), h_seq, kernel, recurrent_kernel, bias
        )
        return h_seq.astype(dtype), h.astype(dtype), cache
    return h_seq.astype(dtype), h.astype(dtype)


# --------------------------------------------------------------------------------------------- LSTM
def _lstm(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> LSTMStep:
    zi, zf, zc, zo = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zc), sigmoid(zo)
    c = f * c_prev + i * g
    return LSTMStep(h=o * np.tanh(c), c=c, i=i, f=f, g=g, o=o)


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> LSTMStep:
    """One LSTM step with Keras's gate order i, f, c, o::

        i = σ(x·W_i + h·U_i + b_i)     input gate: which cell components are written
        f = σ(x·W_f + h·U_f + b_f)     forget gate: how much of each c_{t-1} component is kept
        g = tanh(x·W_c + h·U_c + b_c)  candidate values
        o = σ(x·W_o + h·U_o + b_o)     output gate: how much of tanh(c_t) is shown as h_t
        c_t = f·c_{t-1} + i·g          h_t = o·tanh(c_t)

    Args:
        x_t: (batch, features); h_prev, c_prev: (batch, units).
        kernel, recurrent_kernel, bias: ``LSTM.get_weights()``.

    Returns:
        :class:`LSTMStep` (``h, c, i, f, g, o``, each (batch, units), float64).
    """
    x_t, h_prev, kernel, recurrent_kernel, bias, units = _step_inputs(
        x_t, h_prev, kernel, recurrent_kernel, bias, 4, "LSTM"
    )
    c_prev = _array(c_prev, "c_prev")
    _check_shape(c_prev, "c_prev", h_prev.shape, "(batch, units)")
    return _lstm(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)


def lstm_trace(x, kernel, recurrent_kernel, bias, h0=None, c0=None) -> dict[str, np.ndarray]:
    """Every LSTM quantity over time: a dict ``h, c, i, f, g, o`` of arrays (batch, time, units), float64.

    Arguments as in :func:`lstm_forward`. Use it to draw gate heatmaps.
    """
    x, kernel, recurrent_kernel, bias, units = _prepare(
        x, kernel, recurrent_kernel, bias, 4, "LSTM"
    )
    h = _initial(h0, "h0", x.shape[0], units)
    c = _initial(c0, "c0", x.shape[0], units)
    steps = []
    for t in range(x.shape[1]):
        step = _lstm(x[:, t], h, c, kernel, recurrent_kernel, bias)
        h, c = step.h, step.c
        steps.append(step)
    return {name: np.stack([getattr(s, name) for s in steps], axis=1) for name in LSTMStep._fields}


def lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None, return_cache: bool = False):
    """Run an LSTM over whole sequences, like ``keras.layers.LSTM(units, return_sequences=True, return_state=True)``.

    Args:
        x: inputs, shape (batch, time, features).
        kernel: (features, 4·units); recurrent_kernel: (units, 4·units); bias: (4·units,) or None.
        h0, c0: initial hidden and cell states (batch, units); zeros if None.
        return_cache: also return the :class:`LSTMCache` that :func:`lstm_backward` needs.

    Returns:
        ``(h_seq, h_last, c_last)``: states (batch, time, units), last hidden state and last cell state;
        ``(h_seq, h_last, c_last, cache)`` if ``return_cache``.
    """
    dtype = _out_dtype(x)
    trace = lstm_trace(x, kernel, recurrent_kernel, bias, h0=h0, c0=c0)
    h_seq = trace["h"]
    out = h_seq.astype(dtype), h_seq[:, -1].astype(dtype), trace["c"][:, -1].astype(dtype)
    if not return_cache:
        return out
    x, kernel, recurrent_kernel, bias, units = _prepare(
        x, kernel, recurrent_kernel, bias, 4, "LSTM"
    )
    h0, c0 = (_initial(s, n, x.shape[0], units) for s, n in ((h0, "h0"), (c0, "c0")))
    cache = LSTMCache(
        x, h0, c0, **trace, kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias
    )
    return (*out, cache)


# --------------------------------------------------------------------------------------------- GRU
def _gru(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after: bool) -> GRUStep:
    units = h_prev.shape[-1]
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, 0.0)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    if reset_after:
        u_z, u_r, u_h = np.split(h_prev @ recurrent_kernel + recurrent_bias, 3, axis=-1)
        z, r = sigmoid(x_z + u_z), sigmoid(x_r + u_r)
        recurrent_h = r * u_h
    else:
        u_z, u_r = np.split(h_prev @ recurrent_kernel[:, : 2 * units], 2, axis=-1)
        z, r = sigmoid(x_z + u_z), sigmoid(x_r + u_r)
        recurrent_h = (r * h_prev) @ recurrent_kernel[:, 2 * units :]
    h_tilde = np.tanh(x_h + recurrent_h)
    return GRUStep(h=z * h_prev + (1.0 - z) * h_tilde, z=z, r=r, h_tilde=h_tilde)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after: bool = True) -> GRUStep:
    """One GRU step with Keras's gate order z, r, h::

        z = σ(x·W_z + h·U_z + b_z)           update gate: how much of h_{t-1} is kept
        r = σ(x·W_r + h·U_r + b_r)           reset gate: how much of h_{t-1} feeds the candidate
        h̃ = tanh(x·W_h + r·(h·U_h + b_h'))   reset_after=True (Keras default, cuDNN)
        h̃ = tanh(x·W_h + (r·h)·U_h + b_h)    reset_after=False (the 2014 paper)
        h_t = z·h_{t-1} + (1 − z)·h̃          a sum of two products

    Args:
        x_t: (batch, features); h_prev: (batch, units).
        kernel, recurrent_kernel, bias: ``GRU.get_weights()``; bias (2, 3·units) if ``reset_after`` else (3·units,).
        reset_after: the layer's ``reset_after`` flag.

    Returns:
        :class:`GRUStep` (``h, z, r, h_tilde``, each (batch, units), float64).
    """
    x_t, h_prev, kernel, recurrent_kernel, bias, _ = _step_inputs(
        x_t, h_prev, kernel, recurrent_kernel, bias, 3, "GRU", 2 if reset_after else None
    )
    return _gru(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after)


def gru_trace(
    x, kernel, recurrent_kernel, bias, h0=None, reset_after: bool = True
) -> dict[str, np.ndarray]:
    """Every GRU quantity over time: a dict ``h, z, r, h_tilde`` of arrays (batch, time, units), float64.

    Arguments as in :func:`gru_forward`. Use it to draw gate heatmaps.
    """
    x, kernel, recurrent_kernel, bias, units = _prepare(
        x, kernel, recurrent_kernel, bias, 3, "GRU", 2 if reset_after else None
    )
    h = _initial(h0, "h0", x.shape[0], units)
    steps = []
    for t in range(x.shape[1]):
        step = _gru(x[:, t], h, kernel, recurrent_kernel, bias, reset_after)
        h = step.h
        steps.append(step)
    return {name: np.stack([getattr(s, name) for s in steps], axis=1) for name in GRUStep._fields}


def gru_forward(
    x, kernel, recurrent_kernel, bias, h0=None, reset_after: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Run a GRU over whole sequences, like ``keras.layers.GRU(units, return_sequences=True)``.

    Args:
        x: inputs, shape (batch, time, features).
        kernel: (features, 3·units); recurrent_kernel: (units, 3·units);
        bias: (2, 3·units) if ``reset_after`` (row 0 input bias, row 1 recurrent bias) else (3·units,); or None.
        h0: initial state (batch, units); zeros if None.
        reset_after: the layer's ``reset_after`` flag (Keras default True).

    Returns:
        ``(h_seq, h_last)``: states (batch, time, units) and the last state (batch, units).
    """
    dtype = _out_dtype(x)
    h_seq = gru_trace(x, kernel, recurrent_kernel, bias, h0=h0, reset_after=reset_after)["h"]
    return h_seq.astype(dtype), h_seq[:, -1].astype(dtype)
