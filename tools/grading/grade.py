"""Grade a folder of submissions: student code runs only in a bubblewrap sandbox, the tests outside it.

``python -m tools.grading.grade NOTEBOOK SUBMISSION... --out grades.csv [--jobs N] [--timeout S] [--memory MB]
[--data DIR] [--unsafe-no-sandbox]``

NOTEBOOK is the two-digit number (``01``) or the file stem (``01_rnn_unrolling``) of a master in ``notebooks/``;
SUBMISSION is a student's ``.ipynb`` (or a folder, whose ``*.ipynb`` files are all graded).

How a submission is graded (the trust model is in README.md, "For teaching assistants"):

1. The **sandbox** (:mod:`tools.grading.sandbox`, bubblewrap) runs the submission's ``setup``, imports and ``parameters``
   cells and its exercise cells (not the lesson, which trains models; not ``grader.check`` or the otter set-up
   cell). It sees the system, Python and ``utils/`` read-only, the data folder read-only, a private ``/tmp``; no
   network, no other submission, no master, no autograder archive, no hidden test, no CSV.
2. A **trusted worker** process (one per job) runs the *master's* set-up, imports and parameters cells and the
   exercise cells outside any question, and loads the tests, once. It never runs a test itself: for each
   submission it forks a child that runs each question's public and hidden cases from the autograder archive
   (otter's OK format, run by otter's own doctest runner) on a fresh copy of that namespace, sends the row back
   and exits, so nothing a submission's tests change (Keras's config, a module's globals) reaches the next
   submission. The names the master's answer cells define (``param_count``, ``my_result``...) are the only names
   taken from the submission: a function becomes a proxy that calls it in the sandbox, a variable is its value;
   both cross as plain data only (:mod:`tools.grading.sandbox_wire`: JSON and ``.npz`` without pickle). So nothing the
   submission does inside its interpreter (patching numpy, otter or ``assert``, equality objects, forged files)
   reaches a verdict.
3. A question scores ``points x (0.1 x share of public cases passed + 0.9 x share of hidden cases passed)``
   (all cases alike when a question has only one kind), capped at its points; a total above ``possible`` is a
   hard error. Public cases are the students' self-check; hidden cases decide the grade.
4. At ``--timeout`` the sandbox and every process in it are killed; the forked child is killed too if its own
   test code overruns by more than :data:`GRACE` seconds. A submission that timed out while other submissions
   were graded next to it (``--jobs`` above 1: a neighbour may have taken its CPU) is graded again alone after
   the batch, with no other sandbox running, before a timeout is written; if it then finishes, its status says
   so. A batch of N with T timeouts ends within about (N / jobs + T) x (timeout + GRACE) plus the workers'
   start. Temporary files live in one folder removed at the end.

The autograder archive (``dist/autograder/NN_name.zip``, built by ``python -m tools.authoring.student``, rebuilt here when
missing or older than the master) has its sha256 recorded next to it at build time (``.zip.sha256``); grading
refuses an archive that does not match. The CSV is written by this process after every sandbox is gone: one row
per submission, ``file``, one column per question, ``total``, ``possible`` and ``status``: ``ok``; ``timeout``;
or ``error: <reason>`` (a cell raised, a question whose answer raised, named with its exception as in
``q2: NameError: name 'x' is not defined``, a value could not cross, the notebook is unreadable). One bad
submission never stops the batch. Every control character in a file name or a status is escaped (``\\n``,
``\\x1b``) in the CSV and on the terminal, text fields are quoted, and one that would start a spreadsheet formula
(``= + - @``) is prefixed with ``'``: one physical line per row, nothing a terminal or a spreadsheet acts on.

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
import re
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

from tools.authoring.execute import course_env
from tools.authoring.student import (
    DIST,
    EXERCISES_HEADING,
    INIT_TAG,
    NOTEBOOKS,
    build_one,
    masters,
    question_names,
)
from utils.exercise import RULE_MESSAGE, source_uses

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ROOT / "student"
#: weight of the public cases in a question's score (the rest is the hidden cases')
PUBLIC_SHARE = 0.1
#: seconds a worker's own (trusted) test code may run past --timeout before the worker is killed
GRACE = 15
#: seconds a worker may take to start (import TensorFlow, run the master's set-up cells)
WORKER_START = 600
#: seconds the grader waits past timeout + GRACE for a worker that should have killed its overrunning child itself
WORKER_SLACK = 10
UNSAFE_MARK = " [unsafe: no sandbox]"
#: in the status of a submission that timed out next to other submissions and finished when graded alone
REGRADED = "re-graded alone"
MAX_SUBMISSION_BYTES = 64 * 1024 * 1024


def resolve_master(notebook: str, notebooks_dir: Path = NOTEBOOKS) -> Path:
    """The master notebook named by a two-digit number (``"01"``) or a file stem (``"01_rnn_unrolling"``)."""
    found = [
        p for p in masters(notebooks_dir) if notebook in (p.stem, p.stem.split("_")[0], p.name)
    ]
    if len(found) != 1:
        names = ", ".join(p.stem for p in masters(notebooks_dir)) or "none"
        raise ValueError(
            f"NOTEBOOK {notebook!r} names no single master; use a number or stem of: {names}"
        )
    return found[0]


def sha256_of(path: Path) -> str:
    """The sha256 of a file, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def autograder_zip(master: Path, dist_dir: Path = DIST) -> tuple[Path, str]:
    """The autograder archive of ``master`` and its sha256 recorded at build time.

    Built with tools.authoring.student when missing, older than the master, or without a record. Raises ``ValueError`` when
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
            "rewrote it. Rebuild it with `make student` and check what else changed."
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
            (i for i, c in enumerate(cells) if INIT_TAG in c.get("metadata", {}).get("tags", [])),
            None,
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
    # the Exercises heading
    start = next(i for i, c in enumerate(reduced.cells) if c.cell_type == "markdown")
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
                # our own archive, checked by its sha256
                exec(archive.read(name).decode("utf-8"), scope)
                specs[scope["test"]["name"]] = scope["test"]
    return specs


def question_score(points: float, cases: list[tuple[bool, bool]]) -> float:
    """Score of a question from its cases' ``(hidden, passed)``: see the module docstring; capped at ``points``."""
    hidden = [passed for is_hidden, passed in cases if is_hidden]
    public = [passed for is_hidden, passed in cases if not is_hidden]
    if hidden and public:
        share = PUBLIC_SHARE * sum(public) / len(public) + (1 - PUBLIC_SHARE) * sum(hidden) / len(
            hidden
        )
    else:
        share = sum(hidden or public) / len(hidden or public) if cases else 0.0
    return min(float(points), round(float(points) * share, 4))


class StudentFunction:
    """A student's function as the tests see it: calling it runs it in the sandbox and returns plain data."""

    __slots__ = ("_sandbox", "_name", "_notes", "_raised", "_uses")

    def __init__(
        self,
        sandbox,
        name: str,
        notes: list[str],
        raised: list[tuple[str, str]] | None = None,
        uses: frozenset[str] = frozenset(),
    ):
        self._sandbox, self._name, self._notes = sandbox, name, notes
        self._raised = [] if raised is None else raised
        self._uses = uses  # the names its source uses (utils.exercise.check_not_calling reads them)

    def __call__(self, *args, **kwargs):
        from tools.grading.sandbox import Refused, SandboxGone, StudentError

        try:
            return self._sandbox.call(self._name, args, kwargs)
        except Refused as error:
            self._notes.append(str(error))
            raise
        except SandboxGone:
            raise
        except (
            StudentError
        ) as error:  # its message is already "<student's exception type>: <message>"
            self._raised.append(("StudentError", str(error)))
            raise
        except (
            Exception
        ) as error:  # a built-in exception the student's function raised, rebuilt here
            self._raised.append((type(error).__name__, f"{type(error).__name__}: {error}"))
            raise

    def __repr__(self) -> str:
        return f"<student function {self._name} (runs in the sandbox)>"


def _worker_grade(job: dict, env: dict) -> dict:
    """In the trusted worker: grade one submission; return its row (scores, status)."""
    from otter.test_files.ok_test import OKTestFile

    from tools.grading.sandbox import Sandbox, SandboxGone

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
    # what the student's functions raised, while the current question runs
    raised: list[tuple[str, str]] = []
    answers_raised: dict[str, list[str]] = {}
    # per function of the submission: the names it uses (the questions' rules read them)
    uses = source_uses(cells)
    with sandbox:
        namespace = dict(env["base"])
        for name in names:
            info = sandbox.names.get(name)
            kind = info.get("kind") if type(info) is dict else None
            if kind == "function":
                namespace[name] = StudentFunction(
                    sandbox, name, notes, raised, uses.get(name, frozenset())
                )
            elif kind == "value":
                namespace[name] = info.get("value")
            elif kind == "refused":
                notes.append(str(info.get("message"))[:300])
        _reseed()
        # per question: cases and reasons lost (tools.grading.gradescope)
        details: dict[str, dict] = {}
        for question in questions:
            test = OKTestFile.from_spec(env["tests"][question])
            raised.clear()
            noted = len(notes)
            try:
                test.run(namespace)
                results = test.test_case_results
                cases = [(r.test_case.hidden, bool(r.passed)) for r in results]
            except Exception as error:  # noqa: BLE001 - a test runner failure costs the question, not the batch
                notes.append(f"{question}: {type(error).__name__}: {str(error)[:200]}")
                results, cases = [], []
            found = raised_in_failures(results, raised)
            if found:
                answers_raised[question] = found
            broken = broken_rules(results)
            # a rule case (utils.exercise.check_not_calling) earns nothing itself: it can only zero the question
            cases = [
                case
                for case, r in zip(cases, results)
                if "check_not_calling(" not in str(r.test_case.body)
            ]
            if broken:
                notes.append(f"{question}: scored 0, {broken}")
                cases = [(hidden, False) for hidden, _ in cases]
            row[question] = question_score(points[question], cases)
            details[question] = {"cases": cases, "reasons": found + notes[noted:]}
        row["details"] = details
        timed_out = sandbox.timed_out or time.monotonic() > deadline
    errors = [
        f"{e.get('ename')}: {str(e.get('evalue'))[:120]} (cell {e.get('cell')})"
        for e in sandbox.errors
        if type(e) is dict
    ]
    if timed_out:
        row["status"] = "timeout"
    else:
        row["status"] = compose_status(errors, answers_raised, notes)
    return row


def broken_rules(results) -> str:
    """What a question's failed rule cases say (``utils.exercise.check_not_calling``), or ``""`` when none failed.

    A rule case is one whose code calls ``check_not_calling``; when it fails, the answer calls a course function the
    question does not allow, and the whole question scores 0 (the statement and the self-check say so).
    """
    messages = []
    for result in results:
        if result.passed or "check_not_calling(" not in str(result.test_case.body):
            continue
        message = str(result.message or "")
        match = re.search(re.escape(RULE_MESSAGE) + r": ([^.\n]+)", message)
        # a rule case can also fail because the answer is missing: that is not a forbidden call
        if match:
            messages.append(f"it calls {match.group(1)}")
    return "; ".join(dict.fromkeys(messages))


#: the longest status written to the CSV; longer ones are summarised (every question that raised stays named)
MAX_STATUS = 600
#: the longest single message (one cell's error, one question's exception, one note) in a status
MAX_ITEM = 160


def raised_in_failures(results, raised: list[tuple[str, str]]) -> list[str]:
    """The exceptions the student's functions raised that made a case of this question fail, without repeats.

    A case failed by an exception when otter's message for it (the doctest runner's report) holds an
    ``Exception raised:`` block; the exception is the student's when its class name (a built-in, or
    ``StudentError`` for any other class, see :meth:`tools.grading.sandbox.Sandbox.call`) appears in that block, so an
    exception a test expects and catches is not reported, and a test that fails on a wrong value is not either.
    """
    if not raised:
        return []
    failed = [str(getattr(r, "message", "")) for r in results if not r.passed]
    blocks = [m.split("Exception raised:", 1)[1] for m in failed if "Exception raised:" in m]
    found: list[str] = []
    for kind, text in raised:
        if any(kind in block for block in blocks) and text not in found:
            found.append(text)
    return found


def _shorten(text: str, limit: int = MAX_ITEM) -> str:
    """``text`` on one line (controls escaped), cut to ``limit`` characters."""
    text = escape_controls(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compose_status(
    errors: list[str], answers_raised: dict[str, list[str]], notes: list[str]
) -> str:
    """One line: ``ok``, or ``error:`` followed by the cells that raised, each question whose answer raised with
    its exception (``q2: NameError: name 'x' is not defined``), and the other notes; no message twice.

    Capped at :data:`MAX_STATUS` characters; when the messages do not fit, every question that raised is still
    named (``answers raised in q1, q3 (q1: ...)``) and the rest is counted, never cut mid-list.
    """
    raw = (
        errors
        + [f"{q}: " + " | ".join(dict.fromkeys(texts)) for q, texts in answers_raised.items()]
        + notes
    )
    if not raw:
        return "ok"
    for limit in (MAX_ITEM, 80, 48):  # shorter messages before fewer messages
        everything = list(dict.fromkeys(_shorten(item, limit) for item in raw))
        status = "error: " + "; ".join(everything)
        if len(status) <= MAX_STATUS:
            return status
    head = "error: "
    if answers_raised:
        head += f"answers raised in {', '.join(answers_raised)}; "
    parts, left = [], MAX_STATUS - len(head) - 40
    for item in everything:
        if len(item) + 2 > left:
            break
        parts.append(item)
        left -= len(item) + 2
    rest = len(everything) - len(parts)
    return head + "; ".join(parts) + (f"; +{rest} more" if rest else "")


def _reseed() -> None:
    """Same random state for every submission's tests (tests that draw unseeded numbers stay comparable)."""
    import random

    import numpy as np

    random.seed(42)
    np.random.seed(42)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(42)


def worker_main(
    master: str, archive: str, sha256: str, data_dir: str, memory_mb: str, unsafe: str
) -> None:
    """The trusted worker: load the master's set-up and the tests once, then grade jobs read from stdin."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # whatever the master's cells or tests print goes to the worker's log, not the protocol
    os.dup2(2, 1)
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
        raise SystemExit(f"{archive} has no tests for {missing}: rebuild it with `make student`")
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
    if env["unsafe"] and os.environ.get(RUN_AS_VARIABLE):
        # tools.grading.sandbox's unsafe agent command
        sys.executable = _run_as_launcher(os.environ[RUN_AS_VARIABLE])
    run_as = os.environ.get(RUN_AS_VARIABLE) if env["unsafe"] else None
    fork = not tensorflow_runtime_started()
    protocol.write(json.dumps({"ready": True, "fork": fork}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        # a forked child could not use TensorFlow: grade here, once, and exit (a fresh worker next)
        if not fork:
            started = time.monotonic()
            row = _worker_grade(json.loads(line), env)
            row["fork_seconds"] = None
            row["worker_seconds"] = round(time.monotonic() - started, 4)
            if run_as:
                reap_user(run_as)  # what the submission left running (a daemon in its own session)
            protocol.write(json.dumps(row) + "\n")
            protocol.flush()
            return
        row = _forked_grade(json.loads(line), env)
        if run_as:
            reap_user(run_as)
        protocol.write(json.dumps(row) + "\n")
        protocol.flush()


#: set by a driver running as root without bwrap (tools.grading.gradescope): the user the unsafe agent runs as
RUN_AS_VARIABLE = "RNN_GRADE_AGENT_USER"
#: the folders of the launchers (/tmp/rnn-run-as-UID-*): removed when the worker exits normally, else by the driver
RUN_AS_PREFIX = "rnn-run-as-"
#: the most processes and threads the agent's user may have at once (RLIMIT_NPROC, counted for the whole user)
RUN_AS_NPROC = 4096

_LAUNCHER = """#!{python}
# Written by tools.grading.grade: runs as root, gives the student's agent its own home and drops to {user!r}, then runs it.
import ctypes, os, resource, sys, tempfile

uid, gid = {uid}, {gid}
home = tempfile.mkdtemp(prefix="home-", dir=os.path.dirname(os.path.abspath(__file__)))
os.chown(home, uid, gid)
old = os.environ.get("HOME", "")
for key, value in list(os.environ.items()):
    if old and value.startswith(old):
        os.environ[key] = home + value[len(old):]
os.environ["TMPDIR"] = home  # its temporary files stay in its home, removed with the launcher's folder
os.environ["USER"] = os.environ["LOGNAME"] = "student"  # the user may have no account: no lookup needs one
os.chdir(home)
# processes and threads of the user, all together: a fork bomb stops there (a Keras process uses a few hundred)
resource.setrlimit(resource.RLIMIT_NPROC, ({nproc}, {nproc}))
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid or os.getgroups():
    raise SystemExit("could not drop to " + {user!r})
try:
    ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid program helps it
except Exception:
    pass
os.execv({python!r}, [{python!r}, *sys.argv[1:]])
"""


def _run_as_launcher(user: str) -> str:
    """An executable that runs its arguments with this Python as ``user`` (no groups, no new privileges).

    Used as the unsafe agent's interpreter when the grader runs as root and bwrap cannot create a sandbox (a
    Gradescope container): the student's code then runs in its own process as an unprivileged user.
    """
    if os.geteuid() != 0:
        raise SystemExit(f"{RUN_AS_VARIABLE}={user} needs the grader to run as root")
    uid, gid = user_ids(user)  # KeyError names a user the machine lacks
    # not $TMPDIR: the user could not reach it; named after the uid, so a driver removes its own folders only
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_AS_PREFIX}{uid}-", dir="/tmp"))
    launcher = folder / "python-as-user"
    # sys.executable not resolved: a venv's python is a link
    text = _LAUNCHER.format(python=sys.executable, user=user, uid=uid, gid=gid, nproc=RUN_AS_NPROC)
    launcher.write_text(text, encoding="utf-8")
    launcher.chmod(0o700)
    folder.chmod(0o711)  # the user may pass through to its home in it, not list it
    import atexit

    atexit.register(shutil.rmtree, folder, True)  # the launcher and the homes it made
    return str(launcher)


def user_ids(user: str) -> tuple[int, int]:
    """(uid, gid) of ``user``: a name with an account, or a number (``"2100001234"``: that uid and gid, no account
    needed; tools.grading.gradescope gives each run its own)."""
    if user.isdigit():
        return int(user), int(user)
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def reap_user(user: str) -> None:
    """Kill every process of ``user`` (the unsafe agent's user), those it started in a new session included.

    A child drops to ``user`` and sends SIGKILL to every process it may signal (``kill(-1)``): exactly the
    processes of that user, which the student's code cannot leave. Used between submissions and after grading by
    a driver that runs the agent as an unprivileged user of its own (tools.grading.gradescope: a uid per run, so that no
    other grader's processes share it).
    """
    uid, gid = user_ids(user)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:  # no process of the user was left
                pass
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"could not end the processes of {user!r}")


def tensorflow_runtime_started() -> bool:
    """Whether this process has started TensorFlow's runtime (an eager op ran), whose thread pools a forked child
    does not inherit: TensorFlow then hangs in the child (tests/test_grading_trusted.py shows it). Importing
    TensorFlow or Keras, setting seeds and building the master's pandas/NumPy data do not start it."""
    if "tensorflow" not in sys.modules:
        return False
    try:
        from tensorflow.python.eager import context
    except ImportError:  # a TensorFlow without this module: assume the worst
        return True
    current = getattr(context, "_context", None)
    return current is not None and getattr(current, "_context_handle", None) is not None


def _forked_grade(job: dict, env: dict) -> dict:
    """Grade one job in a child forked from the worker, so no state the job's tests change survives it.

    The worker (the parent) only imported the master's cells and the tests; it never runs a test. The child grades
    the submission, sends its row through a pipe and exits; nothing it changes (Keras's config, module globals,
    random state, the tests' namespace) reaches the parent or the next submission. A child still running at
    ``timeout + GRACE`` is killed (its sandbox dies with it) and the row says ``overran``.
    """
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    forked = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: grade, answer, exit without running the parent's clean-up
        code = 0
        try:
            os.close(read_end)
            row = _worker_grade(job, env)
            data = (json.dumps(row) + "\n").encode()
            while data:
                data = data[os.write(write_end, data) :]
        except BaseException:  # noqa: BLE001 - reported by the parent as a crash
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    fork_seconds = time.monotonic() - forked
    os.close(write_end)
    deadline = time.monotonic() + float(job["timeout"]) + GRACE
    buffer = b""
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"overran": True}
            chunk = os.read(pipe.fileno(), 1 << 16)
            if not chunk:
                break
            buffer += chunk
    _, status = os.waitpid(pid, 0)
    try:
        row = json.loads(buffer)
    except ValueError:
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit {os.waitstatus_to_exitcode(status)}"
        )
        return {"status": f"error: the grading worker died on this submission ({how})"}
    row["fork_seconds"] = round(fork_seconds, 4)
    return row


class Worker:
    """A trusted worker process (it never runs student code), killed and restarted when it overruns."""

    def __init__(self, args: list[str], folder: Path):
        self.args, self.folder, self.process = args, folder, None

    def start(self) -> None:
        self.log = open(self.folder / f"worker-{id(self)}-{time.monotonic_ns()}.log", "wb")
        env = {**os.environ, **course_env(), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
        env["TMPDIR"] = str(self.folder)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.grading.grade", "--worker", *self.args],
            cwd=self.folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        ready = self._read(time.monotonic() + WORKER_START)
        self.forks = bool(ready.get("fork")) if isinstance(ready, dict) else False
        if ready is None:
            self.stop()
            tail = (
                (self.folder / Path(self.log.name).name).read_text(errors="replace").strip()[-600:]
            )
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
        row = self._read(time.monotonic() + timeout + GRACE + WORKER_SLACK)
        # the worker itself stopped answering (it kills an overrunning child on its own)
        if row is None:
            crashed = self.process.poll() is not None
            self.stop()
            if crashed:  # e.g. out of memory while rebuilding a submitted model
                return {"status": "error: the grading worker died on this submission"}
        # the child overran timeout + GRACE and was killed: the worker stays warm
        elif row.get("overran"):
            return None
        # it graded in its own process and exits: the next submission gets a fresh one
        elif not self.forks:
            self.stop()
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


#: characters a terminal or a spreadsheet could act on, besides C0/C1 controls: line and paragraph separators and
#: the bidirectional overrides and isolates (they reorder what the TA reads)
_INVISIBLE = {0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: a spreadsheet reads a cell that starts with one of these as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_controls(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1) and line/bidi separator written as an escape
    (``\\n``, ``\\t``, ``\\x1b``, ``\\u202e``), so it stays one line and a terminal shows it as typed."""
    out = []
    for char in str(text):
        code = ord(char)
        if char in _NAMED:
            out.append(_NAMED[char])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif code in _INVISIBLE:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def spreadsheet_safe(text: str) -> str:
    """``text`` escaped (:func:`escape_controls`) and, if it would start a formula (``= + - @``), prefixed with a
    single quote so a spreadsheet shows it as text."""
    text = escape_controls(text)
    return "'" + text if text.startswith(FORMULA_START) else text


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
            raise ValueError(
                f"SUBMISSION {item!r} does not exist; pass .ipynb files or folders of them"
            )
    if not found:
        raise ValueError("no submissions found; pass .ipynb files or folders of them")
    return found


def default_data_dir() -> Path | None:
    """The data folder mounted read-only into each sandbox: ``$RNN_COURSE_DATA``, the shared copy, or ``data/``."""
    for candidate in (
        os.environ.get("RNN_COURSE_DATA"),
        course_env().get("RNN_COURSE_DATA"),
        ROOT / "data",
    ):
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

    from tools.grading.sandbox import check_bwrap

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
    args = [
        str(master),
        str(archive),
        sha256,
        str(data or ""),
        str(memory_mb),
        "1" if unsafe else "0",
    ]
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
        fork_seconds = row.get("fork_seconds")
        details = row.get("details")
        status = str(row["status"])
        row = {"file": escape_controls(str(path)), **{q: _number(row.get(q)) for q in questions}}
        for q in questions:
            # the worker caps already; the CSV never exceeds
            row[q] = max(0.0, min(row[q], float(points[q])))
        row["total"] = round(sum(row[q] for q in questions), 4)
        row["possible"] = possible
        row["status"] = escape_controls(status + (UNSAFE_MARK if unsafe else ""))
        row["seconds"] = round(time.monotonic() - started, 2)
        if fork_seconds is not None:
            row["fork_seconds"] = fork_seconds
        # per question: cases (hidden, passed) and reasons; not in the CSV
        if isinstance(details, dict):
            row["details"] = details
        return row

    try:
        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            futures = [pool.submit(grade_one, f) for f in files]
            rows = [
                future.result()
                for future in tqdm(
                    futures,
                    total=len(files),
                    desc=f"grading {master.stem}",
                    unit="nb",
                    disable=not progress,
                )
            ]
        # A submission that timed out while others were graded may have lost its CPU to a neighbour (a
        # submission can keep every core busy until its own timeout): grade it again alone before writing a 0.
        again = (
            [i for i, row in enumerate(rows) if row["status"].startswith("timeout")]
            if len(workers) > 1
            else []
        )
        for worker in workers[1:]:
            worker.stop()  # no other sandbox runs during a re-grade
        del workers[1:]
        free[:] = workers
        for i in again:
            first = rows[i]
            rows[i] = grade_one(files[i])
            rows[i]["regraded"] = True
            rows[i]["seconds_first"] = first["seconds"]
            # it finished alone: a neighbour had cost it the time
            if not rows[i]["status"].startswith("timeout"):
                rows[i]["status"] += f" ({REGRADED} after a timeout next to other submissions)"
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for row in rows:
        if row["total"] > possible + 1e-9:
            raise RuntimeError(
                f"{row['file']} scored {row['total']} > possible {possible}: a grader bug, no CSV written"
            )
    write_csv(out, rows, ["file", *questions, "total", "possible", "status"])
    return rows


def _number(value) -> float:
    """A score from the worker as a float (0 for anything that is not a finite number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number == number and abs(number) != float("inf") else 0.0


def write_csv(out: Path, rows: list[dict], fields: list[str]) -> None:
    """Write ``rows`` to ``out`` atomically: one physical line per row, text fields quoted, escaped
    (:func:`escape_controls`) and never read as a formula (:func:`spreadsheet_safe`), so a spreadsheet that splits
    on ``;`` or ``,`` still sees each text field as one cell of text."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(fields)
        writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        for row in rows:
            writer.writerow(
                [spreadsheet_safe(row[k]) if isinstance(row[k], str) else row[k] for k in fields]
            )
    os.replace(partial, out)


def summary(rows: list[dict], wall: float) -> str:
    """A few lines on a graded batch: counts by status, mean score, times."""
    ok = sum(r["status"].startswith("ok") for r in rows)
    timeouts = sum(r["status"].startswith("timeout") for r in rows)
    errors = len(rows) - ok - timeouts
    regraded = sum(bool(r.get("regraded")) for r in rows)
    possible = rows[0]["possible"] if rows else 0
    mean = statistics.mean(r["total"] for r in rows) if rows else 0
    median = statistics.median(r["seconds"] for r in rows) if rows else 0
    return (
        f"{len(rows)} submissions: {ok} ok, {timeouts} timeout, {errors} error | "
        f"mean score {mean:.2f} / {possible} | median {median:.1f} s per submission, batch {wall:.1f} s"
        + (f" | {regraded} timed out next to others and were re-graded alone" if regraded else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # internal: the trusted test process
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("notebook", nargs="?", help="master: two-digit number or file stem")
    parser.add_argument("submissions", nargs="*", help="submitted .ipynb files or folders of them")
    parser.add_argument(
        "--out", type=Path, default=Path("grades.csv"), help="CSV to write (default grades.csv)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="submissions graded at once (default 2)"
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="wall-clock seconds per submission (default 120)"
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=6144,
        help="address-space limit per submission, MB (default 6144)",
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
        print(f"error: {escape_controls(error)}", file=sys.stderr)
        return 2
    for row in rows:
        if row["status"] != "ok":
            print(f"{escape_controls(row['file'])}: {escape_controls(row['status'])}")
    print(summary(rows, time.monotonic() - started))
    print(f"wrote {escape_controls(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
