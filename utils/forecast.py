"""Helpers for the weather-forecast lab (notebook 06): features, windows, baselines, timed training, results.

The task is Chollet's: from ``sequence_length`` hourly steps of every variable, predict the temperature
``horizon`` hours after the last input step. Everything here takes the data as arguments; nothing runs on import.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Beijing's ``cbwd`` classes as compass bearings (degrees the wind blows FROM); ``cv`` is "calm and variable",
#: which has no direction, so its wind vector is zero.
BEIJING_BEARINGS: dict[str, float] = {"NE": 45.0, "SE": 135.0, "NW": 315.0, "cv": float("nan")}

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 24.0 * 365.2425


def wind_vector(
    speed: pd.Series | np.ndarray, bearing_deg: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Turn a wind speed and a bearing in degrees into the vector components ``(wx, wy)``.

    A bearing is circular (359° and 1° are neighbours), and a direction means nothing when the air is calm; the
    vector ``speed * (cos, sin)`` has neither problem. A NaN bearing (no direction) gives the zero vector.

    Args:
        speed: wind speeds (m/s), non-negative.
        bearing_deg: bearings in degrees, same length; NaN where the wind has no direction.

    Returns:
        ``(wx, wy)`` as float arrays.
    """
    speed = np.asarray(speed, dtype="float64")
    bearing = np.asarray(bearing_deg, dtype="float64")
    if speed.shape != bearing.shape:
        raise ValueError(
            f"speed has shape {speed.shape} but bearing_deg has {bearing.shape}; pass equal lengths"
        )
    if np.any(speed < 0):
        raise ValueError(
            "speed has negative values; clean them first (Jena's -9999 sentinels, for example)"
        )
    rad = np.deg2rad(bearing)
    wx = np.where(np.isnan(rad), 0.0, speed * np.cos(rad))
    wy = np.where(np.isnan(rad), 0.0, speed * np.sin(rad))
    return wx, wy


def beijing_wind_speed(direction: pd.Series, cumulated: pd.Series) -> pd.Series:
    """Recover the hourly wind speed from Beijing's cumulated speed ``Iws``.

    ``Iws`` adds up the hourly speed for as long as the direction class ``cbwd`` stays the same, and restarts
    when it changes. So the speed at hour t is ``Iws[t] - Iws[t-1]`` inside a run and ``Iws[t]`` at the start
    of one.

    Args:
        direction: the direction class per hour (``cbwd``).
        cumulated: the cumulated speed per hour (``Iws``), same index.

    Returns:
        The hourly speed (m/s), same index.
    """
    if len(direction) != len(cumulated):
        raise ValueError(
            f"direction has {len(direction)} rows but cumulated has {len(cumulated)}; align them"
        )
    direction = pd.Series(np.asarray(direction), index=cumulated.index)
    new_run = direction.ne(direction.shift())
    speed = cumulated.where(new_run, cumulated.diff())
    if (speed < 0).any():
        raise ValueError(
            "cumulated decreases inside a run of one direction; it is not a cumulated speed"
        )
    return speed.rename("wind speed (m/s)")


def time_signals(
    index: pd.DatetimeIndex, periods_hours: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Sine and cosine of the time of day and of the year (or other periods) for a DatetimeIndex.

    Args:
        index: the timestamps.
        periods_hours: name -> period in hours; default ``{"day": 24, "year": 8765.82}``.

    Returns:
        A DataFrame with ``<name> sin`` and ``<name> cos`` columns on ``index``.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"index must be a pandas DatetimeIndex, got {type(index).__name__}")
    periods = dict(periods_hours or {"day": HOURS_PER_DAY, "year": HOURS_PER_YEAR})
    hours = (index - pd.Timestamp("2000-01-01")) / pd.Timedelta(hours=1)
    hours = np.asarray(hours, dtype="float64")
    out = {}
    for name, period in periods.items():
        if period <= 0:
            raise ValueError(f"periods_hours[{name!r}] must be positive, got {period}")
        out[f"{name} sin"] = np.sin(2 * np.pi * hours / period)
        out[f"{name} cos"] = np.cos(2 * np.pi * hours / period)
    return pd.DataFrame(out, index=index)


def fft_amplitude(
    values: np.ndarray | pd.Series, step_hours: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude spectrum of a series, with frequencies in cycles per year, in the series' own units.

    ``amplitude[k]`` is the amplitude A of the sinusoid ``A cos(2π f_k t + φ)`` at frequency bin k: a pure
    sine of amplitude A at a bin frequency gives A. The one-sided spectrum folds the negative frequencies onto
    the positive ones, so every bin but the zero frequency and (for an even length) the Nyquist frequency is
    ``2 |rfft| / N``; those two have no mirror image and are ``|rfft| / N``.

    Args:
        values: an evenly sampled series without NaNs.
        step_hours: the sampling interval in hours.

    Returns:
        ``(cycles_per_year, amplitude)``, the mean removed (so the zero frequency does not dominate).
    """
    x = np.asarray(values, dtype="float64")
    if x.ndim != 1 or len(x) < 4:
        raise ValueError(f"values must be a 1-D series of at least 4 points, got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError("values has NaNs; fill or drop them before the FFT")
    amplitude = np.abs(np.fft.rfft(x - x.mean())) / len(x)
    # every bin except DC (and Nyquist, N even)
    mirrored = slice(1, None) if len(x) % 2 else slice(1, -1)
    amplitude[mirrored] *= 2
    cycles_per_hour = np.fft.rfftfreq(len(x), d=step_hours)
    return cycles_per_hour * HOURS_PER_YEAR, amplitude


def engineer_features(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """The lab's model inputs: the weather columns, a wind vector, and day/year sin/cos signals.

    * ``"beijing"``: TEMP, DEWP, PRES, log(1 + pm2.5), Is, Ir; the wind vector from the hourly speed recovered
      from ``Iws`` and the bearing of ``cbwd`` (zero when calm and variable). The one-hot ``cbwd_*`` columns
      and ``Iws`` are replaced by the vector.
    * ``"jena"``: every column except ``wv``, ``max. wv`` and ``wd``, which become the vectors ``wx, wy`` and
      ``max wx, max wy``; ``Tpot`` is dropped (it is T in kelvin corrected for pressure, nearly a copy of T).

    The temperature is always the first column, named ``"T (degC)"``.

    Args:
        df: the frame :func:`utils.data.load_weather` returns for ``dataset``.
        dataset: ``"beijing"`` or ``"jena"``.
    """
    if dataset == "beijing":
        needed = [
            "TEMP",
            "DEWP",
            "PRES",
            "pm2.5",
            "Iws",
            "Is",
            "Ir",
            "cbwd_NE",
            "cbwd_NW",
            "cbwd_SE",
            "cbwd_cv",
        ]
        _require(df, needed)
        names = np.array(["NE", "NW", "SE", "cv"])
        direction = pd.Series(
            names[df[["cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv"]].to_numpy().argmax(1)]
        )
        speed = beijing_wind_speed(direction, df["Iws"])
        wx, wy = wind_vector(speed.to_numpy(), direction.map(BEIJING_BEARINGS).to_numpy())
        out = pd.DataFrame(
            {
                "T (degC)": df["TEMP"],
                "Tdew (degC)": df["DEWP"],
                "p (hPa)": df["PRES"],
                "log pm2.5": np.log1p(df["pm2.5"]),
                "snow hours": df["Is"],
                "rain hours": df["Ir"],
                "wx (m/s)": wx,
                "wy (m/s)": wy,
            },
            index=df.index,
        )
    elif dataset == "jena":
        _require(df, ["T (degC)", "wv (m/s)", "max. wv (m/s)", "wd (deg)"])
        wx, wy = wind_vector(df["wv (m/s)"].to_numpy(), df["wd (deg)"].to_numpy())
        mx, my = wind_vector(df["max. wv (m/s)"].to_numpy(), df["wd (deg)"].to_numpy())
        rest = df.drop(
            columns=["T (degC)", "wv (m/s)", "max. wv (m/s)", "wd (deg)", "Tpot (K)"],
            errors="ignore",
        )
        out = pd.concat([df[["T (degC)"]], rest], axis=1)
        out["wx (m/s)"], out["wy (m/s)"], out["max wx (m/s)"], out["max wy (m/s)"] = wx, wy, mx, my
    else:
        raise ValueError(f"dataset must be 'beijing' or 'jena', got {dataset!r}")
    return pd.concat([out, time_signals(df.index)], axis=1).astype("float32")


def _require(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"df lacks columns {missing}; pass the frame load_weather returns")


def window_targets(
    values: np.ndarray, target: np.ndarray, sequence_length: int, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and targets of every forecast window inside one split.

    A window is ``values[s : s + sequence_length]``; its target is ``target[s + sequence_length - 1 + horizon]``,
    ``horizon`` steps after the last input step. Windows never reach outside the arrays passed, so windowing
    each split separately keeps train, validation and test apart.

    Returns:
        ``(starts, targets)``.
    """
    if sequence_length < 1 or horizon < 1:
        raise ValueError(
            f"sequence_length and horizon must be >= 1, got {sequence_length} and {horizon}"
        )
    if len(values) != len(target):
        raise ValueError(
            f"values has {len(values)} rows but target has {len(target)}; pass equal lengths"
        )
    n = len(values) - (sequence_length - 1 + horizon)
    if n < 1:
        raise ValueError(
            f"values has {len(values)} rows, too few for sequence_length + horizon; pass more data"
        )
    starts = np.arange(n)
    return starts, np.asarray(target)[starts + sequence_length - 1 + horizon]


def persistence_forecast(
    target: np.ndarray, sequence_length: int, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """The persistence baseline: "in ``horizon`` hours it will be as warm as now" (the last input value).

    Returns:
        ``(predictions, truths)`` for every window of :func:`window_targets`.
    """
    starts, truth = window_targets(target, target, sequence_length, horizon)
    return np.asarray(target)[starts + sequence_length - 1], truth


def daily_mean_forecast(
    target: np.ndarray, sequence_length: int, horizon: int, steps_per_day: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """A second naive baseline: the mean of the same hour of day over every day in the input window.

    With a 24 h horizon, "the same hour one day earlier" is the last input value, i.e. persistence itself; this
    baseline averages that hour over all ``sequence_length // steps_per_day`` days instead.
    """
    if sequence_length < steps_per_day:
        raise ValueError(
            f"sequence_length ({sequence_length}) must cover at least one day of {steps_per_day} steps"
        )
    starts, truth = window_targets(target, target, sequence_length, horizon)
    # offsets (from the window start) of the inputs 1, 2, ... days before the target that lie inside the window
    offsets = [
        o
        for k in range(1, sequence_length + horizon)
        if 0 <= (o := sequence_length - 1 + horizon - k * steps_per_day) < sequence_length
    ]
    if not offsets:
        raise ValueError(
            f"no input step lies a whole number of days before the target; check horizon={horizon}"
        )
    target = np.asarray(target)
    return np.mean([target[starts + o] for o in offsets], axis=0), truth


def mae(predictions: np.ndarray, truths: np.ndarray) -> float:
    """Mean absolute error."""
    predictions, truths = np.asarray(predictions), np.asarray(truths)
    if predictions.shape != truths.shape:
        raise ValueError(f"predictions has shape {predictions.shape} but truths has {truths.shape}")
    return float(np.mean(np.abs(predictions - truths)))


def fit_timed(model, train_ds, val_ds, epochs: int, patience: int = 3, verbose: int = 0):
    """Fit with EarlyStopping on ``val_mae`` (best weights restored) and time it.

    Returns:
        ``(history, seconds)``: the ``History`` and the wall-clock seconds of ``fit``.
    """
    import keras

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    stop = keras.callbacks.EarlyStopping(
        monitor="val_mae", patience=patience, restore_best_weights=True
    )
    start = time.perf_counter()
    # shuffle=False: a tf.data pipeline shuffles itself (utils.windowing does, per epoch); Keras would only warn
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        callbacks=[stop],
        verbose=verbose,
        shuffle=False,
    )
    return history, time.perf_counter() - start


def results_table(
    rows: Sequence[Mapping[str, object]], baseline: str = "persistence"
) -> pd.DataFrame:
    """The lab's results table: one row per model, sorted by validation MAE, with the ratio to a baseline.

    Args:
        rows: dicts with keys ``model, val_mae, test_mae, params, train_seconds``.
        baseline: the model name whose test MAE is the reference for ``test_vs_baseline``.
    """
    columns = ["model", "val_mae", "test_mae", "params", "train_seconds"]
    table = pd.DataFrame(list(rows))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"rows lack keys {missing}; each row needs {columns}")
    if baseline not in set(table["model"]):
        raise ValueError(f"baseline {baseline!r} is not among the models {list(table['model'])}")
    table = table[columns].sort_values("val_mae", kind="stable").reset_index(drop=True)
    reference = float(table.loc[table["model"] == baseline, "test_mae"].iloc[0])
    table[f"test_vs_{baseline}"] = table["test_mae"] / reference
    return table


# ------------------------------------------------------------------------------------------- multi-step
def multistep_windows(
    target: np.ndarray, sequence_length: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and the next ``steps`` target values of every multi-step forecast window in one split.

    A window is rows ``s .. s + sequence_length - 1``; its targets are the ``steps`` values after its last row,
    ``target[s + sequence_length : s + sequence_length + steps]`` (lead 1 to lead ``steps``).

    Returns:
        ``(starts, truths)`` with ``truths`` of shape ``(len(starts), steps)``.
    """
    if sequence_length < 1 or steps < 1:
        raise ValueError(
            f"sequence_length and steps must be >= 1, got {sequence_length} and {steps}"
        )
    target = np.asarray(target)
    if target.ndim != 1:
        raise ValueError(f"target must be 1-D, got shape {target.shape}")
    n = len(target) - sequence_length - steps + 1
    if n < 1:
        raise ValueError(
            f"target has {len(target)} rows, too few for sequence_length + steps; pass more data"
        )
    starts = np.arange(n)
    leads = np.lib.stride_tricks.sliding_window_view(target[sequence_length:], steps)[:n]
    return starts, np.array(leads)


def multistep_baseline(
    target: np.ndarray,
    sequence_length: int,
    steps: int,
    kind: str = "persistence",
    period: int = 24,
) -> tuple[np.ndarray, np.ndarray]:
    """Naive multi-step forecasts for every window of :func:`multistep_windows`.

    ``"persistence"`` repeats the window's last value at every lead; ``"repeat_last_day"`` forecasts lead k by
    the value ``period`` steps before the target (the same hour one day earlier), which must lie in the window.

    Returns:
        ``(predictions, truths)``, both ``(windows, steps)``.
    """
    starts, truths = multistep_windows(target, sequence_length, steps)
    target = np.asarray(target)
    last = starts + sequence_length - 1
    if kind == "persistence":
        return np.repeat(target[last][:, None], steps, axis=1), truths
    if kind == "repeat_last_day":
        if steps > period or period > sequence_length:
            raise ValueError(
                f"repeat_last_day needs steps <= period <= sequence_length, got {steps}, {period}, {sequence_length}"
            )
        leads = np.arange(1, steps + 1)
        return target[(last[:, None] + leads[None, :] - period)], truths
    raise ValueError(f"kind must be 'persistence' or 'repeat_last_day', got {kind!r}")


def mae_by_lead(predictions: np.ndarray, truths: np.ndarray) -> np.ndarray:
    """The MAE of each lead (column) of ``(windows, steps)`` forecasts."""
    predictions, truths = np.asarray(predictions), np.asarray(truths)
    if predictions.shape != truths.shape or predictions.ndim != 2:
        raise ValueError(
            f"predictions {predictions.shape} and truths {truths.shape} must be equal (windows, steps) arrays"
        )
    return np.mean(np.abs(predictions - truths), axis=0)


# ------------------------------------------------------------------------------------ Chollet's protocol
#: Chollet's constants (Deep Learning with Python, 2nd ed., section 10.2)
CHOLLET = {"sampling_rate": 6, "sequence_length": 120, "horizon_hours": 24, "batch_size": 256}


def chollet_protocol(raw: pd.DataFrame, fraction: float = 1.0, seed: int = 0) -> dict:
    """Chollet's exact Jena protocol: his 14 raw columns, every 10-minute start, ``sampling_rate=6``, 120 steps,
    the target 24 h after the window's last step, a 50/25/25 split of the raw rows, training mean and std.

    As in his listing: ``delay = sampling_rate * (sequence_length + 24 - 1)``; the inputs are the normalised
    ``raw[:-delay]``, the targets ``temperature[delay:]`` in °C, and the three datasets take their windows from
    the row ranges ``[0, n_train)``, ``[n_train, n_train + n_val)`` and ``[n_train + n_val, end)`` of the inputs
    (so, as in his code, the last training targets lie in the validation period). The normalisation uses
    NumPy's ``std`` (ddof 0) of the first ``n_train`` rows.

    Args:
        raw: the frame :func:`utils.data.load_weather` returns for ``"jena"`` (every 10 minutes, 14 columns; its
            -9999 wind speeds already set to 0, the one difference from his raw file).
        fraction: share of the rows used, from the start (1.0 is his protocol).
        seed: the training set's shuffling seed.

    Returns:
        A dict with ``make_train`` (a function returning a new, unread shuffled training dataset: give each model
        its own, since a shuffled dataset's epoch orders advance each time it is read), ``val``, ``test``
        (``tf.data`` datasets of ``(window, °C target)``), ``mean``,
        ``std`` (NumPy arrays per column), ``columns``, ``temperature_column`` (1), ``n_train``, ``n_val``,
        ``n_test`` (raw rows), ``windows`` (per split) and ``persistence`` (validation and test MAE of his
        "common-sense" baseline, the window's last temperature).
    """
    from utils.windowing import timeseries_dataset

    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    _require(raw, ["T (degC)", "p (mbar)"])
    if raw.shape[1] != 14:
        raise ValueError(
            f"raw must have Jena's 14 columns, got {raw.shape[1]}; pass load_weather('jena')"
        )
    raw = raw.iloc[: int(len(raw) * fraction)]
    values = raw.to_numpy("float64")
    temperature = values[:, 1].copy()  # "T (degC)" is the second column, as in his listing
    n_train, n_val = int(0.5 * len(values)), int(0.25 * len(values))
    mean = values[:n_train].mean(axis=0)
    std = values[:n_train].std(axis=0)
    data = ((values - mean) / std).astype("float32")
    rate, length, batch = (
        CHOLLET["sampling_rate"],
        CHOLLET["sequence_length"],
        CHOLLET["batch_size"],
    )
    delay = rate * (length + CHOLLET["horizon_hours"] - 1)
    inputs, targets = data[:-delay], temperature[delay:].astype("float32")
    ranges = {
        "train": (0, n_train),
        "val": (n_train, n_train + n_val),
        "test": (n_train + n_val, len(inputs)),
    }
    out: dict = {"mean": mean, "std": std, "columns": list(raw.columns), "temperature_column": 1}
    out.update(
        n_train=n_train,
        n_val=n_val,
        n_test=len(values) - n_train - n_val,
        windows={},
        persistence={},
    )
    span = (length - 1) * rate

    def split(name: str):
        start, end = ranges[name]
        return timeseries_dataset(
            inputs,
            targets,
            length,
            sampling_rate=rate,
            batch_size=batch,
            shuffle=name == "train",
            seed=seed,
            start_index=start,
            end_index=end,
        )

    out["make_train"] = lambda: split("train")
    for name, (start, end) in ranges.items():
        starts = np.arange(start, end - span)
        out["windows"][name] = len(starts)
        if name != "train":
            out[name] = split(name)
            out["persistence"][name] = mae(temperature[starts + span], targets[starts])
    return out
