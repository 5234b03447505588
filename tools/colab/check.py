"""Run the course in a replica of Google Colab's runtime: ``python -m tools.colab.check`` (``make colab-check``).

Students open the course in Colab, so Colab's package set is the one that matters most. This check

1. builds a virtual environment from Colab's Python (3.13, found through pyenv) and the ``name==version`` lines of
   Colab's own package record (``tools/colab/pip-freeze.txt``): every package the course imports, the kernel stack,
   and every Colab package a full ``pip install otter-grader`` would touch (:data:`REPLICA_PACKAGES`; their
   dependencies come along, pinned by the same record). The environment is cached outside the clone, in
   ``~/.cache/rnn-course/colab-<hash>`` (``$RNN_COURSE_CACHE``), keyed on the interpreter, the record and this
   selection, so later runs (and CI's fresh clones) reuse it; each run works on a hard-linked copy, never on it;
2. runs every lecture notebook (``notebooks/``) and every student notebook (``student/``, with the master's
   solutions filled in) with their CI parameters in that environment, as Colab would: in an empty folder, with
   ``google.colab`` imported, so the set-up cell takes its Colab branch (``git clone``, served from a snapshot of
   this working tree, and, in the student version, the ``pip install`` of otter-grader, exactly as stamped);
3. fails when a cell raises, when a ``grader.check`` cell does not pass, when the set-up cell changes a package
   Colab preinstalled (``pip freeze`` before and after; new packages are listed), when the lecture version installs
   anything, or when an interactive widget's callback fails after its slider moves;
4. records every DeprecationWarning, PendingDeprecationWarning and FutureWarning: one raised at a line of the
   course's own code (a notebook cell or ``utils/``) fails the check; one raised inside a library during a call
   from our code is listed.

The notebooks run under the driver's papermill (the development environment); only the kernel runs in the replica,
so nothing that Colab lacks is added to it. When Colab's Python is missing the check says so and skips (exit 0,
or exit 1 with ``--strict``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.authoring import student
from tools.authoring.sync import COLAB_STUDENT_PINS

ROOT = Path(__file__).resolve().parents[2]
COLAB_RECORD = ROOT / "tools" / "colab"
FREEZE = COLAB_RECORD / "pip-freeze.txt"
OS_INFO = COLAB_RECORD / "os-info.txt"
KERNEL_NAME = "rnn-course-colab-replica"
#: bump when the way the replica is built changes, so that cached replicas are rebuilt
BUILD_VERSION = 2

# fmt: skip: one line of names under each group's comment (one a line would take 30 lines)
#: What the replica installs from Colab's record; their dependencies come along, pinned by the same record.
REPLICA_PACKAGES = [
    # what the course imports (utils/, the notebooks)
    "tensorflow", "keras", "numpy", "pandas", "matplotlib", "ipywidgets", "ipython",
    # the kernel a Colab notebook runs in
    "ipykernel", "jupyter-client", "matplotlib-inline",
    # otter-grader 7's requirements that Colab has: the set-up cell must leave every one as it is
    "click", "dill", "jinja2", "jupytext", "nbconvert", "nbformat", "pyyaml", "requests", "wrapt",
    "widgetsnbextension",
    # the requirements of what the student set-up cell adds (fica, python-frontmatter, ipylab)
    "docutils", "sphinx",
]  # fmt: skip

#: Parameters set on top of the CI parameters in the replica: Colab has a widget front end, so the slider is shown
#: (and moved by the probe cell) instead of the static figures a CI run draws.
COLAB_OVERRIDES = {"INTERACTIVE": True}

WARNING_CATEGORIES = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")

#: Kernel start-up file: what Colab's kernel has (``google.colab`` imported) and the check's instruments.
STARTUP = (Path(__file__).parent / "kernel_startup.py").read_text(encoding="utf-8")

#: Appended to every notebook: move each control of every ``interactive`` widget and check its callback ran.
PROBE = (Path(__file__).parent / "widget_probe.py").read_text(encoding="utf-8")


# --- Colab's record ------------------------------------------------------------------------------------------


def canonical(name: str) -> str:
    """A distribution name in PEP 503 normal form (``Jinja2`` -> ``jinja2``, ``typing_extensions`` -> ``typing-extensions``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_freeze(text: str) -> dict[str, tuple[str, str]]:
    """``{canonical name: (name, version)}`` of the ``name==version`` lines of a ``pip freeze`` (URLs, local
    builds, comments and blank lines are skipped)."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9_.-]*)==([^\s;#]+)", line.strip())
        if match:
            found[canonical(match.group(1))] = (match.group(1), match.group(2))
    return found


def python_version(os_info: Path = OS_INFO) -> str:
    """Colab's Python as ``major.minor`` (e.g. ``"3.13"``), from its ``os-info.txt``."""
    match = re.search(r"^Python (\d+)\.(\d+)", os_info.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise ValueError(
            f"no 'Python X.Y.Z' line in {os_info}; copy os-info.txt again from googlecolab/backend-info"
        )
    return f"{match.group(1)}.{match.group(2)}"


def find_python(version: str) -> Path | None:
    """An interpreter of Python ``version`` (``major.minor``): ``$RNN_COURSE_COLAB_PYTHON``, else the newest pyenv
    installation of it, else ``python<version>`` on the PATH; ``None`` if there is none."""
    candidates = [os.environ.get("RNN_COURSE_COLAB_PYTHON")]
    pyenv = shutil.which("pyenv") or (Path.home() / ".pyenv" / "bin" / "pyenv")
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        root = Path(
            subprocess.run(
                [str(pyenv), "root"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )

        def patch(p: Path) -> int:
            return int(p.name.split(".")[2]) if p.name.split(".")[2].isdigit() else -1

        installs = sorted(
            (
                p
                for p in (root / "versions").glob(f"{version}.*")
                if re.fullmatch(rf"{re.escape(version)}\.\d+", p.name)
            ),
            key=patch,
        )
        candidates += [str(p / "bin" / f"python{version}") for p in reversed(installs)]
    candidates.append(shutil.which(f"python{version}"))
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            if out == version:
                return Path(candidate)
    return None


def requirement_pins(freeze: dict[str, tuple[str, str]]) -> list[str]:
    """``name==version`` of every :data:`REPLICA_PACKAGES` entry, from Colab's record."""
    missing = [name for name in REPLICA_PACKAGES if canonical(name) not in freeze]
    if missing:
        raise ValueError(
            f"REPLICA_PACKAGES names packages Colab's record lacks: {missing}; remove them from the list"
        )
    return [f"{freeze[canonical(n)][0]}=={freeze[canonical(n)][1]}" for n in REPLICA_PACKAGES]


# --- the cached replica --------------------------------------------------------------------------------------


def cache_root() -> Path:
    """Where replicas are cached: ``$RNN_COURSE_CACHE``, else ``$XDG_CACHE_HOME/rnn-course`` (``~/.cache``)."""
    if os.environ.get("RNN_COURSE_CACHE"):
        return Path(os.environ["RNN_COURSE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-course"


def interpreter_version(python: Path) -> str:
    """The full version of an interpreter, e.g. ``3.13.0``."""
    return subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def replica_key(python: Path, freeze_text: str) -> str:
    """The cache key: the interpreter, the record's pins, the package selection and :data:`BUILD_VERSION`."""
    pins = sorted(f"{n}=={v}" for n, v in parse_freeze(freeze_text).values())
    blob = json.dumps(
        [BUILD_VERSION, str(python), interpreter_version(python), pins, REPLICA_PACKAGES]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def freeze_of(python: Path) -> dict[str, str]:
    """``{canonical name: version}`` of everything installed in ``python``'s environment (``pip freeze --all``)."""
    out = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name: version for name, (_, version) in parse_freeze(out).items()}


def _pip(python: Path, *args: str) -> None:
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def plain_install(python: Path, requirement: str) -> dict[str, str]:
    """``{canonical name: version}`` of what ``pip install REQUIREMENT`` would install or replace in ``python``'s
    environment (pip's own resolver, ``--dry-run``; nothing is installed)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        _pip(python, "install", "--dry-run", "--quiet", "--report", str(report), requirement)
        planned = json.loads(report.read_text(encoding="utf-8"))["install"]
    installed = freeze_of(python)
    return {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in planned
        if installed.get(canonical(item["metadata"]["name"])) != item["metadata"]["version"]
    }


def build_replica(python: Path, dest: Path, freeze_text: str) -> dict:
    """Build the replica environment in ``dest``; return its record (pins, what was removed, seconds)."""
    start = time.perf_counter()
    freeze = parse_freeze(freeze_text)
    pins = requirement_pins(freeze)
    subprocess.run([str(python), "-m", "venv", str(dest)], check=True)
    env_python = dest / "bin" / "python"
    constraints = dest / "colab-constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in freeze.values()), encoding="utf-8")
    tools = [f"{freeze[n][0]}=={freeze[n][1]}" for n in ("pip", "setuptools") if n in freeze]
    if tools:
        _pip(env_python, "install", "--quiet", *tools)  # Colab's pip runs the set-up cell's install
    _pip(env_python, "install", "--quiet", "-c", str(constraints), *pins)
    # what a plain `pip install otter-grader` (no --no-deps) would install: those Colab has are added at Colab's
    # versions, so that the replica holds every Colab package such an install could change (until nothing is left)
    otter = next(pin for pin in COLAB_STUDENT_PINS if pin.startswith("otter-grader=="))
    for _ in range(5):
        plain = plain_install(env_python, otter)
        missing = sorted(n for n in plain if n in freeze and n not in freeze_of(env_python))
        if not missing:
            break
        _pip(
            env_python,
            "install",
            "--quiet",
            "-c",
            str(constraints),
            *(f"{freeze[n][0]}=={freeze[n][1]}" for n in missing),
        )
    installed = freeze_of(env_python)
    # dependencies Colab does without (e.g. jedi, which IPython 7 only uses when present): removed, to match Colab
    extra = sorted(n for n in installed if n not in freeze)
    if extra:
        _pip(env_python, "uninstall", "--yes", "--quiet", *extra)
    installed = freeze_of(env_python)
    wrong = {
        n: (v, freeze[n][1]) for n, v in installed.items() if n in freeze and freeze[n][1] != v
    }
    if wrong:
        raise RuntimeError(f"the replica differs from Colab's record (installed, Colab): {wrong}")
    plain = plain_install(env_python, otter)
    return {
        "pins": pins,
        "removed_not_in_colab": extra,
        "installed": installed,
        "plain_otter_install": {
            "requirement": otter,
            **package_changes(installed, {**installed, **plain}),
        },
        "python": interpreter_version(python),
        "seconds": round(time.perf_counter() - start, 1),
    }


def ensure_replica(python: Path, freeze_text: str, log=print) -> tuple[Path, dict, bool]:
    """The cached replica for this interpreter and record, built if missing: ``(folder, record, built now)``."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    dest = root / f"colab-{replica_key(python, freeze_text)}"
    marker = dest / "rnn-course-replica.json"
    with open(root / f"{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; a second run waits, then reuses it
        if marker.is_file():
            return dest, json.loads(marker.read_text(encoding="utf-8")), False
        shutil.rmtree(dest, ignore_errors=True)  # an unfinished build
        log(f"building the Colab replica in {dest} (a cold build downloads TensorFlow; minutes)")
        record = build_replica(python, dest, freeze_text)
        marker.write_text(json.dumps(record, indent=1), encoding="utf-8")
        return dest, record, True


def copy_environment(source: Path, dest: Path) -> Path:
    """A working copy of the cached replica (hard links: seconds, little disk); return its ``bin/python``.

    pip and Python write new files and replace them by rename, so the cache's files are never changed."""
    if subprocess.run(["cp", "-al", str(source), str(dest)], capture_output=True).returncode != 0:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(source, dest, symlinks=True)
    return dest / "bin" / "python"


def package_changes(before: dict[str, str], after: dict[str, str]) -> dict[str, dict]:
    """What changed between two freezes: ``changed`` {name: (before, after)}, ``added`` and ``removed``."""
    return {
        "changed": {
            n: (v, after[n]) for n, v in sorted(before.items()) if n in after and after[n] != v
        },
        "added": {n: v for n, v in sorted(after.items()) if n not in before},
        "removed": {n: v for n, v in sorted(before.items()) if n not in after},
    }


# --- the notebooks -------------------------------------------------------------------------------------------


def lesson_code(nb: nbformat.NotebookNode) -> list[str]:
    """The code cells before the ``## Exercises`` heading, except the set-up cell (which the student version stamps
    differently)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises"):
            break
        if cell.cell_type == "code" and "setup" not in cell.get("metadata", {}).get("tags", []):
            cells.append(cell.source)
    return cells


def student_run(
    master: nbformat.NotebookNode, solved: nbformat.NotebookNode
) -> tuple[nbformat.NotebookNode, str]:
    """What to run of a solved student version, and how much: the exercises part (set-up, imports, parameters and
    the exercises, as the TA's grader runs it) when its lesson code is the lecture version's, which the lecture run
    has just executed; the whole notebook when it differs, or when it has interactive widgets (the slider is then
    moved after the student set-up cell)."""
    from tools.grading.grade import reduce_notebook

    if lesson_code(master) != lesson_code(solved) or "INTERACTIVE" in ci_parameters(master):
        return solved, "whole"
    return reduce_notebook(solved), "exercises"


def ci_parameters(nb: nbformat.NotebookNode) -> dict:
    """The notebook's CI parameters with :data:`COLAB_OVERRIDES` applied where the notebook has them."""
    params = dict(nb.metadata.get("rnn_course", {}).get("ci_parameters", {}))
    params.update({k: v for k, v in COLAB_OVERRIDES.items() if k in params})
    return params


def grader_results(nb: nbformat.NotebookNode) -> list[tuple[str, bool, str]]:
    """``(question, passed, text)`` for every ``grader.check("...")`` cell of an executed notebook."""
    results = []
    for cell in nb.cells:
        match = (
            re.match(r'grader\.check\(\s*["\'](\w+)["\']', cell.source)
            if cell.cell_type == "code"
            else None
        )
        if match:
            text = "".join(
                str(o.get("data", {}).get("text/plain", ""))
                + str(o.get("text", ""))
                + str(o.get("evalue", ""))
                for o in cell.get("outputs", [])
            )
            results.append((match.group(1), "All test cases passed" in text, text.strip()[-500:]))
    return results


def snapshot_repository(dest: Path, branch: str) -> Path:
    """A git repository holding this working tree (tracked and untracked, not ignored files) on ``branch``: what
    the set-up cell's ``git clone`` gets instead of GitHub."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git = [
        "git",
        "-c",
        "user.name=colab-check",
        "-c",
        "user.email=colab-check@localhost",
        "-c",
        "init.defaultBranch=x",
    ]
    for args in (
        ["init", "--quiet", "-b", branch],
        ["add", "--all"],
        ["commit", "--quiet", "-m", "snapshot"],
    ):
        subprocess.run(git + args, cwd=dest, check=True, capture_output=True)
    return dest


def classify_warnings(records: list[dict], course_root: str) -> dict[str, list[dict]]:
    """Sort recorded warnings by who is to blame (duplicates of category, message and place merged):

    - ``ours``: raised at a line of a notebook cell or of the course's code (a deprecated call we make, which the
      library reports at our line);
    - ``our_calls``: raised in a library function that our line called directly (the library reports it at its
      own line);
    - ``library``: raised deeper inside a library (or while a library imports) during one of our cells.

    Warnings with no course frame on the stack (the kernel's own) are dropped."""

    def is_ours(filename: str) -> bool:
        return (
            filename.startswith(course_root + os.sep)
            or bool(re.search(r"ipykernel_\d+/\d+\.py$", filename))
            or filename.startswith("<ipython-input-")
        )

    def package(filename: str) -> str:
        match = re.search(r"site-packages/([^/]+)", filename)
        return match.group(1) if match else filename

    found = {"ours": [], "our_calls": [], "library": []}
    seen = set()
    for record in records:
        stack = [tuple(f) for f in record["stack"]]
        mine = [i for i, f in enumerate(stack) if is_ours(f[0])]
        if not mine and not is_ours(record["filename"]):
            continue
        at = [
            i for i, f in enumerate(stack) if (f[0], f[1]) == (record["filename"], record["lineno"])
        ]
        if is_ours(record["filename"]):
            kind, line = "ours", stack[at[-1]][2] if at else ""
        elif at and at[-1] > 0 and is_ours(stack[at[-1] - 1][0]):
            kind, line = "our_calls", stack[at[-1] - 1][2]
        else:
            kind, line = "library", stack[mine[-1]][2] if mine else ""
        place = f"{record['filename']}:{record['lineno']}"
        key = (
            record["category"],
            record["message"],
            place if kind != "library" else package(record["filename"]),
        )
        if key in seen:
            continue
        seen.add(key)
        found[kind].append(
            {
                "notebook": record.get("notebook"),
                "category": record["category"],
                "message": record["message"],
                "raised_at": place,
                "package": package(record["filename"]),
                "our_line": line or "",
            }
        )
    return found


@dataclass
class Report:
    """Everything one run of the check measured."""

    python: str = ""
    replica: str = ""
    replica_built_now: bool = False
    replica_build_seconds: float | None = None
    failures: list[str] = field(default_factory=list)
    notebooks: dict[str, float] = field(default_factory=dict)
    install_commands: list[dict] = field(default_factory=list)
    lecture_commands: list[dict] = field(default_factory=list)
    package_changes: dict = field(default_factory=dict)
    plain_otter_install: dict = field(default_factory=dict)
    widgets: list[dict] = field(default_factory=list)
    grader_checks: dict[str, int] = field(default_factory=dict)
    student_parts: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[dict]] = field(default_factory=dict)
    retries: list[str] = field(default_factory=list)
    seconds: float = 0.0


def runs_pip(args: list[str] | str) -> bool:
    """Whether a recorded command runs pip (``python -m pip``, ``pip3``, ``/path/bin/pip``, ``pip install`` in a
    shell string)."""
    if isinstance(args, str):
        return bool(re.search(r"(^|[\s/])pip3?(\s|$)", args))
    return any(
        Path(a).name in ("pip", "pip3") or re.fullmatch(r"pip3(\.\d+)?", Path(a).name) for a in args
    )


def _read_log(path: Path, notebook: str) -> list[dict]:
    if not path.is_file():
        return []
    records = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    path.unlink()
    for record in records:
        record["notebook"] = notebook
    return records


def _kernel(folder: Path, python: Path, env: dict[str, str], startup: Path) -> None:
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    # the kernel's own stderr (TensorFlow's C++ logs, pip's output) goes to a log file, not the check's output
    argv = [
        "/bin/sh",
        "-c",
        f'exec "$0" "$@" 2>>"{folder / "kernel-stderr.log"}"',
        str(python),
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
        f"--IPKernelApp.exec_files={startup}",
    ]
    (spec / "kernel.json").write_text(
        json.dumps(
            {"argv": argv, "display_name": "Colab replica", "language": "python", "env": env},
            indent=1,
        ),
        encoding="utf-8",
    )


def _execute(
    nb: nbformat.NotebookNode, name: str, work: Path, kernels: Path, params: dict, timeout: int
):
    """Run one notebook alone in an empty folder (Colab's /content); return (executed notebook or None, error)."""
    import papermill

    content = work / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.strip()))
    nbformat.write(nb, content / name)
    os.environ["JUPYTER_PATH"] = str(kernels)
    out = work / "executed"
    out.mkdir(exist_ok=True)
    try:
        executed = papermill.execute_notebook(
            str(content / name),
            str(out / name),
            parameters=params,
            kernel_name=KERNEL_NAME,
            cwd=str(content),
            progress_bar=False,
            execution_timeout=timeout,
            log_output=False,
        )
        return executed, None
    except papermill.PapermillExecutionError as error:
        return nbformat.read(
            out / name, as_version=4
        ), f"cell {error.exec_count}: {error.ename}: {error.evalue}"[:1500]
    except Exception as error:  # the kernel died, a timeout
        return None, f"{type(error).__name__}: {error}"[:1500]


def run_with_one_retry(run, key: str, report: Report, log=print) -> tuple:
    """``run()`` -> ``(executed or None, error or None)``; when it returns no notebook (a cell timed out, the kernel
    died), run it once more and record that in ``report.retries``. Seen in our test runs: the replica's kernel
    (ipykernel 6.17.1 on Python 3.13) finished notebook 02's widget probe and sat idle, and its reply never reached
    the client. A notebook that fails again, or that fails with a cell error, fails the check."""
    executed, error = run()
    if error and executed is None:
        log(f"  {key}: {error}; running it once more")
        report.retries.append(f"{key}: {error}")
        executed, error = run()
    return executed, error


def run_check(
    python: Path,
    notebooks: list[Path],
    students: list[Path],
    timeout: int = 1200,
    keep: Path | None = None,
    log=print,
) -> Report:
    """Build or reuse the replica, run every notebook in it, and return the report (``report.failures`` empty
    when everything passed)."""
    from tools.authoring.sync import load_config

    start = time.perf_counter()
    report = Report()
    freeze_text = FREEZE.read_text(encoding="utf-8")
    replica, record, built = ensure_replica(python, freeze_text, log)
    report.python, report.replica, report.replica_built_now = record["python"], str(replica), built
    report.replica_build_seconds = record["seconds"] if built else None
    report.plain_otter_install = record.get("plain_otter_install", {})
    log(
        f"Colab replica: Python {record['python']}, {len(record['installed'])} packages "
        f"({'built now in ' + str(record['seconds']) + ' s' if built else 'reused'}): {replica}"
    )
    config = load_config()
    work = Path(tempfile.mkdtemp(prefix="run-", dir=replica.parent)) if keep is None else keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        origin = snapshot_repository(work / "origin", config["branch"])
        startup = work / "colab_startup.py"
        startup.write_text(STARTUP, encoding="utf-8")
        log_path = work / "kernel-log.jsonl"
        for key in (
            "PYTHONPATH",
            "PYTHONHOME",
            "VIRTUAL_ENV",
            "RNN_COURSE_ROOT",
            "RNN_COURSE_TESTS_URL",
        ):
            os.environ.pop(key, None)
        data = os.environ.get("RNN_COURSE_DATA") or str(ROOT.parent / "shared" / "data")
        course_root = work / "content" / config["repo"].split("/")[1]
        warnings = []

        def environment(mode: str) -> tuple[Path, Path]:
            python_copy = copy_environment(replica, work / f"env-{mode}")
            driver_bin = str(Path(sys.prefix) / "bin")
            path = [str(python_copy.parent)] + [
                p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != driver_bin
            ]
            env = {
                "RNN_COURSE_ROOT": str(course_root),
                "RNN_COURSE_COLAB_LOG": str(log_path),
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "PATH": os.pathsep.join(path),
                "VIRTUAL_ENV": str(python_copy.parent.parent),
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": f"url.file://{origin}.insteadOf",
                "GIT_CONFIG_VALUE_0": f"https://github.com/{config['repo']}.git",
            }
            if Path(data).is_dir():
                env["RNN_COURSE_DATA"] = data
            kernels = work / f"jupyter-{mode}"
            _kernel(kernels, python_copy, env, startup)
            return python_copy, kernels

        def run_all(
            mode: str, items: list[tuple[str, nbformat.NotebookNode, dict]], kernels: Path
        ) -> list[dict]:
            records = []
            for name, nb, params in items:
                t0 = time.perf_counter()
                executed, error = run_with_one_retry(
                    functools.partial(_execute, nb, name, work, kernels, params, timeout),
                    f"{mode}/{name}",
                    report,
                    log,
                )
                seconds = time.perf_counter() - t0
                report.notebooks[f"{mode}/{name}"] = round(seconds, 1)
                log(f"  {mode}/{name}: {seconds:.1f} s" + (f"  FAILED: {error}" if error else ""))
                if error:
                    report.failures.append(f"{mode}/{name}: {error}")
                if mode == "student" and executed is not None:
                    results = grader_results(executed)
                    report.grader_checks[name] = len(results)
                    if not results:
                        report.failures.append(f"student/{name}: no grader.check cells")
                    for question, passed, text in results:
                        if not passed:
                            report.failures.append(
                                f"student/{name}: grader.check({question!r}) did not pass: {text}"
                            )
                new = _read_log(log_path, f"{mode}/{name}")
                records += [r for r in new if r["kind"] == "subprocess"]
                report.widgets += [
                    {**r, "notebook": f"{mode}/{name}"} for r in new if r["kind"] == "widgets"
                ]
                warnings.extend(r for r in new if r["kind"] == "warning")
            return records

        masters = {p.name: nbformat.read(p, as_version=4) for p in notebooks}
        # lecture versions: the set-up cell must install nothing
        lecture_python, kernels = environment("lecture")
        pristine = freeze_of(lecture_python)
        if pristine != record["installed"]:
            report.failures.append(
                f"the working copy of the replica differs from the record of its build: "
                f"{package_changes(record['installed'], pristine)}"
            )
        log(f"lecture versions ({len(masters)}):")
        commands = run_all(
            "lecture", [(n, nb, ci_parameters(nb)) for n, nb in masters.items()], kernels
        )
        report.lecture_commands = commands
        pips = [c for c in commands if runs_pip(c["args"])]
        if pips:
            report.failures.append(f"the lecture version's set-up cell ran pip: {pips}")
        lecture_changes = package_changes(pristine, freeze_of(lecture_python))
        if any(lecture_changes.values()):
            report.failures.append(
                f"running the lecture versions changed the packages: {lecture_changes}"
            )
        shutil.rmtree(lecture_python.parent.parent, ignore_errors=True)

        # student versions, solved: the first set-up cell installs otter-grader, the others find it
        student_python, kernels = environment("student")
        before = freeze_of(student_python)
        items = []
        for path in students:
            nb = nbformat.read(path, as_version=4)
            if path.name in masters:
                try:
                    nb = student.solved(masters[path.name], nb)
                except ValueError as error:
                    report.failures.append(f"student/{path.name}: {error}")
                    continue
                nb, part = student_run(masters[path.name], nb)
                report.student_parts[path.name] = part
                items.append((path.name, nb, ci_parameters(masters[path.name])))
            else:
                report.failures.append(
                    f"student/{path.name} has no master in notebooks/: rebuild student/"
                )
        log(f"student versions ({len(items)}), solved: {report.student_parts}")
        commands = run_all("student", items, kernels)
        report.install_commands = [c for c in commands if runs_pip(c["args"])]
        if items and not report.install_commands:
            report.failures.append(
                "no student set-up cell ran pip: the install step was not exercised"
            )
        changes = package_changes(before, freeze_of(student_python))
        report.package_changes = changes
        if changes["changed"] or changes["removed"]:
            report.failures.append(
                f"the student set-up cell changed Colab's preinstalled packages: "
                f"changed {changes['changed']}, removed {changes['removed']}"
            )

        if any("INTERACTIVE" in ci_parameters(nb) for nb in masters.values()):
            if not any(w["moves"] for w in report.widgets):
                report.failures.append(
                    "no interactive widget was moved, although a notebook has INTERACTIVE"
                )
        report.warnings = classify_warnings(warnings, str(course_root))
        for item in report.warnings["ours"]:
            report.failures.append(
                f"{item['notebook']}: {item['category']} at our line {item['raised_at']} "
                f"({item['our_line']}): {item['message']}"
            )
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report.seconds = round(time.perf_counter() - start, 1)
    return report


def summary(report: Report) -> str:
    """The report as text."""
    lines = [f"Colab replica: Python {report.python}, {report.replica}"]
    if report.replica_built_now:
        lines.append(f"  built now in {report.replica_build_seconds} s")
    for item in report.install_commands:
        lines.append(f"set-up cell install ({item['seconds']:.1f} s): {' '.join(item['args'][1:])}")
    changes = report.package_changes
    if changes:
        lines.append(
            f"packages changed by the student set-up cell: {changes['changed'] or 'none'}; "
            f"removed: {changes['removed'] or 'none'}; added: {changes['added'] or 'none'}"
        )
    plain = report.plain_otter_install
    if plain:
        lines.append(
            f"for comparison, a plain `pip install {plain['requirement']}` (pip --dry-run in the replica) "
            f"would change {plain['changed'] or 'nothing'} and add {sorted(plain['added'])}"
        )
    for widget in report.widgets:
        if widget["boxes"]:
            lines.append(
                f"widgets in {widget['notebook']}: ipywidgets {widget['version']}, {widget['boxes']} "
                f"interactive, {widget['moves']} controls moved, callbacks {'OK' if not widget['failed'] else 'FAILED'}"
            )
    lines.append(f"grader.check cells passed per student notebook: {report.grader_checks}")
    found = report.warnings
    lines.append(
        f"version warnings (Deprecation, PendingDeprecation, Future) at our own lines: {len(found['ours'])}; "
        f"in a library function our line called: {len(found['our_calls'])}; inside libraries during our "
        f"cells: {len(found['library'])}"
    )
    for item in found["ours"] + found["our_calls"]:
        lines.append(f"  {item['notebook']}: {item['category']}: {item['message'][:300]}")
        lines.append(f"      raised at {item['raised_at']}; our line: {item['our_line']}")
    by_package: dict[tuple[str, str], int] = {}
    for item in found["library"]:
        key = (item["package"], item["category"])
        by_package[key] = by_package.get(key, 0) + 1
    if by_package:
        lines.append(
            "  inside libraries (distinct messages): "
            + ", ".join(
                f"{package} {category} x{count}"
                for (package, category), count in sorted(by_package.items())
            )
        )
    for retry in report.retries:
        lines.append(f"run twice (the first run timed out or its kernel died): {retry}")
    lines.append(
        f"total {report.seconds:.0f} s; notebooks: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in report.notebooks.items())
    )
    if report.failures:
        lines.append(f"FAILED ({len(report.failures)}):")
        lines += [f"  - {f}" for f in report.failures]
    else:
        lines.append("PASSED: every notebook runs in the Colab replica")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="master notebooks to run (default: every notebooks/NN_*.ipynb and its student version)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 instead of skipping when Colab's Python is missing",
    )
    parser.add_argument("--report", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--keep", type=Path, help="keep the working folder (executed notebooks, logs) here"
    )
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell (default 1200)")
    args = parser.parse_args(argv)
    version = python_version()
    python = find_python(version)
    if python is None:
        print(
            f"COLAB CHECK SKIPPED: Python {version} (Colab's) not found: install it (`pyenv install {version}`) or "
            f"set RNN_COURSE_COLAB_PYTHON to its interpreter. Nothing was checked.",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    masters = [p.resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")
    )
    students = [ROOT / "student" / p.name for p in masters if (ROOT / "student" / p.name).is_file()]
    report = run_check(python, masters, students, args.timeout, args.keep)
    text = summary(report)
    print(text)
    if args.report:
        args.report.write_text(json.dumps(report.__dict__, indent=1, default=str), encoding="utf-8")
    return 1 if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
