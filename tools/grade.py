"""Grade a folder of submissions: student code runs only in a bubblewrap sandbox, the tests outside it.

``python -m tools.grade NOTEBOOK SUBMISSION... --out grades.csv [--jobs N] [--timeout S] [--memory MB]
[--data DIR] [--unsafe-no-sandbox]``

NOTEBOOK is the two-digit number (``01``) or the file stem (``01_rnn_unrolling``) of a master in ``notebooks/``;
SUBMISSION is a student's ``.ipynb`` (or a folder, whose ``*.ipynb`` files are all graded).

How a submission is graded (the trust model is in README.md, "For teaching assistants"):

1. The **sandbox** (:mod:`tools.sandbox`, bubblewrap) runs the submission's ``setup``, imports and ``parameters``
   cells and its exercise cells (not the lesson, which trains models; not ``grader.check`` or the otter set-up
   cell). It sees the system, Python and ``utils/`` read-only, the data folder read-only, a private ``/tmp``; no
   network, no other submission, no master, no autograder archive, no hidden test, no CSV.
2. A **trusted worker** process, warm across submissions, runs the *master's* set-up, imports and parameters cells
   and the exercise cells outside any question, then each question's public and hidden cases from the autograder
   archive (otter's OK format, run by otter's own doctest runner) on a fresh copy of that namespace. The names the
   master's answer cells define (``param_count``, ``my_result``...) are the only names taken from the submission:
   a function becomes a proxy that calls it in the sandbox, a variable is its value; both cross as plain data
   only (:mod:`tools.sandbox_wire`: JSON and ``.npz`` without pickle). So nothing the submission does inside its
   interpreter (patching numpy, otter or ``assert``, equality objects, forged files) reaches a verdict.
3. A question scores ``points x (0.1 x share of public cases passed + 0.9 x share of hidden cases passed)``
   (all cases alike when a question has only one kind), capped at its points; a total above ``possible`` is a
   hard error. Public cases are the students' self-check; hidden cases decide the grade.
4. At ``--timeout`` the sandbox and every process in it are killed; the worker is killed too if its own test code
   overruns by more than :data:`GRACE` seconds. A batch of N ends within about N x (timeout + GRACE) / jobs plus
   the workers' start. Temporary files live in one folder removed at the end.

The autograder archive (``dist/autograder/NN_name.zip``, built by ``python -m tools.student``, rebuilt here when
missing or older than the master) has its sha256 recorded next to it at build time (``.zip.sha256``); grading
refuses an archive that does not match. The CSV is written by this process after every sandbox is gone: one row
per submission, ``file``, one column per question, ``total``, ``possible`` and ``status``: ``ok``; ``timeout``;
or ``error: <reason>`` (a cell raised, a value could not cross, the notebook is unreadable). One bad submission
never stops the batch.

Without bwrap grading refuses to start, unless ``--unsafe-no-sandbox`` is given: then the submissions run as you,
unisolated (same protocol), and every row's status says so.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from tools.execute import course_env
from tools.student import DIST, EXERCISES_HEADING, INIT_TAG, NOTEBOOKS, build_one, masters, question_names

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "student"
#: weight of the public cases in a question's score (the rest is the hidden cases')
PUBLIC_SHARE = 0.1
#: seconds a worker's own (trusted) test code may run past --timeout before the worker is killed
GRACE = 15
#: seconds a worker may take to start (import TensorFlow, run the master's set-up cells)
WORKER_START = 600
UNSAFE_MARK = " [unsafe: no sandbox]"
MAX_SUBMISSION_BYTES = 64 * 1024 * 1024


def resolve_master(notebook: str, notebooks_dir: Path = NOTEBOOKS) -> Path:
    """The master notebook named by a two-digit number (``"01"``) or a file stem (``"01_rnn_unrolling"``)."""
    found = [p for p in masters(notebooks_dir) if notebook in (p.stem, p.stem.split("_")[0], p.name)]
    if len(found) != 1:
        names = ", ".join(p.stem for p in masters(notebooks_dir)) or "none"
        raise ValueError(f"NOTEBOOK {notebook!r} names no single master; use a number or stem of: {names}")
    return found[0]


def sha256_of(path: Path) -> str:
    """The sha256 of a file, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def autograder_zip(master: Path, dist_dir: Path = DIST) -> tuple[Path, str]:
    """The autograder archive of ``master`` and its sha256 recorded at build time.

    Built with tools.student when missing, older than the master, or without a record. Raises ``ValueError`` when
    the archive no longer matches its record (it changed after it was built).
    """
    path = dist_dir / f"{master.stem}.zip"
    record = path.with_name(path.name + ".sha256")
    if not path.exists() or not record.exists() or path.stat().st_mtime < master.stat().st_mtime:
        with tempfile.TemporaryDirectory() as tmp:
            build_one(master, Path(tmp) / "student", dist_dir)
    expected = record.read_text(encoding="utf-8").split()[0]
    if sha256_of(path) != expected:
        raise ValueError(
            f"{path} changed after it was built (sha256 differs from {record.name}): someone or something "
            "rewrote it. Rebuild it with `python -m tools.student` and check what else changed."
        )
    return path, expected


def reduce_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The cells the grader executes: ``setup``, the imports cell after it, ``parameters``, and the exercises.

    The exercises start at the markdown cell that opens with ``## Exercises``; when a student deleted that
    heading, at the course's otter set-up cell (tagged ``otter_init``).
    """
    cells = nb.cells
    start = next(
        (
            i
            for i, c in enumerate(cells)
            if c.cell_type == "markdown" and c.source.lstrip().startswith(EXERCISES_HEADING)
        ),
        None,
    )
    if start is None:
        start = next(
            (i for i, c in enumerate(cells) if INIT_TAG in c.get("metadata", {}).get("tags", [])), None
        )
    if start is None:
        raise ValueError(
            f"no '{EXERCISES_HEADING}' heading and no otter set-up cell: restore the exercises section"
        )
    keep = []
    tagged = [
        i
        for i, c in enumerate(cells[:start])
        if {"setup", "parameters"} & set(c.get("metadata", {}).get("tags", []))
    ]
    for i in tagged:
        keep.append(i)
        if "setup" in cells[i].metadata.get("tags", []):
            imports = next((j for j in range(i + 1, start) if cells[j].cell_type == "code"), None)
            if imports is not None and imports not in tagged:
                keep.append(imports)
    reduced = nbformat.v4.new_notebook(metadata=nb.metadata)
    reduced.cells = [cells[i] for i in sorted(set(keep))] + list(cells[start:])
    return reduced


def _question_blocks(nb: nbformat.NotebookNode):
    """For each code cell of ``nb``: (cell, question name or None, inside a BEGIN TESTS block)."""
    import yaml

    question, in_tests = None, False
    for cell in nb.cells:
        lines = cell.source.strip().splitlines()
        first = lines[0].strip() if lines else ""
        if cell.cell_type == "raw":
            if first == "# BEGIN QUESTION":
                question = str((yaml.safe_load("\n".join(lines[1:])) or {}).get("name"))
            elif first == "# END QUESTION":
                question = None
            elif first == "# BEGIN TESTS":
                in_tests = True
            elif first == "# END TESTS":
                in_tests = False
        elif cell.cell_type == "code":
            yield cell, question, in_tests


def answer_names(master_nb: nbformat.NotebookNode) -> list[str]:
    """Names bound at top level by the master's answer cells: the only names a submission provides to the tests."""
    names: list[str] = []
    for cell, question, in_tests in _question_blocks(master_nb):
        if question is None or in_tests:
            continue
        tree = ast.parse(cell.source)
        for node in tree.body:
            targets = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                targets = [node.name]
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    targets += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
            names += [n for n in targets if n not in names]
    return names


def trusted_cells(master_nb: nbformat.NotebookNode) -> list[str]:
    """The master's cells the trusted worker runs: set-up, imports, parameters, and exercise cells of no question."""
    reduced = reduce_notebook(master_nb)
    start = next(i for i, c in enumerate(reduced.cells) if c.cell_type == "markdown")  # the Exercises heading
    cells = [c.source for c in reduced.cells[:start] if c.cell_type == "code"]
    exercises = nbformat.v4.new_notebook(cells=reduced.cells[start:])
    cells += [cell.source for cell, question, _ in _question_blocks(exercises) if question is None]
    return cells


def submission_cells(nb: nbformat.NotebookNode) -> list[str]:
    """The submission's code cells the sandbox runs: ``reduce_notebook`` without otter's set-up and check cells."""
    return [
        c.source
        for c in reduce_notebook(nb).cells
        if c.cell_type == "code"
        and INIT_TAG not in c.get("metadata", {}).get("tags", [])
        and not c.source.lstrip().startswith("grader.check")
    ]


def load_tests(data: bytes) -> dict[str, dict]:
    """The OK-format test specs in an autograder archive (its bytes), by question name."""
    import io

    specs = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("tests/") and name.endswith(".py"):
                scope: dict = {}
                exec(archive.read(name).decode("utf-8"), scope)  # our own archive, checked by its sha256
                specs[scope["test"]["name"]] = scope["test"]
    return specs


def question_score(points: float, cases: list[tuple[bool, bool]]) -> float:
    """Score of a question from its cases' ``(hidden, passed)``: see the module docstring; capped at ``points``."""
    hidden = [passed for is_hidden, passed in cases if is_hidden]
    public = [passed for is_hidden, passed in cases if not is_hidden]
    if hidden and public:
        share = PUBLIC_SHARE * sum(public) / len(public) + (1 - PUBLIC_SHARE) * sum(hidden) / len(hidden)
    else:
        share = sum(hidden or public) / len(hidden or public) if cases else 0.0
    return min(float(points), round(float(points) * share, 4))


class StudentFunction:
    """A student's function as the tests see it: calling it runs it in the sandbox and returns plain data."""

    __slots__ = ("_sandbox", "_name", "_notes")

    def __init__(self, sandbox, name: str, notes: list[str]):
        self._sandbox, self._name, self._notes = sandbox, name, notes

    def __call__(self, *args, **kwargs):
        from tools.sandbox import Refused

        try:
            return self._sandbox.call(self._name, args, kwargs)
        except Refused as error:
            self._notes.append(str(error))
            raise

    def __repr__(self) -> str:
        return f"<student function {self._name} (runs in the sandbox)>"


def _worker_grade(job: dict, env: dict) -> dict:
    """In the trusted worker: grade one submission; return its row (scores, status)."""
    from otter.test_files.ok_test import OKTestFile

    from tools.sandbox import Sandbox, SandboxGone

    started = time.monotonic()
    deadline = started + float(job["timeout"])
    questions, points, names = env["questions"], env["points"], env["names"]
    row: dict = {q: 0.0 for q in questions}
    submission = Path(job["submission"])
    try:
        if submission.stat().st_size > MAX_SUBMISSION_BYTES:
            raise ValueError(f"the file is larger than {MAX_SUBMISSION_BYTES // 2**20} MB")
        nb = nbformat.read(submission, as_version=4)
        got = nb.metadata.get("otter", {}).get("assignment_name")
        if got not in (None, env["stem"]):
            raise ValueError(f"this is a submission for {got!r}, not {env['stem']!r}")
        cells = submission_cells(nb)
    except Exception as error:  # unreadable JSON, not a notebook, wrong assignment, no exercises
        return {**row, "status": f"error: {type(error).__name__}: {str(error)[:200]}"}
    notes: list[str] = []
    try:
        sandbox = Sandbox(cells, names, deadline, env["data_dir"], env["memory_mb"], env["unsafe"])
    except SandboxGone as error:
        status = "timeout" if str(error) == "timeout" else f"error: {str(error)[:300]}"
        return {**row, "status": status}
    except Exception as error:  # a value that could not cross, a malformed answer
        return {**row, "status": f"error: {type(error).__name__}: {str(error)[:300]}"}
    with sandbox:
        namespace = dict(env["base"])
        for name in names:
            info = sandbox.names.get(name)
            kind = info.get("kind") if type(info) is dict else None
            if kind == "function":
                namespace[name] = StudentFunction(sandbox, name, notes)
            elif kind == "value":
                namespace[name] = info.get("value")
            elif kind == "refused":
                notes.append(str(info.get("message"))[:300])
        _reseed()
        for question in questions:
            test = OKTestFile.from_spec(env["tests"][question])
            try:
                test.run(namespace)
                cases = [(r.test_case.hidden, bool(r.passed)) for r in test.test_case_results]
            except Exception as error:  # noqa: BLE001 - a test runner failure costs the question, not the batch
                notes.append(f"{question}: {type(error).__name__}: {str(error)[:200]}")
                cases = []
            row[question] = question_score(points[question], cases)
        timed_out = sandbox.timed_out or time.monotonic() > deadline
    errors = [
        f"{e.get('ename')}: {str(e.get('evalue'))[:120]} (cell {e.get('cell')})"
        for e in sandbox.errors
        if type(e) is dict
    ]
    if timed_out:
        row["status"] = "timeout"
    elif errors or notes:
        row["status"] = "error: " + "; ".join(errors + notes)[:300]
    else:
        row["status"] = "ok"
    return row


def _reseed() -> None:
    """Same random state for every submission's tests (tests that draw unseeded numbers stay comparable)."""
    import random

    import numpy as np

    random.seed(42)
    np.random.seed(42)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(42)


def worker_main(master: str, archive: str, sha256: str, data_dir: str, memory_mb: str, unsafe: str) -> None:
    """The trusted worker: load the master's set-up and the tests once, then grade jobs read from stdin."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the master's cells or tests print goes to the worker's log, not the protocol
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1)
    data = Path(archive).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SystemExit(f"{archive} does not match its recorded sha256")
    master_nb = nbformat.read(master, as_version=4)
    os.environ.update(course_env())
    os.environ["RNN_COURSE_ROOT"] = str(ROOT)
    base: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    for index, source in enumerate(trusted_cells(master_nb)):
        exec(compile(source, f"<master cell {index}>", "exec"), base)
    questions = question_names(master_nb)
    tests = load_tests(data)
    missing = [q for q in questions if q not in tests]
    if missing:
        raise SystemExit(f"{archive} has no tests for {missing}: rebuild it with python -m tools.student")
    env = {
        "stem": Path(master).stem,
        "questions": questions,
        "points": question_points(Path(master)),
        "names": answer_names(master_nb),
        "tests": tests,
        "base": base,
        "data_dir": Path(data_dir) if data_dir else None,
        "memory_mb": int(memory_mb),
        "unsafe": unsafe == "1",
    }
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        row = _worker_grade(json.loads(line), env)
        protocol.write(json.dumps(row) + "\n")
        protocol.flush()


class Worker:
    """A trusted worker process (it never runs student code), killed and restarted when it overruns."""

    def __init__(self, args: list[str], folder: Path):
        self.args, self.folder, self.process = args, folder, None

    def start(self) -> None:
        self.log = open(self.folder / f"worker-{id(self)}-{time.monotonic_ns()}.log", "wb")
        env = {**os.environ, **course_env(), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
        env["TMPDIR"] = str(self.folder)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.grade", "--worker", *self.args],
            cwd=self.folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        if self._read(time.monotonic() + WORKER_START) is None:
            self.stop()
            tail = (self.folder / Path(self.log.name).name).read_text(errors="replace").strip()[-600:]
            raise RuntimeError(f"the grading worker did not start: {tail}")

    def _read(self, deadline: float) -> dict | None:
        buffer = b""
        while not buffer.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            buffer += chunk
        return json.loads(buffer)

    def grade(self, submission: Path, timeout: float) -> dict | None:
        """The row for one submission, or None when the worker overran (it is then stopped)."""
        if self.process is None:
            self.start()
        self.process.stdin.write(
            (json.dumps({"submission": str(submission), "timeout": timeout}) + "\n").encode()
        )
        self.process.stdin.flush()
        row = self._read(time.monotonic() + timeout + GRACE)
        if row is None:
            crashed = self.process.poll() is not None
            self.stop()
            if crashed:  # e.g. out of memory while rebuilding a submitted model
                return {"status": "error: the grading worker died on this submission"}
        return row

    def stop(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.process = None
            self.log.close()


def question_points(master: Path) -> dict[str, float]:
    """Points of each question of ``master``, from its ``# BEGIN QUESTION`` cells."""
    import yaml

    nb = nbformat.read(master, as_version=4)
    points = {}
    for cell in nb.cells:
        lines = cell.source.strip().splitlines()
        if cell.cell_type == "raw" and lines and lines[0].strip() == "# BEGIN QUESTION":
            config = yaml.safe_load("\n".join(lines[1:]))
            points[str(config["name"])] = config.get("points", 1)
    return points


def collect(paths: list[str]) -> list[Path]:
    """Submission files: each ``.ipynb`` given, and the ``*.ipynb`` files of each folder given, in order."""
    found = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p.resolve() for p in path.glob("*.ipynb"))
        elif path.exists():
            found.append(path.resolve())  # the grading workers do not run in the TA's folder
        else:
            raise ValueError(f"SUBMISSION {item!r} does not exist; pass .ipynb files or folders of them")
    if not found:
        raise ValueError("no submissions found; pass .ipynb files or folders of them")
    return found


def default_data_dir() -> Path | None:
    """The data folder mounted read-only into each sandbox: ``$RNN_COURSE_DATA``, the shared copy, or ``data/``."""
    for candidate in (os.environ.get("RNN_COURSE_DATA"), course_env().get("RNN_COURSE_DATA"), ROOT / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate).resolve()
    return None


def grade(
    notebook: str,
    submissions: list[str],
    out: Path,
    jobs: int = 2,
    timeout: float = 120,
    memory_mb: int = 6144,
    progress: bool = True,
    notebooks_dir: Path = NOTEBOOKS,
    dist_dir: Path = DIST,
    data_dir: Path | None = None,
    unsafe: bool = False,
) -> list[dict]:
    """Grade every submission against master ``notebook``, write ``out`` (CSV) and return the rows.

    Each row also has ``seconds``, the submission's wall time (not written to the CSV). Raises ``ValueError`` for
    bad arguments, a tampered archive, or a missing bwrap without ``unsafe``.
    """
    from tqdm import tqdm

    from tools.sandbox import check_bwrap

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout}")
    if not unsafe:
        check_bwrap()
    master = resolve_master(notebook, notebooks_dir)
    files = collect(submissions)
    archive, sha256 = autograder_zip(master, dist_dir)
    questions = question_names(nbformat.read(master, as_version=4))
    points = question_points(master)
    possible = sum(points.values())
    data = default_data_dir() if data_dir is None else Path(data_dir).resolve()
    if data is not None and not data.is_dir():
        raise ValueError(
            f"data folder {data_dir} does not exist; pass --data DIR with the course's data files"
        )
    args = [str(master), str(archive), sha256, str(data or ""), str(memory_mb), "1" if unsafe else "0"]
    folder = Path(tempfile.mkdtemp(prefix="rnn-grade-"))
    workers = [Worker(args, folder) for _ in range(min(jobs, len(files)))]
    free = list(workers)
    lock = threading.Lock()

    def grade_one(path: Path) -> dict:
        with lock:
            worker = free.pop()
        try:
            if worker.process is None:
                worker.start()  # not counted in the submission's seconds
            started = time.monotonic()
            row = worker.grade(path, timeout)
        except Exception as error:  # the worker could not start: the master's cells failed
            started = time.monotonic()
            worker.stop()
            row = {"status": f"error: grader failed: {str(error)[:300]}"}
        finally:
            with lock:
                free.append(worker)
        row = row or {"status": "timeout"}
        row = {"file": str(path), **{q: float(row.get(q, 0)) for q in questions}, "status": row["status"]}
        for q in questions:
            row[q] = max(0.0, min(row[q], float(points[q])))  # the worker caps already; the CSV never exceeds
        row["total"] = round(sum(row[q] for q in questions), 4)
        row["possible"] = possible
        if unsafe:
            row["status"] += UNSAFE_MARK
        row["seconds"] = round(time.monotonic() - started, 2)
        return row

    try:
        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            futures = [pool.submit(grade_one, f) for f in files]
            rows = [
                future.result()
                for future in tqdm(
                    futures, total=len(files), desc=f"grading {master.stem}", unit="nb", disable=not progress
                )
            ]
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for row in rows:
        if row["total"] > possible + 1e-9:
            raise RuntimeError(
                f"{row['file']} scored {row['total']} > possible {possible}: a grader bug, no CSV written"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(
            f, fieldnames=["file", *questions, "total", "possible", "status"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, out)
    return rows


def summary(rows: list[dict], wall: float) -> str:
    """A few lines on a graded batch: counts by status, mean score, times."""
    ok = sum(r["status"] == "ok" for r in rows)
    timeouts = sum(r["status"] == "timeout" for r in rows)
    errors = len(rows) - ok - timeouts
    possible = rows[0]["possible"] if rows else 0
    mean = statistics.mean(r["total"] for r in rows) if rows else 0
    median = statistics.median(r["seconds"] for r in rows) if rows else 0
    return (
        f"{len(rows)} submissions: {ok} ok, {timeouts} timeout, {errors} error | "
        f"mean score {mean:.2f} / {possible} | median {median:.1f} s per submission, batch {wall:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)  # internal: the trusted test process
    parser.add_argument("notebook", nargs="?", help="master: two-digit number or file stem")
    parser.add_argument("submissions", nargs="*", help="submitted .ipynb files or folders of them")
    parser.add_argument(
        "--out", type=Path, default=Path("grades.csv"), help="CSV to write (default grades.csv)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=120, help="wall-clock seconds per submission (default 120)"
    )
    parser.add_argument(
        "--memory", type=int, default=6144, help="address-space limit per submission, MB (default 6144)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data folder mounted read-only into each sandbox (default $RNN_COURSE_DATA, else data/)",
    )
    parser.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run submissions WITHOUT bubblewrap, as you: they can change your files and the grades; "
        "every row's status is marked",
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(*args.worker)
        return 0
    if not args.notebook or not args.submissions:
        parser.error("give NOTEBOOK and at least one SUBMISSION")
    started = time.monotonic()
    try:
        rows = grade(
            args.notebook,
            args.submissions,
            args.out,
            args.jobs,
            args.timeout,
            args.memory,
            data_dir=args.data,
            unsafe=args.unsafe_no_sandbox,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for row in rows:
        if row["status"] != "ok":
            print(f"{row['file']}: {row['status']}")
    print(summary(rows, time.monotonic() - started))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
