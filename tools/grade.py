"""Grade a folder of submissions with otter-grader, without Docker.

``python -m tools.grade NOTEBOOK SUBMISSION... --out grades.csv [--jobs N] [--timeout S] [--memory MB]``

NOTEBOOK is the two-digit number (``01``) or the file stem (``01_rnn_unrolling``) of a master in ``notebooks/``;
SUBMISSION is a student's ``.ipynb`` (or a folder, whose ``*.ipynb`` files are all graded).

Grading is fast because it executes only what the exercises need: the notebook is reduced to the ``setup`` cell,
the imports cell (the first code cell after it), the ``parameters`` cell and every cell from the ``## Exercises``
heading to the end (exercises are self-contained, see CONTRIBUTING.md); the lesson, which trains models, is not
run. Each reduced submission is graded by ``otter run`` (``otter.run.main``) against the autograder archive that
``python -m tools.student`` writes to ``dist/autograder/`` (rebuilt here when missing or older than the master),
in its own temporary folder and process, under a wall-clock timeout and a memory limit (``RLIMIT_AS``).

The CSV has one row per submission: ``file``, one column per question (its score), ``total``, ``possible`` and
``status``: ``ok``; ``timeout``; or ``error: <reason>`` (a cell raised, the notebook is unreadable, the grader
crashed). Scores are kept when a cell raised: the other questions still count. One bad submission never stops
the batch.

The submissions run as you, unisolated: for untrusted code use ``otter grade`` (Docker) instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from tools.execute import course_env
from tools.student import DIST, EXERCISES_HEADING, INIT_TAG, NOTEBOOKS, build_one, masters, question_names

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "student"


def resolve_master(notebook: str, notebooks_dir: Path = NOTEBOOKS) -> Path:
    """The master notebook named by a two-digit number (``"01"``) or a file stem (``"01_rnn_unrolling"``)."""
    found = [p for p in masters(notebooks_dir) if notebook in (p.stem, p.stem.split("_")[0], p.name)]
    if len(found) != 1:
        names = ", ".join(p.stem for p in masters(notebooks_dir)) or "none"
        raise ValueError(f"NOTEBOOK {notebook!r} names no single master; use a number or stem of: {names}")
    return found[0]


def autograder_zip(master: Path, dist_dir: Path = DIST) -> Path:
    """The autograder archive of ``master``, built with tools.student when missing or older than the master."""
    path = dist_dir / f"{master.stem}.zip"
    if not path.exists() or path.stat().st_mtime < master.stat().st_mtime:
        with tempfile.TemporaryDirectory() as tmp:
            build_one(master, Path(tmp) / "student", dist_dir)
    return path


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


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run_one(submission: str, autograder: str, results: str, memory_mb: str) -> None:
    """Child process: grade one reduced notebook with otter run and write scores and cell errors as JSON."""
    _limit_memory(int(memory_mb))  # inherited by the kernel that otter starts
    from otter.run import main as otter_run

    graded = otter_run(submission, autograder=autograder, output_dir=None, no_logo=True)
    errors = []
    for index, cell in enumerate(graded.notebook.cells if graded.notebook else []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(
                    f"{output.get('ename')}: {str(output.get('evalue'))[:120]} (graded cell {index})"
                )
    scores = {name: graded.get_score(name) for name in graded.test_files}
    crash = graded.catastrophic_error
    Path(results).write_text(
        json.dumps({"scores": scores, "errors": errors, "crash": repr(crash) if crash else None}),
        encoding="utf-8",
    )


def _prepare(submission: Path, master: Path, folder: Path) -> Path:
    nb = nbformat.read(submission, as_version=4)
    expected = master.stem
    got = nb.metadata.get("otter", {}).get("assignment_name")
    if got not in (None, expected):
        raise ValueError(f"this is a submission for {got!r}, not {expected!r}")
    reduced = reduce_notebook(nb)
    reduced.metadata.setdefault("otter", {})["assignment_name"] = expected
    path = folder / f"{expected}.ipynb"
    nbformat.write(reduced, path)
    return path


def grade_one(
    submission: Path, master: Path, autograder: Path, questions: list[str], timeout: float, memory_mb: int
) -> dict:
    """Grade one submission in its own temporary folder and process; return its CSV row (never raises)."""
    row: dict = {"file": str(submission), **{q: 0 for q in questions}, "total": 0, "possible": None}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        tmp = Path(tmp)
        try:
            path = _prepare(submission, master, tmp)
        except Exception as error:  # unreadable JSON, not a notebook, wrong assignment, no exercises
            row["status"] = f"error: {type(error).__name__}: {str(error)[:200]}"
            row["seconds"] = round(time.monotonic() - started, 2)
            return row
        results = tmp / "results.json"
        # the repository for `utils` (the set-up cell reads RNN_COURSE_ROOT) and the local data copy, as tools.execute
        env = {**os.environ, **course_env(), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-m",
            "tools.grade",
            "--run-one",
            str(path),
            str(autograder),
            str(results),
            str(memory_mb),
        ]
        process = subprocess.Popen(
            command,
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a timeout kills the kernel too
        )
        try:
            log, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            row["status"] = "timeout"
        else:
            try:
                payload = json.loads(results.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                last = [line for line in log.strip().splitlines() if line.strip()][-1:] or ["no output"]
                row["status"] = f"error: grader failed (exit {process.returncode}): {last[0][:200]}"
            else:
                row.update({q: payload["scores"].get(q, 0) for q in questions})
                if payload["crash"]:
                    row["status"] = f"error: {payload['crash'][:200]}"
                elif payload["errors"]:
                    row["status"] = "error: " + "; ".join(payload["errors"])[:300]
                else:
                    row["status"] = "ok"
        finally:
            try:  # the kernel may outlive a crashed child
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    row["total"] = sum(row[q] for q in questions)
    row["seconds"] = round(time.monotonic() - started, 2)
    return row


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
            found += sorted(path.glob("*.ipynb"))
        elif path.exists():
            found.append(path)
        else:
            raise ValueError(f"SUBMISSION {item!r} does not exist; pass .ipynb files or folders of them")
    if not found:
        raise ValueError("no submissions found; pass .ipynb files or folders of them")
    return found


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
) -> list[dict]:
    """Grade every submission against master ``notebook``, write ``out`` (CSV) and return the rows.

    Each row also has ``seconds``, the submission's wall time (not written to the CSV).
    """
    from tqdm import tqdm

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout}")
    master = resolve_master(notebook, notebooks_dir)
    files = collect(submissions)
    autograder = autograder_zip(master, dist_dir)
    questions = question_names(nbformat.read(master, as_version=4))
    possible = sum(question_points(master).values())
    rows: list[dict] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(grade_one, f, master, autograder, questions, timeout, memory_mb) for f in files
        ]
        for future in tqdm(
            futures, total=len(files), desc=f"grading {master.stem}", unit="nb", disable=not progress
        ):
            rows.append(future.result())
    for row in rows:
        row["possible"] = possible
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(
            f, fieldnames=["file", *questions, "total", "possible", "status"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
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
    parser.add_argument("--run-one", nargs=4, help=argparse.SUPPRESS)  # internal: the per-submission child
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
    args = parser.parse_args(argv)
    if args.run_one:
        _run_one(*args.run_one)
        return 0
    if not args.notebook or not args.submissions:
        parser.error("give NOTEBOOK and at least one SUBMISSION")
    started = time.monotonic()
    try:
        rows = grade(args.notebook, args.submissions, args.out, args.jobs, args.timeout, args.memory)
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
