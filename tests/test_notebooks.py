"""Execute every notebook in notebooks/ headless with its CI parameters; any cell error fails the test."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools.authoring.execute import execute
from tools.site import build as site

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, request: pytest.FixtureRequest) -> None:
    """The notebook runs with its CI parameters, every cell without an error. The run goes to the session's site
    cache (tests/conftest.py), where the site build reads it; when the build ran this notebook first (parallel
    test workers), this test checks that run, made in this session with the same parameters."""
    nb, seconds = site.run_or_reuse(path, "ci")
    request.node.user_properties.append(("notebook_seconds", seconds))
    state = "run by the site build" if seconds is None else f"{seconds:.1f} s"
    print(f"{path.name}: {state}")
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors


def test_a_raising_notebook_fails(tmp_path: Path) -> None:
    """The harness must fail on an error: a notebook whose cell raises."""
    import papermill

    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(papermill.PapermillExecutionError, match="broken on purpose"):
        execute(path, mode="lecture", out_dir=tmp_path / "out")


def _printed(nb) -> list[str]:
    """Per code cell, everything it printed to stdout or returned as text (stderr carries TensorFlow's logs).

    A cell's stream output is joined into one string: Jupyter may split the same printed text into a different
    number of stream chunks from one run to the next, so chunk lists are not comparable, concatenated text is.
    """
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif out.output_type == "execute_result":
                parts.append(out.data.get("text/plain", ""))
        texts.append("".join(parts))
    return texts


def test_printed_text_ignores_how_streams_are_chunked() -> None:
    """The same printed text, split into one chunk or two, compares equal; different text does not."""
    one = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    one.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a = 1\nb = 2\n")]
    two = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    two.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=t) for t in ("a = 1\n", "b = 2\n")
    ]
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    other.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a = 1\nb = 3\n")
    ]
    assert _printed(one) == _printed(two)
    assert _printed(one) != _printed(other)


def test_two_runs_give_the_same_numbers(tmp_path: Path) -> None:
    """Seeds and op determinism: notebook 01 (it trains a model) prints the same numbers twice."""
    path = ROOT / "notebooks" / "01_rnn_unrolling.ipynb"
    first, _, _ = execute(path, mode="ci", out_dir=tmp_path / "a")
    second, _, _ = execute(path, mode="ci", out_dir=tmp_path / "b")
    assert _printed(first) == _printed(second)
    assert any("validation MSE" in text for text in _printed(first))


def write_jena_shaped_csv(folder: Path, seed: int = 0) -> Path:
    """A synthetic CSV in the Jena climate file's exact format and size: quoted header, 420,551 day-first rows
    every 10 minutes from 01.01.2009 00:10:00 to 01.01.2017 00:00:00 (217 readings missing, as in the real
    file's count), two-decimal values with a daily and a yearly temperature cycle, a few -9999 wind speeds."""
    import numpy as np
    import pandas as pd

    from utils.data import DATASETS, JENA_COLUMNS

    spec = DATASETS["jena"]
    rng = np.random.default_rng(seed)
    index = pd.date_range(spec.first, spec.last, freq="10min")
    index = index.delete(
        np.sort(rng.choice(np.arange(1, len(index) - 1), len(index) - spec.rows, replace=False))
    )
    n = len(index)
    year = 2 * np.pi * index.day_of_year.to_numpy() / 365.25
    day = 2 * np.pi * (index.hour.to_numpy() + index.minute.to_numpy() / 60) / 24
    # 2-day memory
    weather = np.convolve(rng.normal(size=n + 287), np.ones(288) / np.sqrt(288), mode="valid")
    temp = (
        9.5
        - 9 * np.cos(year - 0.35)
        - 3.5 * np.cos(day - 0.6)
        + 3 * weather
        + 0.2 * rng.normal(size=n)
    )
    pressure = 989 + 4 * weather + 0.3 * rng.normal(size=n)
    rh = np.clip(75 - 15 * np.sin(day - 1) + 5 * rng.normal(size=n), 10, 100)
    vpmax = 6.1078 * np.exp(17.27 * temp / (temp + 237.3))
    vpact = vpmax * rh / 100
    wind = np.abs(2 + 1.5 * weather + rng.normal(size=n))
    wind[rng.choice(n, 3, replace=False)] = -9999.0
    values = [
        temp,
        temp + 273.15,
        temp - (100 - rh) / 5,
        rh,
        vpmax,
        vpact,
        vpmax - vpact,
        vpact * 0.622 / pressure * 1e3,
        vpact / pressure * 1e3,
        pressure * 1e5 / (287.05 * (temp + 273.15)),
        wind,
        wind * 1.6,
        (200 + 60 * weather + 40 * rng.normal(size=n)) % 360,
    ]
    frame = pd.DataFrame(dict(zip(JENA_COLUMNS[1:], [pressure, *values])))
    frame.insert(0, JENA_COLUMNS[0], index.strftime("%d.%m.%Y %H:%M:%S"))
    path = folder / spec.member
    header = ",".join(f'"{name}"' for name in JENA_COLUMNS)
    path.write_text(
        header
        + "\r\n"
        + frame.to_csv(index=False, header=False, float_format="%.2f", lineterminator="\r\n")
    )
    return path


@pytest.mark.notebook
def test_lab_runs_on_the_jena_format(tmp_path: Path, monkeypatch) -> None:
    """Notebook 06's default data set, Jena, cannot be downloaded here: run the lab (CI parameters) on a file
    of Jena's exact format and size, and check that the loader says the checksum record was not matched."""
    write_jena_shaped_csv(tmp_path)
    beijing = ROOT.parent / "shared" / "data" / "PRSA_data_2010.1.1-2014.12.31.csv.zip"
    if beijing.is_file():  # question 5's hidden test trains on Beijing, whatever DATASET is
        (tmp_path / beijing.name).symlink_to(beijing)
    monkeypatch.setenv("RNN_COURSE_DATA", str(tmp_path))
    path = ROOT / "notebooks" / "06_weather_forecast_lab.ipynb"
    # keep notebooks/results/ Beijing's
    parameters = {"DATASET": "jena", "RESULTS_PATH": str(tmp_path / "results.csv")}
    nb, _, _ = execute(path, parameters, mode="ci", out_dir=tmp_path / "out")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert (
        "DatasetChecksumWarning" in stderr and "passed every schema check (420,551 rows" in stderr
    )
    assert any("jena: " in text and "hourly rows" in text for text in _printed(nb))


def test_02_slider_builds_its_widget_from_the_notebooks_cells() -> None:
    """Notebook 02's slider cell with a widget front end (CI runs its static branch): the notebook's own
    ``decades_axis``, ``show_power`` and slider cell build the widget and draw once with the sliders' values."""
    import functools
    import sys

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    nb = nbformat.read(ROOT / "notebooks" / "02_vanishing_exploding_gradients.ipynb", as_version=4)
    cells = {c.get("id"): c.source for c in nb.cells if c.cell_type == "code"}
    space = {
        "np": np,
        "plt": plt,
        "sys": sys,
        "MaxNLocator": MaxNLocator,
        "FuncFormatter": FuncFormatter,
        "MAX_N": 50,
    }
    exec(cells["nb02-012"], space)  # decades_axis
    exec(cells["nb02-017"], space)  # show_power
    calls = []
    draw = space["show_power"]

    @functools.wraps(draw)
    def recorded(*args, **kwargs):
        calls.append(kwargs)
        return draw(*args, **kwargs)

    space.update(show_power=recorded, INTERACTIVE=True, widget_front_end_available=lambda: True)
    exec(cells["nb02-017-2"], space)
    plt.close("all")
    assert calls == [{"w": 0.9, "n": 50, "ax": None}], calls
