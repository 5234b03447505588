"""Execute every notebook in notebooks/ headless with its CI parameters; any cell error fails the test."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_TIMES  # the same module object pytest loaded

from tools.execute import execute

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path) -> None:
    nb, seconds, _ = execute(path, mode="ci", out_dir=tmp_path)
    NOTEBOOK_TIMES[path.name] = seconds
    print(f"{path.name}: {seconds:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_a_raising_notebook_fails(tmp_path: Path) -> None:
    """The harness must fail on an error: a notebook whose cell raises."""
    import papermill

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(papermill.PapermillExecutionError, match="broken on purpose"):
        execute(path, mode="lecture", out_dir=tmp_path / "out")


def _printed(nb) -> list[str]:
    """Everything a notebook printed to stdout or returned as text (stderr carries TensorFlow's logs)."""
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                texts.append(out.text)
            elif out.output_type == "execute_result":
                texts.append(out.data.get("text/plain", ""))
    return texts


def test_two_runs_give_the_same_numbers(tmp_path: Path) -> None:
    """Seeds and op determinism: notebook 01 (it trains a model) prints the same numbers twice."""
    path = ROOT / "notebooks" / "01_rnn_unrolling.ipynb"
    first, _, _ = execute(path, mode="ci", out_dir=tmp_path / "a")
    second, _, _ = execute(path, mode="ci", out_dir=tmp_path / "b")
    assert _printed(first) == _printed(second)
    assert any("validation MSE" in text for text in _printed(first))
