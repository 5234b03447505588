"""Gradescope autograder archives that grade with the same core as ``tools.grading.grade``.

``python -m tools.grading.gradescope build [NN ...] [--out DIR] [--timeout S]`` writes ``dist/gradescope/NN_name.zip``
for each master named (every master when none is): a TA uploads it as is ("Zip file upload" of a programming
assignment's autograder). The archive holds

- ``setup.sh``: the course's own, pip-based set-up. It targets Gradescope's Ubuntu base images (24.04, whose
  ``python3`` is 3.12; on 22.04 it installs ``python3.11`` from Ubuntu's universe), installs ``bubblewrap`` with
  apt when it can, makes a virtual environment (``$RNN_GRADESCOPE_VENV``, default ``/autograder/venv``) and
  installs the course's pinned ``requirements.txt`` and ``requirements-grading.txt`` (what the grader imports
  besides: tqdm) into it;
- ``run_autograder``: runs ``python -m tools.grading.gradescope run`` from the source folder with that environment;
- ``utils/``, the ``tools/`` modules the grader and the notebooks import, the master notebook, the otter
  autograder archive (public and hidden tests) with its sha256, the data the exercises use, and
  ``gradescope.json`` (the notebook, its questions and points, the timeout).

``python -m tools.grading.gradescope run [--root DIR ...]`` grades the one ``.ipynb`` in ``ROOT/submission`` (ROOT is
``$RNN_GRADESCOPE_ROOT``, default ``/autograder``; several roots holding the same archive are graded in one run) with :func:`tools.grading.grade.grade` - the same cells, tests, scoring
and status as the local batch driver - and writes ``ROOT/results/results.json`` in Gradescope's format: the total,
one test per question and kind of case (public cases visible; hidden ones ``after_published``), each with the
reasons it lost points. The student's code runs in bubblewrap's sandbox when bwrap works in the container;
otherwise, as root, in its own process as a user of its own (uid :data:`RUN_AS_BASE` + the driver's pid, no account,
no groups, no new privileges; every process of that uid ends with the run), with the master, the
tests and the results folder made root-only. A set-up failure (a package missing, course files missing, no
readable notebook) gives every question 0 with the reason ("the course could not be set up: ...") and exit 1.

This module imports only the standard library at the top, so a broken environment still writes results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "gradescope"
MANIFEST = "gradescope.json"
#: the tools/ modules the archive carries: the grader and its sandbox (notebooks import only utils/)
TOOLS = (
    "__init__.py",
    "authoring/__init__.py",
    "authoring/execute.py",
    "authoring/student.py",
    "authoring/sync.py",
    "authoring/templates/setup_cell.py",
    "grading/__init__.py",
    "grading/grade.py",
    "grading/gradescope.py",
    "grading/sandbox.py",
    "grading/sandbox_agent.py",
    "grading/sandbox_limits.py",
    "grading/sandbox_wire.py",
)
#: what the grader imports besides requirements.txt (pinned to this environment's versions at build time)
GRADING_EXTRAS = ("tqdm",)
#: the data sets that graded exercises read (06 and 06b: Beijing; 07: Tiny Shakespeare)
GRADED_DATA = ("beijing", "shakespeare")
#: the student's code runs as uid RUN_AS_BASE + the driver's pid when bwrap cannot make a sandbox and the grader is
#: root: a uid no account has, and no other run at the same time (pids are unique), so ending all its processes
#: (tools.grading.grade.reap_user) ends this run's student code and nothing else
RUN_AS_BASE = 2_100_000_000


def run_as() -> str:
    """The uid (as text) the student's code runs as in this run, without namespaces."""
    return str(RUN_AS_BASE + os.getpid())


DEFAULT_TIMEOUT = 300
SETUP_FAILED = "the course could not be set up"

SETUP_SH = """\
#!/usr/bin/env bash
# Set-up of the rnn-course Gradescope autograder for {stem} (written by `python -m tools.grading.gradescope build`).
# Target: Gradescope's Ubuntu base images: 24.04 (python3 is 3.12) or 22.04 (python3.11 from Ubuntu's universe).
# pip only (no conda): the course's pinned requirements.txt into a virtual environment, and bubblewrap with apt.
# RNN_GRADESCOPE_VENV (default /autograder/venv): the environment; one that exists already is installed into.
# RNN_GRADESCOPE_PYTHON: the Python to make it with; RNN_GRADESCOPE_NO_APT=1: do not use apt-get.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
VENV="${{RNN_GRADESCOPE_VENV:-/autograder/venv}}"
new_enough() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}
if [ -z "${{RNN_GRADESCOPE_NO_APT:-}}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || true
    apt-get install -y -q python3 python3-venv python3-pip bubblewrap || true
    new_enough python3 || apt-get install -y -q python3.11 python3.11-venv || true
fi
PYTHON="${{RNN_GRADESCOPE_PYTHON:-}}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.12 python3.11 python3.13 python3; do
        if command -v "$candidate" >/dev/null && new_enough "$candidate"; then PYTHON="$candidate"; break; fi
    done
fi
if [ ! -x "$VENV/bin/python" ]; then
    if [ -z "$PYTHON" ]; then echo "setup.sh: no Python >= 3.11 found; the course needs one" >&2; exit 1; fi
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check -q \\
    -r "$SOURCE/requirements.txt" -r "$SOURCE/requirements-grading.txt"
"$VENV/bin/python" -c "import tensorflow, keras, otter, nbformat, tqdm" && echo "setup.sh: course environment ready"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Grades /autograder/submission/*.ipynb into /autograder/results/results.json (`python -m tools.grading.gradescope run`).
# RNN_GRADESCOPE_ROOT (default /autograder) and RNN_GRADESCOPE_VENV (default /autograder/venv) move them.
ROOT="${RNN_GRADESCOPE_ROOT:-/autograder}"
PY="${RNN_GRADESCOPE_VENV:-/autograder/venv}/bin/python"
[ -x "$PY" ] || PY=python3  # a failed set-up: the driver still writes results.json with the reason
cd "$ROOT/source" && exec "$PY" -m tools.grading.gradescope run --root "$ROOT" "$@"
"""


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def _installed_version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def graded_data(data_dir: Path | None) -> list[Path]:
    """The files of :data:`GRADED_DATA` (with ``SOURCES.md`` where there is one), downloaded when missing.

    ``data_dir`` is the course's data folder (``RNN_COURSE_DATA``, ../shared/data or data/) or ``None``; then
    the course looks where a notebook does (data/, then Keras's cache) and downloads into data/, as a notebook
    would on first use. Offline and without a copy, the error says which file to place where.
    """
    from utils.data import DataError, fetch

    files = []
    for name in GRADED_DATA:
        try:
            files.append(fetch(name, data_dir))
        except DataError as err:
            raise ValueError(
                f"the archive must carry the data the exercises read ({', '.join(GRADED_DATA)}), and {err}"
            ) from err
    sources = data_dir / "SOURCES.md" if data_dir is not None else None
    return files + ([sources] if sources is not None and sources.is_file() else [])


def build_one(master: Path, out_dir: Path = DIST, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Write ``out_dir/<master stem>.zip``, the Gradescope autograder of ``master``; return its path."""
    import nbformat

    from tools.authoring.student import DIST as OTTER_DIST
    from tools.authoring.student import question_names
    from tools.grading.grade import autograder_zip, default_data_dir, question_points

    if timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout}")
    stem = master.stem
    data_files = graded_data(default_data_dir())
    otter_zip, sha256 = autograder_zip(master, OTTER_DIST)
    manifest = {
        "notebook": stem,
        "questions": question_names(nbformat.read(master, as_version=4)),
        "points": question_points(master),
        "timeout": timeout,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.zip"
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.format(stem=stem).encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _add(archive, "requirements.txt", (ROOT / "requirements.txt").read_bytes())
        extras = "".join(f"{p}=={_installed_version(p)}\n" for p in GRADING_EXTRAS)
        _add(archive, "requirements-grading.txt", extras.encode())
        _add(archive, MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
        for file in sorted((ROOT / "utils").rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                _add(archive, file.relative_to(ROOT).as_posix(), file.read_bytes())
        for name in TOOLS:
            _add(archive, f"tools/{name}", (ROOT / "tools" / name).read_bytes())
        _add(archive, f"notebooks/{master.name}", master.read_bytes())
        _add(archive, f"dist/autograder/{otter_zip.name}", otter_zip.read_bytes())
        _add(
            archive,
            f"dist/autograder/{otter_zip.name}.sha256",
            f"{sha256}  {otter_zip.name}\n".encode(),
        )
        for file in data_files:
            _add(archive, f"data/{file.name}", file.read_bytes())
    os.replace(partial, path)
    return path


def build(
    notebooks: list[str] | None = None, out_dir: Path = DIST, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Build the Gradescope archive of each master named (numbers or stems; all when none); return the paths."""
    from tools.authoring.student import masters
    from tools.grading.grade import resolve_master

    paths = [resolve_master(n) for n in notebooks] if notebooks else masters()
    return [build_one(p, out_dir, timeout) for p in paths]


# ---------------------------------------------------------------------------------------------------------------
# run_autograder


class SetupFailed(RuntimeError):
    """The course cannot grade in this container (a package, a course file, the submission is missing)."""


def _manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        manifest["questions"], manifest["points"]  # noqa: B018 - both must be there
    except Exception as error:  # noqa: BLE001
        raise SetupFailed(
            f"{MANIFEST} is missing or unreadable in {source} ({type(error).__name__}: {error})"
        ) from None
    return manifest


def _failure(manifest: dict | None, message: str, seconds: float) -> dict:
    """results.json for a set-up failure: every question 0, the reason visible everywhere."""
    text = f"{SETUP_FAILED}: {message}" if not message.startswith("no notebook") else message
    tests = []
    if manifest:
        for question in manifest["questions"]:
            tests.append(
                {
                    "name": question,
                    "score": 0.0,
                    "max_score": float(manifest["points"][question]),
                    "output": text,
                    "visibility": "visible",
                }
            )
    return {
        "score": 0.0,
        "execution_time": round(seconds, 2),
        "output": text
        + "\nNothing of your submission was graded; this is not your error. Tell the course staff.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _find_submission(folder: Path, stem: str) -> Path:
    found = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    named = [p for p in found if p.name == f"{stem}.ipynb"]
    if len(named) == 1:
        return named[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise SetupFailed(
            f"no notebook submitted: upload your {stem}.ipynb (the .ipynb file itself)"
        )
    names = ", ".join(p.name for p in found[:5])
    raise SetupFailed(
        f"no notebook to grade: {len(found)} notebooks were submitted ({names}); upload {stem}.ipynb only"
    )


def _check_environment(source: Path, manifest: dict) -> None:
    stem = manifest["notebook"]
    needed = [
        source / "utils" / "notebook.py",
        source / "tools" / "grading" / "grade.py",
        source / "tools" / "grading" / "sandbox_agent.py",
        source / "notebooks" / f"{stem}.ipynb",
        source / "dist" / "autograder" / f"{stem}.zip",
        source / "dist" / "autograder" / f"{stem}.zip.sha256",
        source / "data",
    ]
    missing = [str(p.relative_to(source)) for p in needed if not p.exists()]
    if missing:
        raise SetupFailed(f"course files missing from the autograder: {', '.join(missing)}")
    # found, not imported (the trusted worker imports them; a broken install stops it, which is a set-up failure too)
    from importlib.util import find_spec

    missing = [
        name
        for name in ("keras", "nbformat", "numpy", "otter", "tensorflow", "tqdm")
        if find_spec(name) is None
    ]
    if missing:
        raise SetupFailed(f"a package is missing ({', '.join(missing)}); did setup.sh run?")


def _isolation(source: Path, results: Path) -> str:
    """``"bwrap"`` when a sandbox works here; else ``"user"`` (as root: the agent runs as :func:`run_as`)."""
    from tools.grading.sandbox import SandboxUnavailable, check_bwrap

    try:
        # as in a container that refuses namespaces (tests)
        if os.environ.get("RNN_GRADESCOPE_NO_BWRAP"):
            raise SandboxUnavailable("RNN_GRADESCOPE_NO_BWRAP is set")
        check_bwrap()
        return "bwrap"
    except SandboxUnavailable as error:
        reason = str(error)
    if os.geteuid() != 0:
        raise SetupFailed(
            f"bwrap cannot sandbox the student's code here ({reason[:200]}) and the grader is not root"
        )
    # what the student's process may read: the course code, the data, the Python; not the master, the tests, results
    for folder in (source / "notebooks", source / "dist", results):
        os.chown(folder, 0, 0)
        folder.chmod(0o700)
    for top in (source / "utils", source / "tools", source / "data"):
        for path in [top, *top.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    for folder in (source, *source.parents):
        # enter, not list, the way to the course code
        folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
    return "user"


def _split(points: float, cases: list, score: float) -> list[tuple[str, float, float, list]]:
    """(kind, max, score, cases) per kind of case; the parts add up to the question's score."""
    public = [c for c in cases if not c[0]]
    hidden = [c for c in cases if c[0]]
    if public and hidden:
        from tools.grading.grade import PUBLIC_SHARE

        public_score = min(
            score, round(points * PUBLIC_SHARE * sum(p for _, p in public) / len(public), 4)
        )
        return [
            ("public", points * PUBLIC_SHARE, public_score, public),
            ("hidden", points * (1 - PUBLIC_SHARE), score - public_score, hidden),
        ]
    return [("hidden" if hidden else "public", float(points), score, hidden or public)]


def results_json(manifest: dict, row: dict, mode: str, seconds: float) -> dict:
    """Gradescope's results.json for a graded row of :func:`tools.grading.grade.grade`."""
    from tools.grading.grade import UNSAFE_MARK

    status = str(row["status"]).replace(UNSAFE_MARK, "")
    details = row.get("details") or {}
    tests = []
    for question in manifest["questions"]:
        points = float(manifest["points"][question])
        info = details.get(question) or {}
        cases = [tuple(c) for c in info.get("cases", [])]
        reasons = [str(r) for r in info.get("reasons", [])]
        if not cases:
            why = "; ".join(reasons) or (status if status != "ok" else "its tests did not run")
            tests.append(
                {
                    "name": question,
                    "score": row[question],
                    "max_score": points,
                    "output": f"not graded: {why}",
                    "visibility": "visible",
                }
            )
            continue
        for kind, most, score, chosen in _split(points, cases, row[question]):
            passed = sum(p for _, p in chosen)
            lines = [f"{passed} of {len(chosen)} {kind} cases passed."]
            if reasons and kind == "public" or reasons and len(cases) == len(chosen):
                lines.append("Why it lost points: " + "; ".join(reasons))
            tests.append(
                {
                    "name": f"{question} ({kind} cases)",
                    "score": score,
                    "max_score": most,
                    "output": " ".join(lines),
                    "visibility": "visible" if kind == "public" else "after_published",
                }
            )
    where = (
        "in a bubblewrap sandbox (no network, no access to the tests)"
        if mode == "bwrap"
        else f"in its own process as an unprivileged user of its own (uid {run_as()}; this container refuses namespaces)"
    )
    output = (
        f"{manifest['notebook']}: {row['total']} of {row['possible']} points. Status: {status}.\n"
        f"Your code ran {where}; the grader ran the set-up, imports, parameters and exercise cells only.\n"
        "Each question: 10% from its public cases (the ones grader.check runs), 90% from hidden cases "
        "(shown after grades are published)."
    )
    return {
        "score": row["total"],
        "execution_time": round(seconds, 2),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _write(results: Path, payload: dict) -> None:
    results.mkdir(parents=True, exist_ok=True)
    partial = results / "results.json.partial"
    partial.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, results / "results.json")


def _prepare(root: Path) -> tuple[dict | None, Path | None, str | None]:
    """(manifest, submission, None) for a root ready to grade, or (manifest, None, reason) for a set-up failure."""
    source, results = root / "source", root / "results"
    if not (source / "tools" / "grading" / "grade.py").exists():
        source = ROOT  # run from an unpacked archive that is not at ROOT/source
    manifest = None
    try:
        manifest = _manifest(source)
        results.mkdir(parents=True, exist_ok=True)
        submission = _find_submission(root / "submission", manifest["notebook"])
        _check_environment(source, manifest)
        import nbformat

        try:
            nbformat.read(submission, as_version=4)
        except Exception as error:  # noqa: BLE001
            raise SetupFailed(
                f"no notebook to grade: {submission.name} could not be read as a notebook ({type(error).__name__}); "
                "upload the .ipynb file that Jupyter or Colab saves"
            ) from None
    except SetupFailed as error:
        return manifest, None, str(error)
    except Exception as error:  # noqa: BLE001 - never a silent low score
        return manifest, None, f"{type(error).__name__}: {error}"
    return manifest, submission, None


def run(roots: Path | list[Path]) -> int:
    """Grade each root's submission into ``root/results/results.json``; 0 when all were graded, 1 when any had a
    set-up failure (its results.json says why).

    Gradescope gives one root (``/autograder``). Several roots holding the same archive are graded by one worker,
    one submission after another (the tests use this to grade many submissions at the cost of one start).
    """
    roots = [roots] if isinstance(roots, Path) else list(roots)
    started = time.monotonic()
    prepared = {root: _prepare(root) for root in roots}
    ready = [root for root, (_, submission, _) in prepared.items() if submission is not None]
    failures = {root: reason for root, (_, _, reason) in prepared.items() if reason is not None}
    payloads: dict[Path, dict] = {}
    if ready:
        source = ready[0] / "source"
        if not (source / "tools" / "grading" / "grade.py").exists():
            source = ROOT
        manifest = prepared[ready[0]][0]
        others = [r for r in ready[1:] if prepared[r][0] != manifest]
        for root in others:
            failures[root] = (
                f"{root} holds another archive than {ready[0]}: grade it in its own run"
            )
        ready = [r for r in ready if r not in others]
        try:
            mode = _isolation(source, ready[0] / "results")
            for root in ready[1:]:
                if (root / "source" / "tools").exists():
                    _isolation(root / "source", root / "results")
            from tools.grading import grade as grading

            if mode == "user":
                os.environ[grading.RUN_AS_VARIABLE] = run_as()
            stem = manifest["notebook"]
            dist = source / "dist" / "autograder"
            # newer than the master, whatever the unpacking did: tools.grading.grade must not rebuild it
            for path in (dist / f"{stem}.zip", dist / f"{stem}.zip.sha256"):
                os.utime(path)
            timeout = float(
                os.environ.get("RNN_GRADESCOPE_TIMEOUT") or manifest.get("timeout", DEFAULT_TIMEOUT)
            )
            try:
                with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
                    rows = grading.grade(
                        stem,
                        [str(prepared[root][1]) for root in ready],
                        Path(tmp) / "grades.csv",
                        jobs=1,
                        timeout=timeout,
                        progress=False,
                        notebooks_dir=source / "notebooks",
                        dist_dir=dist,
                        data_dir=source / "data",
                        unsafe=mode != "bwrap",
                    )
            finally:
                if mode == "user":
                    grading.reap_user(run_as())  # whatever the student's code left running
                    # the launchers and homes of this run's uid (not another run's: each has its own uid)
                    for folder in Path("/tmp").glob(f"{grading.RUN_AS_PREFIX}{run_as()}-*"):
                        shutil.rmtree(folder, ignore_errors=True)
            for root, row in zip(ready, rows):
                if str(row["status"]).startswith("error: grader failed"):
                    failures[root] = str(row["status"])[len("error: ") :]
                else:
                    seconds = (
                        time.monotonic() - started if len(ready) == 1 else float(row["seconds"])
                    )
                    payloads[root] = results_json(manifest, row, mode, seconds)
        except SetupFailed as error:
            failures.update({root: str(error) for root in ready})
        except Exception as error:  # noqa: BLE001 - any other failure of the grader: never a silent low score
            failures.update({root: f"{type(error).__name__}: {error}" for root in ready})
    for root in roots:
        if root in failures:
            _write(
                root / "results",
                _failure(prepared[root][0], failures[root], time.monotonic() - started),
            )
            print(f"{SETUP_FAILED}: {failures[root]}", file=sys.stderr)
        else:
            _write(root / "results", payloads[root])
            print(payloads[root]["output"])
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write dist/gradescope/NN_name.zip")
    make.add_argument(
        "notebooks", nargs="*", help="masters: two-digit numbers or stems (default: all)"
    )
    make.add_argument(
        "--out", type=Path, default=DIST, help="folder to write (default dist/gradescope)"
    )
    make.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds per submission (default 300)",
    )
    grade = commands.add_parser("run", help="grade as Gradescope's run_autograder")
    grade.add_argument(
        "--root",
        type=Path,
        action="append",
        help="Gradescope's folder with source/, submission/, results/ (default $RNN_GRADESCOPE_ROOT or /autograder); "
        "repeat it to grade several roots holding the same archive in one run",
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.root or [Path(os.environ.get("RNN_GRADESCOPE_ROOT") or "/autograder")])
    try:
        paths = build(args.notebooks, args.out, args.timeout)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in paths:
        size = path.stat().st_size
        print(
            f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({size / 2**20:.2f} MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
