"""Static checks of the course: notebook skeletons, no outputs, image links, sync state, figures, imports.

Each check also runs on a notebook broken on purpose, to prove it can fail.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.authoring import nbcheck, sync

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STUDENT = sorted((ROOT / "student").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_passes_every_check(path: Path) -> None:
    assert nbcheck.check_notebook(path) == []


@pytest.mark.skipif(not STUDENT, reason="no student versions built yet")
@pytest.mark.parametrize("path", STUDENT or [None], ids=[p.stem for p in STUDENT] or ["none"])
def test_student_notebooks_have_no_outputs_and_good_images(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nbcheck.check_outputs(nb) + nbcheck.check_images(nb) == []


def test_everything_is_in_sync() -> None:
    assert sync.sync(check=True) == [], "run `make sync` and commit the result"


def test_setup_cell_is_identical_everywhere() -> None:
    expected = sync.setup_source(sync.load_config())
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        (cell,) = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
        assert cell.source == expected, path.name


# --- each check fails on a notebook broken on purpose --------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / "01_rnn_unrolling.ipynb", as_version=4)


def _index(nb, heading: str) -> int:
    return next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and heading in c.source
    )


@pytest.mark.parametrize(
    "heading", ["## Overview", "## Setup", "## Exercises", "## Summary", "## Further reading"]
)
def test_skeleton_check_catches_a_missing_part(good, heading: str) -> None:
    nb = copy.deepcopy(good)
    del nb.cells[_index(nb, heading)]
    assert any(heading in p for p in nbcheck.check_skeleton(nb))


def test_skeleton_check_catches_a_missing_parameters_tag_and_wrong_order(good) -> None:
    nb = copy.deepcopy(good)
    for cell in nb.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "parameters"]
    assert any("parameters" in p for p in nbcheck.check_skeleton(nb))
    nb = copy.deepcopy(good)
    nb.cells.insert(1, nb.cells.pop(_index(nb, "## Summary")))
    assert any("must come before" in p for p in nbcheck.check_skeleton(nb))


def test_output_check_catches_committed_outputs(good) -> None:
    nb = copy.deepcopy(good)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("stream", text="hello")]
    cell.execution_count = 1
    assert nbcheck.check_outputs(nb)


@pytest.mark.parametrize(
    "markdown",
    [
        "![folded](../img/rnn_cell_folded.png)",
        "<img src='img/rnn_cell_folded.png'>",
        "![x](attachment:image.png)",
        "![x](https://raw.githubusercontent.com/someone/else/main/img/rnn_cell_folded.png)",
    ],
)
def test_image_check_catches_relative_attachment_and_foreign_links(good, markdown: str) -> None:
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    assert nbcheck.check_images(nb)


def test_image_check_catches_a_missing_file(good) -> None:
    nb = copy.deepcopy(good)
    url = sync.raw_url(sync.load_config(), "img/no_such_figure.png")
    nb.cells.append(nbformat.v4.new_markdown_cell(f"![missing]({url})"))
    assert any("does not exist" in p for p in nbcheck.check_images(nb))


def test_metadata_check_catches_unknown_ci_parameter(good) -> None:
    nb = copy.deepcopy(good)
    nb.metadata["rnn_course"]["ci_parameters"]["NOT_A_PARAMETER"] = 1
    assert any("NOT_A_PARAMETER" in p for p in nbcheck.check_metadata(nb))


def test_cell_length_check_catches_a_31_line_cell(good) -> None:
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(30))))
    assert nbcheck.check_cell_length(nb, "01_rnn_unrolling") == []
    nb.cells[-1].source += "\nx30 = 30"
    assert any("31 lines" in p for p in nbcheck.check_cell_length(nb, "01_rnn_unrolling"))


def test_line_length_check_catches_an_81_character_line_but_not_in_the_set_up_cell(good) -> None:
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_code_cell("x = 1\n" + "y = " + "1" * 76))
    assert nbcheck.check_line_length(nb) == []
    nb.cells[-1].source += "2"
    assert any("line 2 has 81 characters" in p for p in nbcheck.check_line_length(nb))
    setup = next(c for c in nb.cells if "setup" in nbcheck._tags(c))
    setup.source += "\n# " + "-" * 90
    assert len(nbcheck.check_line_length(nb)) == 1


def test_check_notebook_runs_the_cell_and_line_length_checks(good, tmp_path: Path) -> None:
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(31))))
    nb.cells.append(nbformat.v4.new_code_cell("y = " + "1" * 77))
    path = tmp_path / "01_rnn_unrolling.ipynb"
    nbformat.write(nb, path)
    problems = nbcheck.check_notebook(path)
    assert any("31 lines" in p for p in problems), problems
    assert any("81 characters" in p for p in problems), problems


def test_cell_length_exemptions_name_long_cells_that_exist() -> None:
    """Each exemption names a code cell that is still longer than the limit, and says why (a stale entry goes)."""
    for (stem, cell_id), reason in nbcheck.CELL_LENGTH_EXEMPT.items():
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
        assert cell.cell_type == "code" and reason.strip(), (stem, cell_id)
        assert len(cell.source.splitlines()) > nbcheck.MAX_CELL_LINES, (
            f"{stem} {cell_id} is short now: drop it"
        )
    assert {f"{stem}.ipynb" for stem in nbcheck.CELL_LENGTH_PENDING} <= {p.name for p in NOTEBOOKS}


def test_sync_check_catches_an_out_of_sync_badge(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(
        "colab.research.google.com/github/", "colab.example/"
    )
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(nb, folder / NOTEBOOKS[0].name)
    assert sync.sync(check=True, notebooks_dir=folder, readme=tmp_path / "README.md")


# --- figures and utils ---------------------------------------------------------------------------------------


def test_every_figure_in_img_is_drawn_by_code_and_every_drawing_renders(tmp_path: Path) -> None:
    from tools.authoring.diagrams import all_figures, save

    figures = all_figures()
    committed = {p.name for p in (ROOT / "img").glob("*.png")}
    assert committed - set(figures) == set(), "img/ holds files no drawing function makes"
    assert set(figures) - committed == set(), "run `make figures` and commit img/"
    for name, draw in figures.items():
        assert save(draw(), tmp_path / name).stat().st_size > 1000, name


def test_importing_utils_has_no_side_effects() -> None:
    """`import utils` and every submodule: no output, no seeding, no rcParams change, no backend switch."""
    code = (
        "import importlib, pkgutil, random, sys\n"
        "import matplotlib as mpl, numpy as np\n"
        "before = dict(mpl.rcParams); state = random.getstate(); np_state = np.random.get_state()[1].copy()\n"
        "import utils\n"
        "assert 'tensorflow' not in sys.modules, 'import utils imported tensorflow'\n"
        "for m in pkgutil.walk_packages(utils.__path__, 'utils.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert dict(mpl.rcParams) == before, 'rcParams changed'\n"
        "assert random.getstate() == state, 'random seeded'\n"
        "assert (np.random.get_state()[1] == np_state).all(), 'numpy seeded'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == "", "importing utils printed something"


def test_setup_seeds_and_reports(capsys) -> None:
    import numpy as np

    from utils.notebook import environment_report, setup

    setup(seed=7)
    report = environment_report()
    first = np.random.rand(3)
    setup(seed=7, verbose=False)
    assert np.array_equal(first, np.random.rand(3))
    assert {"tensorflow", "keras", "gpu"} <= set(report)
    assert "tensorflow" in capsys.readouterr().out
    with pytest.raises(ValueError, match="seed"):
        setup(seed=-1)


# --- the README and the guides ---------------------------------------------------------------------------------------

GUIDE_FILES = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "GLOSSARY.md",
    *sorted(ROOT.glob("docs/*.md")),
]


@pytest.mark.parametrize("doc", GUIDE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_of_the_guides_resolves(doc: Path) -> None:
    # not code
    text = re.sub(r"```.*?```|`[^`\n]*`", "", doc.read_text(encoding="utf-8"), flags=re.S)
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'<img src="([^"]+)"', text)
    relative = [t for t in targets if not re.match(r"^[a-z]+:|^#", t)]
    broken = [t for t in relative if not (doc.parent / t.split("#")[0]).exists()]
    assert not broken, f"{doc.name} links to files that do not exist: {broken}"


def test_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 130, f"README.md has {lines} lines; move details to docs/ (the limit is 130)"


# --- the set-up cell ---------------------------------------------------------------------------------------------------


def test_setup_cell_is_short() -> None:
    source = sync.setup_source(sync.load_config(), student=True)
    code = [
        line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(code) <= 12, f"the set-up cell has {len(code)} lines of code; the limit is 12"
    assert max(len(line) for line in source.splitlines()) <= 100


def test_setup_cell_prints_nothing_that_looks_like_an_error(tmp_path: Path) -> None:
    """On a CPU machine TensorFlow's C++ runtime writes notices and a ``failed call to cuInit`` error to file
    descriptor 2 at import and at the first device query; the set-up cell hides them, and prints its report."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("RNN_COURSE_ROOT", "TF_CPP_MIN_LOG_LEVEL")
    }
    source = sync.setup_source(sync.load_config())
    command = [sys.executable, "-c", source]
    result = subprocess.run(
        command, cwd=ROOT / "notebooks", env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Seed 42" in result.stdout
    pattern = re.compile(r"\b(E0000|W0000|I0000|WARNING|error|Error)\b")
    noisy = [line for line in (result.stdout + result.stderr).splitlines() if pattern.search(line)]
    assert not noisy, noisy


def _imported_modules(source: str) -> set[str]:
    """The top-level modules a cell's code imports (``import a.b`` and ``from a.b import c`` give ``a``)."""
    import ast

    code = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", ["notebooks", "student"])
def test_notebooks_never_import_tools(folder: str) -> None:
    """Notebooks (and the student versions' otter cell) import ``utils``, never the maintainers' ``tools``."""
    found = []
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and "tools" in _imported_modules(cell.source):
                found.append(f"{folder}/{path.name} cell {i}")
    assert not found, f"cells that import tools (move what they need to utils/): {found}"


def test_the_import_check_sees_tools_imports() -> None:
    assert _imported_modules("from tools.grading.grade import x\nimport numpy as np") == {
        "tools",
        "numpy",
    }
    assert _imported_modules("import tools.grading.sandbox_wire") == {"tools"}
    assert _imported_modules("from . import tools") == set()
