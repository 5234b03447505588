"""Build the student versions and autograder archives of every master notebook: ``python -m tools.authoring.student``.

For each master ``notebooks/NN_name.ipynb`` (otter-grader assign format, see CONTRIBUTING.md) it

1. copies the master to a temporary folder and injects two cells: an ``# ASSIGNMENT CONFIG`` raw cell at the top
   (masters never carry one; the options are in :func:`assignment_config`) and, right after the ``## Exercises``
   heading, the course's own otter set-up cell (:func:`init_cell_source`), which finds the public tests locally or
   downloads them from the raw-GitHub URL of ``student/tests/NN_name/`` (otter 7's ``tests_url_prefix`` only
   downloads on JupyterLite, not on Colab);
2. runs ``otter assign`` on the copy;
3. writes the student notebook to ``student/NN_name.ipynb``, its public tests to ``student/tests/NN_name/``, and the
   autograder archive (public and hidden tests; its otter_config makes ``otter run`` refuse and name the course's
   graders, :func:`refuse_otter_runner`) to ``dist/autograder/NN_name.zip`` (git-ignored) with its sha256 in
   ``NN_name.zip.sha256``, which ``python -m tools.grading.grade`` uses and checks.

``--check`` writes nothing and exits 1 when the committed student files differ from a fresh build.
"""

from __future__ import annotations

import argparse
import copy
import filecmp
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from tools.authoring.sync import badges, load_config, raw_url, stamp_setup

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"
DIST = ROOT / "dist" / "autograder"
EXERCISES_HEADING = "## Exercises"
#: tag of the otter set-up cell this tool injects (tools.grading.grade keeps it in the graded notebook)
INIT_TAG = "otter_init"

INIT_TEMPLATE = """\
# Otter-grader set-up (written by `python -m tools.authoring.student`): `grader.check("q...")` runs a question's
# public tests; the TA's grader also runs hidden ones.
import os
import urllib.request
from pathlib import Path

import otter

NAME = "{name}"
QUESTIONS = {questions!r}
TESTS_URL = os.environ.get("RNN_COURSE_TESTS_URL", "{url}")
if otter.Notebook._grading_mode:  # graded by otter: the autograder brings its own tests
    grader = otter.Notebook()
else:
    def _has_tests(folder):
        return all((folder / f"{{q}}.py").is_file() for q in QUESTIONS)

    # next to this notebook (student/), else in the course folder (Colab clones it), else download them
    tests_dir = next((d for d in [Path("tests") / NAME, ROOT / "student" / "tests" / NAME] if _has_tests(d)), None)
    if tests_dir is None:
        tests_dir = Path("tests") / NAME
        tests_dir.mkdir(parents=True, exist_ok=True)
        try:
            for q in QUESTIONS:
                urllib.request.urlretrieve(f"{{TESTS_URL}}/{{q}}.py", tests_dir / f"{{q}}.py")
        except OSError as error:  # urllib's URLError and HTTPError are OSErrors
            raise RuntimeError(
                f"could not download the public tests from {{TESTS_URL}} ({{error}}); open the notebook inside "
                "the course folder or check the network"
            ) from None
    # the file name is not needed (a renamed copy, "Copy of ...", still checks): otter reads it only for metadata
    notebook = NAME + ".ipynb" if Path(NAME + ".ipynb").is_file() else None
    grader = otter.Notebook(notebook, tests_dir=str(tests_dir))
    try:  # the course's utils/ (in a clone): a check fails when an answer uses a name only the lesson defines
        from utils.selfcheck import SelfCheckGrader
    except ImportError:
        print("the course's utils/ not found: grader.check cannot tell whether an answer uses a lesson cell's names, so an "
              "answer that calls a lesson function may pass here and score 0 in grading")
    else:
        grader = SelfCheckGrader(grader, {lesson_only!r}, {lesson_cells!r}, {answers!r}, globals())"""


def question_names(nb: nbformat.NotebookNode) -> list[str]:
    """Names of the questions (``# BEGIN QUESTION`` raw cells) of a master notebook, in order."""
    names = []
    for cell in nb.cells:
        lines = cell.source.strip().splitlines()
        if cell.cell_type == "raw" and lines and lines[0].strip() == "# BEGIN QUESTION":
            config = yaml.safe_load("\n".join(lines[1:])) or {}
            if "name" not in config:
                raise ValueError(
                    f"a '# BEGIN QUESTION' cell has no 'name:'; add one: {cell.source!r}"
                )
            names.append(str(config["name"]))
    return names


def exercises_index(nb: nbformat.NotebookNode) -> int:
    """Index of the markdown cell that starts with the ``## Exercises`` heading."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(EXERCISES_HEADING):
            return index
    raise ValueError(
        f"no markdown cell starts with '{EXERCISES_HEADING}'; add the heading before the exercises"
    )


def tests_url(name: str, config: dict[str, str] | None = None) -> str:
    """Raw-GitHub URL of the folder that holds the public tests of notebook ``name`` (a file stem)."""
    return raw_url(config or load_config(), f"student/tests/{name}")


def self_check_data(nb: nbformat.NotebookNode) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """For :class:`utils.selfcheck.SelfCheckGrader`: lesson-only names, lesson cell hashes, answers by question.

    Lesson cells are the code cells before the ``## Exercises`` heading that the grader does not run (it runs
    set-up, imports, parameters and exercise cells: ``tools.grading.grade.reduce_notebook``).
    """
    from tools.grading.grade import _question_blocks, reduce_notebook
    from utils.selfcheck import bound_names, source_hash

    graded = {id(c) for c in reduce_notebook(nb).cells}
    lesson = [
        c for c in nb.cells[: exercises_index(nb)] if c.cell_type == "code" and id(c) not in graded
    ]
    graded_names = set().union(
        *(bound_names(c.source) for c in nb.cells if id(c) in graded and c.cell_type == "code")
    )
    lesson_only = sorted(set().union(*(bound_names(c.source) for c in lesson)) - graded_names)
    answers: dict[str, list[str]] = {}
    for cell, question, in_tests in _question_blocks(nb):
        if question is not None and not in_tests:
            answers.setdefault(question, [])
            answers[question] += sorted(bound_names(cell.source) - set(answers[question]))
    return lesson_only, sorted({source_hash(c.source) for c in lesson}), answers


def init_cell_source(
    name: str, questions: list[str], url: str, nb: nbformat.NotebookNode | None = None
) -> str:
    """Source of the otter set-up cell injected after the ``## Exercises`` heading of master ``nb``."""
    lesson_only, lesson_cells, answers = self_check_data(nb) if nb is not None else ([], [], {})
    return INIT_TEMPLATE.format(
        name=name,
        questions=questions,
        url=url,
        lesson_only=lesson_only,
        lesson_cells=lesson_cells,
        answers=answers,
    )


def assignment_config(name: str) -> dict:
    """The ``# ASSIGNMENT CONFIG`` options for a master (otter-grader 7.0, ``otter/assign/assignment.py``)."""
    return {
        "name": name,
        "init_cell": False,  # ours (init_cell_source) works in Colab without tests_url_prefix
        "check_all_cell": False,
        "export_cell": False,  # students hand in the .ipynb itself
        "run_tests": False,  # the masters' tests run in CI (tests/test_grading.py), not while building
        "solutions_pdf": False,
        # masters mark solutions inside the code cell (no raw SOLUTION block), so strip them in every cell
        "strip_solutions_from_all_cells": True,
        "template_pdf": False,
        "tests": {"files": True, "ok_format": True},
        "generate": {"pdf": False, "show_stdout": True},
    }


def prepare_master(nb: nbformat.NotebookNode, name: str, url: str) -> nbformat.NotebookNode:
    """Return a copy of master ``nb`` with the assignment config and the otter set-up cell injected."""
    nb = copy.deepcopy(nb)
    questions = question_names(nb)
    if not questions:
        raise ValueError(
            f"{name}: no '# BEGIN QUESTION' cells; write the exercises in otter assign format"
        )
    init = nbformat.v4.new_code_cell(init_cell_source(name, questions, url, nb))
    init.metadata["tags"] = [INIT_TAG]
    nb.cells.insert(exercises_index(nb) + 1, init)
    config = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(assignment_config(name), sort_keys=False)
    nb.cells.insert(0, nbformat.v4.new_raw_cell(config))
    return nb


def _normalise(nb: nbformat.NotebookNode) -> str:
    """Stable text of a generated student notebook: no outputs, cell ids by position, answer cells editable.

    Otter locks every cell of a question that is not in a raw ``SOLUTION`` block; the masters keep their solutions
    in the code cell itself, so unlock code cells other than the ``grader.check`` ones.
    """
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        if cell.cell_type == "code" and not cell.source.startswith("grader.check("):
            cell.metadata.pop("deletable", None)
            cell.metadata.pop("editable", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(nb) + "\n"


def _otter_assign(source: Path, result: Path) -> None:
    """``otter assign --no-pdfs SOURCE RESULT``, in this process (importing otter once per build)."""
    import contextlib
    import io
    import os

    from otter.assign import main as assign

    cwd, log = os.getcwd(), io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            assign(str(source), str(result), no_pdfs=True)
    except Exception as error:
        raise RuntimeError(
            f"otter assign failed on {source.name}: {error}\n{log.getvalue()}"
        ) from error
    finally:
        os.chdir(cwd)


def build_one(
    master: Path, student_dir: Path, dist_dir: Path, config: dict[str, str] | None = None
) -> list[Path]:
    """Build the student version, public tests and autograder archive of one master; return the files written."""
    name = master.stem
    nb = nbformat.read(master, as_version=4)
    with tempfile.TemporaryDirectory(prefix=f"assign-{name}-") as tmp:
        tmp = Path(tmp)
        source = tmp / f"{name}.ipynb"
        nbformat.write(prepare_master(nb, name, tests_url(name, config)), source)
        _otter_assign(source, tmp / "dist")
        student_nb = nbformat.read(tmp / "dist" / "student" / f"{name}.ipynb", as_version=4)
        # Colab: also installs otter-grader
        stamp_setup(student_nb, config or load_config(), student=True)
        header = student_nb.cells[0]
        if header.cell_type == "markdown" and header.source.startswith("# "):
            # the badge row as tools.authoring.sync writes it once student/ exists, whatever the master has now
            title = header.source.splitlines()[0]
            header.source = f"{title}\n\n{badges(config or load_config(), master.name, True)}"
        written = [student_dir / f"{name}.ipynb"]
        student_dir.mkdir(parents=True, exist_ok=True)
        written[0].write_text(_normalise(student_nb), encoding="utf-8")
        tests_dir = student_dir / "tests" / name
        shutil.rmtree(tests_dir, ignore_errors=True)
        tests_dir.mkdir(parents=True)
        for test in sorted((tmp / "dist" / "student" / "tests").glob("*.py")):
            shutil.copy(test, tests_dir / test.name)
            written.append(tests_dir / test.name)
        zips = list((tmp / "dist" / "autograder").glob("*.zip"))
        if len(zips) != 1:
            raise RuntimeError(
                f"otter assign wrote {len(zips)} autograder archives for {master.name}, expected 1"
            )
        dist_dir.mkdir(parents=True, exist_ok=True)
        archive = dist_dir / f"{name}.zip"
        refuse_otter_runner(zips[0], archive, name)
        # the record tools.grading.grade checks: an archive changed after its build is refused
        record = archive.with_name(archive.name + ".sha256")
        record.write_text(
            f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n",
            encoding="utf-8",
        )
        written += [archive, record]
    return written


#: the assignment name otter's own runner (``otter run``, or this archive uploaded to Gradescope) compares each
#: submission's with; no submission has it, so otter refuses before it runs anything, with this message
OTTER_REFUSAL = (
    "{name}, which otter's runner cannot grade (it lacks the course's files and scoring). Grade with "
    "`python -m tools.grading.grade {name} SUBMISSIONS` or, on Gradescope, upload the archive that "
    "`python -m tools.grading.gradescope build {name}` writes"
)


def refuse_otter_runner(source: Path, archive: Path, name: str) -> None:
    """Copy otter's autograder archive ``source`` to ``archive`` with an ``otter_config.json`` whose
    ``assignment_name`` (:data:`OTTER_REFUSAL`) matches no submission: ``otter run -a`` then stops with
    "Received submission for assignment '<name>' (this is assignment '<name>, which otter's runner cannot
    grade... Grade with python -m tools.grading.grade...')" instead of scoring without the course's files.
    ``tools.grading.grade`` reads only the archive's tests."""
    import json
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "otter_config.json":
                config = json.loads(data)
                config["assignment_name"] = OTTER_REFUSAL.format(name=name)
                data = (json.dumps(config, indent=2) + "\n").encode()
            new.writestr(info, data)


def _answer_cells(nb: nbformat.NotebookNode) -> list:
    """The code cells from the ``## Exercises`` heading on, without test cells, otter set-up and ``grader.check``."""
    cells, in_tests = [], False
    for cell in nb.cells[exercises_index(nb) :]:
        first = cell.source.strip().split("\n", 1)[0].strip()
        if cell.cell_type == "raw" and first in ("# BEGIN TESTS", "# END TESTS"):
            in_tests = first == "# BEGIN TESTS"
        if cell.cell_type != "code" or in_tests or INIT_TAG in cell.metadata.get("tags", []):
            continue
        if not cell.source.lstrip().startswith("grader.check("):
            cells.append(cell)
    return cells


def solved(
    master_nb: nbformat.NotebookNode, student_nb: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    """The student version with every answer cell replaced by the master's: what a perfect student submits.

    The master's exercise code cells (tests left out) and the student version's (otter's cells left out) pair up
    one to one; each master cell holding a ``SOLUTION`` marker replaces its partner.
    """
    nb = copy.deepcopy(student_nb)
    masters_cells, students_cells = _answer_cells(master_nb), _answer_cells(nb)
    if len(masters_cells) != len(students_cells):
        raise ValueError(
            f"the master has {len(masters_cells)} exercise code cells and the student version "
            f"{len(students_cells)}: rebuild the student version with `python -m tools.authoring.student`"
        )
    for mine, theirs in zip(masters_cells, students_cells):
        if "SOLUTION" in mine.source:
            theirs.source = mine.source
    return nb


def masters(notebooks_dir: Path = NOTEBOOKS) -> list[Path]:
    """The master notebooks, in order."""
    return sorted(notebooks_dir.glob("[0-9][0-9]*_*.ipynb"))  # 01_..., and 02b_... after 02_...


def build(
    notebooks_dir: Path = NOTEBOOKS, student_dir: Path = STUDENT, dist_dir: Path = DIST
) -> list[Path]:
    """Build every master; remove student files of masters that no longer exist; return the files written."""
    paths = masters(notebooks_dir)
    names = {p.stem for p in paths}
    for stale in list(student_dir.glob("*.ipynb")) + list((student_dir / "tests").glob("*")):
        if stale.stem not in names:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    written = []
    for path in paths:
        written += build_one(path, student_dir, dist_dir)
    return written


RUN_ARTEFACTS = (".OTTER_LOG", "results", ".ipynb_checkpoints")
"""Files and folders that running a student notebook locally writes into student/ (git ignores them too)."""


def _is_run_artefact(relative: Path) -> bool:
    """True for a path under student/ written by running a notebook there, not by ``build``."""
    return any(part in RUN_ARTEFACTS for part in relative.parts)


def check(
    notebooks_dir: Path = NOTEBOOKS, student_dir: Path = STUDENT, fresh: Path | None = None
) -> list[str]:
    """Paths under ``student_dir`` that differ from a fresh build (missing, stale or extra); empty when up to date.

    ``fresh`` is a student folder already built from ``notebooks_dir`` (built here when not given).
    """
    with tempfile.TemporaryDirectory(prefix="student-check-") as tmp:
        if fresh is None:
            fresh = Path(tmp) / "student"
            build(notebooks_dir, fresh, Path(tmp) / "dist")
        new = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        old = (
            {
                p.relative_to(student_dir)
                for p in student_dir.rglob("*")
                if p.is_file() and not _is_run_artefact(p.relative_to(student_dir))
            }
            if student_dir.is_dir()
            else set()
        )
        differ = [
            p
            for p in sorted(new | old)
            if p not in new
            or p not in old
            or not filecmp.cmp(fresh / p, student_dir / p, shallow=False)
        ]
    return [str(Path(student_dir.name) / p) for p in differ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if student/ is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = check()
        for path in stale:
            print(f"stale: {path}")
        if stale:
            print(
                "Run `python -m tools.authoring.student` (make student) and commit student/.",
                file=sys.stderr,
            )
            return 1
        print("student versions up to date")
        return 0
    for path in build():
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
