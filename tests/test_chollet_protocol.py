"""Chollet's exact Jena protocol (utils.forecast.chollet_protocol) and notebook 06b's section 7, on a synthetic file
of Jena's exact format and size (tests/test_notebooks.py writes it): the real file cannot be downloaded here."""

from __future__ import annotations

import warnings
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from test_notebooks import ROOT, _printed, write_jena_shaped_csv

from tools.authoring.execute import execute
from utils.data import DatasetChecksumWarning, load_weather
from utils.forecast import CHOLLET, chollet_protocol


@pytest.fixture(scope="module")
def jena_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("jena")
    write_jena_shaped_csv(folder)
    return folder


@pytest.fixture(scope="module")
def jena(jena_dir) -> pd.DataFrame:
    with warnings.catch_warnings():
        # the synthetic file is not the recorded one
        warnings.simplefilter("ignore", DatasetChecksumWarning)
        return load_weather("jena", data_dir=jena_dir)


def test_protocol_matches_chollets_listing(jena):
    """Splits, normalisation, windows and targets as in his code: every 10-minute start, sampling_rate=6, 120
    steps, the target 24 h after the window's last step; batches equal keras' timeseries_dataset_from_array."""
    fraction = 0.05
    p = chollet_protocol(jena, fraction=fraction)
    raw = jena.iloc[: int(len(jena) * fraction)]
    n = len(raw)
    assert (p["n_train"], p["n_val"], p["n_test"]) == (
        int(0.5 * n),
        int(0.25 * n),
        n - int(0.5 * n) - int(0.25 * n),
    )
    assert (
        p["columns"] == list(jena.columns)
        and len(p["columns"]) == 14
        and p["columns"][1] == "T (degC)"
    )
    values = raw.to_numpy("float64")
    np.testing.assert_allclose(p["mean"], values[: p["n_train"]].mean(axis=0))
    np.testing.assert_allclose(p["std"], values[: p["n_train"]].std(axis=0))
    rate, length = CHOLLET["sampling_rate"], CHOLLET["sequence_length"]
    span, delay = (length - 1) * rate, rate * (length + 24 - 1)
    assert p["windows"]["train"] == p["n_train"] - span  # a window at every 10-minute reading
    assert p["windows"]["val"] == p["n_val"] - span
    # his listing, literally, on the validation range: the same batches
    data = ((values - p["mean"]) / p["std"]).astype("float32")
    keras_val = keras.utils.timeseries_dataset_from_array(
        data[:-delay],
        values[delay:, 1].astype("float32"),
        sequence_length=length,
        sampling_rate=rate,
        batch_size=256,
        start_index=p["n_train"],
        end_index=p["n_train"] + p["n_val"],
    )
    for (x1, y1), (x2, y2) in zip(p["val"], keras_val):
        np.testing.assert_array_equal(np.asarray(x1), np.asarray(x2))
        np.testing.assert_array_equal(np.asarray(y1), np.asarray(y2))
    # the target is 24 h (144 rows) after the window's last step; rows are 10 minutes apart, so it is exactly 24 h
    # except where a reading is missing in between (his protocol counts rows, not hours)
    times = raw.index
    starts = np.arange(p["windows"]["train"])
    lag = np.asarray(times[starts + delay] - times[starts + span])
    assert (lag >= np.timedelta64(24, "h")).all() and (lag == np.timedelta64(24, "h")).mean() > 0.5
    assert (times[starts + span] - times[starts] >= pd.Timedelta(hours=119)).all()
    # his "common-sense" baseline: samples[:, -1, 1] * std[1] + mean[1], averaged over the validation windows
    errors = [
        np.abs(np.asarray(x)[:, -1, 1] * p["std"][1] + p["mean"][1] - np.asarray(y))
        for x, y in keras_val
    ]
    assert p["persistence"]["val"] == pytest.approx(
        float(np.mean(np.concatenate(errors))), rel=1e-5
    )


def test_each_model_can_have_a_new_training_pipeline(jena):
    """A shuffled dataset's epoch orders advance each time it is read; make_train() starts them again, so two
    models given one each see the same batches, whatever was read before. No shared training dataset is returned."""
    p = chollet_protocol(jena, fraction=0.02)

    def first_targets(ds):
        return np.asarray(next(iter(ds))[1])

    shared = p["make_train"]()
    first = first_targets(shared)
    assert not np.array_equal(first, first_targets(shared))  # read again, it has moved on
    np.testing.assert_array_equal(first, first_targets(p["make_train"]()))
    np.testing.assert_array_equal(first, first_targets(p["make_train"]()))
    assert "train" not in p


def test_protocol_refuses_a_frame_that_is_not_jena(jena):
    with pytest.raises(ValueError, match="14 columns"):
        chollet_protocol(jena.drop(columns="wd (deg)"))
    with pytest.raises(ValueError, match="fraction"):
        chollet_protocol(jena, fraction=0)


@pytest.mark.notebook
def test_lab_runs_chollets_protocol_on_the_jena_format(jena_dir, tmp_path, monkeypatch):
    """Notebook 06b with CHOLLET_PROTOCOL on the Jena-format file (a small share of it, one epoch): section 7 runs
    and prints its table (06b has no exercise that trains, so Jena is the only file it needs)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "jena_climate_2009_2016.csv").symlink_to(next(jena_dir.glob("*.csv")))
    monkeypatch.setenv("RNN_COURSE_DATA", str(data))
    parameters = {
        "DATASET": "jena",
        "DATA_FRACTION": 0.03,
        "CHOLLET_PROTOCOL": True,
        "CHOLLET_EPOCHS": 1,
        "RESULTS_PATH": str(tmp_path / "results.csv"),
        "MULTISTEP_RESULTS_PATH": str(tmp_path / "multistep.csv"),
    }
    nb, _, _ = execute(
        ROOT / "notebooks" / "06b_weather_extensions.ipynb", parameters, mode="ci", out_dir=tmp_path
    )
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "\n".join(_printed(nb))
    assert "persistence: validation" in printed and "against Chollet 2.62" in printed
    assert "chollet_stacked_gru: 1 epochs" in printed and "lab_gru_change: " in printed
    table = [
        o for o in outputs if o.output_type == "execute_result" or o.output_type == "display_data"
    ]
    assert any("chollet_stacked_gru" in o.get("data", {}).get("text/plain", "") for o in table)
    multistep = pd.read_csv(tmp_path / "multistep.csv")
    assert list(multistep.columns) == ["model", "lead_hours", "val_mae", "test_mae"]
    assert {"persistence", "repeat_last_day"} <= set(multistep["model"]) and multistep[
        "lead_hours"
    ].max() == 24
