"""One formatter for the notebooks' code cells: ``ruff format`` at the notebooks' line length (80, from
``notebooks/ruff.toml``), on every code cell but the set-up cell.

The set-up cell is written by :mod:`tools.authoring.sync` from ``templates/setup_cell.py`` and must stay at most
12 lines of code; formatted at 80 characters it would take 26, so it is the one cell left as the template has it
(its lines are at most 100 characters, checked in tests/test_structure.py).

``python -m tools.authoring.nbformat_code [--check] [NOTEBOOK ...]`` formats the notebooks in place, or with
``--check`` lists the ones that would change (exit 1); ``make format`` and ``make test`` run it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "notebooks" / "ruff.toml"
RUFF = Path(sys.executable).with_name("ruff")


def _is_setup(cell) -> bool:
    return cell.cell_type == "code" and "setup" in cell.get("metadata", {}).get("tags", [])


def formatted(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` with every code cell but the set-up cell as ``ruff format`` writes it."""
    nb = nbformat.read(path, as_version=4)
    work = nbformat.from_dict(nb)
    for cell in work.cells:
        if _is_setup(cell):
            cell.source = ""
    with tempfile.TemporaryDirectory(prefix="nbformat-code-") as tmp:
        copy = Path(tmp) / path.name
        nbformat.write(work, copy)
        ruff = str(RUFF) if RUFF.exists() else "ruff"
        subprocess.run([ruff, "format", "--quiet", "--config", str(CONFIG), str(copy)], check=True)
        done = nbformat.read(copy, as_version=4)
    for cell, new in zip(nb.cells, done.cells, strict=True):
        if cell.cell_type == "code" and not _is_setup(cell):
            cell.source = new.source
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="list the notebooks that would change; change nothing"
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)"
    )
    args = parser.parse_args(argv)
    changed = []
    for path in args.paths or sorted((ROOT / "notebooks").glob("*.ipynb")):
        before = nbformat.read(path, as_version=4)
        after = formatted(path)
        if [c.source for c in before.cells] != [c.source for c in after.cells]:
            changed.append(path)
            if not args.check:
                nbformat.write(after, path)
    verb = "would reformat" if args.check else "reformatted"
    for path in changed:
        print(f"{verb} {path}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
