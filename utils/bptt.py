"""Backpropagation through time by hand (notebook 02b): the backward passes of the NumPy cells in :mod:`utils.cells`.

:func:`utils.cells.rnn_forward` and :func:`utils.cells.lstm_forward`, called with ``return_cache=True``, also
return what the backward pass needs (:class:`utils.cells.RNNCache`,
:class:`utils.cells.LSTMCache`); :func:`rnn_backward` and :func:`lstm_backward` take the upstream gradient on every hidden
state, shape (batch, time, units), and return the gradients for ``x``, the initial state(s), ``kernel``,
``recurrent_kernel`` and ``bias`` (:class:`RNNGrads`, :class:`LSTMGrads`), in the same layout as the weights.
:func:`rnn_step_backward` and :func:`lstm_step_backward` are one step of that loop. Row vectors throughout, as
in Keras: ``h_t = tanh(x_t·W + h_{t-1}·U + b)``, so the gradient flowing from ``h_t`` back to ``h_{t-1}`` is
multiplied by ``diag(1 − h_t²)·Uᵀ`` (a row vector times that matrix).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from utils.cells import (
    LSTMCache,
    LSTMStep,
    RNNCache,
    _array,
    _check_shape,
    _out_dtype,
    _prepare,
)

__all__ = [
    "LSTMGrads",
    "LSTMStepGrads",
    "RNNGrads",
    "RNNStepGrads",
    "lstm_backward",
    "lstm_step_backward",
    "rnn_backward",
    "rnn_backward_variant",
    "rnn_step_backward",
]


class RNNStepGrads(NamedTuple):
    """Gradients of one SimpleRNN step: for its input, the previous state and this step's share of each weight."""

    dx_t: np.ndarray
    dh_prev: np.ndarray
    dkernel: np.ndarray
    drecurrent_kernel: np.ndarray
    dbias: np.ndarray


class RNNGrads(NamedTuple):
    """Gradients of a whole SimpleRNN sequence: ``dx`` (batch, time, features), ``dh0`` and the weights."""

    dx: np.ndarray
    dh0: np.ndarray
    dkernel: np.ndarray
    drecurrent_kernel: np.ndarray
    dbias: np.ndarray


class LSTMStepGrads(NamedTuple):
    """Gradients of one LSTM step: input, previous hidden and cell states, and this step's share of each weight."""

    dx_t: np.ndarray
    dh_prev: np.ndarray
    dc_prev: np.ndarray
    dkernel: np.ndarray
    drecurrent_kernel: np.ndarray
    dbias: np.ndarray


class LSTMGrads(NamedTuple):
    """Gradients of a whole LSTM sequence: ``dx``, ``dh0``, ``dc0`` and the weights (Keras layout)."""

    dx: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray
    dkernel: np.ndarray
    drecurrent_kernel: np.ndarray
    dbias: np.ndarray


def _grad_array(value, name: str, expected: tuple[int, ...], meaning: str) -> np.ndarray:
    arr = _array(value, name)
    if arr.shape != expected:
        raise ValueError(f"{name} has shape {arr.shape}, expected {expected} {meaning}")
    return arr


def _step_backward_inputs(dh, x_t, h_prev, kernel, recurrent_kernel, gates: int, cell: str):
    """Validate the arrays one step's backward pass reads; return them as float64 and ``units``."""
    h_prev = _array(h_prev, "h_prev")
    x_t = _array(x_t, "x_t")
    if h_prev.ndim != 2 or x_t.ndim != 2 or x_t.shape[0] != h_prev.shape[0]:
        raise ValueError(
            f"x_t has shape {x_t.shape} and h_prev shape {h_prev.shape}; expected (batch, features) and "
            "(batch, units) with the same batch size"
        )
    x, kernel, recurrent_kernel, _, units = _prepare(
        x_t[:, None, :], kernel, recurrent_kernel, None, gates, cell
    )
    _check_shape(h_prev, "h_prev", (x.shape[0], units), "(batch, units)")
    dh = _grad_array(
        dh, "dh", h_prev.shape, "(batch, units): the gradient on this step's state h_t"
    )
    return dh, x[:, 0], h_prev, kernel, recurrent_kernel, units


def _rnn_step_backward(dh, x_t, h_prev, h, kernel, recurrent_kernel) -> RNNStepGrads:
    da = dh * (1.0 - h**2)  # through tanh: tanh'(a) = 1 − tanh(a)² = 1 − h²
    return RNNStepGrads(
        dx_t=da @ kernel.T,
        dh_prev=da @ recurrent_kernel.T,  # row vectors: dL/dh_{t-1} = dL/dh_t · diag(1 − h_t²) · Uᵀ
        dkernel=x_t.T @ da,
        drecurrent_kernel=h_prev.T @ da,
        dbias=da.sum(axis=0),
    )


def rnn_step_backward(dh, x_t, h_prev, h, kernel, recurrent_kernel) -> RNNStepGrads:
    """Backward pass of one SimpleRNN step ``h = tanh(x_t·W + h_prev·U + b)``.

    With ``da = dh ⊙ (1 − h²)`` (the gradient on the pre-activation), the gradients are ``dx_t = da·Wᵀ``,
    ``dh_prev = da·Uᵀ``, ``dW = x_tᵀ·da``, ``dU = h_prevᵀ·da`` and ``db = Σ_batch da``.

    Args:
        dh: gradient of the loss with respect to ``h`` (everything that reaches it), shape (batch, units).
        x_t: the step's inputs (batch, features); h_prev: ``h_{t-1}`` (batch, units); h: the step's output
            ``h_t`` (batch, units), e.g. ``rnn_step(...).h``.
        kernel: W (features, units); recurrent_kernel: U (units, units).

    Returns:
        :class:`RNNStepGrads` ``(dx_t, dh_prev, dkernel, drecurrent_kernel, dbias)``, float64; the weight
        gradients are this step's share, to be summed over the steps.
    """
    dh, x_t, h_prev, kernel, recurrent_kernel, _ = _step_backward_inputs(
        dh, x_t, h_prev, kernel, recurrent_kernel, 1, "SimpleRNN"
    )
    h = _grad_array(h, "h", h_prev.shape, "(batch, units): the step's output h_t")
    return _rnn_step_backward(dh, x_t, h_prev, h, kernel, recurrent_kernel)


def _upstream(dh_seq, cache, kind: type, forward: str, name: str = "dh_seq") -> np.ndarray:
    if not isinstance(cache, kind):
        raise ValueError(
            f"cache must be the {kind.__name__} that {forward}(..., return_cache=True) returns, "
            f"got {type(cache).__name__}"
        )
    return _grad_array(
        dh_seq,
        name,
        cache.h.shape,
        "(batch, time, units): the gradient on every hidden state; "
        "put zeros where a step has no loss",
    )


def rnn_backward(dh_seq, cache: RNNCache) -> RNNGrads:
    """Backpropagation through time for a SimpleRNN: the loop of :func:`rnn_step_backward`, from the last step.

    At step ``t`` the state gradient is what the loss puts on ``h_t`` directly (``dh_seq[:, t]``) plus what
    flows back from step ``t+1``; the weight gradients are summed over the steps (the weights are shared).

    Args:
        dh_seq: ``∂L/∂h_t`` for every step, shape (batch, time, units) (zeros where the loss does not read
            ``h_t``; for a loss on the last state only, everything but ``dh_seq[:, -1]`` is zero).
        cache: the :class:`RNNCache` from ``rnn_forward(..., return_cache=True)``.

    Returns:
        :class:`RNNGrads` ``(dx, dh0, dkernel, drecurrent_kernel, dbias)`` shaped like ``x``, ``h0`` and the
        weights; float32, or float64 when ``dh_seq`` is float64.
    """
    dtype = _out_dtype(dh_seq)
    dh_seq = _upstream(dh_seq, cache, RNNCache, "rnn_forward")
    x, h_seq, kernel, recurrent_kernel = cache.x, cache.h, cache.kernel, cache.recurrent_kernel
    dx = np.zeros_like(x)
    dkernel, drecurrent, dbias = (
        np.zeros_like(kernel),
        np.zeros_like(recurrent_kernel),
        np.zeros(kernel.shape[1]),
    )
    dh_next = np.zeros_like(cache.h0)  # nothing flows back into the last state from the future
    for t in reversed(range(x.shape[1])):
        h_prev = h_seq[:, t - 1] if t > 0 else cache.h0
        step = _rnn_step_backward(
            dh_seq[:, t] + dh_next, x[:, t], h_prev, h_seq[:, t], kernel, recurrent_kernel
        )
        dx[:, t] = step.dx_t
        dkernel += step.dkernel
        drecurrent += step.drecurrent_kernel
        dbias += step.dbias
        dh_next = step.dh_prev
    return RNNGrads(*(a.astype(dtype) for a in (dx, dh_next, dkernel, drecurrent, dbias)))


def rnn_backward_variant(
    dh_seq,
    cache: RNNCache,
    transpose: bool = True,
    accumulate: bool = True,
    tanh_prime: bool = True,
    bias_scale: float = 1.0,
) -> RNNGrads:
    """:func:`rnn_backward` with a switch for each classic bug, to test a gradient check (notebook 02b).

    With the defaults it is a correct backward pass. ``transpose=False`` multiplies the state gradient by
    ``W_h`` instead of ``W_hᵀ``; ``accumulate=False`` keeps only the first step's ``dW_h`` instead of the sum over
    steps; ``tanh_prime=False`` forgets the factor ``1 − h_t²``; ``bias_scale`` scales the bias gradient.
    """
    dh_seq = _upstream(dh_seq, cache, RNNCache, "rnn_forward")
    x, h, kernel, recurrent_kernel = cache.x, cache.h, cache.kernel, cache.recurrent_kernel
    dx, dkernel, drecurrent = (
        np.zeros_like(x),
        np.zeros_like(kernel),
        np.zeros_like(recurrent_kernel),
    )
    dbias, dh_next = np.zeros(recurrent_kernel.shape[1]), np.zeros_like(cache.h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h[:, t - 1] if t > 0 else cache.h0
        da = (dh_seq[:, t] + dh_next) * ((1 - h[:, t] ** 2) if tanh_prime else 1.0)
        dx[:, t] = da @ kernel.T
        dkernel += x[:, t].T @ da
        drecurrent = drecurrent + h_prev.T @ da if accumulate else h_prev.T @ da
        dbias += bias_scale * da.sum(axis=0)
        dh_next = da @ (recurrent_kernel.T if transpose else recurrent_kernel)
    return RNNGrads(dx, dh_next, dkernel, drecurrent, dbias)


def _lstm_step_backward(
    dh, dc, x_t, h_prev, c_prev, step, kernel, recurrent_kernel
) -> LSTMStepGrads:
    tanh_c = np.tanh(step.c)
    # c_t reaches the loss directly and through h_t = o·tanh(c_t)
    dc = dc + dh * step.o * (1.0 - tanh_c**2)
    dz = np.concatenate(
        [
            dc * step.g * step.i * (1.0 - step.i),  # input gate i (sigmoid)
            dc * c_prev * step.f * (1.0 - step.f),  # forget gate f (sigmoid)
            dc * step.i * (1.0 - step.g**2),  # candidate g (tanh)
            dh * tanh_c * step.o * (1.0 - step.o),  # output gate o (sigmoid)
        ],
        axis=-1,
    )
    return LSTMStepGrads(
        dx_t=dz @ kernel.T,
        dh_prev=dz @ recurrent_kernel.T,
        dc_prev=dc * step.f,  # the cell-state path: an element-wise factor f_t, no matrix
        dkernel=x_t.T @ dz,
        drecurrent_kernel=h_prev.T @ dz,
        dbias=dz.sum(axis=0),
    )


def lstm_step_backward(
    dh, dc, x_t, h_prev, c_prev, step: LSTMStep, kernel, recurrent_kernel
) -> LSTMStepGrads:
    """Backward pass of one LSTM step (gates in Keras's order i, f, c, o).

    ``c_t = f·c_{t-1} + i·g`` and ``h_t = o·tanh(c_t)``. The total gradient on ``c_t`` is
    ``dc + dh·o·(1 − tanh²(c_t))``; from it ``dc_prev = (that)·f`` (element-wise: the cell-state path),
    and the four gates' pre-activation gradients ``dz = [di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o)]``
    give ``dx_t = dz·Wᵀ``, ``dh_prev = dz·Uᵀ``, ``dW = x_tᵀ·dz``, ``dU = h_prevᵀ·dz``, ``db = Σ_batch dz``.

    Args:
        dh, dc: gradients on the step's outputs ``h_t`` and ``c_t`` (batch, units).
        x_t: (batch, features); h_prev, c_prev: the step's inputs ``h_{t-1}``, ``c_{t-1}`` (batch, units).
        step: the :class:`LSTMStep` that ``lstm_step(x_t, h_prev, c_prev, ...)`` returned (``h, c, i, f, g, o``).
        kernel: (features, 4·units); recurrent_kernel: (units, 4·units).

    Returns:
        :class:`LSTMStepGrads` ``(dx_t, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias)``, float64.
    """
    dh, x_t, h_prev, kernel, recurrent_kernel, _ = _step_backward_inputs(
        dh, x_t, h_prev, kernel, recurrent_kernel, 4, "LSTM"
    )
    c_prev = _grad_array(c_prev, "c_prev", h_prev.shape, "(batch, units)")
    dc = _grad_array(
        dc, "dc", h_prev.shape, "(batch, units): the gradient on this step's cell state c_t"
    )
    if not isinstance(step, LSTMStep):
        raise ValueError(
            f"step must be the LSTMStep that lstm_step returns, got {type(step).__name__}"
        )
    step = LSTMStep(
        *(
            _grad_array(a, f"step.{n}", h_prev.shape, "(batch, units)")
            for n, a in zip(step._fields, step)
        )
    )
    return _lstm_step_backward(dh, dc, x_t, h_prev, c_prev, step, kernel, recurrent_kernel)


def lstm_backward(dh_seq, cache: LSTMCache, dc_last=None) -> LSTMGrads:
    """Backpropagation through time for an LSTM: the loop of :func:`lstm_step_backward`, from the last step.

    Two gradients flow backwards: ``dh`` through the recurrent kernel (a matrix, as in a SimpleRNN) and ``dc``
    along the cell state, multiplied at each step by the forget gate ``f_t`` (element-wise).

    Args:
        dh_seq: ``∂L/∂h_t`` for every step, shape (batch, time, units).
        cache: the :class:`LSTMCache` from ``lstm_forward(..., return_cache=True)``.
        dc_last: ``∂L/∂c_T`` for a loss that reads the last cell state (``return_state=True``), shape
            (batch, units); zeros if None.

    Returns:
        :class:`LSTMGrads` ``(dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)``; float32, or float64 when
        ``dh_seq`` is float64.
    """
    dtype = _out_dtype(dh_seq)
    dh_seq = _upstream(dh_seq, cache, LSTMCache, "lstm_forward")
    shape = cache.h0.shape
    dc = (
        np.zeros(shape)
        if dc_last is None
        else _grad_array(dc_last, "dc_last", shape, "(batch, units)")
    )
    x, kernel, recurrent_kernel = cache.x, cache.kernel, cache.recurrent_kernel
    dx = np.zeros_like(x)
    dkernel, drecurrent, dbias = (
        np.zeros_like(kernel),
        np.zeros_like(recurrent_kernel),
        np.zeros(kernel.shape[1]),
    )
    dh_next = np.zeros(shape)
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (cache.h[:, t - 1], cache.c[:, t - 1]) if t > 0 else (cache.h0, cache.c0)
        step = LSTMStep(*(getattr(cache, name)[:, t] for name in LSTMStep._fields))
        grads = _lstm_step_backward(
            dh_seq[:, t] + dh_next, dc, x[:, t], h_prev, c_prev, step, kernel, recurrent_kernel
        )
        dx[:, t] = grads.dx_t
        dkernel += grads.dkernel
        drecurrent += grads.drecurrent_kernel
        dbias += grads.dbias
        dh_next, dc = grads.dh_prev, grads.dc_prev
    return LSTMGrads(*(a.astype(dtype) for a in (dx, dh_next, dc, dkernel, drecurrent, dbias)))
