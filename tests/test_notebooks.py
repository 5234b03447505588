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
    two.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in ("a = 1\n", "b = 2\n")]
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    other.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a = 1\nb = 3\n")]
    assert _printed(one) == _printed(two)
    assert _printed(one) != _printed(other)
