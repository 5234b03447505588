"""Helpers shared by the grading tests: one build of every master per test session, and a grading call."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from tools.authoring import student
from tools.grading import grade as grading

TIMEOUT = 300  # seconds per submission: honest submissions of 02b, 05, 06 and 07 took over 60 s on a loaded
# 2-core machine (06 trains two models); the hostile test bounds its own batch with a shorter timeout


@functools.cache
def built() -> tuple[Path, Path]:
    """A fresh build of every master, once per session: (student folder, autograder folder)."""
    out = Path(tempfile.mkdtemp(prefix="grading-build-"))
    atexit.register(shutil.rmtree, out, True)
    student.build(student.NOTEBOOKS, out / "student", out / "dist")
    return out / "student", out / "dist"


def grade(
    tmp_path: Path,
    dist: Path,
    notebook: str,
    submissions: list[Path],
    timeout: float = TIMEOUT,
    **kw,
):
    """Grade with --jobs 2 into ``tmp_path/grades.csv``; rows by file name."""
    rows = grading.grade(
        notebook,
        [str(s) for s in submissions],
        tmp_path / "grades.csv",
        jobs=2,
        timeout=timeout,
        progress=False,
        dist_dir=dist,
        **kw,
    )
    return {Path(row["file"]).name: row for row in rows}
