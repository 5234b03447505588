"""Tests for utils.forecast: features, windows, baselines, the results table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from utils import forecast


def test_wind_vector_components_and_calm():
    wx, wy = forecast.wind_vector(
        np.array([2.0, 3.0, 1.0, 5.0]), np.array([0.0, 90.0, 180.0, np.nan])
    )
    np.testing.assert_allclose(wx, [2.0, 0.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(wy, [0.0, 3.0, 0.0, 0.0], atol=1e-12)


def test_wind_vector_neighbouring_bearings_are_close():
    wx, wy = forecast.wind_vector(np.array([1.0, 1.0]), np.array([359.0, 1.0]))
    assert np.hypot(wx[0] - wx[1], wy[0] - wy[1]) < 0.04


@pytest.mark.parametrize(
    "speed,bearing,word", [([1.0], [1.0, 2.0], "bearing_deg"), ([-1.0], [3.0], "speed")]
)
def test_wind_vector_rejects_bad_input(speed, bearing, word):
    with pytest.raises(ValueError, match=word):
        forecast.wind_vector(np.array(speed), np.array(bearing))


def test_beijing_wind_speed_undoes_the_cumulation():
    direction = pd.Series(["cv", "NW", "NW", "NW", "SE", "SE", "NW"])
    cumulated = pd.Series([0.89, 1.79, 2.68, 6.70, 1.79, 2.68, 4.02])
    speed = forecast.beijing_wind_speed(direction, cumulated)
    np.testing.assert_allclose(speed, [0.89, 1.79, 0.89, 4.02, 1.79, 0.89, 4.02], atol=1e-9)


def test_beijing_wind_speed_rejects_a_decreasing_run():
    with pytest.raises(ValueError, match="cumulated"):
        forecast.beijing_wind_speed(pd.Series(["NW", "NW"]), pd.Series([3.0, 1.0]))


def test_time_signals_have_the_right_periods():
    index = pd.date_range("2021-03-01", periods=49, freq="h")
    signals = forecast.time_signals(index)
    assert list(signals.columns) == ["day sin", "day cos", "year sin", "year cos"]
    np.testing.assert_allclose(signals.iloc[0, :2], signals.iloc[24, :2], atol=1e-9)
    np.testing.assert_allclose(signals.iloc[0, :2], signals.iloc[48, :2], atol=1e-9)
    assert not np.allclose(signals.iloc[0, :2], signals.iloc[12, :2])
    np.testing.assert_allclose(signals["day sin"] ** 2 + signals["day cos"] ** 2, 1.0)
    with pytest.raises(ValueError, match="DatetimeIndex"):
        forecast.time_signals(pd.RangeIndex(3))


def test_fft_amplitude_finds_daily_and_yearly_cycles():
    hours = np.arange(24 * 365 * 4)
    series = (
        10 * np.sin(2 * np.pi * hours / forecast.HOURS_PER_YEAR)
        + 3 * np.cos(2 * np.pi * hours / 24)
        + 7
    )
    freq, amp = forecast.fft_amplitude(series)
    top = freq[np.argsort(amp)[-2:]]
    assert sorted(np.round(top).tolist()) == [1.0, 365.0]
    assert amp[0] == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError, match="NaN"):
        forecast.fft_amplitude(np.array([1.0, np.nan, 2.0, 3.0]))


@pytest.mark.parametrize("n", [24 * 100, 24 * 100 + 1])
def test_fft_amplitude_of_a_pure_sine_is_its_amplitude(n):
    """A sine of amplitude A at a bin frequency gives A (not A/2) at that bin, for even and odd lengths."""
    hours = np.arange(n)
    amplitude_c, k = 3.7, 100  # k cycles over the record: a bin frequency
    freq, amp = forecast.fft_amplitude(amplitude_c * np.sin(2 * np.pi * k * hours / n + 0.4) + 5.0)
    assert int(np.argmax(amp)) == k and amp[k] == pytest.approx(amplitude_c, rel=1e-9)
    assert freq[k] == pytest.approx(k / n * forecast.HOURS_PER_YEAR)
    # the Nyquist bin of an even length is not doubled: an alternating +-A series has amplitude A there
    freq, amp = forecast.fft_amplitude(2.5 * (-1.0) ** np.arange(100))
    assert amp[-1] == pytest.approx(2.5)


def _beijing_like(n=300, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2010-01-01", periods=n, freq="h", name="time")
    direction = rng.choice(["NE", "NW", "SE", "cv"], size=n)
    speed = rng.uniform(0.4, 5.0, size=n)
    run_start = np.r_[True, direction[1:] != direction[:-1]]
    iws = np.zeros(n)
    for i in range(n):
        iws[i] = speed[i] if run_start[i] else iws[i - 1] + speed[i]
    df = pd.DataFrame(
        {
            "pm2.5": rng.uniform(0, 300, n),
            "DEWP": rng.normal(0, 5, n),
            "TEMP": rng.normal(10, 5, n),
            "PRES": rng.normal(1015, 5, n),
            "Iws": iws,
            "Is": 0.0,
            "Ir": 0.0,
            "pm2.5_missing": 0.0,
        },
        index=index,
    )
    for d in ["NE", "NW", "SE", "cv"]:
        df[f"cbwd_{d}"] = (direction == d).astype(float)
    return df, speed, direction


def test_engineer_features_beijing_recovers_the_wind_vector():
    df, speed, direction = _beijing_like()
    out = forecast.engineer_features(df, "beijing")
    assert out.columns[0] == "T (degC)" and "wx (m/s)" in out and "day sin" in out
    assert not {"Iws", "cbwd_NE"} & set(out.columns)
    calm = direction == "cv"
    np.testing.assert_allclose(
        np.hypot(out["wx (m/s)"], out["wy (m/s)"])[~calm], speed[~calm], rtol=1e-5
    )
    assert (out.loc[calm, ["wx (m/s)", "wy (m/s)"]] == 0).all().all()
    ne = direction == "NE"
    np.testing.assert_allclose(out.loc[ne, "wx (m/s)"], out.loc[ne, "wy (m/s)"], rtol=1e-5)


def test_engineer_features_jena_and_bad_names():
    index = pd.date_range("2009-01-01", periods=10, freq="h")
    df = pd.DataFrame(
        {
            "p (mbar)": 990.0,
            "T (degC)": 1.0,
            "Tpot (K)": 274.0,
            "wv (m/s)": 2.0,
            "max. wv (m/s)": 4.0,
            "wd (deg)": 90.0,
        },
        index=index,
    )
    out = forecast.engineer_features(df, "jena")
    assert out.columns[0] == "T (degC)" and "Tpot (K)" not in out and "wd (deg)" not in out
    np.testing.assert_allclose(out["wy (m/s)"], 2.0, rtol=1e-6)
    np.testing.assert_allclose(out["max wy (m/s)"], 4.0, rtol=1e-6)
    with pytest.raises(ValueError, match="dataset"):
        forecast.engineer_features(df, "paris")
    with pytest.raises(ValueError, match="lacks columns"):
        forecast.engineer_features(df.drop(columns="wd (deg)"), "jena")


def test_windows_targets_and_persistence():
    t = np.arange(20.0) ** 2
    starts, targets = forecast.window_targets(t, t, sequence_length=5, horizon=3)
    assert len(starts) == 20 - 5 - 3 + 1
    np.testing.assert_array_equal(targets, t[7:])
    pred, truth = forecast.persistence_forecast(t, 5, 3)
    np.testing.assert_array_equal(pred, t[4:17])
    np.testing.assert_array_equal(truth, t[7:])
    with pytest.raises(ValueError, match="horizon"):
        forecast.window_targets(t, t, 5, 0)
    with pytest.raises(ValueError, match="too few"):
        forecast.window_targets(t, t, 15, 10)


def test_daily_mean_forecast_averages_the_same_hour():
    hours = np.arange(24 * 10)
    t = (hours % 24).astype(float) + 100 * (hours // 24)  # the hour of day plus 100 per day
    pred, truth = forecast.daily_mean_forecast(t, sequence_length=120, horizon=24)
    # target at day d+5, hour h; the inputs at hour h are days d+1..d+4 and d+0 (5 days): mean = h + 100 (d + 2)
    np.testing.assert_allclose(truth - pred, 300.0)
    p1, _ = forecast.daily_mean_forecast(t, sequence_length=24, horizon=24)
    np.testing.assert_allclose(p1, forecast.persistence_forecast(t, 24, 24)[0])


def test_results_table_sorts_and_relates_to_persistence():
    rows = [
        {
            "model": "persistence",
            "val_mae": 2.0,
            "test_mae": 2.5,
            "params": 0,
            "train_seconds": 0.0,
        },
        {"model": "gru", "val_mae": 1.8, "test_mae": 2.0, "params": 100, "train_seconds": 3.0},
    ]
    table = forecast.results_table(rows)
    assert table["model"].tolist() == ["gru", "persistence"]
    assert table["test_vs_persistence"].tolist() == [0.8, 1.0]
    with pytest.raises(ValueError, match="params"):
        forecast.results_table([{"model": "persistence", "val_mae": 1, "test_mae": 1}])
    with pytest.raises(ValueError, match="baseline"):
        forecast.results_table(rows[1:])


def test_mae_checks_shapes():
    assert forecast.mae(np.array([1.0, 3.0]), np.array([2.0, 1.0])) == 1.5
    with pytest.raises(ValueError, match="shape"):
        forecast.mae(np.zeros(2), np.zeros(3))


def test_multistep_windows_and_baselines():
    target = np.arange(100.0)
    starts, truths = forecast.multistep_windows(target, 30, 24)
    assert len(starts) == 100 - 30 - 24 + 1 and truths.shape == (47, 24)
    assert truths[0].tolist() == list(range(30, 54)) and truths[-1][-1] == 99
    persist, t = forecast.multistep_baseline(target, 30, 24, "persistence")
    assert (
        (persist[:, 0] == starts + 29).all()
        and (persist == persist[:, :1]).all()
        and np.array_equal(t, truths)
    )
    day, _ = forecast.multistep_baseline(target, 30, 24, "repeat_last_day")
    assert np.array_equal(day, truths - 24)  # the same hour one day earlier
    assert forecast.mae_by_lead(persist, truths).tolist() == list(range(1, 25))
    # a daily cycle: repeating the last day is exact at every lead
    cycle = np.sin(2 * np.pi * np.arange(500) / 24)
    day, truths = forecast.multistep_baseline(cycle, 48, 24, "repeat_last_day")
    assert np.allclose(forecast.mae_by_lead(day, truths), 0)
    with pytest.raises(ValueError, match="kind"):
        forecast.multistep_baseline(target, 30, 24, "mean")
    with pytest.raises(ValueError, match="repeat_last_day needs"):
        forecast.multistep_baseline(target, 20, 24, "repeat_last_day")
    with pytest.raises(ValueError, match="too few"):
        forecast.multistep_windows(target[:40], 30, 24)


def test_weather_lab_prepares_06s_splits_and_its_change_model_starts_at_persistence():
    """utils.weather_lab (notebook 06b's start): a 50/25/25 split normalised with training statistics, 06's
    windows, and a change model whose untrained forecast is the window's last temperature."""
    from utils import weather_lab as lab_module

    try:
        lab = lab_module.prepare_lab("beijing", fraction=0.05)
    except Exception as error:  # noqa: BLE001 - no local copy and no network
        pytest.skip(f"Beijing not available: {error}")
    sizes = [len(lab.parts[s]) for s in ("train", "val", "test")]
    assert sizes[0] == len(lab.features) // 2 and sum(sizes) == len(lab.features)
    assert np.allclose(lab.normalised["train"].mean(), 0, atol=1e-4)  # float32
    inputs, targets = next(iter(lab_module.make_dataset(lab, "val")))
    val_temps = lab.parts["val"][lab_module.TARGET].to_numpy()
    assert np.allclose(targets.numpy()[:5], val_temps[143:148])  # 120 hours, then 24 hours ahead
    model = lab_module.change_model(lab)
    last = val_temps[119 : 119 + len(targets)]
    assert np.allclose(model.predict(inputs, verbose=0)[:, 0], last, atol=1e-4)
