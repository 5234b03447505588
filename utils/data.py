"""Named weather data sets: download, cache, verify, parse and clean them into a pandas DataFrame.

``load_weather("jena")`` or ``load_weather("beijing")`` returns a DataFrame with a ``DatetimeIndex`` named
``time`` and numeric (float64) columns only. Every load checks the CSV's size and hash against the registry
(:data:`DATASETS`), cached copies and fresh downloads alike, and parsing checks the schema; any problem raises a
subclass of :class:`DataError` that says what to do, so a caller never receives partial data.

Where files are looked for (the first folder holding one of the spec's file names wins):

1. ``data_dir`` if given, else the environment variable ``RNN_COURSE_DATA`` if set: only that folder is used
   (CI sets it to ``../shared/data``). A missing file is downloaded into it when it is writable.
2. Otherwise ``<repo>/data`` (git-ignored; it exists in a Colab clone too) and then ``~/.keras/datasets``
   (Keras's own cache). A missing file is downloaded into the first of them that is writable.

Downloads go through :func:`keras.utils.get_file`. ``data/README.md`` explains how to place the files by hand.

Why not ``pooch`` (which Colab ships): ``pooch.retrieve`` checks the hash of the file's raw bytes and refuses a
mismatch, while this module hashes Beijing's CSV after normalising line endings (a CRLF copy is not corrupt) and
accepts a Jena file that differs from an unverified record when every schema check passes (with a warning); it
also looks in several folders in order (above). The download itself is one call to Keras's ``get_file``, which
the course installs anyway.

The two data sets:

* ``"jena"``: the Jena climate record 2009-2016 (Max Planck Institute for Biogeochemistry), every 10 minutes,
  420,551 rows, from the URL the Keras examples use. The expected CSV size (43,164,220 bytes) and md5
  (959915f05bfafef18e471a97ae679535) come from a third-party record (a DVC pointer in ``logus2k/jena_weather``)
  and could NOT be verified when this module was written, because no complete copy was reachable. They are
  checked all the same, but as the record may be wrong, a file that differs from it and passes every schema check
  (rows, columns, values, first and last timestamp) is used with a :class:`DatasetChecksumWarning` asking for a
  report; a mismatch with any failed schema check is :class:`DatasetCorrupt`.
* ``"beijing"``: the UCI Beijing PM2.5 (PRSA) hourly record 2010-2014, 43,824 rows. Its checksum was verified on
  a copy that agrees byte for byte with several independent ones (``../shared/data/SOURCES.md``). The hash is
  taken after normalising line endings, so a CRLF/LF difference (or a missing final newline) is not corruption.

Tests and new data sets use a :class:`DatasetSpec` directly: ``load_weather(spec)`` loads any spec with its own
checksum, so the registry's real checks are never weakened.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DATASETS",
    "DataError",
    "DatasetChecksumWarning",
    "DatasetCorrupt",
    "DatasetNotAvailable",
    "DatasetSchemaError",
    "DatasetSpec",
    "ENV_VAR",
    "fetch",
    "JENA_COLUMNS",
    "BEIJING_COLUMNS",
    "candidate_dirs",
    "checksum",
    "chronological_split",
    "load_text",
    "load_weather",
    "normalize",
]

#: environment variable naming a folder that holds the data files (overrides the default cache folders)
ENV_VAR = "RNN_COURSE_DATA"

REPO_ROOT = Path(__file__).resolve().parents[1]

# fmt: skip: the CSV header row, read as rows of names (one a line would take 17 lines)
JENA_COLUMNS: tuple[str, ...] = (
    "Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)",
    "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)", "wd (deg)",
)  # fmt: skip
# fmt: skip: the CSV header row, read as a row of names (one a line would take 15 lines)
BEIJING_COLUMNS: tuple[str, ...] = (
    "No", "year", "month", "day", "hour", "pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir",
)  # fmt: skip
BEIJING_WIND_DIRECTIONS: tuple[str, ...] = ("NE", "NW", "SE", "cv")


# ----------------------------------------------------------------------------------------------- errors
class DataError(Exception):
    """Base class of every error raised while locating, verifying or parsing a data set."""


class DatasetNotAvailable(DataError):
    """The file is in no cache folder and could not be downloaded (offline, say); the message says where to put it."""


class DatasetChecksumWarning(UserWarning):
    """An unverified checksum record disagrees with the file, but the file passed every schema check."""


class DatasetCorrupt(DataError):
    """The file is a bad or truncated archive, or its size or hash differs from the registry's."""


class DatasetSchemaError(DataError):
    """The CSV verified but does not have the expected columns, dates, values or row count."""


# ------------------------------------------------------------------------------------------------ specs
@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to fetch, verify and parse one data set.

    Attributes:
        name: short name, the key in :data:`DATASETS`.
        url: where :func:`keras.utils.get_file` downloads it from (a zip or a bare CSV).
        filename: the name the download is saved under.
        member: the CSV's name (inside the zip, or as a bare file).
        size: expected CSV size in bytes (after line-ending normalisation when ``normalize_newlines``).
        hash: expected hex digest of the CSV (same normalisation).
        hash_algorithm: ``"sha256"`` or ``"md5"``.
        parse: turns the verified CSV bytes into the cleaned DataFrame; raises :class:`DatasetSchemaError`.
        rows: expected number of data rows, or ``None`` to skip that check.
        normalize_newlines: hash CRLF/CR/LF files alike (see :func:`checksum`).
        verified: whether the size and hash were checked on a genuine copy by the course authors. A mismatch
            is an error when they were; when not, a file that passes every schema check (row count, columns,
            values, ``first`` and ``last``) is used with a :class:`DatasetChecksumWarning`.
        first, last: expected first and last timestamps of the index (ISO strings), or ``None``.
        other_filenames: further file names accepted in a data folder (other zips or the bare CSV).
        description: one line naming the source, used in messages.
    """

    name: str
    url: str
    filename: str
    member: str
    size: int
    hash: str
    hash_algorithm: str
    parse: Callable[[bytes, DatasetSpec], pd.DataFrame | str]
    rows: int | None = None
    normalize_newlines: bool = False
    verified: bool = True
    other_filenames: tuple[str, ...] = ()
    description: str = ""
    first: str | None = None
    last: str | None = None

    @property
    def filenames(self) -> tuple[str, ...]:
        """All file names accepted for this data set, the download name first."""
        names = (self.filename, *self.other_filenames, self.member)
        return tuple(dict.fromkeys(names))


def checksum(
    data: bytes, algorithm: str = "sha256", normalize_newlines: bool = False
) -> tuple[int, str]:
    """Return ``(size, hex digest)`` of ``data``.

    With ``normalize_newlines`` every CRLF or lone CR becomes LF and the text ends with exactly one LF, so the
    same CSV saved on Windows, on Unix, or without its final newline gives the same size and digest.
    """
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"algorithm must be 'sha256' or 'md5', got {algorithm!r}")
    if normalize_newlines:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").rstrip(b"\n") + b"\n"
    return len(data), hashlib.new(algorithm, data).hexdigest()


# ---------------------------------------------------------------------------------------------- parsers
def _read_csv(data: bytes, spec: DatasetSpec, columns: Sequence[str], **kwargs) -> pd.DataFrame:
    try:
        df = pd.read_csv(io.BytesIO(data), **kwargs)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DatasetSchemaError(
            f"{spec.name}: {spec.member} is not a readable CSV ({err})."
        ) from err
    if tuple(df.columns) != tuple(columns):
        raise DatasetSchemaError(
            f"{spec.name}: {spec.member} has columns {list(df.columns)}, expected {list(columns)}. "
            "The file is not this data set (or a modified copy); replace it with the original."
        )
    if spec.rows is not None and len(df) != spec.rows:
        raise DatasetSchemaError(
            f"{spec.name}: {spec.member} has {len(df):,} data rows, expected {spec.rows:,}."
        )
    return df


def _to_float(df: pd.DataFrame, spec: DatasetSpec, columns: Sequence[str]) -> pd.DataFrame:
    out = {}
    for col in columns:
        try:
            out[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
        except (ValueError, TypeError) as err:
            raise DatasetSchemaError(
                f"{spec.name}: column {col!r} has non-numeric values ({err})."
            ) from err
    return pd.DataFrame(out, index=df.index)


def parse_jena(data: bytes, spec: DatasetSpec, clean: bool = True) -> pd.DataFrame:
    """Parse the Jena climate CSV: day-first ``Date Time`` index, 14 float columns, −9999 wind speeds set to 0.

    The station writes −9999 for a missing wind speed in ``wv (m/s)`` and ``max. wv (m/s)``. Like the
    TensorFlow time-series tutorial, they become 0.0 m/s (``clean=False`` keeps them: notebook 06 does this
    step in view); the number replaced per column is stored in ``df.attrs["cleaning"]``. The rows are kept
    as recorded (Chollet's protocol indexes them by position).
    """
    df = _read_csv(data, spec, JENA_COLUMNS)
    try:
        index = pd.to_datetime(df["Date Time"], format="%d.%m.%Y %H:%M:%S")
    except (ValueError, TypeError) as err:
        raise DatasetSchemaError(
            f"{spec.name}: 'Date Time' is not in the day-first form 'dd.mm.yyyy HH:MM:SS' ({err})."
        ) from err
    out = _to_float(df, spec, JENA_COLUMNS[1:])
    out.index = pd.DatetimeIndex(index.to_numpy(), name="time")
    cleaning = {}
    for col in ("wv (m/s)", "max. wv (m/s)"):
        bad = out[col] == -9999.0
        if clean:
            cleaning[f"{col}: -9999 set to 0"] = int(bad.sum())
            out.loc[bad, col] = 0.0
    if out.isna().any().any():
        raise DatasetSchemaError(
            f"{spec.name}: empty cells in columns {list(out.columns[out.isna().any()])}."
        )
    out.attrs["cleaning"] = cleaning
    return out


def parse_beijing(data: bytes, spec: DatasetSpec, clean: bool = True) -> pd.DataFrame:
    """Parse the Beijing PM2.5 (PRSA) CSV into an hourly DataFrame.

    The index comes from year/month/day/hour and must be strictly hourly. ``cbwd`` (combined wind direction) is
    one-hot encoded into ``cbwd_NE``, ``cbwd_NW``, ``cbwd_SE`` and ``cbwd_cv`` (calm and variable). The 2,067
    ``NA`` values of ``pm2.5`` are filled by :func:`fill_forward` and flagged in the extra column
    ``pm2.5_missing`` (1.0 where the value was filled). ``clean=False`` leaves the ``NA`` values as NaN and adds
    no flag (notebook 06 does this step in view).
    """
    df = _read_csv(
        data, spec, BEIJING_COLUMNS, keep_default_na=False, na_values={"pm2.5": ["NA", ""]}
    )
    try:
        index = pd.to_datetime(df[["year", "month", "day", "hour"]])
    except (ValueError, TypeError) as err:
        raise DatasetSchemaError(
            f"{spec.name}: year/month/day/hour do not form valid timestamps ({err})."
        ) from err
    index = pd.DatetimeIndex(index.to_numpy(), name="time")
    steps = np.diff(index.to_numpy())
    if len(index) > 1 and not (steps == np.timedelta64(1, "h")).all():
        raise DatasetSchemaError(
            f"{spec.name}: the timestamps are not strictly hourly (gaps, repeats or disorder)."
        )
    unknown = set(df["cbwd"].unique()) - set(BEIJING_WIND_DIRECTIONS)
    if unknown:
        raise DatasetSchemaError(
            f"{spec.name}: cbwd has unknown values {sorted(unknown)}, expected {BEIJING_WIND_DIRECTIONS}."
        )
    out = _to_float(df, spec, ["pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir"])
    out.index = index
    if out.drop(columns="pm2.5").isna().any().any():
        raise DatasetSchemaError(f"{spec.name}: missing values outside pm2.5.")
    missing = out["pm2.5"].isna()
    if clean:
        out["pm2.5"] = fill_forward(out["pm2.5"])
        out["pm2.5_missing"] = missing.astype("float64")
    for direction in BEIJING_WIND_DIRECTIONS:
        out[f"cbwd_{direction}"] = (df["cbwd"].to_numpy() == direction).astype("float64")
    out.attrs["cleaning"] = (
        {"pm2.5: NA filled by the last reading (0 before the first one)": int(missing.sum())}
        if clean
        else {}
    )
    return out


def fill_forward(values: pd.Series, before_first: float = 0.0) -> pd.Series:
    """Fill the gaps of a series with the last value read before them, never with a later one.

    A forecast made at hour t may only use what was known at hour t. Interpolating a gap (or filling it
    backwards) writes a later reading into earlier rows, so an input window that ends inside the gap would
    contain a value from after its forecast time: leakage. Filling forward cannot do that. Rows before the
    first reading have nothing to copy and get the constant ``before_first``; flag them (and every filled row)
    with a missing-value indicator so that a model can tell a filled value from a reading.

    Args:
        values: the series with NaN gaps.
        before_first: the value of the rows before the first non-NaN one.

    Returns:
        The filled series, same index and name; cleaned row t depends only on rows 0..t.
    """
    if not isinstance(values, pd.Series):
        raise ValueError(f"values must be a pandas Series, got {type(values).__name__}")
    return values.ffill().fillna(before_first)


#: the registry of named data sets
DATASETS: dict[str, DatasetSpec] = {
    "jena": DatasetSpec(
        name="jena",
        url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
        filename="jena_climate_2009_2016.csv.zip",
        member="jena_climate_2009_2016.csv",
        # third-party record (DVC pointer in logus2k/jena_weather); NOT verified on a genuine copy here
        size=43_164_220,
        hash="959915f05bfafef18e471a97ae679535",
        hash_algorithm="md5",
        parse=parse_jena,
        rows=420_551,
        normalize_newlines=False,
        verified=False,
        first="2009-01-01 00:10:00",
        last="2017-01-01 00:00:00",
        description="Jena climate 2009-2016, Max Planck Institute for Biogeochemistry, every 10 minutes",
    ),
    "beijing": DatasetSpec(
        name="beijing",
        url="https://archive.ics.uci.edu/static/public/381/beijing+pm2+5+data.zip",
        filename="beijing+pm2+5+data.zip",
        member="PRSA_data_2010.1.1-2014.12.31.csv",
        # of the CSV with LF line endings; the CRLF original is 2,010,494 bytes, sha256 4127f868...d27f1c
        size=1_966_669,
        hash="4fe4c954a563d0e746f96c258e1acf31f7880f1ad825b046052121938781c656",
        hash_algorithm="sha256",
        parse=parse_beijing,
        rows=43_824,
        normalize_newlines=True,
        verified=True,
        other_filenames=("PRSA_data_2010.1.1-2014.12.31.csv.zip",),
        first="2010-01-01 00:00:00",
        last="2014-12-31 23:00:00",
        description="UCI Beijing PM2.5 (PRSA) 2010-2014, hourly",
    ),
}


# --------------------------------------------------------------------------------------------- locating
def candidate_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for data files, in order (see the module docstring)."""
    if data_dir is not None:
        return [Path(data_dir).expanduser()]
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env).expanduser()]
    return [REPO_ROOT / "data", Path("~/.keras/datasets").expanduser()]


def _find_local(spec: DatasetSpec, dirs: Sequence[Path]) -> Path | None:
    for folder in dirs:
        for name in spec.filenames:
            path = folder / name
            if path.is_file():
                return path
    return None


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK)


def _placement_hint(spec: DatasetSpec, dirs: Sequence[Path]) -> str:
    return (
        f"Download {spec.url} on a machine with internet access and put it (or the extracted {spec.member}) "
        f"into {dirs[0]}, or set the environment variable {ENV_VAR} to a folder that holds it "
        f"(accepted file names: {', '.join(spec.filenames)}). See data/README.md."
    )


def _download(spec: DatasetSpec, dirs: Sequence[Path]) -> Path:
    import keras  # imported here so that importing utils.data stays light

    target = next((d for d in dirs if _writable(d)), None)
    if target is None:
        raise DatasetNotAvailable(
            f"{spec.name}: no copy found in {[str(d) for d in dirs]} and none of them is writable. "
            + _placement_hint(spec, dirs)
        )
    target.mkdir(parents=True, exist_ok=True)
    try:
        path = keras.utils.get_file(
            fname=spec.filename, origin=spec.url, cache_dir=str(target), cache_subdir="."
        )
    except Exception as err:  # urllib, HTTP and OS errors all mean the same thing to the user
        raise DatasetNotAvailable(
            f"{spec.name}: no local copy in {[str(d) for d in dirs]}, and downloading {spec.url} failed ({err}). "
            + _placement_hint(spec, dirs)
        ) from err
    return Path(path)


# ---------------------------------------------------------------------------------------------- reading
def _read_member(path: Path, spec: DatasetSpec) -> bytes:
    """The CSV bytes from a zip (the member named ``spec.member``, in any folder) or from a bare CSV."""
    fix = f"Delete {path} and load again to download a fresh copy, or replace it by hand (see data/README.md)."
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as err:
        raise DatasetCorrupt(f"{spec.name}: cannot read {path} ({err}).") from err
    if head[:2] != b"PK":
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as zf:
            names = [
                n
                for n in zf.namelist()
                if Path(n).name == spec.member and not n.startswith("__MACOSX")
            ]
            if not names:
                raise DatasetCorrupt(
                    f"{spec.name}: {path} holds {zf.namelist()} but not {spec.member}; it is the wrong archive. {fix}"
                )
            return zf.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
        raise DatasetCorrupt(
            f"{spec.name}: {path} is a bad or truncated zip archive ({err}). {fix}"
        ) from err


def _checksum_mismatch(data: bytes, spec: DatasetSpec, path: Path) -> str | None:
    """``None`` when the CSV has the expected size and hash, else the message that says how it differs."""
    size, digest = checksum(data, spec.hash_algorithm, spec.normalize_newlines)
    if size == spec.size and digest == spec.hash:
        return None
    what = "line-ending-normalised " if spec.normalize_newlines else ""
    msg = (
        f"{spec.name}: {spec.member} from {path} is {size:,} bytes with {spec.hash_algorithm} {digest}; "
        f"expected {spec.size:,} bytes with {spec.hash} ({what}CSV)."
    )
    if not spec.verified:
        msg += (
            " The expected size and hash of this data set come from a third-party record that the course "
            "could not verify."
        )
    return msg


def _check_span(df: pd.DataFrame, spec: DatasetSpec) -> None:
    for label, expected, got in [
        ("first", spec.first, df.index[0]),
        ("last", spec.last, df.index[-1]),
    ]:
        if expected is not None and got != pd.Timestamp(expected):
            raise DatasetSchemaError(
                f"{spec.name}: the {label} timestamp is {got}, expected {expected}."
            )


def _spec(name: str | DatasetSpec) -> DatasetSpec:
    """The registry's spec of ``name``, or ``name`` itself when it is a spec."""
    if isinstance(name, DatasetSpec):
        return name
    if name in DATASETS:
        return DATASETS[name]
    raise ValueError(f"name must be one of {sorted(DATASETS)} or a DatasetSpec, got {name!r}")


def fetch(name: str | DatasetSpec, data_dir: str | os.PathLike | None = None) -> Path:
    """The local file of a named data set (weather or text), downloaded first when no folder holds a copy.

    For a caller that needs the file itself, not the parsed data: the Gradescope archive carries it. The folders
    are those of :func:`candidate_dirs`. A data set whose checksum is verified (Beijing, Tiny Shakespeare) is
    checked here; one with an unverified record (Jena) is checked by :func:`load_weather`, with its schema.

    Raises:
        ValueError: unknown ``name``.
        DatasetNotAvailable: no local copy and the download failed; the message says where to put the file.
        DatasetCorrupt: a bad archive, or a size/hash mismatch of a verified data set.
    """
    spec = _spec(name)
    dirs = candidate_dirs(data_dir)
    path = _find_local(spec, dirs) or _download(spec, dirs)
    if spec.verified:
        mismatch = _checksum_mismatch(_read_member(path, spec), spec, path)
        if mismatch:
            raise DatasetCorrupt(
                f"{mismatch} The file is truncated, modified or not this data set. Delete {path} and fetch "
                "again to download a fresh copy."
            )
    return path


def load_weather(
    name: str | DatasetSpec, data_dir: str | os.PathLike | None = None, clean: bool = True
) -> pd.DataFrame:
    """Load a named weather data set as a cleaned DataFrame with a ``DatetimeIndex`` named ``time``.

    Args:
        name: a key of :data:`DATASETS` (``"jena"`` or ``"beijing"``), or a :class:`DatasetSpec`.
        data_dir: folder holding (or receiving) the file; defaults to ``$RNN_COURSE_DATA``, else
            ``<repo>/data`` then ``~/.keras/datasets``.
        clean: ``False`` returns the values as the file has them (Jena's −9999 wind speeds, Beijing's missing
            PM2.5 as NaN, no ``pm2.5_missing`` flag): notebook 06 shows the cleaning on that frame.

    Returns:
        The data, float64 columns only, verified (size and hash of the CSV) and schema-checked. What cleaning
        did is recorded in ``df.attrs["cleaning"]``.

    Raises:
        ValueError: unknown ``name``.
        DatasetNotAvailable: no local copy and the download failed; the message says where to put the file.
        DatasetCorrupt: bad or truncated archive, or size/hash mismatch (for a data set whose record is
            unverified: a mismatch together with a failed schema check; alone it is a warning).
        DatasetSchemaError: unexpected columns, dates, values or row count.

    Warns:
        DatasetChecksumWarning: the size or hash differs from an unverified record but every schema check passed.
    """
    spec = _spec(name)
    if spec.parse is parse_text:
        raise ValueError(
            f"name {spec.name!r} is a text corpus, not a weather table; use load_text({spec.name!r})"
        )
    dirs = candidate_dirs(data_dir)
    path = _find_local(spec, dirs) or _download(spec, dirs)
    data = _read_member(path, spec)
    mismatch = _checksum_mismatch(data, spec, path)
    fix = f"The file is truncated, modified or not this data set. Delete {path} and load again to download a fresh copy."
    if mismatch and spec.verified:
        raise DatasetCorrupt(f"{mismatch} {fix}")
    try:
        df = spec.parse(data, spec) if clean else spec.parse(data, spec, clean=False)
        _check_span(df, spec)
    except DatasetSchemaError as err:
        if mismatch:
            raise DatasetCorrupt(f"{mismatch} It also fails a schema check ({err}) {fix}") from err
        raise
    if mismatch:  # an unverified record only: the file passed every schema check
        warnings.warn(
            f"{mismatch} The file passed every schema check ({len(df):,} rows from {df.index[0]} to "
            f"{df.index[-1]}, the expected columns and values), so it is used. If it came from {spec.url}, "
            "please report the size and hash above so that the course can record them.",
            DatasetChecksumWarning,
            stacklevel=2,
        )
    df.attrs["source"] = str(path)
    return df


# ------------------------------------------------------------------------------ split and normalisation
def chronological_split(
    df: pd.DataFrame, fractions: Sequence[float] = (0.5, 0.25, 0.25)
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split rows in time order into train, validation and test parts (Chollet's 50/25/25 by default).

    No shuffling: the model is always evaluated on a period after the one it learned from.
    """
    if len(fractions) != 3 or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(
            f"fractions must be three positive numbers summing to 1, got {tuple(fractions)}"
        )
    n = len(df)
    n_train = int(n * fractions[0])
    n_val = int(n * fractions[1])
    if min(n_train, n_val, n - n_train - n_val) < 1:
        raise ValueError(
            f"df has {n} rows, too few for fractions {tuple(fractions)}; pass more data"
        )
    return df.iloc[:n_train], df.iloc[n_train : n_train + n_val], df.iloc[n_train + n_val :]


def normalize(
    train: pd.DataFrame, *others: pd.DataFrame
) -> tuple[list[pd.DataFrame], pd.Series, pd.Series]:
    """Standardise every frame with the mean and standard deviation of ``train`` only.

    Using statistics of the validation or test period would leak information about the future into training.
    Columns that are constant in ``train`` get a scale of 1 so they stay finite.

    Returns:
        ``([train_n, *others_n], mean, std)``; invert with ``x * std + mean``.
    """
    for i, other in enumerate(others):
        if list(other.columns) != list(train.columns):
            raise ValueError(
                f"others[{i}] has columns {list(other.columns)}, expected those of train"
            )
    mean = train.mean()
    std = train.std().replace(0.0, 1.0)
    return [(frame - mean) / std for frame in (train, *others)], mean, std


# ------------------------------------------------------------------------------------------- text corpora
def parse_text(data: bytes, spec: DatasetSpec) -> str:
    """Decode a verified text corpus (UTF-8); an undecodable file raises :class:`DatasetSchemaError`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DatasetSchemaError(f"{spec.name}: {spec.member} is not UTF-8 text ({err}).") from err
    if not text:
        raise DatasetSchemaError(f"{spec.name}: {spec.member} is empty.")
    return text


DATASETS["shakespeare"] = DatasetSpec(
    name="shakespeare",
    # the URL of TensorFlow's "Text generation with an RNN" tutorial; the same bytes as karpathy/char-rnn's
    # data/tinyshakespeare/input.txt (git blob 7dcb3a2d4cc3b48b6283dd46870bfeb78f88aac9)
    url="https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt",
    filename="shakespeare.txt",
    member="shakespeare.txt",
    size=1_115_394,
    hash="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    hash_algorithm="sha256",
    parse=parse_text,
    normalize_newlines=False,
    verified=True,
    other_filenames=("shakespeare.txt.zip",),
    description="Tiny Shakespeare (Karpathy's char-rnn corpus), 1,115,394 ASCII characters",
)


def load_text(name: str | DatasetSpec, data_dir: str | os.PathLike | None = None) -> str:
    """Load a named text corpus (``"shakespeare"``) as one verified string.

    Same machinery as :func:`load_weather`: the folders of :func:`candidate_dirs` (``data_dir``, else
    ``$RNN_COURSE_DATA``, else ``<repo>/data`` then ``~/.keras/datasets``), a download through
    :func:`keras.utils.get_file` when no copy is found, and the size and sha256 of the text checked on every
    load, whether it is the bare file or inside a zip.

    Raises:
        ValueError: ``name`` is not a text corpus of :data:`DATASETS`.
        DatasetNotAvailable: no local copy and the download failed; the message says where to put the file.
        DatasetCorrupt: bad or truncated archive, or a size/hash mismatch.
        DatasetSchemaError: the file verified but is not UTF-8 text (only possible for a custom spec).
    """
    if isinstance(name, DatasetSpec):
        spec = name
    elif name in DATASETS and DATASETS[name].parse is parse_text:
        spec = DATASETS[name]
    else:
        texts = sorted(k for k, v in DATASETS.items() if v.parse is parse_text)
        raise ValueError(f"name must be one of {texts} or a DatasetSpec, got {name!r}")
    dirs = candidate_dirs(data_dir)
    path = _find_local(spec, dirs) or _download(spec, dirs)
    data = _read_member(path, spec)
    mismatch = _checksum_mismatch(data, spec, path)
    if mismatch:
        raise DatasetCorrupt(
            f"{mismatch} The file is truncated, modified or not this corpus. Delete {path} and load again to "
            "download a fresh copy."
        )
    return spec.parse(data, spec)
