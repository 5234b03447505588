"""Grading hooks of notebook 06's model question (q5): its fixed training budget, the lab's plain GRU it must
beat, and the round trip a model makes through the grader's wire.

Students may call :func:`score_student_model` to try a model before handing it in, and :func:`as_graded` to see
it as the grader receives it; the grader's hidden tests call the same functions. The lab's own helpers are in
:mod:`utils.forecast`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from utils.forecast import (
    engineer_features,
    mae,
    window_targets,
)

#: the fixed budget of :func:`score_student_model`
GRADING_BUDGET: dict[str, float] = {
    "epochs": 5,
    "window_stride": 2,
    "max_cpu_seconds": 40.0,
    "max_params": 300_000,
}


def reference_gru(n_features: int, sequence_length: int = 120):
    """The lab's plain GRU (section 5.2): GRU(16) -> Dense(1), Adam(1e-3) on the MSE, for normalised targets."""
    import keras

    inputs = keras.Input((sequence_length, n_features))
    model = keras.Model(
        inputs, keras.layers.Dense(1)(keras.layers.GRU(16)(inputs)), name="reference_gru"
    )
    model.compile(keras.optimizers.Adam(1e-3), loss="mse")
    return model


def as_graded(model):
    """``model`` as the grader receives it from a submission: sent and read back through :mod:`tools.grading.sandbox_wire`.

    The grader rebuilds a submitted model from its Keras configuration, from built-in Keras classes only, never
    from code (a ``keras.layers.Lambda`` or a layer class of one's own is refused). Calling this on a model in the
    notebook makes the same round trip, so a model the grader would refuse fails here, with the grader's reason.

    Args:
        model: a Keras model (or layer).

    Returns:
        The rebuilt model, as the grader's tests see it.

    Inside the grader's sandbox, which has no ``tools.grading.sandbox_wire``, the model is returned as it is: there the
    grader itself sends whatever the submission returns.

    Raises:
        tools.grading.sandbox_wire.NotPlainData: the model cannot cross; the message says why and what to build instead.
    """
    import socket
    import threading

    try:
        from tools.grading import sandbox_wire
    except ImportError:  # inside the grader's sandbox (no tools/ there): the grader sends it itself
        return model

    sender, receiver = socket.socketpair()
    failure: list[BaseException] = []

    def send() -> None:
        try:
            sandbox_wire.send(sender, model)
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller's thread
            failure.append(error)
        finally:
            sender.close()

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    try:
        received = None if failure else sandbox_wire.recv(receiver)
    except sandbox_wire.WireError:
        received = None
    finally:
        thread.join()
        receiver.close()
    if failure:
        raise failure[0]
    return received


def score_student_model(
    build_model,
    weather: pd.DataFrame,
    dataset: str = "beijing",
    sequence_length: int = 120,
    horizon: int = 24,
    seed: int = 0,
    reference: bool = True,
    budget: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Train a model built by ``build_model(n_features)`` under a fixed budget and score it on validation.

    The data are the lab's: :func:`engineer_features` of ``weather``, split 50/25/25 in time, normalised with
    the training statistics. A window is ``sequence_length`` hours of every (normalised) feature; its target is
    the **normalised** temperature ``horizon`` hours after the window's last hour, so the model outputs one
    number per window, ``(batch, 1)`` or ``(batch,)``, and ``window[:, -1, 0]`` is persistence. An uncompiled
    model is compiled with Adam(1e-3) on the MAE; a compiled one keeps its optimizer and loss. Training uses every
    ``window_stride``-th training window for ``epochs`` epochs, stopped early once the process has used
    ``max_cpu_seconds`` of CPU time (all threads) in ``fit``; the validation MAE (in °C) is over every
    ``window_stride``-th validation window. With ``reference``, the lab's plain GRU (:func:`reference_gru`) is
    trained and scored under the same budget. Nothing here reads the test part.

    Args:
        build_model: a function of ``n_features`` returning a ``keras.Model``.
        weather: the frame :func:`utils.data.load_weather` returns for ``dataset``.
        dataset: ``"beijing"`` or ``"jena"`` (Jena is reduced to its readings on the hour).
        sequence_length, horizon: the lab's window length and forecast horizon (hours).
        seed: the seed set before building and before training each model.
        reference: also train and score the reference GRU.
        budget: overrides of :data:`GRADING_BUDGET`.

    Returns:
        Plain floats: ``val_mae``, ``persistence_val_mae``, ``reference_val_mae`` (NaN without ``reference``),
        ``params``, ``epochs`` (run), ``train_cpu_seconds``, ``train_windows``, ``val_windows``.

    Raises:
        ValueError: ``build_model`` does not return a Keras model, the model has more than ``max_params``
            parameters, or its output is not one number per window.
        tools.grading.sandbox_wire.NotPlainData: the model cannot reach the grader (a ``Lambda``, a layer class of one's
            own): the same refusal, and message, as the grader's; see :func:`as_graded`.
    """
    import keras

    from utils.data import chronological_split, normalize

    limits = {**GRADING_BUDGET, **(budget or {})}
    if dataset == "jena":
        weather = weather[weather.index.minute == 0]
    features = engineer_features(weather, dataset)
    train_df, val_df, _ = chronological_split(features, (0.5, 0.25, 0.25))
    (train_n, val_n), mean, std = normalize(train_df, val_df)
    t_mean, t_std = float(mean.iloc[0]), float(std.iloc[0])
    stride = int(limits["window_stride"])

    def windows(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        values = part.to_numpy("float32")
        starts, _ = window_targets(values, values[:, 0], sequence_length, horizon)
        starts = starts[::stride]
        x = np.lib.stride_tricks.sliding_window_view(values, sequence_length, axis=0)[
            starts
        ].transpose(0, 2, 1)
        return np.ascontiguousarray(x), values[starts + sequence_length - 1 + horizon, :1]

    x_train, y_train = windows(train_n)
    x_val, y_val = windows(val_n)
    val_truth = y_val[:, 0] * t_std + t_mean

    def train_and_score(build) -> tuple[float, int, int, float]:
        keras.utils.set_random_seed(seed)
        model = build(features.shape[1])
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"build_my_model must return a keras.Model, got {type(model).__name__}"
            )
        if build is build_model:
            # the grader's round trip: a model it would refuse fails here, with its reason
            model = as_graded(model)
        if model.count_params() > limits["max_params"]:
            raise ValueError(
                f"the model has {model.count_params():,} parameters, more than {int(limits['max_params']):,}; "
                "make it smaller"
            )
        if not model.compiled:
            model.compile(keras.optimizers.Adam(1e-3), loss="mae")
        budget_stop = _cpu_budget(limits["max_cpu_seconds"])
        keras.utils.set_random_seed(seed)
        history = model.fit(
            x_train,
            y_train,
            batch_size=256,
            epochs=int(limits["epochs"]),
            shuffle=True,
            verbose=0,
            callbacks=[budget_stop],
        )
        predicted = np.asarray(model.predict(x_val, batch_size=1024, verbose=0), dtype="float64")
        if predicted.shape not in ((len(x_val), 1), (len(x_val),)):
            raise ValueError(
                f"the model outputs shape {predicted.shape[1:]} per batch of windows; it must output one number "
                "per window, shape (batch, 1)"
            )
        val_mae = mae(predicted.reshape(-1) * t_std + t_mean, val_truth)
        return val_mae, model.count_params(), len(history.history.get("loss", [])), budget_stop.used

    val_mae, params, epochs, seconds = train_and_score(build_model)
    reference_mae = train_and_score(reference_gru)[0] if reference else float("nan")
    persistence = mae(x_val[:, -1, 0] * t_std + t_mean, val_truth)
    return {
        "val_mae": float(val_mae),
        "persistence_val_mae": float(persistence),
        "reference_val_mae": float(reference_mae),
        "params": float(params),
        "epochs": float(epochs),
        "train_cpu_seconds": float(seconds),
        "train_windows": float(len(x_train)),
        "val_windows": float(len(x_val)),
    }


def _cpu_budget(seconds: float):
    """A Keras callback that stops ``fit`` once the process has used ``seconds`` of CPU time (all threads)."""
    import keras

    class CpuBudget(keras.callbacks.Callback):
        def __init__(self, limit: float) -> None:
            super().__init__()
            self.limit, self.used, self._start = limit, 0.0, 0.0

        def on_train_begin(self, logs=None) -> None:
            self._start = time.process_time()

        def on_train_batch_end(self, batch, logs=None) -> None:
            self.used = time.process_time() - self._start
            if self.used > self.limit:
                self.model.stop_training = True

    return CpuBudget(seconds)
