"""Notebook 06's data preparation and models as functions, for notebook 06b (the lab's extensions).

Notebook 06 builds each of these in view, cell by cell: it cleans the raw frame, engineers the features, splits
the record in time, normalises with the training statistics, cuts the windows and builds the plain and the
change models. Notebook 06b starts from the same point without repeating those cells: :func:`prepare_lab`
returns the prepared splits, :func:`make_dataset` the windows, :func:`compile_model` and :func:`change_model`
the two model families of 06 (sections 5.1-5.3 and 5.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from utils.data import chronological_split, load_weather, normalize
from utils.forecast import engineer_features
from utils.windowing import timeseries_dataset

TARGET = "T (degC)"
SEQUENCE_LENGTH, HORIZON, BATCH_SIZE = 120, 24, 256


@dataclass
class Lab:
    """The prepared record: features, the three parts in °C and normalised, the training mean and std."""

    dataset: str
    features: pd.DataFrame
    parts: dict[str, pd.DataFrame]  # "train", "val", "test": the features as measured
    normalised: dict[str, pd.DataFrame]  # the same, standardised with the training mean and std
    mean: pd.Series
    std: pd.Series

    @property
    def n_features(self) -> int:
        return self.features.shape[1]

    @property
    def t_mean(self) -> float:
        return float(self.mean[TARGET])

    @property
    def t_std(self) -> float:
        return float(self.std[TARGET])


def prepare_lab(dataset: str, fraction: float = 1.0) -> Lab:
    """Notebook 06, sections 1-3: the cleaned record (hourly readings for Jena), its first ``fraction``,
    the engineered features, a 50/25/25 chronological split and training-statistics normalisation."""
    raw = load_weather(dataset)
    if dataset == "jena":
        raw = raw[raw.index.minute == 0]  # the readings on the hour
    raw = raw.iloc[: int(len(raw) * fraction)]
    features = engineer_features(raw, dataset)
    parts = chronological_split(features, (0.5, 0.25, 0.25))
    normalised, mean, std = normalize(*parts)
    names = ("train", "val", "test")
    return Lab(dataset, features, dict(zip(names, parts)), dict(zip(names, normalised)), mean, std)


def make_dataset(lab: Lab, split: str, shuffle: bool = False, horizon: int = HORIZON):
    """Notebook 06's windows of one part: ``SEQUENCE_LENGTH`` normalised hours, the temperature (°C)
    ``horizon`` hours after each window's last hour as target; no window crosses a part's boundary."""
    values = lab.normalised[split].to_numpy("float32")
    temps = lab.parts[split][TARGET].to_numpy("float32")
    data = values[:-horizon]
    targets = np.zeros(len(data), dtype="float32")
    targets[: len(data) - SEQUENCE_LENGTH + 1] = temps[SEQUENCE_LENGTH - 1 + horizon :]
    return timeseries_dataset(
        data, targets, SEQUENCE_LENGTH, batch_size=BATCH_SIZE, shuffle=shuffle, seed=0
    )


def compile_model(lab: Lab, body, name: str):
    """Notebook 06's plain forecasters: window -> ``body`` -> Dense(1) -> Rescaling to °C; Adam, MSE, MAE."""
    import keras

    keras.utils.set_random_seed(42)
    inputs = keras.Input((SEQUENCE_LENGTH, lab.n_features))
    dense = keras.layers.Dense(1)(body(inputs))
    outputs = keras.layers.Rescaling(lab.t_std, offset=lab.t_mean)(dense)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(keras.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
    return model


def window_summary(inputs, units: int = 32, stride: int = 3, skip_hours: int = 24):
    """The change model's two paths: a GRU over every ``stride``-th hour (ending on the last hour) and the
    last ``skip_hours`` hours of every feature, flattened, concatenated."""
    import keras

    coarse = keras.layers.Lambda(
        lambda x: x[:, stride - 1 :: stride], name=f"every_{stride}_hours"
    )(inputs)
    recent = keras.layers.Flatten()(
        keras.layers.Cropping1D((SEQUENCE_LENGTH - skip_hours, 0))(inputs)
    )
    return keras.layers.Concatenate()([keras.layers.GRU(units)(coarse), recent])


def change_model(lab: Lab, seed: int = 42, name: str = "gru_change"):
    """Notebook 06's change model: the window's last temperature plus ``t_std`` times a learned change
    (a zero-initialised Dense on :func:`window_summary`), trained on the MAE."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((SEQUENCE_LENGTH, lab.n_features))
    t_mean, t_std = lab.t_mean, lab.t_std
    last = keras.layers.Lambda(lambda x: x[:, -1, :1] * t_std + t_mean, name="last_temperature")(
        inputs
    )
    change = keras.layers.Dense(1, kernel_initializer="zeros")(window_summary(inputs))
    outputs = keras.layers.Add()([last, keras.layers.Rescaling(t_std)(change)])
    model = keras.Model(inputs, outputs, name=name)
    model.compile(keras.optimizers.Adam(1e-3), loss="mae", metrics=["mae"])
    return model


class Scoreboard:
    """Notebook 06's bookkeeping: one row per model with its validation MAE now; the test MAE of every row is
    computed once, by :meth:`finish`, after the best model has been chosen on validation."""

    def __init__(self, lab: Lab, patience: int = 3):
        self.lab, self.patience = lab, patience
        self.val_ds, self.test_ds = make_dataset(lab, "val"), make_dataset(lab, "test")
        self.rows: list[dict] = []
        self.trained: dict = {}
        self._test_mae_of: dict = {}

    def add_baseline(self, name: str, forecast) -> float:
        """A forecast needing no training, ``forecast(temps, SEQUENCE_LENGTH, HORIZON) -> (predictions, truths)``."""
        from utils.forecast import mae

        temps = {split: self.lab.parts[split][TARGET].to_numpy() for split in ("val", "test")}
        val_mae = mae(*forecast(temps["val"], SEQUENCE_LENGTH, HORIZON))
        self.rows.append(
            {
                "model": name,
                "val_mae": val_mae,
                "test_mae": np.nan,
                "params": 0,
                "train_seconds": 0.0,
            }
        )
        self._test_mae_of[name] = lambda: mae(*forecast(temps["test"], SEQUENCE_LENGTH, HORIZON))
        return val_mae

    def record(self, model, seconds: float) -> float:
        """Add a trained model's row (validation MAE, parameters, training seconds) and print it."""
        val_mae = model.evaluate(self.val_ds, verbose=0)[1]
        self.trained[model.name] = model
        self.rows.append(
            {
                "model": model.name,
                "val_mae": val_mae,
                "test_mae": np.nan,
                "params": model.count_params(),
                "train_seconds": seconds,
            }
        )
        self._test_mae_of[model.name] = lambda: model.evaluate(self.test_ds, verbose=0)[1]
        print(f"{model.name:18s} {seconds:5.1f} s, validation MAE {val_mae:.3f} °C")
        return val_mae

    def train(self, model, epochs: int, patience: int | None = None) -> float:
        """Fit with early stopping on the validation MAE, on a new training pipeline (the same batch order for
        every model, as in notebook 06), then :meth:`record` it."""
        from utils.forecast import fit_timed

        train_ds = make_dataset(self.lab, "train", shuffle=True)
        _, seconds = fit_timed(
            model, train_ds, self.val_ds, epochs, patience=patience or self.patience
        )
        return self.record(model, seconds)

    def val(self) -> dict[str, float]:
        """Validation MAE by model."""
        return {row["model"]: row["val_mae"] for row in self.rows}

    def finish(self) -> tuple[str, pd.DataFrame]:
        """Choose the trained model with the lowest validation MAE, then compute every row's test MAE, once."""
        from utils.forecast import results_table

        best = min(
            (r for r in self.rows if r["model"] in self.trained), key=lambda r: r["val_mae"]
        )["model"]
        for row in self.rows:
            row["test_mae"] = self._test_mae_of[row["model"]]()
        return best, results_table(self.rows)
