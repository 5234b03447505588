"""The Gradescope autograder archive (tools.gradescope), run as Gradescope runs it: its own setup.sh into a fresh
virtual environment, then run_autograder on master, solved, blank, public-only-partial and hostile submissions in
a temporary /autograder; scores equal tools.grade's; a broken set-up scores every question 0 with the reason."""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from tools import grade as grading
from tools import gradescope
from tools.authoring import student

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01"
RESULT_FIELDS = {"score", "execution_time", "output", "visibility", "tests"}
TEST_FIELDS = {"name", "score", "max_score", "output", "visibility"}
SETUP_SECONDS: dict[str, float] = {}


def _unpack(archive: Path, root: Path) -> Path:
    """Gradescope's layout: the archive in root/source (file modes kept), empty submission/ and results/."""
    source = root / "source"
    with zipfile.ZipFile(archive) as z:
        z.extractall(source)
        for info in z.infolist():
            mode = info.external_attr >> 16
            if mode:
                (source / info.filename).chmod(stat.S_IMODE(mode))
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return source


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """(archive, venv): the archive of notebook 01 and a fresh virtual environment its setup.sh installed into.

    To keep CI's time down (no TensorFlow download), the fresh environment starts with this one's packages
    hard-linked into its own site-packages (no space, seconds); setup.sh's pip then resolves the archive's pinned
    requirements against them and installs whatever is missing. It is made with the system's Python when that is
    this Python's version (as on Gradescope, where a Python under /root would be out of the student user's reach).
    """
    out = tmp_path_factory.mktemp("gradescope-build")
    archive = gradescope.build([NOTEBOOK], out)[0]
    venv = tmp_path_factory.mktemp("gradescope-venv") / "venv"
    started = time.monotonic()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    base = system if system.exists() else Path(sys.base_prefix) / "bin" / version
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    ours = Path(sysconfig.get_paths()["purelib"])
    subprocess.run(["cp", "-alf", f"{ours}/.", str(site)], check=True)
    for folder in (venv, *venv.parents[:3]):
        folder.chmod(folder.stat().st_mode | 0o055)  # readable by the student's user, as /autograder/venv is
    source = _unpack(archive, tmp_path_factory.mktemp("gradescope-setup"))
    env = {**os.environ, "RNN_GRADESCOPE_VENV": str(venv), "RNN_GRADESCOPE_NO_APT": "1"}
    result = subprocess.run(["bash", str(source / "setup.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "course environment ready" in result.stdout
    SETUP_SECONDS["setup.sh"] = time.monotonic() - started
    print(f"setup.sh: {SETUP_SECONDS['setup.sh']:.1f} s; archive {archive.stat().st_size / 2**20:.2f} MB")
    return archive, venv


def run_autograder(
    archive: Path, venv: Path, root: Path, submission: Path | None, damage=None, **env
) -> tuple[int, dict]:
    """Run the archive's run_autograder on one submission in ``root`` (after ``damage(source)``, if given);
    (exit code, results.json)."""
    source = _unpack(archive, root)
    if damage is not None:
        damage(source)
    if submission is not None:
        (root / "submission" / submission.name).write_bytes(submission.read_bytes())
    env = {**os.environ, "RNN_GRADESCOPE_ROOT": str(root), "RNN_GRADESCOPE_VENV": str(venv), **env}
    env.pop("RNN_COURSE_DATA", None)  # the archive's own data, as on Gradescope
    result = subprocess.run(
        [str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=900
    )
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return result.returncode, results


def _check_fields(results: dict) -> None:
    assert RESULT_FIELDS <= set(results), results
    assert results["visibility"] == "visible" and isinstance(results["execution_time"], float)
    for test in results["tests"]:
        assert TEST_FIELDS <= set(test), test
        assert test["visibility"] in ("visible", "after_published"), test
        assert 0 <= test["score"] <= test["max_score"] + 1e-12, test
    assert abs(sum(t["score"] for t in results["tests"]) - results["score"]) < 1e-9


def _per_question(results: dict) -> dict[str, float]:
    scores: dict[str, float] = {}
    for test in results["tests"]:
        question = test["name"].split(" ")[0]
        scores[question] = scores.get(question, 0.0) + test["score"]
    return scores


def _submissions(folder: Path, results_file: Path) -> list[Path]:
    """master, solved, blank, public-only partial (q1 returns the public case's answer) and hostile (solved,
    plus a cell that forges results.json and reads the hidden tests wherever it can)."""
    master = grading.resolve_master(NOTEBOOK)
    master_nb = nbformat.read(master, as_version=4)
    blank = nbformat.read(ROOT / "student" / master.name, as_version=4)
    solved = student.solved(master_nb, blank)
    partial = copy.deepcopy(blank)
    cell = next(c for c in partial.cells if c.cell_type == "code" and "def param_count(" in c.source)
    cell.source = "def param_count(units, features):\n    return 12\n"
    hostile = copy.deepcopy(solved)
    forged = {"score": 999.0, "output": "forged", "tests": []}
    attack = (
        "import glob, json, os\n"
        f"for path in [{str(results_file)!r}, '/autograder/results/results.json']:\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
        f"        open(path, 'w').write(json.dumps({forged!r}))\n"
        "    except OSError as error:\n"
        "        print('blocked', error)\n"
        "for path in glob.glob(os.environ.get('RNN_COURSE_ROOT', '.') + '/**/*', recursive=True):\n"
        "    try:\n"
        "        open(path, 'rb').read(1)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    at = student.exercises_index(hostile) + 1
    hostile.cells.insert(at, nbformat.v4.new_code_cell(attack))
    paths = []
    for name, nb in [("master", master_nb), ("solved", solved), ("blank", blank), ("partial", partial)]:
        nbformat.write(nb, folder / f"{name}.ipynb")
        paths.append(folder / f"{name}.ipynb")
    nbformat.write(hostile, folder / "hostile.ipynb")
    paths.append(folder / "hostile.ipynb")
    return paths


@pytest.mark.parametrize("isolation", ["bwrap", "user"])
def test_gradescope_scores_equal_tools_grade(course, tmp_path, isolation):
    """Every kind of submission scores on the simulated Gradescope exactly what tools.grade gives it."""
    archive, venv = course
    if isolation == "user" and os.geteuid() != 0:
        pytest.skip("the unprivileged-user fallback needs the grader to run as root (as on Gradescope)")
    folder = tmp_path / "subs"
    folder.mkdir()
    kinds = (
        ["master", "solved", "blank", "partial", "hostile"] if isolation == "bwrap" else ["solved", "hostile"]
    )
    roots = {kind: tmp_path / f"autograder-{kind}" for kind in kinds}
    subs = {p.stem: p for p in _submissions(folder, roots["hostile"] / "results" / "results.json")}
    started = time.monotonic()
    rows = grading.grade(
        NOTEBOOK, [str(subs[k]) for k in kinds], tmp_path / "grades.csv", jobs=1, timeout=300, progress=False
    )
    local_seconds = time.monotonic() - started
    by_kind = {Path(row["file"]).stem: row for row in rows}
    extra = {"RNN_GRADESCOPE_NO_BWRAP": "1"} if isolation == "user" else {}
    seconds = {}
    for kind in kinds:
        started = time.monotonic()
        code, results = run_autograder(archive, venv, roots[kind], subs[kind], **extra)
        seconds[kind] = time.monotonic() - started
        row = by_kind[kind]
        assert code == 0, results
        _check_fields(results)
        assert abs(results["score"] - row["total"]) < 1e-9, (kind, results, row)
        questions = student.question_names(nbformat.read(grading.resolve_master(NOTEBOOK), as_version=4))
        per_question = _per_question(results)
        for question in questions:
            assert abs(per_question[question] - row[question]) < 1e-9, (kind, question, results, row)
        hidden = [t for t in results["tests"] if "hidden" in t["name"]]
        assert hidden and all(t["visibility"] == "after_published" for t in hidden)
        assert all(t["visibility"] == "visible" for t in results["tests"] if "public" in t["name"])
        mode_words = "bubblewrap sandbox" if isolation == "bwrap" else "unprivileged user 'nobody'"
        assert mode_words in results["output"], results["output"]
        print(
            f"{isolation} {kind}: gradescope {results['score']} tools.grade {row['total']} ({seconds[kind]:.1f} s)"
        )
    expected = {"master": 5.0, "solved": 5.0, "blank": 0.0, "partial": 0.1, "hostile": 5.0}
    assert {k: by_kind[k]["total"] for k in kinds} == {k: expected[k] for k in kinds}
    forged = json.loads((roots["hostile"] / "results" / "results.json").read_text(encoding="utf-8"))
    assert forged["score"] == 5.0 and "forged" not in json.dumps(forged)
    print(f"{isolation}: tools.grade {local_seconds:.1f} s for {len(kinds)}; run_autograder {seconds}")


def test_a_broken_setup_scores_every_question_zero_with_the_reason(course, tmp_path):
    """Course files missing, a package missing, no notebook: every question 0, the reason visible, exit 1."""
    archive, venv = course
    master = grading.resolve_master(NOTEBOOK)
    points = grading.question_points(master)
    # no environment: run_autograder falls back to python3, here the bare base Python (no TensorFlow)
    bare = {
        "RNN_GRADESCOPE_VENV": str(tmp_path / "none"),
        "PATH": f"{Path(sys.base_prefix) / 'bin'}:/usr/bin:/bin",
    }
    cases = {
        "utils missing": ({}, lambda source: shutil.rmtree(source / "utils"), "utils/notebook.py"),
        "no packages": (bare, None, "a package is missing"),
        "no notebook": ({}, None, "no notebook submitted"),
    }
    for name, (env, damage, words) in cases.items():
        submission = None if name == "no notebook" else master
        code, results = run_autograder(
            archive, venv, tmp_path / name.replace(" ", "-"), submission, damage, **env
        )
        assert code == 1, (name, results)
        _check_fields(results)
        assert results["score"] == 0 and words in results["output"], (name, results["output"])
        if name != "no notebook":
            assert results["output"].startswith(gradescope.SETUP_FAILED), results["output"]
        assert {t["name"]: t["max_score"] for t in results["tests"]} == points, results["tests"]
        assert all(t["score"] == 0 and words in t["output"] for t in results["tests"]), results["tests"]
        assert all(t["visibility"] == "visible" for t in results["tests"])


def test_otter_run_refuses_and_names_the_course_graders(tmp_path):
    """otter's own runner on the course's archive stops before grading, naming tools.grade and tools.gradescope."""
    master = grading.resolve_master(NOTEBOOK)
    student.build_one(master, tmp_path / "student", tmp_path / "dist")
    otter = Path(sys.executable).parent / "otter"
    result = subprocess.run(
        [
            str(otter),
            "run",
            "-a",
            str(tmp_path / "dist" / f"{master.stem}.zip"),
            "-o",
            str(tmp_path),
            str(master),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode != 0, result.stdout
    assert f"python -m tools.grade {master.stem}" in result.stderr, result.stderr[-2000:]
    assert f"python -m tools.gradescope build {master.stem}" in result.stderr
    assert "Total Score" not in result.stdout
