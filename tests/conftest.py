"""Shared test set-up: the repository on sys.path, the local data copy, and a notebook timing report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"
if "RNN_COURSE_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["RNN_COURSE_DATA"] = str(SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: notebook file name -> seconds, filled by tests/test_notebooks.py
NOTEBOOK_TIMES: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook execution times (CI parameters)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"{name:45s} {seconds:7.1f} s")
