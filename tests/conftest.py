"""Shared test set-up: the repository on sys.path, the local data copy, the session's folder and site cache, the
CI-mode site (built once per session), the order and grouping of the run (``make test`` runs it in parallel
workers with pytest-xdist), and three timing reports (notebooks, test files, the timeline of the files)."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"
if "RNN_COURSE_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["RNN_COURSE_DATA"] = str(SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: One folder per test session, shared by the parallel workers (they inherit the environment of the process that
#: starts them, which imports this file first). It holds the session's site cache: the notebook tests and the site
#: build share their runs there, and nothing is written into the repository while the grading tests check that
#: no file of the course changes.
if "RNN_TEST_SESSION_DIR" not in os.environ:
    os.environ["RNN_TEST_SESSION_DIR"] = tempfile.mkdtemp(prefix="rnn-test-session-")
    atexit.register(shutil.rmtree, os.environ["RNN_TEST_SESSION_DIR"], True)
SESSION_DIR = Path(os.environ["RNN_TEST_SESSION_DIR"])
os.environ["RNN_COURSE_SITE_CACHE"] = str(SESSION_DIR / "site-cache")

#: notebook file name -> seconds, from tests/test_notebooks.py's reports (None: the site build ran it)
NOTEBOOK_TIMES: dict[str, float | None] = {}
#: test file -> seconds (set-up, call and tear-down of its tests)
FILE_TIMES: dict[str, float] = defaultdict(float)
#: test file -> [worker, first start, last stop] (wall clock), for the run's timeline
FILE_SPANS: dict[str, list] = {}


NOTEBOOKS_FIRST = "tests/test_notebooks.py::test_notebook_executes"
COLAB_CHECK = "tests/test_colab.py::test_every_notebook_runs_in_the_colab_replica"
#: the two files that share the built site (the ``built`` fixture)
SITE_FILES = ("tests/test_site.py", "tests/test_accessibility.py")
#: files whose tests take minutes, longest first (a fresh clone's run, 2 cores): handed out first, so that no
#: worker starts one of them when the others are nearly done. An order only: a file not listed runs after them.
SLOW_FILES = (
    "tests/test_gradescope.py",
    "tests/test_grading.py",
    "tests/test_grading_trusted.py",
    "tests/test_grading_hostile.py",
    "tests/test_exercise_design_late.py",
    "tests/test_sandbox_isolation.py",
    "tests/test_chollet_protocol.py",
)
#: the tests that first use the Gradescope hostile run (the module fixture that holds readable_notebooks exclusive)
EXCLUSIVE_FIRST = (
    "tests/test_gradescope.py::test_hostile_set_through_gradescope_without_namespaces",
    "tests/test_gradescope.py::test_hostile_set_leaves_",
)
#: the Colab check started in the background at collection (one per session, whichever process starts it)
COLAB_DIR = SESSION_DIR / "colab-check"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order of the run. ``make test`` hands out whole test files to its parallel workers (pytest-xdist's
    ``loadfile``, in this order), so a file's module fixtures are built once. The notebooks come first: their
    runs go to the session's site cache, where the site that tests/test_site.py and tests/test_accessibility.py
    build reads them (a run still going on in another worker is waited for, not repeated:
    tools.site.build.run_or_reuse). Then the site files, the slow files longest first, the rest; the Colab
    check's file comes last: its test waits for the check that :func:`pytest_collection_finish` started. In
    the Gradescope file, the hostile run goes first: it holds :func:`readable_notebooks` exclusive, and early
    in the run fewer workers are in the files that must wait for it."""

    def rank(item: pytest.Item) -> tuple[int, int, int]:
        nodeid = item.nodeid
        file = nodeid.split("::")[0]
        if nodeid.split("[")[0] == NOTEBOOKS_FIRST:
            return (0, 0, 0)
        if file in SITE_FILES:
            return (1, 0, 0)
        if file in SLOW_FILES:
            return (2, SLOW_FILES.index(file), int(not item.nodeid.startswith(EXCLUSIVE_FIRST)))
        return (4, 0, 0) if file == COLAB_CHECK.split("::")[0] else (3, 0, 0)

    items.sort(key=rank)


#: seconds per cell in the Colab check's test: twice the slowest whole notebook there (06's lecture version, about
#: 200 s), so that a hung reply (tools.colab.check.run_with_one_retry) costs minutes before its retry, not 20
COLAB_CELL_TIMEOUT = 420


def colab_check_command(report: Path) -> list[str]:
    """``tools.colab.check`` as its test runs it, at a lower priority (nice 5)."""
    check = [
        sys.executable,
        "-m",
        "tools.colab.check",
        "--strict",
        "--timeout",
        str(COLAB_CELL_TIMEOUT),
    ]
    return ["nice", "-n", "5", *check, "--report", str(report)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """When the Colab check is selected (and Colab's Python is here), start it now, in the background at
    nice 5: it uses the cores the other tests leave idle (sandbox time-outs, the browser) instead of adding
    its whole time at the end. Every parallel worker collects; the first to claim ``COLAB_DIR`` starts it.
    Its test, in whichever worker, waits for its exit status file and checks its report."""
    if session.config.option.collectonly or not any(
        item.nodeid == COLAB_CHECK for item in session.items
    ):
        return
    from tools.colab import check

    if check.find_python(check.python_version()) is None:
        return  # the test skips, saying so
    try:
        COLAB_DIR.mkdir(parents=True)
    except FileExistsError:
        return  # another worker started it
    report, log, status = COLAB_DIR / "report.json", COLAB_DIR / "log.txt", COLAB_DIR / "status"
    # the exit status is written last, through a rename: its test reads it as "the check has ended"
    wrapper = 'started=$(date +%s); "$@"; echo "$? $(( $(date +%s) - started ))" > "$0.tmp" && mv "$0.tmp" "$0"'
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["sh", "-c", wrapper, str(status), *colab_check_command(report)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels too end with it (pytest_sessionfinish)
        )
    (COLAB_DIR / "pid").write_text(str(process.pid))


#: files whose tests run the local grader (its worker's command line names the master notebook, readable in the
#: course folder) or leave solved notebooks readable in /tmp: the Gradescope hostile test, whose attacks run
#: without namespaces and read every notebook they can find, must not run beside them (see readable_notebooks)
EXPOSING_FILES = (
    "tests/test_grading.py",
    "tests/test_grading_trusted.py",
    "tests/test_grading_hostile.py",
    "tests/test_grading_wire.py",
    "tests/test_sandbox_isolation.py",
    "tests/test_exercise_rules.py",
    "tests/test_exercise_design_early.py",
    "tests/test_exercise_design_late.py",
)


@contextlib.contextmanager
def readable_notebooks(exclusive: bool) -> Iterator[None]:
    """A lock across the parallel workers: tests of :data:`EXPOSING_FILES` hold it shared; the Gradescope
    hostile run holds it exclusive, so no other test's solved notebook is on the machine while its attacks
    look for one (on Gradescope, a container holds one submission). A waiting exclusive holder closes the
    gate to new shared holders, so it is not starved."""
    import fcntl

    with open(SESSION_DIR / "notebooks.gate", "a") as gate:
        with open(SESSION_DIR / "notebooks.lock", "a") as lock:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            finally:
                fcntl.flock(gate, fcntl.LOCK_UN)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _notebooks_shown(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.nodeid.split("::")[0] in EXPOSING_FILES:
        with readable_notebooks(exclusive=False):
            yield
    else:
        yield


def colab_check_result(timeout: float) -> tuple[int, float, str, Path] | None:
    """(exit status, seconds, log, report) of the check started at collection, once it has ended; None if
    none was started. Waits at most ``timeout`` seconds."""
    if not (COLAB_DIR / "pid").exists():
        return None
    status, deadline = COLAB_DIR / "status", time.monotonic() + timeout
    while not status.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the Colab check did not end in {timeout:.0f} s")
        time.sleep(2)
    code, seconds = status.read_text().split()
    log = (COLAB_DIR / "log.txt").read_text(encoding="utf-8", errors="replace")
    return int(code), float(seconds), log, COLAB_DIR / "report.json"


@pytest.fixture(scope="session")
def built() -> Path:
    """The website built in CI mode, once for the whole session (tests/test_site.py, tests/test_accessibility.py),
    in the session's folder: the first worker that needs it builds it, under a lock; another one waits for it."""
    import fcntl

    out = SESSION_DIR / "site" / "site"
    out.parent.mkdir(exist_ok=True)
    with open(SESSION_DIR / "site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out.parent / "built").exists():
            return out
        start = time.perf_counter()
        command = [sys.executable, "-m", "tools.site.build", "--mode", "ci", "--out", str(out)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        report = "\n".join(
            line for line in result.stdout.splitlines() if not re.match(r"[IEW]\d{4} ", line)
        )
        print(f"site build (CI mode): {time.perf_counter() - start:.1f} s\n{report}")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        (out.parent / "built").touch()
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A Colab check still running when the session ends (its test was not reached) is ended: by the process
    that made the session's folder (the one that started the parallel workers, or the only one)."""
    if hasattr(session.config, "workerinput") or not (COLAB_DIR / "pid").exists():
        return
    if not (COLAB_DIR / "status").exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int((COLAB_DIR / "pid").read_text()), signal.SIGTERM)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Per-file times and spans (worker, first start, last stop), and the notebooks' run times (reported by each
    notebook test, in any worker)."""
    file = report.nodeid.split("::")[0]
    FILE_TIMES[file] += report.duration
    worker = getattr(getattr(getattr(report, "node", None), "gateway", None), "id", "main")
    span = FILE_SPANS.setdefault(file, [worker, report.start, report.stop])
    span[1], span[2] = min(span[1], report.start), max(span[2], report.stop)
    for name, value in report.user_properties:
        if name == "notebook_seconds" and report.when == "call":
            NOTEBOOK_TIMES[report.nodeid.split("[")[1].split("]")[0] + ".ipynb"] = value


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook execution times (CI parameters)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            shown = "run by the site build" if seconds is None else f"{seconds:7.1f} s"
            terminalreporter.write_line(f"{name:45s} {shown}")
    if FILE_TIMES:
        terminalreporter.section("time per test file")
        for name, seconds in sorted(FILE_TIMES.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{name:45s} {seconds:7.1f} s")
        terminalreporter.write_line(f"{'all':45s} {sum(FILE_TIMES.values()):7.1f} s")
    if FILE_SPANS:
        terminalreporter.section("timeline (seconds from the first test; worker, from, to)")
        zero = min(span[1] for span in FILE_SPANS.values())
        for name, (worker, start, stop) in sorted(FILE_SPANS.items(), key=lambda kv: kv[1][1]):
            terminalreporter.write_line(
                f"{name:45s} {worker:5s} {start - zero:7.0f} {stop - zero:7.0f}"
            )
