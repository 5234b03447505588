"""Tests for utils.windowing: same windows as keras.utils.timeseries_dataset_from_array, errors, WindowSpec."""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from utils.windowing import WindowSpec, timeseries_dataset  # noqa: E402

N_ROWS = 61


def series(
    n: int = N_ROWS, features: int = 3, dtype: str = "float32"
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    data = (
        np.arange(n)[:, None] * 10 + np.arange(features)[None, :] + rng.random((n, features))
    ).astype(dtype)
    return data, (np.arange(n) * 1000).astype(dtype)


def batches(ds) -> list:
    out = []
    for item in ds:
        out.append(
            tuple(np.asarray(x) for x in item) if isinstance(item, tuple) else (np.asarray(item),)
        )
    return out


# (sequence_length, sequence_stride, sampling_rate, batch_size, start_index, end_index)
CASES = [
    (10, 1, 1, 128, None, None),
    (10, 3, 2, 7, None, None),
    (5, 1, 3, 4, 6, 50),
    (1, 1, 1, 16, None, None),
    (20, 5, 2, None, 3, None),
    (7, 2, 1, 5, 0, 60),
    (61, 1, 1, 8, None, None),  # a single window covering every row
    (4, 10, 4, 3, 11, 59),
    (12, 1, 5, 2, None, None),
    (3, 7, 7, 1, 5, 40),
]


def _window_kwargs(case: tuple, **extra) -> dict:
    """The keyword arguments of both windowing functions for one of :data:`CASES`."""
    names = (
        "sequence_length",
        "sequence_stride",
        "sampling_rate",
        "batch_size",
        "start_index",
        "end_index",
    )
    return dict(zip(names, case, strict=True), **extra)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("with_targets", [True, False])
def test_identical_batches_to_keras_without_shuffle(case, with_targets):
    data, targets = series()
    kwargs = _window_kwargs(case)
    t = targets if with_targets else None
    ours = batches(timeseries_dataset(data, t, **kwargs))
    theirs = batches(keras.utils.timeseries_dataset_from_array(data, t, **kwargs))
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs, strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)


def window_set(ds) -> list:
    rows = []
    for x, y in ds:
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim == 2:  # unbatched
            x, y = x[None], y[None]
        rows += [(float(yy), xx.tobytes()) for xx, yy in zip(x, y, strict=True)]
    return sorted(rows)


@pytest.mark.parametrize("case", CASES)
def test_same_set_of_windows_as_keras_with_shuffle(case):
    data, targets = series()
    kwargs = _window_kwargs(case, shuffle=True, seed=3)
    ours = timeseries_dataset(data, targets, **kwargs)
    theirs = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    assert window_set(ours) == window_set(theirs)


def test_shuffle_is_seeded_reshuffled_each_epoch_and_not_chronological():
    data, targets = series(200)
    ds = timeseries_dataset(data, targets, sequence_length=5, batch_size=8, shuffle=True, seed=1)
    first = np.concatenate([np.asarray(y) for _, y in ds])
    second = np.concatenate([np.asarray(y) for _, y in ds])
    again = np.concatenate(
        [
            np.asarray(y)
            for _, y in timeseries_dataset(
                data, targets, sequence_length=5, batch_size=8, shuffle=True, seed=1
            )
        ]
    )
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.sort(first))
    np.testing.assert_array_equal(np.sort(first), np.sort(second))


def test_windows_follow_the_documented_indices():
    data = np.arange(99, dtype="float64")
    x = next(
        iter(timeseries_dataset(data, None, sequence_length=10, sequence_stride=3, sampling_rate=2))
    )
    x = np.asarray(x)
    np.testing.assert_array_equal(x[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(x[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(x[-1], np.arange(78, 98, 2))
    assert x.dtype == np.float64


def test_dataframe_input_and_end_index_equal_to_length():
    data, targets = series()
    df = pd.DataFrame(data, columns=list("abc"))
    x, y = next(iter(timeseries_dataset(df, pd.Series(targets), sequence_length=61, end_index=61)))
    np.testing.assert_array_equal(np.asarray(x)[0], data)
    assert float(np.asarray(y)[0]) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(sequence_length=62), "sequence_length=62"),
        (
            dict(sequence_length=11, sampling_rate=6),
            "spans 61 rows",
        ),  # fits exactly: must not raise
        (dict(sequence_length=5, start_index=50, end_index=53), "sequence_length=5"),
        (dict(sequence_length=5, sampling_rate=0), "sampling_rate"),
        (dict(sequence_length=5, sequence_stride=0), "sequence_stride"),
        (dict(sequence_length=0), "sequence_length"),
        (dict(sequence_length=5, batch_size=0), "batch_size"),
        (dict(sequence_length=5, start_index=-1), "start_index"),
        (dict(sequence_length=5, end_index=62), "end_index"),
        (dict(sequence_length=5, start_index=30, end_index=30), "start_index"),
        (dict(sequence_length=2.0), "sequence_length must be an integer"),
    ],
)
def test_bad_parameters_raise_value_errors_naming_them(kwargs, match):
    data, targets = series()
    if match == "spans 61 rows":
        assert len(batches(timeseries_dataset(data, targets, **kwargs))) == 1
        with pytest.raises(ValueError, match="sequence_length=12"):
            timeseries_dataset(data, targets, **{**kwargs, "sequence_length": 12})
        return
    with pytest.raises(ValueError, match=match):
        timeseries_dataset(data, targets, **kwargs)


def test_targets_length_and_nans_are_refused():
    data, targets = series()
    with pytest.raises(ValueError, match="targets"):
        timeseries_dataset(data, targets[:-1], sequence_length=5)
    bad = data.copy()
    bad[17, 1] = np.nan
    with pytest.raises(ValueError, match="data contains NaN.*row 17"):
        timeseries_dataset(bad, targets, sequence_length=5)
    # a NaN outside [start_index, end_index) is never read, so it is allowed
    timeseries_dataset(bad, targets, sequence_length=5, start_index=20)


# ------------------------------------------------------------------------------------------------ WindowSpec
def frame(n: int = 400) -> pd.DataFrame:
    t = np.arange(n, dtype=float)
    index = pd.date_range("2020-01-01", periods=n, freq="h", name="time")
    return pd.DataFrame({"TEMP": t, "PRES": 1000 + np.sin(t), "Iws": t % 7}, index=index)


def test_window_spec_validation():
    with pytest.raises(ValueError, match="horizon"):
        WindowSpec(horizon=0)
    with pytest.raises(ValueError, match="input_width"):
        WindowSpec(input_width=0)
    with pytest.raises(ValueError, match="sampling_rate"):
        WindowSpec(sampling_rate=0)
    with pytest.raises(ValueError, match="label_columns"):
        WindowSpec(label_columns="TEMP")
    with pytest.raises(ValueError, match="split"):
        WindowSpec(split=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="label_columns"):
        WindowSpec(input_width=5, horizon=2, label_columns=("T (degC)",)).make_datasets(frame())
    with pytest.raises(ValueError, match="feature_columns"):
        WindowSpec(input_width=5, horizon=2).make_datasets(
            frame(), feature_columns=["TEMP", "wind"]
        )
    with pytest.raises(ValueError, match="rows"):
        WindowSpec(input_width=120, horizon=24).make_datasets(frame(200))


@pytest.mark.parametrize("rate", [1, 3])
def test_window_spec_matches_chollets_protocol(rate):
    df = frame()
    spec = WindowSpec(input_width=6, horizon=4, sampling_rate=rate, batch_size=16)
    w = spec.make_datasets(df, shuffle_train=False)
    assert (w.n_train, w.n_val) == (200, 100)
    # training statistics only
    assert w.mean["TEMP"] == pytest.approx(99.5) and w.std["TEMP"] == pytest.approx(
        df["TEMP"][:200].std()
    )
    delay = rate * (6 + 4 - 1)
    assert spec.delay == delay
    # Chollet: inputs raw[:-delay], targets temperature[delay:], split by start/end indices
    scaled = ((df - w.mean) / w.std).to_numpy("float32")
    expected = {
        "train": (0, 200),
        "val": (200, 300),
        "test": (300, len(df) - delay),
    }
    for name, (start, end) in expected.items():
        reference = keras.utils.timeseries_dataset_from_array(
            scaled[:-delay],
            df["TEMP"].to_numpy("float32")[delay:],
            sequence_length=6,
            sampling_rate=rate,
            batch_size=16,
            start_index=start,
            end_index=None if name == "test" else end,
        )
        got = batches(getattr(w, name))
        want = batches(reference)
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
    # the label is `horizon` sampled steps after the last input, in raw units (TEMP equals the row number)
    x, y = batches(w.val)[0]
    last_input_row = 200 + rate * 5
    assert y[0] == last_input_row + rate * 4
    assert x[0, -1, 0] * w.std["TEMP"] + w.mean["TEMP"] == pytest.approx(last_input_row, abs=1e-3)


def test_window_spec_shuffles_only_training_and_plots():
    spec = WindowSpec(input_width=6, horizon=4, batch_size=16, label_columns=("TEMP", "PRES"))
    w = spec.make_datasets(frame(), feature_columns=["TEMP", "Iws"], seed=2)
    x, y = batches(w.train)[0]
    assert x.shape == (16, 6, 2) and y.shape == (16, 2)
    assert not np.array_equal(y[:, 0], np.sort(y[:, 0]))
    _, yv = batches(w.val)[0]
    assert np.array_equal(yv[:, 0], np.sort(yv[:, 0]))
    fig, ax = plt.subplots()
    try:
        history = x[0, :, 0] * w.std["TEMP"] + w.mean["TEMP"]
        spec.plot_window(
            ax, history, float(y[0, 0]), prediction=float(y[0, 0]) + 1.0, ylabel="TEMP"
        )
        assert len(ax.lines) >= 1 and len(ax.collections) == 2
        assert ax.lines[0].get_xdata()[-1] == 0.0 and ax.collections[0].get_offsets()[0][0] == 4.0
        with pytest.raises(ValueError, match="input_width"):
            spec.plot_window(ax, history[:-1], 0.0)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("shuffle", [False, True])
def test_cardinality_is_known_like_keras(shuffle):
    data, targets = series()
    kwargs = dict(sequence_length=10, batch_size=7, shuffle=shuffle, seed=0)
    ours = timeseries_dataset(data, targets, **kwargs)
    theirs = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    assert int(ours.cardinality()) == int(theirs.cardinality()) == 8
