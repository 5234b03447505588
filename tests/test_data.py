"""Tests for utils.data: Jena on a small file written in Jena's exact format, Beijing on the real copy, errors.

No test touches the network: an autouse fixture replaces ``keras.utils.get_file`` by one that fails.
"""

from __future__ import annotations

import dataclasses
import shutil
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from utils import data
from utils.data import (
    DATASETS,
    DataError,
    DatasetCorrupt,
    DatasetNotAvailable,
    DatasetSchemaError,
    checksum,
    chronological_split,
    load_weather,
    normalize,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
BEIJING_ZIP = SHARED_DATA / "PRSA_data_2010.1.1-2014.12.31.csv.zip"
needs_beijing = pytest.mark.skipif(
    not BEIJING_ZIP.is_file(),
    reason=f"the verified Beijing copy is not at {BEIJING_ZIP} (see data/README.md)",
)

JENA_HEADER = (
    '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)",'
    '"VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"'
)
# rows as the station writes them: day-first dates, two-decimal values, -9999 for a missing wind speed
JENA_ROWS = [
    "01.01.2009 00:10:00,996.52,-8.02,265.40,-8.90,93.30,3.33,3.11,0.22,1.94,3.12,1307.75,1.03,1.75,152.30",
    "01.01.2009 00:20:00,996.57,-8.41,265.01,-9.28,93.40,3.23,3.02,0.21,1.89,3.03,1309.80,0.72,1.50,136.10",
    "01.01.2009 00:30:00,996.53,-8.51,264.91,-9.31,93.90,3.21,3.01,0.20,1.88,3.02,1310.24,-9999.00,0.63,171.60",
    "02.01.2009 00:40:00,996.51,-8.31,265.12,-9.07,94.20,3.26,3.07,0.19,1.92,3.08,1309.19,0.19,-9999.00,198.00",
    "13.01.2009 00:50:00,996.51,-8.27,265.15,-9.04,94.10,3.27,3.08,0.19,1.92,3.09,1309.00,-9999.00,-9999.00,214.30",
]


def jena_csv(
    rows: list[str] = JENA_ROWS, header: str = JENA_HEADER, newline: str = "\r\n"
) -> bytes:
    return (newline.join([header, *rows]) + newline).encode()


def write_zip(path: Path, member: str, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, payload)
    return path


def spec_for(payload: bytes, base: str = "jena", **changes) -> data.DatasetSpec:
    """A copy of a registry spec whose size/hash/rows match ``payload`` (the registry itself is untouched)."""
    spec = DATASETS[base]
    size, digest = checksum(payload, spec.hash_algorithm, spec.normalize_newlines)
    rows = payload.replace(b"\r\n", b"\n").rstrip(b"\n").count(b"\n")
    changes = {"first": None, "last": None, **changes}
    return dataclasses.replace(spec, size=size, hash=digest, rows=rows, **changes)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(keras.utils, "get_file", offline)


@pytest.fixture
def jena_dir(tmp_path):
    write_zip(tmp_path / "jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016.csv", jena_csv())
    return tmp_path


# ------------------------------------------------------------------------------------------------ Jena
def test_registry_keeps_the_real_jena_checks():
    spec = DATASETS["jena"]
    assert (spec.size, spec.hash, spec.hash_algorithm) == (
        43_164_220,
        "959915f05bfafef18e471a97ae679535",
        "md5",
    )
    assert spec.rows == 420_551 and spec.verified is False
    assert (
        spec.url
        == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip"
    )
    assert tuple(c.strip('"') for c in JENA_HEADER.split(",")) == data.JENA_COLUMNS


def test_jena_small_file_parses_and_cleans(jena_dir):
    df = load_weather(spec_for(jena_csv()), data_dir=jena_dir)
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "time"
    assert list(df.columns) == list(data.JENA_COLUMNS[1:])
    assert (df.dtypes == "float64").all()
    # day first: 02.01 is 2 January and 13.01 is 13 January
    assert list(df.index) == [
        pd.Timestamp("2009-01-01 00:10"),
        pd.Timestamp("2009-01-01 00:20"),
        pd.Timestamp("2009-01-01 00:30"),
        pd.Timestamp("2009-01-02 00:40"),
        pd.Timestamp("2009-01-13 00:50"),
    ]
    assert df["wv (m/s)"].tolist() == [1.03, 0.72, 0.0, 0.19, 0.0]
    assert df["max. wv (m/s)"].tolist() == [1.75, 1.50, 0.63, 0.0, 0.0]
    assert (df >= -1000).all().all()
    assert df.attrs["cleaning"] == {
        "wv (m/s): -9999 set to 0": 2,
        "max. wv (m/s): -9999 set to 0": 2,
    }
    assert df.loc["2009-01-01 00:10", "T (degC)"].item() == -8.02


def test_jena_bare_csv_and_env_var(tmp_path, monkeypatch):
    payload = jena_csv(newline="\n")
    (tmp_path / "jena_climate_2009_2016.csv").write_bytes(payload)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    df = load_weather(spec_for(payload))
    assert len(df) == len(JENA_ROWS)
    assert df.attrs["source"] == str(tmp_path / "jena_climate_2009_2016.csv")


def test_jena_wrong_hash_is_corrupt_and_mentions_unverified_record(jena_dir):
    with pytest.raises(DatasetCorrupt, match="third-party record"):
        # the real (unverified) md5 does not match the small file
        load_weather("jena", data_dir=jena_dir)


def test_modified_value_is_corrupt_when_the_record_is_verified(tmp_path):
    spec = spec_for(jena_csv(), verified=True)
    rows = [JENA_ROWS[0].replace("996.52", "996.53"), *JENA_ROWS[1:]]
    write_zip(tmp_path / spec.filename, spec.member, jena_csv(rows))
    with pytest.raises(DatasetCorrupt, match="expected .* bytes with"):
        load_weather(spec, data_dir=tmp_path)


def test_unverified_record_mismatch_warns_when_every_schema_check_passes(tmp_path):
    # Jena's size and hash come from an unverified record: a genuine download that differs from it must still
    # load (schema-checked) and say so, never block every student
    spec = spec_for(jena_csv(), first="2009-01-01 00:10:00", last="2009-01-13 00:50:00")
    rows = [JENA_ROWS[0].replace("996.52", "996.53"), *JENA_ROWS[1:]]
    write_zip(tmp_path / spec.filename, spec.member, jena_csv(rows))
    with pytest.warns(
        data.DatasetChecksumWarning, match="third-party record.*passed every schema check"
    ):
        df = load_weather(spec, data_dir=tmp_path)
    assert df.iloc[0]["p (mbar)"] == 996.53 and len(df) == len(JENA_ROWS)


def test_unverified_record_mismatch_with_a_failed_schema_check_is_corrupt(tmp_path):
    spec = spec_for(jena_csv())
    # one row short: truncated
    write_zip(tmp_path / spec.filename, spec.member, jena_csv(JENA_ROWS[:-1]))
    with pytest.raises(DatasetCorrupt, match="also fails a schema check .*4 data rows, expected 5"):
        load_weather(spec, data_dir=tmp_path)


def test_first_and_last_timestamps_are_checked(jena_dir):
    spec = spec_for(jena_csv(), last="2009-01-13 01:00:00")
    with pytest.raises(
        DatasetSchemaError, match="last timestamp is 2009-01-13 00:50:00, expected 2009-01-13 01:00"
    ):
        load_weather(spec, data_dir=jena_dir)
    assert (
        DATASETS["jena"].first == "2009-01-01 00:10:00"
        and DATASETS["jena"].last == "2017-01-01 00:00:00"
    )


def test_truncated_zip_is_corrupt(tmp_path):
    payload = jena_csv(JENA_ROWS * 200)
    good = write_zip(tmp_path / "good.zip", "jena_climate_2009_2016.csv", payload)
    blob = good.read_bytes()
    (tmp_path / "jena_climate_2009_2016.csv.zip").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetCorrupt, match="bad or truncated zip"):
        load_weather(spec_for(payload), data_dir=tmp_path)


def test_zip_without_the_member_is_corrupt(tmp_path):
    payload = jena_csv()
    write_zip(tmp_path / "jena_climate_2009_2016.csv.zip", "something_else.csv", payload)
    with pytest.raises(DatasetCorrupt, match="wrong archive"):
        load_weather(spec_for(payload), data_dir=tmp_path)


def test_wrong_header_is_a_schema_error(tmp_path):
    payload = jena_csv(header=JENA_HEADER.replace('"T (degC)"', '"Temp"'))
    write_zip(tmp_path / "jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016.csv", payload)
    with pytest.raises(DatasetSchemaError, match="columns"):
        load_weather(spec_for(payload), data_dir=tmp_path)


def test_month_first_dates_are_a_schema_error(tmp_path):
    rows = [JENA_ROWS[0].replace("01.01.2009", "01.13.2009"), *JENA_ROWS[1:]]
    payload = jena_csv(rows)
    write_zip(tmp_path / "jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016.csv", payload)
    with pytest.raises(DatasetSchemaError, match="day-first"):
        load_weather(spec_for(payload), data_dir=tmp_path)


def test_non_numeric_value_is_a_schema_error(tmp_path):
    rows = [JENA_ROWS[0].replace("996.52", "n/a"), *JENA_ROWS[1:]]
    payload = jena_csv(rows)
    write_zip(tmp_path / "jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016.csv", payload)
    with pytest.raises(DatasetSchemaError, match="p \\(mbar\\)"):
        load_weather(spec_for(payload), data_dir=tmp_path)


def test_wrong_row_count_is_a_schema_error(jena_dir):
    spec = dataclasses.replace(spec_for(jena_csv()), rows=6)
    with pytest.raises(DatasetSchemaError, match="5 data rows, expected 6"):
        load_weather(spec, data_dir=jena_dir)


# ------------------------------------------------------------------------------------ download and cache
def test_offline_without_cache_says_where_to_put_the_file(tmp_path):
    with pytest.raises(DatasetNotAvailable) as info:
        load_weather("jena", data_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "jena_climate_2009_2016.csv.zip" in message
    assert data.ENV_VAR in message and "network disabled" in message


def test_default_dirs_and_env_override(monkeypatch, tmp_path):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    assert data.candidate_dirs() == [ROOT / "data", Path("~/.keras/datasets").expanduser()]
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.candidate_dirs() == [tmp_path]
    assert data.candidate_dirs(tmp_path / "x") == [tmp_path / "x"]


def fake_download(payload_path: Path, calls: list):
    def get_file(fname, origin, cache_dir, cache_subdir, **kwargs):
        calls.append((fname, origin))
        target = Path(cache_dir) / cache_subdir / fname
        shutil.copy(payload_path, target)
        return str(target)

    return get_file


def test_fresh_download_is_verified_then_cached(tmp_path, monkeypatch):
    payload = jena_csv()
    source = write_zip(tmp_path / "upstream.zip", "jena_climate_2009_2016.csv", payload)
    cache = tmp_path / "cache"
    calls: list = []
    monkeypatch.setattr(keras.utils, "get_file", fake_download(source, calls))
    spec = spec_for(payload)
    assert len(load_weather(spec, data_dir=cache)) == 5
    assert calls == [(spec.filename, spec.url)]
    assert len(load_weather(spec, data_dir=cache)) == 5  # second load reads the cache
    assert len(calls) == 1


def test_fresh_download_with_wrong_hash_is_corrupt(tmp_path, monkeypatch):
    source = write_zip(
        tmp_path / "upstream.zip", "jena_climate_2009_2016.csv", jena_csv(JENA_ROWS[:4])
    )
    monkeypatch.setattr(keras.utils, "get_file", fake_download(source, []))
    with pytest.raises(DatasetCorrupt):
        load_weather(spec_for(jena_csv()), data_dir=tmp_path / "cache")


def test_errors_share_a_base_and_unknown_name_is_a_value_error():
    assert all(
        issubclass(e, DataError) for e in (DatasetNotAvailable, DatasetCorrupt, DatasetSchemaError)
    )
    with pytest.raises(ValueError, match="name must be one of"):
        load_weather("paris")


def test_checksum_normalises_line_endings():
    crlf, lf, no_final = b"a,b\r\n1,2\r\n", b"a,b\n1,2\n", b"a,b\n1,2"
    assert checksum(crlf, normalize_newlines=True) == checksum(lf, normalize_newlines=True)
    assert checksum(no_final, normalize_newlines=True) == checksum(lf, normalize_newlines=True)
    assert checksum(crlf) != checksum(lf)
    with pytest.raises(ValueError, match="algorithm"):
        checksum(lf, "sha1")


# ---------------------------------------------------------------------------------------------- Beijing
@pytest.fixture(scope="module")
def beijing():
    return load_weather("beijing", data_dir=SHARED_DATA)


@needs_beijing
def test_beijing_real_copy(beijing):
    df = beijing
    assert df.shape == (43_824, 12)
    assert df.index[0] == pd.Timestamp("2010-01-01 00:00") and df.index[-1] == pd.Timestamp(
        "2014-12-31 23:00"
    )
    assert (np.diff(df.index.to_numpy()) == np.timedelta64(1, "h")).all()
    assert not df.isna().any().any() and (df.dtypes == "float64").all()
    one_hot = df[["cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv"]]
    assert set(np.unique(one_hot)) == {0.0, 1.0} and (one_hot.sum(axis=1) == 1).all()
    assert df["pm2.5_missing"].sum() == 2_067
    assert (df["TEMP"].min(), df["TEMP"].max()) == (-19, 42)
    assert (df["PRES"].min(), df["PRES"].max()) == (991, 1046)
    # the first 24 hours have no pm2.5 reading and nothing earlier to copy: 0, flagged; then the first reading
    assert (df["pm2.5"].iloc[:24] == 0.0).all() and (df["pm2.5_missing"].iloc[:24] == 1.0).all()
    assert df["pm2.5"].iloc[24] == 129.0 and df["pm2.5_missing"].iloc[24] == 0.0
    # every filled value is the last reading before it
    readings = df["pm2.5"].where(df["pm2.5_missing"] == 0)
    filled = df["pm2.5_missing"] == 1
    assert (df["pm2.5"][filled].iloc[24:] == readings.ffill()[filled].iloc[24:]).all()


def beijing_csv(pm25: list[float | None], seed: int = 0) -> bytes:
    """A small CSV in the Beijing file's format (LF endings), hourly from 2010-01-01 00:00, ``None`` = ``NA``."""
    rng = np.random.default_rng(seed)
    lines = [",".join(data.BEIJING_COLUMNS)]
    for i, value in enumerate(pm25):
        t = pd.Timestamp("2010-01-01") + pd.Timedelta(hours=i)
        pm = "NA" if value is None else f"{value:g}"
        lines.append(
            f"{i + 1},{t.year},{t.month},{t.day},{t.hour},{pm},{rng.integers(-20, 0)},{rng.integers(-10, 5)},"
            f"{rng.integers(1010, 1030)},{rng.choice(data.BEIJING_WIND_DIRECTIONS)},{rng.uniform(0, 20):.2f},0,0"
        )
    return ("\n".join(lines) + "\n").encode()


def test_beijing_cleaning_uses_no_later_row():
    """Leakage check: changing the rows after t (their pm2.5 readings and gaps) never changes cleaned rows <= t."""
    rng = np.random.default_rng(1)
    n = 120
    pm = [None if rng.random() < 0.3 else float(rng.integers(1, 500)) for _ in range(n)]
    pm[:5] = [None] * 5  # a leading gap, as in the real file
    pm[50:70] = [None] * 20  # a long gap
    spec = spec_for(beijing_csv(pm), base="beijing")
    base = data.parse_beijing(beijing_csv(pm), spec)
    assert not base.isna().any().any()
    for t in [0, 4, 5, 49, 55, 69, 70, 100, n - 2]:
        later = [
            None if rng.random() < 0.5 else float(rng.integers(1, 500)) for _ in range(n - t - 1)
        ]
        changed_pm = pm[: t + 1] + later
        payload = beijing_csv(changed_pm)  # same seed: the other columns are unchanged
        changed = data.parse_beijing(payload, spec_for(payload, base="beijing"))
        pd.testing.assert_frame_equal(
            changed.iloc[: t + 1], base.iloc[: t + 1], obj=f"cleaned rows <= {t}"
        )
        assert not changed.iloc[t + 1 :].equals(base.iloc[t + 1 :]) or later == pm[t + 1 :]


def test_fill_forward_copies_the_last_reading():
    s = pd.Series([np.nan, np.nan, 3.0, np.nan, np.nan, 5.0, np.nan])
    assert data.fill_forward(s).tolist() == [0.0, 0.0, 3.0, 3.0, 3.0, 5.0, 5.0]
    assert data.fill_forward(s, before_first=-1.0).tolist()[:2] == [-1.0, -1.0]
    with pytest.raises(ValueError, match="values must be a pandas Series"):
        data.fill_forward(s.to_numpy())


@needs_beijing
def test_beijing_through_env_var(monkeypatch, beijing):
    monkeypatch.setenv(data.ENV_VAR, str(SHARED_DATA))
    pd.testing.assert_frame_equal(load_weather("beijing"), beijing)


@needs_beijing
@pytest.mark.parametrize("form", ["lf_csv", "uci_zip_no_final_newline"])
def test_beijing_line_endings_are_not_corruption(tmp_path, beijing, form):
    with zipfile.ZipFile(BEIJING_ZIP) as zf:
        raw = zf.read("PRSA_data_2010.1.1-2014.12.31.csv")
    lf = raw.replace(b"\r\n", b"\n")
    if form == "lf_csv":
        (tmp_path / "PRSA_data_2010.1.1-2014.12.31.csv").write_bytes(lf)
    else:  # the UCI download: a differently named zip, member in a folder, no final newline
        write_zip(
            tmp_path / "beijing+pm2+5+data.zip",
            "data/PRSA_data_2010.1.1-2014.12.31.csv",
            lf.rstrip(b"\n"),
        )
    pd.testing.assert_frame_equal(load_weather("beijing", data_dir=tmp_path), beijing)


@needs_beijing
def test_beijing_blank_instead_of_na_is_a_different_file(tmp_path):
    with zipfile.ZipFile(BEIJING_ZIP) as zf:
        raw = zf.read("PRSA_data_2010.1.1-2014.12.31.csv")
    (tmp_path / "PRSA_data_2010.1.1-2014.12.31.csv").write_bytes(raw.replace(b",NA,", b",,"))
    with pytest.raises(DatasetCorrupt, match="sha256"):
        load_weather("beijing", data_dir=tmp_path)


# ------------------------------------------------------------------------------- split and normalisation
def test_chronological_split_and_normalize():
    df = pd.DataFrame(
        {"a": np.arange(100.0), "b": np.ones(100)},
        index=pd.date_range("2020", periods=100, freq="h"),
    )
    train, val, test = chronological_split(df)
    assert (len(train), len(val), len(test)) == (50, 25, 25)
    assert train.index[-1] < val.index[0] and val.index[-1] < test.index[0]
    (train_n, val_n, test_n), mean, std = normalize(train, val, test)
    assert mean["a"] == 24.5 and std["b"] == 1.0  # constant column: scale 1, stays finite
    assert abs(train_n["a"].mean()) < 1e-12 and abs(train_n["a"].std() - 1) < 1e-12
    # the later period is NOT re-centred: no leakage of its statistics
    assert val_n["a"].mean() > 1.5
    np.testing.assert_allclose(test_n * std + mean, test)
    with pytest.raises(ValueError, match="fractions"):
        chronological_split(df, (0.5, 0.5))
    with pytest.raises(ValueError, match="others\\[0\\]"):
        normalize(train, val[["a"]])


# ------------------------------------------------------------------------------------- Tiny Shakespeare
SHAKESPEARE_ZIP = SHARED_DATA / "shakespeare.txt.zip"
needs_shakespeare = pytest.mark.skipif(
    not SHAKESPEARE_ZIP.is_file(),
    reason=f"the verified Shakespeare copy is not at {SHAKESPEARE_ZIP}",
)


def test_registry_keeps_the_real_shakespeare_checks():
    spec = DATASETS["shakespeare"]
    assert (spec.size, spec.hash_algorithm, spec.verified) == (1_115_394, "sha256", True)
    assert spec.hash == "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    assert spec.url == "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
    assert spec.filenames == ("shakespeare.txt", "shakespeare.txt.zip")


@needs_shakespeare
def test_shakespeare_real_copy_from_zip_and_bare_file(tmp_path):
    text = data.load_text("shakespeare", data_dir=SHARED_DATA)
    assert len(text) == 1_115_394 and len(set(text)) == 65 and text.count("\n") == 40_000
    assert text.startswith("First Citizen:\n") and text.endswith("Whiles thou art waking.\n")
    # the bare file, as the TensorFlow URL serves it
    (tmp_path / "shakespeare.txt").write_text(text)
    assert data.load_text("shakespeare", data_dir=tmp_path) == text


@needs_shakespeare
def test_shakespeare_modified_or_truncated_copy_is_corrupt(tmp_path):
    text = data.load_text("shakespeare", data_dir=SHARED_DATA)
    (tmp_path / "shakespeare.txt").write_text(text.replace("Citizen", "citizen", 1))
    with pytest.raises(DatasetCorrupt, match="1,115,394 bytes"):
        data.load_text("shakespeare", data_dir=tmp_path)
    (tmp_path / "shakespeare.txt").unlink()
    (tmp_path / "shakespeare.txt.zip").write_bytes(SHAKESPEARE_ZIP.read_bytes()[:5000])
    with pytest.raises(DatasetCorrupt, match="truncated"):
        data.load_text("shakespeare", data_dir=tmp_path)


@needs_shakespeare
def test_shakespeare_download_is_verified_then_cached(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(keras.utils, "get_file", fake_download(SHAKESPEARE_ZIP, calls))
    # the fake serves the zip
    spec = dataclasses.replace(DATASETS["shakespeare"], filename="shakespeare.txt.zip")
    assert len(data.load_text(spec, data_dir=tmp_path / "cache")) == 1_115_394
    assert len(data.load_text(spec, data_dir=tmp_path / "cache")) == 1_115_394
    assert calls == [("shakespeare.txt.zip", DATASETS["shakespeare"].url)]


@needs_shakespeare
def test_fetch_returns_the_verified_file_downloading_a_missing_one(tmp_path, monkeypatch):
    assert data.fetch("shakespeare", SHARED_DATA) == SHAKESPEARE_ZIP
    text = data.load_text("shakespeare", data_dir=SHARED_DATA)
    served = tmp_path / "served.txt"
    served.write_text(text)
    calls: list = []
    monkeypatch.setattr(keras.utils, "get_file", fake_download(served, calls))
    cache = tmp_path / "cache"
    path = data.fetch("shakespeare", cache)
    assert path == cache / "shakespeare.txt" and path.read_text() == text
    assert (
        data.fetch("shakespeare", cache) == path and len(calls) == 1
    )  # the second call finds the copy
    path.write_text(text[:-1])
    with pytest.raises(DatasetCorrupt, match="1,115,394 bytes"):
        data.fetch("shakespeare", cache)
    with pytest.raises(ValueError, match="name must be one of"):
        data.fetch("tolstoy", cache)


def test_shakespeare_offline_and_wrong_loader(tmp_path):
    with pytest.raises(DatasetNotAvailable) as info:
        data.load_text("shakespeare", data_dir=tmp_path)
    assert "shakespeare.txt" in str(info.value) and data.ENV_VAR in str(info.value)
    with pytest.raises(ValueError, match="load_text"):
        load_weather("shakespeare", data_dir=tmp_path)
    with pytest.raises(ValueError, match="name must be one of"):
        data.load_text("beijing", data_dir=tmp_path)


def _notebook_06_cleaning(raw: pd.DataFrame) -> pd.DataFrame:
    """Run notebook 06's cleaning cell (the one that starts ``clean = raw.copy()``) on ``raw``."""
    import contextlib
    import io

    import nbformat

    nb = nbformat.read(
        Path(__file__).resolve().parents[1] / "notebooks" / "06_weather_forecast_lab.ipynb", 4
    )
    cell = next(
        c for c in nb.cells if c.cell_type == "code" and c.source.startswith("clean = raw.copy()")
    )
    namespace = {"raw": raw, "pd": pd, "np": np}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(cell.source, namespace)
    return namespace["clean"]


def test_clean_false_keeps_the_raw_values_and_notebook_06_cleans_them_as_the_loader_does(jena_dir):
    """Notebook 06 cleans in view what load_weather cleans by default; 06b relies on the loader: both agree."""
    spec = spec_for(jena_csv())
    raw = load_weather(spec, data_dir=jena_dir, clean=False)
    assert (raw["wv (m/s)"] == -9999).sum() == 2 and raw.attrs["cleaning"] == {}
    pd.testing.assert_frame_equal(_notebook_06_cleaning(raw), load_weather(spec, data_dir=jena_dir))
    pm = [None, 3.0, None, None, 7.0, None] + [float(i) for i in range(30)]
    payload = beijing_csv(pm)
    raw = data.parse_beijing(payload, spec_for(payload, base="beijing"), clean=False)
    assert (
        raw["pm2.5"].isna().sum() == 4
        and "pm2.5_missing" not in raw
        and raw.attrs["cleaning"] == {}
    )
    cleaned = data.parse_beijing(payload, spec_for(payload, base="beijing"))
    # columns in any order
    pd.testing.assert_frame_equal(_notebook_06_cleaning(raw), cleaned, check_like=True)
