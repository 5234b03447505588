"""The Gradescope autograder archives (tools.grading.gradescope), run as Gradescope runs them: their own setup.sh into one
fresh virtual environment, then run_autograder on master, solved, blank, public-only-partial and hostile submissions
of notebooks 01, 02b and 06 (06 without its master: ON_GRADESCOPE) in temporary /autograder roots; scores equal
tools.grading.grade's; the hostile set of notebook 01 (tests/test_grading_hostile.py) through the driver with
namespaces unavailable (the student's code as a uid of its own; in CI the attacks whose block is the driver's own,
all of them with RNN_GRADESCOPE_HOSTILE=all); a broken set-up scores every question 0 with the reason."""

from __future__ import annotations

import concurrent.futures
import copy
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

import conftest  # the same module object pytest loaded
import nbformat
import pytest
from test_grading import MASTERS as GRADED_MASTERS
from test_grading_hostile import (
    ATTACKS,
    TYPED_PUBLIC,
    _attack,
    _marked_processes,
    _tree_digest,
)

from tools.authoring import student
from tools.grading import grade as grading
from tools.grading import gradescope

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01"
#: marks this file's attack processes (tests/test_grading_hostile.py's attacks, which may run beside these in
#: another worker, carry their own)
MARKER = "rnn-course-gradescope-marker-2b9d"
NOTEBOOKS = ("01", "02b", "06")
#: the isolation each notebook is graded with: Gradescope's containers usually refuse bwrap's namespaces, so the
#: unprivileged-user fallback is what most runs there get (it needs root: elsewhere bwrap)
ISOLATION = {"01": "bwrap", "02b": "user", "06": "user"}
#: seconds per submission where equal scores, not time-outs, are tested
EQUAL_TIMEOUT = 900
#: per notebook: (the answer cell to replace, an answer that passes only the public cases of its question)
PARTIAL = {
    "01": ("def param_count(", "def param_count(units, features):\n    return 12\n"),
    "02b": (
        "def decay_per_step(",
        "def decay_per_step(rho, h_abs):\n    return {(1.0, 0.0): 1.0, (0.8, 0.5): 0.6}.get((rho, h_abs), 0.0)\n\n\n"
        "def steps_until(rho, h_abs, threshold=1e-3):\n    return 4\n",
    ),
    "06": (
        "def persistence_mae(",
        "def persistence_mae(temps, sequence_length, horizon):\n"
        "    return 2.0 if np.isnan(np.asarray(temps, dtype=float)).any() else 2.25\n",
    ),
}
#: the kinds of submission besides the lecture version ("master")
KINDS = ("solved", "blank", "partial", "hostile")
GRADESCOPE_KINDS = ("master", *KINDS)
#: what tools.grading.grade grades here beside run_autograder. The master, the solved and the blank version go
#: through run_autograder only (06's master not at all: ON_GRADESCOPE): they must score full marks (master,
#: solved) or 0 (blank) on every question, which is what tests/test_grading.py asserts tools.grading.grade gives
#: them, for every notebook (its student version is a fresh build, equal to student/:
#: test_committed_student_versions_are_up_to_date)
LOCAL_KINDS = ("partial", "hostile")
#: per notebook, what run_autograder grades: 06's master is left to tests/test_grading.py, to save one training of
#: its q5 model (about a quarter of this file's CPU time): the master and the solved version hand the grader the
#: same answer cells (student.solved copies them), the master's other cells are lesson cells that the grader skips,
#: and 01's and 02b's masters check that skipping through run_autograder
ON_GRADESCOPE = {"01": GRADESCOPE_KINDS, "02b": GRADESCOPE_KINDS, "06": KINDS}
#: what the public-only partial submission scores: the public share (10%) of its question's points
PUBLIC_PARTIAL = {"01": 0.1, "02b": 0.2, "06": 0.1}
HOSTILE_TIMEOUT = 30  # seconds per submission (tests/test_grading_hostile.py: 40 s, with --jobs 2)
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
def scratch():
    """A folder for what the student's uid must reach (the venv, the roots): not under pytest's basetemp, which
    another pytest run of the same user may make 0700 at any moment."""
    folder = Path(tempfile.mkdtemp(prefix="rnn-gradescope-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def course(tmp_path_factory, scratch):
    """(archives by notebook, venv): the archives of notebooks 01, 02b and 06 and one fresh virtual environment
    that 01's setup.sh installed into (the three archives name the same requirements; checked).

    To keep CI's time down (no TensorFlow download), the fresh environment starts with this one's packages
    hard-linked into its own site-packages (no space, seconds); setup.sh's pip then resolves the archive's pinned
    requirements against them and installs whatever is missing. It is made with the system's Python when that is
    this Python's version (as on Gradescope, where a Python under /root would be out of the student user's reach).
    """
    out = tmp_path_factory.mktemp("gradescope-build")
    archives = dict(zip(NOTEBOOKS, gradescope.build(list(NOTEBOOKS), out)))
    needs = {}
    for notebook, archive in archives.items():
        with zipfile.ZipFile(archive) as z:
            needs[notebook] = (
                z.read("requirements.txt"),
                z.read("requirements-grading.txt"),
                z.read("setup.sh"),
            )
    assert len({(r, g) for r, g, _ in needs.values()}) == 1, (
        "the archives name different requirements"
    )
    venv = scratch / "venv"
    started = time.monotonic()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    base = system if system.exists() else Path(sys.base_prefix) / "bin" / version
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    ours = Path(sysconfig.get_paths()["purelib"])
    subprocess.run(["cp", "-alf", f"{ours}/.", str(site)], check=True)
    venv.chmod(0o755)  # readable by the student's user, as /autograder/venv is
    source = _unpack(archives[NOTEBOOK], tmp_path_factory.mktemp("gradescope-setup"))
    env = {**os.environ, "RNN_GRADESCOPE_VENV": str(venv), "RNN_GRADESCOPE_NO_APT": "1"}
    result = subprocess.run(
        ["bash", str(source / "setup.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "course environment ready" in result.stdout
    SETUP_SECONDS["setup.sh"] = time.monotonic() - started
    sizes = ", ".join(f"{n} {a.stat().st_size / 2**20:.2f} MB" for n, a in archives.items())
    print(f"setup.sh: {SETUP_SECONDS['setup.sh']:.1f} s; archives {sizes}")
    return archives, venv


def run_autograder(
    archive: Path, venv: Path, root: Path | list[Path], submission=None, damage=None, **env
) -> tuple[int, dict | list[dict]]:
    """Run the archive's run_autograder on one submission in ``root`` (after ``damage(source)``, if given);
    (exit code, results.json). With a list of roots and of submissions, one run grades each submission in its own
    root (``--root`` repeated); (exit code, the results.json of each root)."""
    roots = root if isinstance(root, list) else [root]
    submissions = submission if isinstance(submission, list) else [submission]
    for one, sub in zip(roots, submissions, strict=True):
        source = _unpack(archive, one)
        if damage is not None:
            damage(source)
        if sub is not None:
            (one / "submission" / sub.name).write_bytes(sub.read_bytes())
    env = {
        **os.environ,
        "RNN_GRADESCOPE_ROOT": str(roots[0]),
        "RNN_GRADESCOPE_VENV": str(venv),
        **env,
    }
    env.pop("RNN_COURSE_DATA", None)  # the archive's own data, as on Gradescope
    command = [str(roots[0] / "source" / "run_autograder")]
    for one in roots[1:]:
        command += ["--root", str(one)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=5400)
    found = [
        json.loads((one / "results" / "results.json").read_text(encoding="utf-8")) for one in roots
    ]
    return result.returncode, (found if isinstance(root, list) else found[0])


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


def _forging_cell(results_file: Path) -> str:
    forged = {"score": 999.0, "output": "forged", "tests": []}
    return (
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


def _submissions(notebook: str, folder: Path, results_file: Path) -> dict[str, Path]:
    """master, solved, blank, public-only partial (one answer passes only its public cases: PARTIAL) and hostile
    (the partial one, plus a cell that forges results.json and reads whatever it can of the course folder)."""
    master = grading.resolve_master(notebook)
    master_nb = nbformat.read(master, as_version=4)
    blank = nbformat.read(ROOT / "student" / master.name, as_version=4)
    solved = student.solved(master_nb, blank)
    partial = copy.deepcopy(blank)
    marker, answer = PARTIAL[notebook]
    cell = next(c for c in partial.cells if c.cell_type == "code" and marker in c.source)
    cell.source = answer
    hostile = copy.deepcopy(partial)
    at = student.exercises_index(hostile) + 1
    hostile.cells.insert(at, nbformat.v4.new_code_cell(_forging_cell(results_file)))
    paths = {}
    for name, nb in [
        ("master", master_nb),
        ("solved", solved),
        ("blank", blank),
        ("partial", partial),
        ("hostile", hostile),
    ]:
        paths[name] = folder / f"{notebook}-{name}.ipynb"
        nbformat.write(nb, paths[name])
    return paths


def _grade_locally(notebook: str, submissions: list[Path], csv: Path) -> list[dict]:
    """tools.grading.grade's rows for the submissions, one at a time (a Gradescope container grades one)."""
    return grading.grade(
        notebook, [str(s) for s in submissions], csv, jobs=1, timeout=EQUAL_TIMEOUT, progress=False
    )


def test_the_masters_compared_here_are_graded_by_test_grading() -> None:
    """The other half of the equality below: tests/test_grading.py grades master, solved and blank of these."""
    graded = {master.stem.split("_")[0] for master in GRADED_MASTERS}
    assert set(NOTEBOOKS) <= graded, set(NOTEBOOKS) - graded


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_gradescope_scores_equal_tools_grade(course, scratch, notebook):
    """Every kind of submission scores on the simulated Gradescope exactly what tools.grading.grade gives it (one run of
    run_autograder grades the five, each in its own root, 06 all but its master: ON_GRADESCOPE; tools.grading.grade
    grades the partial and the hostile one here, and tests/test_grading.py the others: LOCAL_KINDS)."""
    archives, venv = course
    isolation = ISOLATION[notebook] if os.geteuid() == 0 else "bwrap"
    tmp_path = scratch / f"equal-{notebook}"
    folder = tmp_path / "subs"
    folder.mkdir(parents=True)
    kinds = ON_GRADESCOPE[notebook]
    roots = {kind: tmp_path / f"autograder-{kind}" for kind in kinds}
    subs = _submissions(notebook, folder, roots["hostile"] / "results" / "results.json")
    extra = {"RNN_GRADESCOPE_NO_BWRAP": "1"} if isolation == "user" else {}
    # equal scores are the point here, not time-outs (tested apart; 06's master trains its q5 model, and a loaded
    # machine must not turn the default 300 s into a difference)
    extra["RNN_GRADESCOPE_TIMEOUT"] = str(EQUAL_TIMEOUT)
    started = time.monotonic()
    # the two graders side by side (one core each): run_autograder in a thread, tools.grading.grade here
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        on_gradescope = pool.submit(
            run_autograder,
            archives[notebook],
            venv,
            [roots[k] for k in kinds],
            [subs[k] for k in kinds],
            **extra,
        )
        rows = _grade_locally(notebook, [subs[k] for k in LOCAL_KINDS], tmp_path / "grades.csv")
        local_seconds = time.monotonic() - started
        code, found = on_gradescope.result()
        gradescope_seconds = time.monotonic() - started
    by_kind = {Path(row["file"]).stem.split("-", 1)[1]: row for row in rows}
    assert code == 0, found
    master = grading.resolve_master(notebook)
    questions = student.question_names(nbformat.read(master, as_version=4))
    points = grading.question_points(master)
    possible = sum(points.values())
    full = {**points, "total": possible, "status": "full marks (tests/test_grading.py)"}
    by_kind["master"] = by_kind["solved"] = full
    by_kind["blank"] = {
        **dict.fromkeys(points, 0.0),
        "total": 0.0,
        "status": "0 (tests/test_grading.py)",
    }
    for kind, results in zip(kinds, found, strict=True):
        row = by_kind[kind]
        source = (
            "tools.grading.grade" if kind in LOCAL_KINDS else "expected (tests/test_grading.py)"
        )
        print(
            f"{notebook} {isolation} {kind}: gradescope {results['score']} {source} {row['total']} "
            f"({row['status'][:80]})"
        )
        _check_fields(results)
        assert abs(results["score"] - row["total"]) < 1e-9, (
            f"{notebook} {kind}: expected {row['total']} ({row['status']}), got {results['score']}: "
            f"{results['output'][:600]}"
        )
        per_question = _per_question(results)
        for question in questions:
            assert abs(per_question[question] - row[question]) < 1e-9, (
                f"{kind} {question}: expected {row[question]} ({source}), got {per_question[question]}",
                results,
            )
        hidden = [t for t in results["tests"] if "hidden" in t["name"]]
        assert hidden and all(t["visibility"] == "after_published" for t in hidden), results[
            "tests"
        ]
        assert all(t["visibility"] == "visible" for t in results["tests"] if "public" in t["name"])
        mode_words = (
            "bubblewrap sandbox" if isolation == "bwrap" else "unprivileged user of its own"
        )
        assert mode_words in results["output"], results["output"]
    totals = {k: by_kind[k]["total"] for k in LOCAL_KINDS}
    partial_points = PUBLIC_PARTIAL[notebook]
    expected = {"partial": partial_points, "hostile": partial_points}
    assert totals == pytest.approx(expected, abs=1e-9), (
        f"tools.grading.grade: expected {expected}, got {totals}"
    )
    forged = json.loads((roots["hostile"] / "results" / "results.json").read_text(encoding="utf-8"))
    assert "forged" not in json.dumps(forged) and forged["score"] == partial_points, forged
    print(
        f"{notebook}: tools.grading.grade {local_seconds:.1f} s, run_autograder {gradescope_seconds:.1f} s for "
        f"{len(kinds)} submissions (load {os.getloadavg()[0]:.1f})"
    )


#: per attack of tests/test_grading_hostile.py: what stops it when the student's code runs as a uid of its own (no
#: namespaces): the claim the test below checks by the attack's score, its proof files and the files it targets
WHY_BLOCKED = {
    "assert_stripping": "its patches live in the student's process; the tests run in the trusted worker",
    "otter_patching": "otter is patched in the student's process only; the worker's otter is untouched",
    "score_inflation": "the test files are root-owned (0644, dist/ 0700): the student's uid cannot write them",
    "forged_results_and_kill_parent": "results/ is root-only (0700); signals to root's processes: EPERM",
    "read_hidden_tests": "dist/ and notebooks/ are root-only (0700); other roots' /proc/*/cwd unreadable",
    "copy_classmate": "one submission per container; a notebook elsewhere in a root-only folder is unreadable",
    "equality_objects": "only plain data crosses the wire; a subclass is refused",
    "neighbour_tampering": "the course, results and submissions are root-owned: the student's uid cannot write them",
    "daemon_rewrites_csv": "the results are root-only; the daemon (own session) is killed by reap_user",
    "rewrite_autograder_zips": "the archives are root-owned in a root-only folder",
    "crafted_pickle": "the wire refuses pickles: the grader never unpickles what the student sends",
    "survives_timeout": "timeout kills the process group; the detached daemon is killed by reap_user",
    "typed_public_values": "hidden cases give 90% of each question: typed public answers earn at most 10%",
}


#: attacks that the grading core stops whatever the isolation (the student's patches stay in its own process, only
#: plain data crosses the wire, hidden cases give 90%): the same code as under tools.grading.grade, which
#: tests/test_grading_hostile.py attacks with every one of them. Here they run with RNN_GRADESCOPE_HOSTILE=all (the
#: issue's measured table); CI runs the others, whose block is the driver's own (uids, file modes, reap_user)
CORE_ATTACKS = (
    "assert_stripping",
    "otter_patching",
    "equality_objects",
    "crafted_pickle",
    "typed_public_values",
)


def _hostile_attacks() -> list[str]:
    if os.environ.get("RNN_GRADESCOPE_HOSTILE") == "all":
        return list(ATTACKS)
    return [a for a in ATTACKS if a not in CORE_ATTACKS]


def _student_uid(uid: int) -> bool:
    return uid >= gradescope.RUN_AS_BASE


def _writable_by(folder: Path = Path("/tmp")) -> set[str]:
    """Names of files under ``folder`` that a student's uid could write already (world-writable, or a student's)."""
    found = set()
    # other work may remove folders meanwhile
    for top, _, files in os.walk(folder, onerror=lambda error: None):
        for name in files:
            try:
                info = os.lstat(os.path.join(top, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and (
                _student_uid(info.st_uid) or info.st_mode & stat.S_IWOTH
            ):
                found.add(name)
    return found


def _owned_by() -> set[str]:
    """What a student's uid owns directly in /tmp."""
    found = set()
    for entry in os.scandir("/tmp"):
        try:
            if _student_uid(entry.stat(follow_symlinks=False).st_uid):
                found.add(entry.path)
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def hostile(course, scratch):
    """The hostile set of notebook 01 through run_autograder with namespaces unavailable (RNN_GRADESCOPE_NO_BWRAP:
    the student's code runs as a uid of its own), next to an honest solved submission, each in its own root, graded in
    one run. Returns what the tests below check."""
    if os.geteuid() != 0:
        pytest.skip(
            "the unprivileged-user fallback needs the grader to run as root (as on Gradescope)"
        )
    archives, venv = course
    top = scratch / "hostile"
    top.mkdir()
    subs_dir, proofs, classmates = top / "submissions", top / "proofs", top / "classmate"
    for folder in (subs_dir, proofs, classmates):
        folder.mkdir()
    top.chmod(0o711)  # the proof folder must be reachable by the student's uid
    proofs.chmod(0o1777)  # an attack that worked can write its proof here, whatever user it runs as
    master = grading.resolve_master(NOTEBOOK)
    blank = nbformat.read(ROOT / "student" / master.name, as_version=4)
    honest = student.solved(nbformat.read(master, as_version=4), blank)
    # in a root-only folder: another student's work
    classmate = classmates / "honest_classmate.ipynb"
    nbformat.write(honest, classmate)
    classmates.chmod(0o700)
    names = ["honest", *_hostile_attacks()]
    roots = {name: top / f"autograder-{name}" for name in names}
    subs = {"honest": subs_dir / "honest.ipynb"}
    nbformat.write(honest, subs["honest"])
    for name in names[1:]:
        source = ATTACKS[name]
        source_dir = roots[name] / "source"
        where = {
            "PROOF": str(proofs),
            "CSV": str(roots[name] / "results" / "results.json"),
            "DIST": str(source_dir / "dist" / "autograder"),
            "COURSE": str(source_dir),
            "CLASSMATE": str(classmate),
            "MARKER": MARKER,
        }
        subs[name] = _attack(blank, source, where, subs_dir / f"{name}.ipynb")
    writable_before = _writable_by()
    students_before = _owned_by()
    theirs = _tree_digest(subs_dir, classmates)
    # alone on the machine: no other test's grader or solved notebook beside it (tests/conftest.py)
    with conftest.readable_notebooks(exclusive=True):
        started = time.monotonic()
        code, found = run_autograder(
            archives[NOTEBOOK],
            venv,
            [roots[n] for n in names],
            [subs[n] for n in names],
            RNN_GRADESCOPE_NO_BWRAP="1",
            RNN_GRADESCOPE_TIMEOUT=str(HOSTILE_TIMEOUT),
        )
        wall = time.monotonic() - started
    mtimes = {n: (roots[n] / "results" / "results.json").stat().st_mtime for n in names}
    time.sleep(6)  # a daemon would rewrite its target 4 s after its start
    return {
        "code": code,
        "results": dict(zip(names, found)),
        "roots": roots,
        "wall": wall,
        "proofs": {p.name: p.read_text(errors="replace") for p in proofs.iterdir()},
        "top": top,
        "writable_before": writable_before,
        "digest": (theirs, _tree_digest(subs_dir, classmates)),
        "sources": {n: _tree_digest(roots[n] / "source") for n in names},
        "archive": {
            name: hashlib.sha256(z.read(name)).hexdigest()
            for z in [zipfile.ZipFile(archives[NOTEBOOK])]
            for name in z.namelist()
        },
        "marked": _marked_processes(MARKER),
        "left_by_student": sorted(_owned_by() - students_before),
        "results_mtime": (
            mtimes,
            {n: (roots[n] / "results" / "results.json").stat().st_mtime for n in names},
        ),
    }


#: the proof files each attack writes when it reaches something (tests/test_grading_hostile.py)
PROOFS = {
    "score_inflation": ("inflated-",),
    "forged_results_and_kill_parent": ("forged",),
    "read_hidden_tests": ("hidden",),
    "copy_classmate": ("read-classmate",),
    "neighbour_tampering": ("tampered-",),
    "daemon_rewrites_csv": ("daemon",),
    "rewrite_autograder_zips": ("poisoned-",),
    "crafted_pickle": ("pickle-ran",),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_hostile_set_through_gradescope_without_namespaces(hostile, attack):
    """Each attack of notebook 01's hostile set scores 0 (typed public values: the public share, 10%),
    reaches none of its targets, and the driver's results.json stands; the honest classmate scores full marks."""
    if attack not in hostile["results"]:
        pytest.skip(
            f"{attack} is stopped by the grading core (tests/test_grading_hostile.py); "
            "RNN_GRADESCOPE_HOSTILE=all runs it through the driver too"
        )
    results = hostile["results"][attack]
    honest = hostile["results"]["honest"]
    _check_fields(results)
    possible = sum(t["max_score"] for t in honest["tests"])
    assert honest["score"] == possible, ("honest: expected", possible, "got", honest)
    # as tests/test_grading_hostile.py: typed public answers earn the public share, nothing else earns
    limit = TYPED_PUBLIC * possible if attack == "typed_public_values" else 0.0
    if attack == "copy_classmate":
        # without namespaces it can read (and run) any world-readable notebook of the machine: on our shared machine
        # one another user left in /tmp earned it 1 of 5 (docs/teaching-assistants.md says so); the classmate's
        # notebook, root-only, would give it full marks: that is what must not happen
        limit = possible - 1e-6
    row = f"{attack}: {results['score']}/{possible}; {results['output'].splitlines()[0][:120]}"
    print(f"{row}; blocked because {WHY_BLOCKED[attack]}")
    assert "unprivileged user of its own" in results["output"], results["output"]
    assert results["score"] <= limit + 1e-9, (
        f"{attack}: expected at most {limit}, got {results['score']}"
    )
    if (
        attack == "typed_public_values"
    ):  # the typed values pass every public case: the bound is reached
        assert abs(results["score"] - limit) < 1e-9, (
            f"{attack}: expected {limit}, got {results['score']}"
        )
    proofs = hostile["proofs"]
    reached = [
        p
        for p in proofs
        if p.startswith(PROOFS.get(attack, ("\0",)))
        and not (p.startswith("tampered-") and p[len("tampered-") :] in hostile["writable_before"])
    ]
    if attack == "read_hidden_tests" and reached:
        # what it found: files of this grading (the roots, the classmate) count; world-readable files that other
        # work left on this machine's /tmp are reported, not counted (a Gradescope container has none)
        found = proofs["hidden"].splitlines()
        ours = [
            f
            for f in found
            if Path(f).is_relative_to(hostile["top"]) or f.startswith("/autograder")
        ]
        print(
            f"  {attack} also read {len(found) - len(ours)} world-readable files outside the grading: {found[:3]}"
        )
        reached = ours
    if attack == "copy_classmate" and reached:
        # it read some notebook: the classmate's (root-only) would have given it full marks; its score says which
        print(
            f"  {attack} read a world-readable notebook elsewhere on this machine; scored {results['score']}"
        )
        # not the classmate's answers
        reached = [] if results["score"] < possible - 1e-6 else reached
    assert reached == [], f"{attack}: expected no proof file, got {reached}"


def test_hostile_set_leaves_the_course_the_results_and_the_machine_as_they_were(hostile):
    """No file of any root's course copy or of the classmate changed, no process of the set survived, the run
    exited 0, nothing of the student's user is left in /tmp, every root has the driver's own results.json."""
    before, after = hostile["digest"]
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], f"expected no submission or classmate changed, got {changed[:10]}"
    for name, digest in hostile["sources"].items():
        source = hostile["roots"][name] / "source"
        got = {str(Path(k).relative_to(source)): v for k, v in digest.items()}
        changed = sorted(
            k
            for k in got.keys() | hostile["archive"].keys()
            if got.get(k) != hostile["archive"].get(k)
        )
        assert changed == [], (
            f"{name}: expected the archive's files unchanged, got changes in {changed[:10]}"
        )
    assert hostile["marked"] == [], f"expected no surviving process, got pids {hostile['marked']}"
    assert hostile["code"] == 0, hostile["results"]
    assert hostile["left_by_student"] == [], (
        f"expected nothing of the student's uid in /tmp, got {hostile['left_by_student']}"
    )
    for name, results in hostile["results"].items():
        assert "forged" not in json.dumps(results), (name, results)
    written, later = hostile["results_mtime"]
    assert later == written, "a results.json changed after run_autograder ended"
    print(
        f"hostile set: {len(hostile['results'])} submissions in one run_autograder, {hostile['wall']:.0f} s"
    )


def test_the_agent_user_launcher_drops_privileges_and_reap_user_ends_its_daemons(
    tmp_path, monkeypatch
):
    """The fallback's launcher (tools.grading.grade): the agent runs as its uid, no groups, no new privileges, a process cap,
    its temporary files in its own home; reap_user ends a process of that user that left the agent's session."""
    if os.geteuid() != 0:
        pytest.skip(
            "the unprivileged-user fallback needs the grader to run as root (as on Gradescope)"
        )
    user = gradescope.run_as()  # a uid without an account, as tools.grading.gradescope uses
    # a Python the user can run (this one may live under /root); on Gradescope, the venv made from the system's
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    launcher = Path(grading._run_as_launcher(user))
    try:
        code = (
            "import os, resource\n"
            "status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n"
            "print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), status['NoNewPrivs'].strip(),\n"
            "      resource.getrlimit(resource.RLIMIT_NPROC)[0], os.environ['TMPDIR'] == os.getcwd() == os.environ['HOME'])\n"
        )
        env = {"HOME": str(tmp_path / "grader-home"), "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [str(launcher), "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        expected = f"{user} {user} {user} [] 1 {grading.RUN_AS_NPROC} True"
        assert result.stdout.strip() == expected, (
            f"expected {expected!r}, got {result.stdout!r} {result.stderr}"
        )
        daemon = (
            "import subprocess, sys\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time\\n# {MARKER}\\ntime.sleep(600)'], "
            "start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        )
        subprocess.run([str(launcher), "-c", daemon], env=env, check=True, timeout=60)
        time.sleep(1)
        assert _marked_processes(MARKER) != [], (
            "the daemon did not start: the check below would prove nothing"
        )
        grading.reap_user(user)
        time.sleep(0.5)
        assert _marked_processes(MARKER) == [], "expected reap_user to end the user's daemon"
    finally:
        shutil.rmtree(launcher.parent, ignore_errors=True)


def test_a_broken_setup_scores_every_question_zero_with_the_reason(course, tmp_path):
    """Course files missing, a package missing, no notebook: every question 0, the reason visible, exit 1."""
    archives, venv = course
    archive = archives[NOTEBOOK]
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
        assert all(t["score"] == 0 and words in t["output"] for t in results["tests"]), results[
            "tests"
        ]
        assert all(t["visibility"] == "visible" for t in results["tests"])


def test_the_archive_carries_the_graded_data_and_fetches_what_is_missing(tmp_path, monkeypatch):
    import keras

    from utils import data

    shared = ROOT.parent / "shared" / "data"
    files = gradescope.graded_data(shared)
    assert [f.name for f in files] == [
        data.fetch(n, shared).name for n in gradescope.GRADED_DATA
    ] + ["SOURCES.md"]

    def offline(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ValueError) as info:
        gradescope.graded_data(tmp_path)
    message = str(info.value)
    assert "beijing" in message and "RNN_COURSE_DATA" in message and str(tmp_path) in message

    served = {data.DATASETS[n].filename: f for n, f in zip(gradescope.GRADED_DATA, files)}

    def download(fname, origin, cache_dir, cache_subdir, **kwargs):
        target = Path(cache_dir) / cache_subdir / fname
        shutil.copy(served[fname], target)
        return str(target)

    monkeypatch.setattr(keras.utils, "get_file", download)
    fetched = gradescope.graded_data(tmp_path / "data")
    assert fetched == [tmp_path / "data" / name for name in served]
    assert [f.read_bytes() for f in fetched] == [f.read_bytes() for f in files[:2]]


def test_otter_run_refuses_and_names_the_course_graders(tmp_path):
    """otter's own runner on the course's archive stops before grading, naming tools.grading.grade and tools.grading.gradescope."""
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
    assert f"python -m tools.grading.grade {master.stem}" in result.stderr, result.stderr[-2000:]
    assert f"python -m tools.grading.gradescope build {master.stem}" in result.stderr
    assert "Total Score" not in result.stdout


@pytest.mark.skipif(
    not os.environ.get("RNN_GRADESCOPE_ALL"),
    reason="every notebook's archive takes tens of minutes: RNN_GRADESCOPE_ALL=1 runs it (the issue's goals table)",
)
def test_every_archive_scores_as_tools_grade(course, scratch):
    """Goals of issue 26: for every master, master/solved/blank/partial (the first answer solved, the rest blank)
    score on the simulated Gradescope what tools.grading.grade gives them; the time of each (solved: alone in its own
    run_autograder, as in one container; the others: graded together, each in its own root); and a set-up without
    the course's packages scores every question 0 with the reason. Prints the table; fails on any difference."""
    _, venv = course
    tmp_path = scratch / "every"
    tmp_path.mkdir()
    isolation = "user" if os.geteuid() == 0 else "bwrap"
    extra = {"RNN_GRADESCOPE_NO_BWRAP": "1"} if isolation == "user" else {}
    bare = {
        "RNN_GRADESCOPE_VENV": str(tmp_path / "none"),
        "PATH": f"{Path(sys.base_prefix) / 'bin'}:/usr/bin:/bin",
    }
    lines, wrong = [], []
    chosen = os.environ["RNN_GRADESCOPE_ALL"]  # 1: every master; else numbers, comma-separated
    masters = [
        m for m in student.masters() if chosen == "1" or m.stem.split("_")[0] in chosen.split(",")
    ]
    assert masters, f"RNN_GRADESCOPE_ALL={chosen!r} names no master"
    for master in masters:
        archive = gradescope.build([master.stem], tmp_path / "build")[0]
        master_nb = nbformat.read(master, as_version=4)
        blank = nbformat.read(ROOT / "student" / master.name, as_version=4)
        partial = copy.deepcopy(blank)
        mine = next(c for c in student._answer_cells(master_nb) if "SOLUTION" in c.source)
        theirs = student._answer_cells(partial)[student._answer_cells(master_nb).index(mine)]
        theirs.source = mine.source
        notebooks = {
            "master": master_nb,
            "solved": student.solved(master_nb, blank),
            "blank": blank,
            "partial": partial,
        }
        folder = tmp_path / master.stem
        folder.mkdir()
        subs = {}
        for kind, nb in notebooks.items():
            subs[kind] = folder / f"{kind}.ipynb"
            nbformat.write(nb, subs[kind])
        started = time.monotonic()
        rows = _grade_locally(master.stem, list(subs.values()), folder / "grades.csv")
        local_wall = time.monotonic() - started
        by_kind = {Path(r["file"]).stem: r for r in rows}
        # solved alone, as one container grades one submission (its time is what a student waits); the other
        # three in one run (each in its own root)
        started = time.monotonic()
        code, alone = run_autograder(archive, venv, folder / "root-solved", subs["solved"], **extra)
        found = {"solved": (code, alone, time.monotonic() - started)}
        others = ["master", "blank", "partial"]
        code, many = run_autograder(
            archive,
            venv,
            [folder / f"root-{k}" for k in others],
            [subs[k] for k in others],
            **extra,
        )
        found.update(
            {k: (code, results, results["execution_time"]) for k, results in zip(others, many)}
        )
        for kind in subs:
            code, results, seconds = found[kind]
            row = by_kind[kind]
            per_question = _per_question(results)
            same = code == 0 and abs(results["score"] - row["total"]) < 1e-9
            same = same and all(
                abs(per_question.get(q, -1) - row[q]) < 1e-9
                for q in grading.question_points(master)
            )
            lines.append(
                f"| {master.stem[:3].rstrip('_')} | {kind} | {results['score']:g} | {row['total']:g} | "
                f"{row['possible']:g} | {'yes' if same else 'NO'} | {seconds:.1f}{' alone' if kind == 'solved' else ''} "
                f"| {row['seconds']:.1f} | {row['status'][:60]} |"
            )
            if not same:
                wrong.append((master.stem, kind, "expected", row, "got", code, results))
        code, results = run_autograder(
            archive, venv, folder / "root-broken", subs["solved"], **bare
        )
        reasons = {t["name"]: t["output"] for t in results["tests"]}
        every = code == 1 and reasons.keys() == grading.question_points(master).keys()
        every = every and all("a package is missing" in r for r in reasons.values())
        lines.append(
            f"| {master.stem[:3].rstrip('_')} | broken set-up (no packages) | {results['score']:g} | - | "
            f"{sum(grading.question_points(master).values()):g} | {'every question: ' if every else 'NOT every: '}"
            f"{next(iter(reasons.values()), '')[:70]} | | | exit {code} |"
        )
        if not every:
            wrong.append((master.stem, "broken", results))
        print(
            f"{master.stem}: tools.grading.grade {local_wall:.1f} s for 4 (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    header = (
        f"| nb | submission | Gradescope ({isolation}) | tools.grading.grade | possible | same | "
        "run_autograder s | tools.grading.grade s | status |\n|---|---|---|---|---|---|---|---|---|"
    )
    print("\n" + header + "\n" + "\n".join(lines))
    assert wrong == [], wrong
