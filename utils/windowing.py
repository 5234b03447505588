"""Sliding windows over a time series, fast: a drop-in for ``keras.utils.timeseries_dataset_from_array``.

:func:`timeseries_dataset` takes the same arguments and yields the same windows as the Keras function, but builds
each batch with one vectorised ``tf.gather`` (start positions plus a row of offsets) instead of a chain of
per-window dataset ops, so the input pipeline stops competing with training for the CPU.
``python -m tools.experiments.bench_windowing`` measures the difference.

:class:`WindowSpec` describes the lab's forecasting task (Chollet's protocol: 5 days of hourly history, the
temperature 24 h ahead, a chronological 50/25/25 split, normalisation with training statistics only) and builds
the three datasets from data passed in as arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from utils.data import normalize

if TYPE_CHECKING:  # imported lazily at run time: importing utils.windowing must stay light
    import matplotlib.axes
    import tensorflow as tf

__all__ = ["WindowSpec", "Windows", "timeseries_dataset"]


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def timeseries_dataset(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> tf.data.Dataset:
    """Batches of sliding windows over ``data``, the same as ``keras.utils.timeseries_dataset_from_array``.

    Window ``i`` holds rows ``s, s + sampling_rate, ..., s + (sequence_length - 1) * sampling_rate`` of ``data``
    with ``s = start_index + i * sequence_stride``, and its target is ``targets[s]``. Windows use only rows in
    ``[start_index, end_index)``. With ``shuffle=False`` the batches equal the Keras ones; with ``shuffle=True``
    each epoch yields the same set of windows in a new order (seeded by ``seed``).

    Unlike the Keras function it refuses, with a ``ValueError`` naming the parameter: a window longer than the
    series, ``sampling_rate`` or ``sequence_stride`` below 1, ``targets`` whose length differs from ``data``'s,
    and NaN or infinite values in the rows used. ``end_index`` may equal ``len(data)``.

    Args:
        data: array-like (or DataFrame) of shape ``(time, ...)``; the dtype is kept.
        targets: array-like with ``len(data)`` rows, or ``None`` to yield inputs only.
        sequence_length: steps per window.
        sequence_stride: distance between the starts of consecutive windows.
        sampling_rate: distance between consecutive steps within a window.
        batch_size: windows per batch, or ``None`` for single windows.
        shuffle: draw windows in random order (reshuffled each epoch).
        seed: shuffling seed; ``None`` draws one from NumPy's global generator (as Keras does).
        start_index: first row used (default 0).
        end_index: one past the last row used (default ``len(data)``).

    Returns:
        A prefetched ``tf.data.Dataset`` of ``(inputs, targets)`` or of ``inputs``.
    """
    import tensorflow as tf

    data = np.asarray(data)
    if data.ndim < 1 or len(data) == 0:
        raise ValueError(f"data must be an array with at least one row, got shape {data.shape}")
    n = len(data)
    sequence_length = _check_int("sequence_length", sequence_length, 1)
    sequence_stride = _check_int("sequence_stride", sequence_stride, 1)
    sampling_rate = _check_int("sampling_rate", sampling_rate, 1)
    if batch_size is not None:
        batch_size = _check_int("batch_size", batch_size, 1)
    start = 0 if start_index is None else _check_int("start_index", start_index, 0)
    end = n if end_index is None else _check_int("end_index", end_index, 1)
    if end > n:
        raise ValueError(f"end_index must be <= len(data) = {n}, got {end}")
    if start >= end:
        raise ValueError(
            f"start_index must be < end_index, got start_index={start}, end_index={end}"
        )
    span = (sequence_length - 1) * sampling_rate + 1
    if span > end - start:
        raise ValueError(
            f"sequence_length={sequence_length} with sampling_rate={sampling_rate} spans {span} rows, but the "
            f"series has only {end - start} rows between start_index={start} and end_index={end}; "
            "shorten the window or pass more data"
        )
    used = data[start:end]
    if np.issubdtype(used.dtype, np.inexact) and not np.isfinite(used).all():
        row = int(np.argwhere(~np.isfinite(used.reshape(len(used), -1)))[0][0]) + start
        raise ValueError(
            f"data contains NaN or infinite values (first at row {row}); fill or drop them first"
        )
    if targets is not None:
        targets = np.asarray(targets)
        if len(targets) != n:
            raise ValueError(
                f"targets must have one row per row of data: len(targets) = {len(targets)}, len(data) = {n}; "
                "shift both arrays to the same length (e.g. data[:-delay], targets[delay:])"
            )

    num_windows = end - start - span + 1
    index_dtype = np.int32 if n < 2**31 - 1 else np.int64
    positions = np.arange(start, start + num_windows, sequence_stride, dtype=index_dtype)
    offsets = tf.constant(np.arange(sequence_length, dtype=index_dtype) * sampling_rate)
    data_t = tf.constant(data)
    targets_t = None if targets is None else tf.constant(targets)

    positions_t = tf.constant(positions)
    if shuffle and seed is None:
        seed = int(np.random.randint(1e6))
    if batch_size is None:
        ds = tf.data.Dataset.from_tensor_slices(positions)
        if shuffle:
            ds = ds.shuffle(len(positions), seed=seed, reshuffle_each_iteration=True)
    else:
        # whole batches of start positions are sliced from one (per epoch, shuffled) vector: no per-window ops
        n_batches = -(-len(positions) // batch_size)

        def batches_of(order):
            return tf.data.Dataset.range(n_batches).map(
                lambda i: order[i * batch_size : (i + 1) * batch_size]
            )

        if shuffle:
            # one fresh seed per iteration (epoch), drawn deterministically from `seed`
            epoch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
            ds = epoch_seeds.flat_map(
                lambda s: batches_of(
                    tf.random.experimental.stateless_shuffle(positions_t, tf.stack([s, 0]))
                )
            )
        else:
            ds = batches_of(positions_t)
        # flat_map hides it; Keras needs it
        ds = ds.apply(tf.data.experimental.assert_cardinality(n_batches))

    def gather(pos):
        windows = tf.gather(data_t, tf.expand_dims(pos, -1) + offsets)
        if targets_t is None:
            return windows
        return windows, tf.gather(targets_t, pos)

    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass
class Windows:
    """The datasets and statistics :meth:`WindowSpec.make_datasets` builds."""

    train: Any
    val: Any
    test: Any
    mean: pd.Series
    std: pd.Series
    n_train: int
    n_val: int
    feature_columns: list[str]
    label_columns: list[str]


@dataclasses.dataclass(frozen=True)
class WindowSpec:
    """A forecasting task over a multivariate series: what a window sees and what it predicts.

    A window holds ``input_width`` steps taken every ``sampling_rate`` rows; its label is the value of
    ``label_columns`` ``horizon`` sampled steps after the window's last step, i.e.
    ``delay = sampling_rate * (input_width + horizon - 1)`` rows after its first. Rows are split in time order by
    ``split`` (train, validation, test fractions). This is Chollet's protocol (Deep Learning with Python,
    ch. 10): the defaults are 5 days of hourly history (120 steps), the value 24 h ahead and a 50/25/25 split; on
    10-minute data (Jena) pass ``sampling_rate=6``. Labels of the last windows of a part fall in the next part,
    exactly as in the book, so results compare with its published numbers.

    Attributes:
        input_width: steps per window (after sampling).
        horizon: sampled steps from the last input to the label (>= 1).
        sampling_rate: rows between consecutive steps.
        label_columns: the predicted columns (one column gives 1-D labels).
        split: train, validation and test fractions, in time order.
        batch_size: windows per batch.
    """

    input_width: int = 120
    horizon: int = 24
    sampling_rate: int = 1
    label_columns: tuple[str, ...] = ("TEMP",)
    split: tuple[float, float, float] = (0.5, 0.25, 0.25)
    batch_size: int = 256

    def __post_init__(self) -> None:
        _check_int("input_width", self.input_width, 1)
        _check_int("horizon", self.horizon, 1)
        _check_int("sampling_rate", self.sampling_rate, 1)
        _check_int("batch_size", self.batch_size, 1)
        if isinstance(self.label_columns, str) or len(self.label_columns) == 0:
            raise ValueError(
                f"label_columns must be a non-empty tuple of column names, got {self.label_columns!r}"
            )
        object.__setattr__(self, "label_columns", tuple(self.label_columns))
        if (
            len(self.split) != 3
            or any(f <= 0 for f in self.split)
            or abs(sum(self.split) - 1) > 1e-9
        ):
            raise ValueError(
                f"split must be three positive fractions summing to 1, got {self.split!r}"
            )

    @property
    def delay(self) -> int:
        """Rows from a window's first row to its label's row."""
        return self.sampling_rate * (self.input_width + self.horizon - 1)

    def boundaries(self, n_rows: int) -> tuple[int, int]:
        """``(n_train, n_val)``: the rows ``[0, n_train)`` train, ``[n_train, n_train + n_val)`` validate."""
        n_train, n_val = int(n_rows * self.split[0]), int(n_rows * self.split[1])
        needed = self.sampling_rate * (self.input_width - 1) + 1
        if min(n_train, n_val, n_rows - n_train - n_val - self.delay) < needed:
            raise ValueError(
                f"the data has {n_rows} rows: too few for split={self.split} with windows of {needed} rows and "
                f"a delay of {self.delay}; pass more rows or shorten input_width/horizon"
            )
        return n_train, n_val

    def make_datasets(
        self,
        df: pd.DataFrame,
        feature_columns: Sequence[str] | None = None,
        *,
        shuffle_train: bool = True,
        seed: int = 0,
        dtype: str = "float32",
    ) -> Windows:
        """Build the train/validation/test datasets from ``df``.

        Features are standardised with the mean and standard deviation of the training rows only; labels stay
        in their original units (°C for temperature), so a model's MAE reads directly in those units.

        Args:
            df: the series, one row per time step (e.g. ``utils.data.load_weather("beijing")``).
            feature_columns: input columns (default: all columns of ``df``).
            shuffle_train: shuffle the training windows (validation and test stay in time order).
            seed: shuffling seed.
            dtype: dtype of the arrays fed to the model.
        """
        missing = [c for c in self.label_columns if c not in df.columns]
        if missing:
            raise ValueError(
                f"label_columns {missing} are not columns of df; available: {list(df.columns)}"
            )
        feature_columns = list(df.columns if feature_columns is None else feature_columns)
        unknown = [c for c in feature_columns if c not in df.columns]
        if unknown:
            raise ValueError(f"feature_columns {unknown} are not columns of df")
        n_train, n_val = self.boundaries(len(df))
        features = df[feature_columns]
        _, mean, std = normalize(features.iloc[:n_train])
        scaled_all = ((features - mean) / std).to_numpy(dtype=dtype)
        labels = df[list(self.label_columns)].to_numpy(dtype=dtype)
        if labels.shape[1] == 1:
            labels = labels[:, 0]
        inputs, targets = scaled_all[: -self.delay], labels[self.delay :]
        common = dict(
            sequence_length=self.input_width,
            sampling_rate=self.sampling_rate,
            batch_size=self.batch_size,
        )
        train = timeseries_dataset(
            inputs,
            targets,
            shuffle=shuffle_train,
            seed=seed,
            start_index=0,
            end_index=n_train,
            **common,
        )
        val = timeseries_dataset(
            inputs, targets, start_index=n_train, end_index=n_train + n_val, **common
        )
        test = timeseries_dataset(inputs, targets, start_index=n_train + n_val, **common)
        return Windows(
            train, val, test, mean, std, n_train, n_val, feature_columns, list(self.label_columns)
        )

    def plot_window(
        self,
        ax: matplotlib.axes.Axes,
        inputs: Any,
        label: float,
        prediction: float | None = None,
        *,
        step_hours: float = 1.0,
        ylabel: str = "",
    ) -> matplotlib.axes.Axes:
        """Plot one window on ``ax``: the input history, the true label and (optionally) a prediction.

        Args:
            ax: the matplotlib axes to draw on.
            inputs: the history of the labelled quantity, ``input_width`` values in the label's units (pass
                the de-normalised feature column, e.g. ``x[:, j] * std[col] + mean[col]``).
            label: the true value ``horizon`` steps after the last input.
            prediction: the model's value for it, if any.
            step_hours: hours per sampled step (for the x axis).
            ylabel: y-axis label.
        """
        inputs = np.asarray(inputs, dtype=float).reshape(-1)
        if len(inputs) != self.input_width:
            raise ValueError(
                f"inputs must have input_width={self.input_width} values, got {len(inputs)}"
            )
        t = (np.arange(self.input_width) - (self.input_width - 1)) * step_hours
        t_label = self.horizon * step_hours
        ax.plot(t, inputs, color="C0", label="inputs")
        ax.scatter([t_label], [label], color="C2", marker="o", s=50, zorder=3, label="label")
        if prediction is not None:
            ax.scatter(
                [t_label], [prediction], color="C3", marker="x", s=60, zorder=4, label="prediction"
            )
        ax.axvline(0.0, color="0.7", linewidth=0.8)
        ax.set_xlabel("hours relative to the last input")
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.legend(loc="best")
        return ax
