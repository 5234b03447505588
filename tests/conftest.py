"""Shared test set-up: the repository on sys.path, the local data copy, the CI-mode site (built once per session),
the order of the run, and two timing reports (notebooks, test files)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"
if "RNN_COURSE_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["RNN_COURSE_DATA"] = str(SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: notebook file name -> seconds, filled by tests/test_notebooks.py
NOTEBOOK_TIMES: dict[str, float] = {}
#: test file -> seconds (set-up, call and tear-down of its tests)
FILE_TIMES: dict[str, float] = defaultdict(float)


NOTEBOOKS_FIRST = "tests/test_notebooks.py::test_notebook_executes"
COLAB_CHECK = "tests/test_colab.py::test_every_notebook_runs_in_the_colab_replica"
#: the Colab check started in the background at collection: process, report, log, started
BACKGROUND: dict = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the notebooks first: their executed copies go to the site's execution cache
    (tests/test_notebooks.py), so the site that tests/test_site.py and tests/test_accessibility.py
    build later reuses them instead of running every notebook a second time. The Colab check's test
    comes last: it waits for the check that :func:`pytest_collection_finish` started."""

    def rank(item: pytest.Item) -> int:
        name = item.nodeid.split("[")[0]
        return 0 if name == NOTEBOOKS_FIRST else 2 if name == COLAB_CHECK else 1

    items.sort(key=rank)


def colab_check_command(report: Path) -> list[str]:
    """``tools.colab.check`` as its test runs it, at a low priority (nice 10)."""
    check = [sys.executable, "-m", "tools.colab.check", "--strict", "--timeout", "1200"]
    return ["nice", "-n", "10", *check, "--report", str(report)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """When the Colab check is selected (and Colab's Python is here), start it now, in the background
    at nice 10: it uses the cores the other tests leave idle (sandbox time-outs, the browser) instead
    of adding its whole time at the end. Its test waits for it and checks its report."""
    if session.config.option.collectonly or not any(
        item.nodeid == COLAB_CHECK for item in session.items
    ):
        return
    from tools.colab import check

    if check.find_python(check.python_version()) is None:
        return  # the test skips, saying so
    folder = Path(tempfile.mkdtemp(prefix="rnn-colab-check-"))
    report, log = folder / "report.json", folder / "log.txt"
    with open(log, "w") as out:
        process = subprocess.Popen(
            colab_check_command(report),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels too end with it (pytest_sessionfinish)
        )
    BACKGROUND.update(process=process, report=report, log=log, started=time.monotonic())


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The website built in CI mode, once for the whole session (tests/test_site.py, tests/test_accessibility.py)."""
    out = tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    command = [sys.executable, "-m", "tools.site.build", "--mode", "ci", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    report = "\n".join(
        line for line in result.stdout.splitlines() if not re.match(r"[IEW]\d{4} ", line)
    )
    print(f"site build (CI mode): {time.perf_counter() - start:.1f} s\n{report}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A Colab check still running when the session ends (its test was not reached) is ended."""
    process = BACKGROUND.get("process")
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    FILE_TIMES[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook execution times (CI parameters)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"{name:45s} {seconds:7.1f} s")
    if FILE_TIMES:
        terminalreporter.section("time per test file")
        for name, seconds in sorted(FILE_TIMES.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{name:45s} {seconds:7.1f} s")
        terminalreporter.write_line(f"{'all':45s} {sum(FILE_TIMES.values()):7.1f} s")
