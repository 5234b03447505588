"""Execute course notebooks headless and report the time each took.

``python -m tools.authoring.execute [--mode ci|lecture] [--out DIR] [-p NAME=VALUE ...] NOTEBOOK...``

``--mode ci`` (default) injects the notebook's ``metadata.rnn_course.ci_parameters`` after its ``parameters``
cell (papermill); ``--mode lecture`` runs the lecture defaults. Executed copies go to ``--out`` (default: a
temporary folder), never over the committed notebook.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"


def ci_parameters(path: Path) -> dict:
    """The CI parameters stored in the notebook's ``metadata.rnn_course.ci_parameters``."""
    meta = nbformat.read(path, as_version=4).metadata.get("rnn_course", {})
    return dict(meta.get("ci_parameters", {}))


def course_env() -> dict[str, str]:
    """Environment for a notebook kernel: the repository on the path, the local data copy if there is one."""
    env = {
        "RNN_COURSE_ROOT": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if "RNN_COURSE_DATA" not in os.environ and SHARED_DATA.is_dir():
        env["RNN_COURSE_DATA"] = str(SHARED_DATA)
    return env


def execute(
    path: str | Path,
    parameters: dict | None = None,
    mode: str = "ci",
    out_dir: str | Path | None = None,
    timeout: int = 1200,
) -> tuple[nbformat.NotebookNode, float, Path]:
    """Execute one notebook with papermill; raise ``papermill.PapermillExecutionError`` on any cell error.

    Args:
        path: the notebook.
        parameters: extra parameters, applied on top of the mode's (CI parameters or none).
        mode: ``"ci"`` to inject ``ci_parameters``, ``"lecture"`` to run the defaults.
        out_dir: where to write the executed copy (default: a new temporary folder).
        timeout: the per-cell timeout in seconds.

    Returns:
        ``(executed notebook, wall seconds, path of the executed copy)``.
    """
    import papermill

    if mode not in ("ci", "lecture"):
        raise ValueError(f"mode must be 'ci' or 'lecture', got {mode!r}")
    path = Path(path).resolve()
    params = ci_parameters(path) if mode == "ci" else {}
    params.update(parameters or {})
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="rnn-course-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / path.name
    os.environ.update(course_env())
    start = time.perf_counter()
    nb = papermill.execute_notebook(
        str(path),
        str(output),
        parameters=params,
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
        execution_timeout=timeout,
        log_output=False,
    )
    return nb, time.perf_counter() - start, output


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--mode", choices=("ci", "lecture"), default="ci")
    parser.add_argument("--out", type=Path, default=None, help="folder for the executed copies")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter (Python literal), e.g. -p EPOCHS=3",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--param expects NAME=VALUE, got {item!r}")
        overrides[name] = _parse_value(value)
    failures = 0
    for path in args.notebooks:
        try:
            _, seconds, output = execute(path, overrides, args.mode, args.out)
            print(f"{path.name}: {seconds:.1f} s ({args.mode} mode) -> {output}", flush=True)
        except Exception as exc:  # report and go on to the next notebook
            failures += 1
            print(
                f"{path.name}: FAILED: {type(exc).__name__}: {str(exc)[-2000:]}",
                file=sys.stderr,
                flush=True,
            )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
