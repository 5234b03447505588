"""Student versions and grading (tools.authoring.student, tools.grading.grade): full marks for the masters, zero for the blank
student versions, the right status for broken submissions, no leaked solutions, student/ up to date, and a
student notebook that finds its tests from an empty folder (the Colab situation)."""

from __future__ import annotations

import copy
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from grading_support import built, grade

from tools.authoring import student
from tools.grading import grade as grading

ROOT = Path(__file__).resolve().parents[1]
MASTERS = student.masters()


@pytest.mark.parametrize("master", MASTERS, ids=[m.stem for m in MASTERS])
def test_master_and_solved_student_version_score_full_marks_and_blank_zero(master, tmp_path):
    """The master, the student version solved with the master's answers, and the blank student version."""
    student_dir, dist = built()
    solved = tmp_path / "solved.ipynb"
    nbformat.write(
        student.solved(
            nbformat.read(master, as_version=4),
            nbformat.read(student_dir / master.name, as_version=4),
        ),
        solved,
    )
    shutil.copy(master, tmp_path / "master.ipynb")
    shutil.copy(student_dir / master.name, tmp_path / "blank.ipynb")
    subs = [tmp_path / "master.ipynb", solved, tmp_path / "blank.ipynb"]
    rows = grade(tmp_path, dist, master.stem, subs)
    questions = student.question_names(nbformat.read(master, as_version=4))
    points = grading.question_points(master)
    for name in ("master.ipynb", "solved.ipynb"):
        full = rows[name]
        assert full["status"] == "ok", full
        assert full["total"] == full["possible"] == sum(points.values()), full
        assert all(full[q] == points[q] for q in questions), full
    blank = rows["blank.ipynb"]
    assert blank["status"] == "ok", blank
    assert all(blank[q] == 0 for q in questions), blank
    assert blank["total"] == 0


def _solution_cells(nb: nbformat.NotebookNode) -> dict[str, int]:
    """Function name -> index of the code cell holding its solution."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            match = re.search(r"def (\w+)\(", cell.source)
            if match:
                found[match.group(1)] = index
    return found


def _variant(nb: nbformat.NotebookNode, path: Path, edit) -> Path:
    nb = copy.deepcopy(nb)
    edit(nb)
    nbformat.write(nb, path)
    return path


def test_broken_submissions_get_their_status_and_the_batch_completes(tmp_path):
    student_dir, dist = built()
    master = grading.resolve_master("01")
    nb = student.solved(
        nbformat.read(master, as_version=4), nbformat.read(student_dir / master.name, as_version=4)
    )
    cells = _solution_cells(nb)
    first, last = sorted(cells.values())[0], sorted(cells.values())[-1]
    exercises = student.exercises_index(nb)
    folder = tmp_path / "submissions"
    folder.mkdir()

    def syntax_error(nb):
        nb.cells[first].source += "\ndef broken(:\n    pass"

    def raises(nb):
        nb.cells.insert(exercises + 1, nbformat.v4.new_code_cell('raise RuntimeError("boom")'))

    def infinite_loop(nb):
        nb.cells[last].source = "while True:\n    pass\n" + nb.cells[last].source

    def deleted_cells(nb):
        del nb.cells[first]

    def renamed(nb):
        name = next(n for n, i in cells.items() if i == first)
        nb.cells[first].source = nb.cells[first].source.replace(
            f"def {name}(", f"def {name}_renamed("
        )

    def solved(nb):
        pass

    subs = [
        _variant(nb, folder / f"{edit.__name__}.ipynb", edit)
        for edit in (solved, syntax_error, raises, infinite_loop, deleted_cells, renamed)
    ]
    (folder / "not_a_notebook.ipynb").write_text("{ this is not json", encoding="utf-8")
    subs.append(folder / "not_a_notebook.ipynb")

    # notebook 01's honest submission takes seconds (a timeout next to the others is re-graded alone);
    # 45 s keeps the infinite loop, which runs twice (with the others, then alone), from costing CI 600 s
    timeout = 45
    rows = grade(tmp_path, dist, "01", subs, timeout=timeout)
    assert len(rows) == len(subs)
    points = grading.question_points(master)
    q_first = next(iter(points))  # the question whose solution is in cell `first`
    assert rows["solved.ipynb"]["status"] == "ok" and rows["solved.ipynb"]["total"] == sum(
        points.values()
    )
    assert rows["syntax_error.ipynb"]["status"].startswith("error: SyntaxError"), rows[
        "syntax_error.ipynb"
    ]
    assert rows["syntax_error.ipynb"][q_first] == 0
    assert rows["raises.ipynb"]["status"].startswith("error: RuntimeError: boom"), rows[
        "raises.ipynb"
    ]
    assert rows["raises.ipynb"]["total"] == sum(points.values())  # the other cells still ran
    assert rows["infinite_loop.ipynb"]["status"] == "timeout"
    assert rows["infinite_loop.ipynb"]["seconds"] < timeout + 15
    for name in ("deleted_cells.ipynb", "renamed.ipynb"):
        assert rows[name]["status"] == "ok", rows[name]
        assert rows[name][q_first] == 0
        assert rows[name]["total"] == sum(points.values()) - points[q_first]
    assert rows["not_a_notebook.ipynb"]["status"].startswith("error: "), rows[
        "not_a_notebook.ipynb"
    ]
    header = (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(["file", *points, "total", "possible", "status"])


def _secret_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Lines of solutions and hidden tests that appear nowhere else in the master (not even inside a line)."""
    secret, public = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            public.update(line.strip() for line in cell.source.splitlines())
            continue
        lines = cell.source.splitlines()
        if lines and lines[0].strip() == "# HIDDEN":
            secret.update(line.strip() for line in lines[1:])
            continue
        inside = False
        for line in lines:
            if line.strip() == "# BEGIN SOLUTION":
                inside = True
            elif line.strip() == "# END SOLUTION":
                inside = False
            elif inside:
                secret.add(line.strip())
            else:
                public.add(line.strip())
    public_text = "\n".join(public)
    return {
        line
        for line in secret
        if len(line) >= 8 and not line.startswith("#") and line not in public_text
    }


@pytest.mark.parametrize("master", MASTERS, ids=[m.stem for m in MASTERS])
def test_student_version_leaks_no_solution_or_hidden_test(master):
    student_dir, _ = built()
    texts = [(student_dir / master.name).read_text(encoding="utf-8")]
    texts += [
        p.read_text(encoding="utf-8") for p in (student_dir / "tests" / master.stem).glob("*.py")
    ]
    nb = nbformat.read(student_dir / master.name, as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    public_tests = "\n".join(texts[1:])
    for line in _secret_lines(nbformat.read(master, as_version=4)):
        assert line not in sources, f"solution or hidden test in {master.name}: {line!r}"
        assert line not in public_tests, (
            f"solution or hidden test in student tests of {master.stem}: {line!r}"
        )
    assert "BEGIN SOLUTION" not in sources and "# HIDDEN" not in sources
    assert "'hidden': True" not in public_tests


def test_committed_student_versions_are_up_to_date():
    assert student.check(fresh=built()[0]) == [], (
        "student/ is stale: run `make student` and commit student/"
    )


def test_staleness_check_ignores_what_running_a_student_notebook_writes(tmp_path):
    """Running a student notebook writes .OTTER_LOG and results/ into student/: not staleness; other extras are."""
    copy = tmp_path / "student"
    shutil.copytree(built()[0], copy)
    (copy / ".OTTER_LOG").write_bytes(b"log")
    (copy / "results").mkdir()
    (copy / "results" / "06_weather_forecast_lab.csv").write_text("model,val_mae\n")
    assert student.check(student_dir=copy, fresh=built()[0]) == []
    (copy / "stray.ipynb").write_text("{}")
    assert student.check(student_dir=copy, fresh=built()[0]) == ["student/stray.ipynb"]


def test_reduce_keeps_setup_imports_parameters_and_exercises():
    nb = nbformat.read(grading.resolve_master("01"), as_version=4)
    reduced = grading.reduce_notebook(nb)
    tags = [c.metadata.get("tags", []) for c in reduced.cells]
    assert tags[0] == ["setup"] and tags[2] == ["parameters"]
    assert reduced.cells[1].cell_type == "code" and "import" in reduced.cells[1].source
    assert reduced.cells[3].source.startswith(student.EXERCISES_HEADING)
    assert len(reduced.cells) == len(nb.cells) - student.exercises_index(nb) + 3


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="NOTEBOOK '99'"):
        grading.resolve_master("99")
    with pytest.raises(ValueError, match="SUBMISSION"):
        grading.collect([str(tmp_path / "missing.ipynb")])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · x")])
    with pytest.raises(ValueError, match="Exercises"):
        grading.reduce_notebook(nb)
    with pytest.raises(ValueError, match="Exercises"):
        student.exercises_index(nb)


@pytest.mark.notebook
def test_student_notebook_finds_its_tests_from_an_empty_folder(tmp_path, monkeypatch):
    """The Colab situation: the notebook alone in a folder, the course code elsewhere, tests fetched by URL."""
    import papermill

    student_dir, _ = built()
    name = "01_rnn_unrolling"
    # the course code without student/, like a clone that lacks the tests
    course = tmp_path / "course"
    course.mkdir()
    (course / "utils").symlink_to(ROOT / "utils")
    empty = tmp_path / "empty"
    empty.mkdir()
    nbformat.write(
        grading.reduce_notebook(nbformat.read(student_dir / f"{name}.ipynb", as_version=4)),
        empty / f"{name}.ipynb",
    )

    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(student_dir.parent)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("RNN_COURSE_ROOT", str(course))
        monkeypatch.setenv(
            "RNN_COURSE_TESTS_URL", f"http://127.0.0.1:{server.server_port}/student/tests/{name}"
        )
        out = papermill.execute_notebook(
            str(empty / f"{name}.ipynb"),
            str(tmp_path / "out.ipynb"),
            cwd=str(empty),
            kernel_name="python3",
            progress_bar=False,
        )
    finally:
        server.shutdown()
    downloaded = sorted(p.name for p in (empty / "tests" / name).glob("*.py"))
    assert downloaded == sorted(p.name for p in (student_dir / "tests" / name).glob("*.py"))
    checks = [
        c for c in out.cells if c.cell_type == "code" and c.source.startswith("grader.check(")
    ]
    assert checks
    for cell in checks:
        text = "".join(
            str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
            for o in cell.outputs
        )
        question = re.search(r'grader.check\("(\w+)"\)', cell.source).group(1)
        # blank answers fail their public tests
        assert question in text and "failed" in text.lower(), text
