"""Measuring gradients through time: how much the last state (or the loss) depends on each input step.

A recurrent layer turns a sequence ``x_0 … x_{T-1}`` into a final state ``h_T``. Backpropagation through
time multiplies one Jacobian per step, so ``‖∂h_T/∂x_t‖`` usually shrinks (or grows) geometrically with the
distance ``T − 1 − t``. These helpers measure that with ``tf.GradientTape`` and fit the rate.

- :func:`state_input_gradient_norms`: ``‖∂h_T/∂x_t‖`` for every step ``t`` (Frobenius norm of the
  ``units × features`` Jacobian), averaged over the batch.
- :func:`loss_input_gradient_norms`: ``‖∂loss/∂x_t‖`` for every step ``t`` for a (trained) model.
- :func:`fit_decay_rate`: the per-step factor ``r`` in ``norm ≈ C · r^distance`` (a line through
  ``log norm`` against distance).

TensorFlow is imported inside the functions, so importing this module stays cheap and side-effect free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def _as_batch(x, name: str = "x") -> np.ndarray:
    """``x`` as a float32 array of shape (batch, T, features); a single (T, features) sequence gets a batch axis."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (batch, time, features) or (time, features), got shape {arr.shape}; "
            "reshape it, e.g. x[..., None] for a single feature"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"{name} must not have an empty axis, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; pass finite inputs")
    return arr


def _final_state(output):
    """The final state from what a layer or model returns: (batch, units), or the last step of a sequence."""
    if isinstance(output, list | tuple):
        if not output:
            raise ValueError(
                "the layer or model returned an empty list; it must return the final state"
            )
        output = output[0]  # return_state=True: [output, state...]; the output is h_T
    rank = len(output.shape)
    if rank == 3:  # return_sequences=True: keep the last step
        return output[:, -1, :]
    if rank != 2:
        raise ValueError(
            f"the layer or model must return (batch, units) or (batch, time, units), got shape {output.shape}"
        )
    return output


def _build(layer_or_model, xs) -> None:
    """Build an unbuilt layer or model eagerly on one sequence, so that no variable is created inside a graph."""
    if not getattr(layer_or_model, "built", True):
        layer_or_model(xs[:1], training=False)


def state_input_gradient_norms(
    layer_or_model: Callable, x, per_example: bool = False
) -> np.ndarray:
    """``‖∂h_T/∂x_t‖`` for every input step ``t``: how strongly the final state depends on step ``t``.

    For each sequence in the batch the Jacobian ``∂h_T/∂x_t`` is a ``units × features`` matrix; its
    Frobenius norm is taken for every ``t``. The Jacobian comes from one ``tf.GradientTape`` backward pass
    over ``units`` copies of each sequence, copy ``u`` differentiating output unit ``u`` (the same numbers
    as ``tape.batch_jacobian``, several times faster; it relies on sequences in a batch not interacting,
    true for recurrent layers called with ``training=False``). Memory grows with ``batch × units``.
    The distance from the end is ``T − 1 − t``, so ``norms[::-1]`` is indexed by distance.

    Args:
        layer_or_model: a Keras recurrent layer (``SimpleRNN``, ``LSTM``, ``GRU``...) or model, called as
            ``layer_or_model(x, training=False)``. It may return the final state ``(batch, units)``, the whole
            sequence ``(batch, T, units)`` (the last step is used) or a list from ``return_state=True``
            (the first element is used).
        x: inputs, shape ``(batch, T, features)``, or ``(T, features)`` for a single sequence.
        per_example: return one row per sequence, shape ``(batch, T)``, instead of the batch mean.

    Returns:
        ``float64`` array of shape ``(T,)``: the norms averaged over the batch (a single sequence: its own
        norms); shape ``(batch, T)`` when ``per_example`` is true.
    """
    import tensorflow as tf

    if not callable(layer_or_model):
        raise ValueError(
            f"layer_or_model must be a Keras layer or model, got {type(layer_or_model).__name__}"
        )
    xs = tf.constant(_as_batch(x))
    batch, steps, features = xs.shape
    units = int(_final_state(layer_or_model(xs[:1], training=False)).shape[-1])  # also builds it

    @tf.function  # one graph: several times faster than the eager time loop
    def jacobian_norms(xs):
        # Row b*units + u of the repeated batch is a copy of sequence b whose output unit u is differentiated:
        # one backward pass gives every row of every sequence's Jacobian (sequences do not interact).
        x_rep = tf.repeat(xs, units, axis=0)
        select = tf.tile(tf.eye(units, dtype=xs.dtype), [batch, 1])
        with tf.GradientTape() as tape:
            tape.watch(x_rep)
            h_last = _final_state(layer_or_model(x_rep, training=False))
            picked = tf.reduce_sum(tf.cast(h_last, xs.dtype) * select)
        grad = tape.gradient(picked, x_rep)
        if grad is None:
            raise ValueError(
                "the output does not depend on x; pass a layer or model that reads its input"
            )
        # jac[b, u, t, :] = ∂h_T[b, u] / ∂x[b, t, :]
        jac = tf.reshape(grad, (batch, units, steps, features))
        return tf.sqrt(tf.reduce_sum(tf.square(jac), axis=[1, 3]))

    # a new graph per layer is expected: silence TF's retracing warning, then restore
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        norms = jacobian_norms(xs).numpy().astype(np.float64)  # (batch, T)
    finally:
        logger.setLevel(level)
    return norms if per_example else norms.mean(axis=0)


def loss_input_gradient_norms(model: Callable, x, y, loss_fn: Callable | str) -> np.ndarray:
    """``‖∂loss/∂x_t‖`` for every input step ``t``: how much each step of the input moves the loss.

    The loss is computed on the whole batch as one scalar (``loss_fn`` reduced by its mean, as in training);
    its gradient with respect to the batch's inputs at step ``t``, shape ``(batch, features)``, is taken
    and its Euclidean (Frobenius) norm reported. That is the signal a step ``t`` input gets during training.

    Args:
        model: a Keras model (or layer) called as ``model(x, training=False)``.
        x: inputs, shape ``(batch, T, features)``, or ``(T, features)`` for a single sequence.
        y: targets, in whatever shape ``loss_fn`` expects for ``model(x)``, one row per sequence (for a
            single ``(T, features)`` sequence, its target without a batch axis).
        loss_fn: a callable ``loss_fn(y_true, y_pred)`` (a ``keras.losses`` object or function) or the name
            of a Keras loss such as ``"mse"``. A per-example result is averaged.

    Returns:
        ``float64`` array of shape ``(T,)``.
    """
    import keras
    import tensorflow as tf

    if not callable(model):
        raise ValueError(f"model must be a Keras model or layer, got {type(model).__name__}")
    if isinstance(loss_fn, str):
        try:
            loss_fn = keras.losses.get(loss_fn)
        except ValueError as exc:
            raise ValueError(
                f"loss_fn {loss_fn!r} is not a Keras loss name; pass e.g. 'mse' or a callable"
            ) from exc
    if not callable(loss_fn):
        raise ValueError(
            f"loss_fn must be callable or a Keras loss name, got {type(loss_fn).__name__}"
        )
    xs = tf.constant(_as_batch(x))
    y_arr = np.asarray(y)
    if np.ndim(x) == 2:  # a single sequence: its target gets the batch axis too
        y_arr = y_arr[None]
    y_true = tf.convert_to_tensor(y_arr)
    if y_true.shape[0] != xs.shape[0]:
        raise ValueError(
            f"y has {y_true.shape[0]} rows but x has {xs.shape[0]}; pass one target per sequence"
        )
    _build(model, xs)

    @tf.function
    def gradient_norms(xs, y_true):
        with tf.GradientTape() as tape:
            tape.watch(xs)
            y_pred = model(xs, training=False)
            loss = tf.reduce_mean(
                tf.cast(loss_fn(tf.cast(y_true, y_pred.dtype), y_pred), tf.float32)
            )
        grad = tape.gradient(loss, xs)  # (batch, T, features)
        if grad is None:
            raise ValueError("the loss does not depend on x; pass a model that reads its input")
        return tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[0, 2]))

    return gradient_norms(xs, y_true).numpy().astype(np.float64)


@dataclass(frozen=True)
class DecayFit:
    """A straight line through ``log(norm)`` against distance: ``norm ≈ exp(intercept) · factor**distance``.

    Attributes:
        factor: the per-step factor ``r`` (< 1 vanishing, > 1 exploding).
        slope: ``ln r``, the natural-log change per step.
        intercept: ``ln C``, the fitted log-norm at distance 0.
        steps_per_decade: steps for a 10× change, ``ln 10 / |ln r|`` (inf when ``r == 1``).
        points: how many (finite, positive) norms the fit used.
    """

    factor: float
    slope: float
    intercept: float
    steps_per_decade: float
    points: int


def fit_decay_rate(
    norms, distances=None, min_distance: int = 0, max_distance: int | None = None
) -> DecayFit:
    """Fit ``norm ≈ C · r^distance`` by least squares on ``log(norm)`` and return the per-step factor ``r``.

    Args:
        norms: gradient norms, 1-D.
        distances: the distance (in steps) of each norm; default ``0, 1, 2, …`` (so pass ``norms[::-1]``
            from :func:`state_input_gradient_norms`, or give ``distances = T - 1 - t`` explicitly).
        min_distance: ignore norms nearer than this (the first few steps are often not yet geometric).
        max_distance: ignore norms farther than this (e.g. where float32 has run into its floor).

    Zero, negative and non-finite norms (underflow, overflow) are left out of the fit.

    Returns:
        A :class:`DecayFit`.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1:
        raise ValueError(
            f"norms must be 1-D, got shape {norms.shape}; average over the batch first"
        )
    dist = (
        np.arange(norms.size, dtype=np.float64)
        if distances is None
        else np.asarray(distances, dtype=np.float64)
    )
    if dist.shape != norms.shape:
        raise ValueError(
            f"distances has shape {dist.shape} but norms has {norms.shape}; pass one per norm"
        )
    keep = np.isfinite(norms) & (norms > 0) & (dist >= min_distance)
    if max_distance is not None:
        keep &= dist <= max_distance
    if keep.sum() < 2:
        raise ValueError(
            f"only {int(keep.sum())} usable norms (finite, > 0, within the distance range); "
            "widen min_distance/max_distance or measure a longer sequence"
        )
    slope, intercept = np.polyfit(dist[keep], np.log(norms[keep]), 1)
    steps = float(np.log(10.0) / abs(slope)) if slope != 0 else float("inf")
    return DecayFit(float(np.exp(slope)), float(slope), float(intercept), steps, int(keep.sum()))


def spectral_radius(matrix) -> float:
    """The largest eigenvalue modulus of a square matrix: it decides whether ``W^n v`` vanishes or explodes."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square, got shape {m.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(m))))
