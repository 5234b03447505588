"""Precomputed experiments whose full runs take too long for a lecture; the notebooks load their results.

``python -m tools.experiments SUBCOMMAND [options]``

Subcommands (one per experiment; add a new one with a ``_cmd_NAME`` function and a sub-parser in :func:`main`):

``long_deps``
    The memory-reach sweep of notebook 05 on the adding problem: five recurrent cells of about 1,200 parameters
    (tanh ``SimpleRNN``, ``IRNN``, ``LSTM``, ``LSTM-chrono``, ``GRU``), every ``T`` in ``--seq-lens``, every seed
    in ``--seeds``. Writes one row per run to ``results/05_long_dependencies.csv`` (columns
    :data:`LONG_DEPS_COLUMNS`, one row appended as each run ends, so a partial file survives an interruption;
    ``--resume`` skips runs already in the file), every validation check to
    ``results/05_long_dependencies_curves.csv`` and the run's time and set-up to
    ``results/05_long_dependencies.json``.

The protocol, the models and the sweep itself live in :mod:`utils.long_deps` (notebook 05 runs part of it
live); this module is the command that runs the full sweep and records how it was run.

Run time of the committed sweep (``--workers 2 --cells LSTM GRU LSTM-chrono SimpleRNN IRNN``, 5 cells × T ∈ {10, 25,
50, 100, 200, 400} × seeds {0, 1, 2} with ``--stop-after 2``: 81 runs, the tanh SimpleRNN not run at T ≥ 100), on
the course's 2-core machine shared with other jobs (load average 10–19): 2,035 s wall, 677 s CPU (user + sys of
the process and its workers), 2026-11-23 22:07–22:41 UTC. ``results/05_long_dependencies.json`` records this for
every run of the command; notebook 05 prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a file as well as with `python -m tools.experiments`
    sys.path.insert(0, str(ROOT))

from utils.long_deps import (  # noqa: E402
    LONG_DEPS_CELLS,
    LONG_DEPS_CSV,
    LONG_DEPS_SEEDS,
    LONG_DEPS_SEQ_LENS,
    LongDepsProtocol,
    reach,
    sweep,
)


def _cmd_long_deps(args: argparse.Namespace) -> int:
    protocol = LongDepsProtocol(max_updates=args.max_updates)
    out = Path(args.out)
    curves = out.with_name(out.stem + "_curves.csv")
    meta_path = out.with_suffix(".json")
    print(
        f"long_deps: cells {args.cells}, T {args.seq_lens}, seeds {args.seeds}, {args.workers} worker(s) -> {out}"
    )
    wall0, cpu0 = time.perf_counter(), _cpu_seconds()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    runs = sweep(
        args.cells,
        args.seq_lens,
        args.seeds,
        out,
        curves,
        protocol,
        args.workers,
        args.resume,
        stop_after=args.stop_after or None,
    )
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    import keras
    import tensorflow as tf

    meta = {
        "command": "python -m tools.experiments long_deps " + " ".join(sys.argv[2:]),
        "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "loadavg_at_end": Path("/proc/loadavg").read_text().split()[:3]
        if Path("/proc/loadavg").exists()
        else None,
        "workers": args.workers,
        "resumed": bool(args.resume),
        "stop_after": args.stop_after or None,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "protocol": asdict(protocol),
        "success_mse": protocol.success_mse,
        "budgets": {int(t): protocol.budget(int(t)) for t in args.seq_lens},
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(runs)} runs in {wall:.0f} s wall, {cpu:.0f} s CPU (this process and its workers)")
    for cell in args.cells:
        print(f"reach {cell:>11s}: {reach(runs, cell)}")
    return 0


def _cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.experiments", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="experiment", required=True)
    p = sub.add_parser(
        "long_deps", help="notebook 05: memory reach of five cells on the adding problem"
    )
    p.add_argument("--cells", nargs="+", default=list(LONG_DEPS_CELLS), choices=LONG_DEPS_CELLS)
    p.add_argument("--seq-lens", nargs="+", type=int, default=list(LONG_DEPS_SEQ_LENS))
    p.add_argument("--seeds", nargs="+", type=int, default=list(LONG_DEPS_SEEDS))
    p.add_argument(
        "--out", default=str(LONG_DEPS_CSV), help="results CSV (curves and .json written beside it)"
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (one TF thread each)")
    p.add_argument(
        "--max-updates", type=int, default=None, help="cap the budget (quick checks only)"
    )
    p.add_argument(
        "--resume", action="store_true", help="keep finished runs in --out and run the rest"
    )
    p.add_argument(
        "--stop-after",
        type=int,
        default=2,
        help="skip a cell's longer T after a majority of seeds failed at this many consecutive T (0: never)",
    )
    p.set_defaults(func=_cmd_long_deps)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
