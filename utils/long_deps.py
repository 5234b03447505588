"""The long-dependency sweep of notebook 05: five recurrent cells of about 1,200 parameters on the adding
problem, trained under one protocol until each run is solved, diverges or spends its budget.

The notebook runs a small part of the sweep live with :func:`sweep` and reads the committed full sweep
(``results/05_long_dependencies.csv``, written by ``python -m tools.experiments long_deps``).

The protocol (:class:`LongDepsProtocol`) is the same for every cell:

- a fresh, seeded batch for every update (:func:`utils.tasks.adding_batches`); the training stream depends on
  ``(seed, T)`` only, so all five cells of a seed see the same batches;
- Adam with ``global_clipnorm`` = 1 (the same for every cell);
- a fixed update **budget** per run, growing with ``T``: ``2000 + 15·T`` rounded up to a multiple of the check
  interval (2150 updates at T = 10 … 8000 at T = 400), stored in the ``budget`` column;
- every ``eval_every`` updates the MSE on a fixed validation set of ``T`` is measured; the run **stops on
  solve**, when it falls below the success threshold (chance / 10 = 1/60). No patience-based early stopping;
- the test set (fixed per ``T``) is evaluated once, at the end of the run;
- each cell runs its ``T`` shortest first; with ``--stop-after K`` (default 2) a cell is not run at longer ``T``
  once a majority of its seeds failed at ``K`` consecutive ``T``: its reach (:func:`reach`) cannot grow any
  more, and the costly unsolved runs at long ``T`` (the whole budget each) are saved.

A run ends in one of three **outcomes** (:func:`outcomes`): ``solved`` (the validation MSE fell below the
threshold within the budget), ``diverged`` (a validation check found a non-finite MSE: gradient clipping bounds
the gradient Adam receives, not the growth of the forward pass, so a run can still blow up) or ``budget`` (neither, after the whole
budget). ``updates`` is the number of updates actually trained: the update count at the solving check, at the
check that found the non-finite MSE, or the budget.

The committed CSV was written before ``run_one`` stored the updates of a diverged run (it stored the budget); those
six rows (IRNN at T = 200 and 400) were corrected from the last check in the curves file, which is what this code
now writes. ``results/05_long_dependencies.json`` says so under ``derived``. Runs are deterministic: the same (cell, T, seed) gives the same row (``seconds``
aside), with one worker or several.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.tasks import (
    adding_batches,
    adding_problem,
    adding_problem_chance_mse,
    marked_value_slopes,
)

ROOT = Path(__file__).resolve().parents[1]

#: The five cells of the long-dependency sweep, in the order the notebook shows them.
LONG_DEPS_CELLS: tuple[str, ...] = ("SimpleRNN", "IRNN", "LSTM", "LSTM-chrono", "GRU")
#: Units per cell, chosen so that every model (cell + Dense(1)) has about 1,200 parameters.
LONG_DEPS_UNITS: dict[str, int] = {
    "SimpleRNN": 33,
    "IRNN": 33,
    "LSTM": 16,
    "LSTM-chrono": 16,
    "GRU": 18,
}
#: The sequence lengths and seeds of the committed full sweep.
LONG_DEPS_SEQ_LENS: tuple[int, ...] = (10, 25, 50, 100, 200, 400)
LONG_DEPS_SEEDS: tuple[int, ...] = (0, 1, 2)
#: Columns of the results file, one row per (cell, T, seed).
LONG_DEPS_COLUMNS: tuple[str, ...] = (
    "cell",
    "T",
    "seed",
    "solved",
    "updates",
    "budget",
    "val_mse",
    "test_mse",
    "diverged",
    "seconds",
    "params",
)
#: The three ways a run ends (see :func:`outcomes`).
LONG_DEPS_OUTCOMES: tuple[str, ...] = ("solved", "budget", "diverged")
#: Columns of the learning-curve file, one row per validation check (update 0 = before training).
LONG_DEPS_CURVE_COLUMNS: tuple[str, ...] = (
    "cell",
    "T",
    "seed",
    "update",
    "val_mse",
    "slope_u1",
    "slope_u2",
)

RESULTS_DIR = ROOT / "results"
LONG_DEPS_CSV = RESULTS_DIR / "05_long_dependencies.csv"


@dataclass(frozen=True)
class LongDepsProtocol:
    """The training protocol of the long-dependency sweep (identical for every cell).

    Attributes:
        batch_size: sequences per update (each batch is new).
        learning_rate: Adam's learning rate.
        global_clipnorm: the global gradient norm is clipped to this before every update.
        eval_every: updates between two validation checks (the resolution of ``updates``).
        n_val: validation sequences per ``T`` (fixed set).
        n_test: test sequences per ``T`` (fixed set; a multiple of ``n_val``), evaluated once per run.
        success_ratio: a run is solved when its validation MSE < chance / ``success_ratio``.
        budget_base, budget_per_step: the update budget is ``budget_base + budget_per_step · T``, rounded up to a
            multiple of ``eval_every``.
        max_updates: if set, caps the budget (short demonstrations; the committed sweep leaves it unset).
        jit_compile: compile the update and the prediction with XLA (about 2–4× faster on a CPU).
    """

    batch_size: int = 32
    learning_rate: float = 1e-2
    global_clipnorm: float = 1.0
    eval_every: int = 50
    n_val: int = 256
    n_test: int = 1024
    success_ratio: float = 10.0
    budget_base: int = 2000
    budget_per_step: int = 15
    max_updates: int | None = None
    jit_compile: bool = True

    def __post_init__(self) -> None:
        for name in ("batch_size", "eval_every", "n_val", "n_test", "budget_base"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"LongDepsProtocol.{name} must be a positive int, got {value!r}")
        if self.n_test % self.n_val:
            raise ValueError(
                f"n_test ({self.n_test}) must be a multiple of n_val ({self.n_val}); e.g. n_test=1024"
            )
        if self.max_updates is not None and self.max_updates < self.eval_every:
            raise ValueError(
                f"max_updates must be at least eval_every ({self.eval_every}), got {self.max_updates}"
            )

    @property
    def success_mse(self) -> float:
        """The success threshold on the MSE: chance (1/6) divided by ``success_ratio``."""
        return adding_problem_chance_mse() / self.success_ratio

    def budget(self, seq_len: int) -> int:
        """The update budget of one run at sequence length ``seq_len``."""
        raw = self.budget_base + self.budget_per_step * int(seq_len)
        budget = math.ceil(raw / self.eval_every) * self.eval_every
        if self.max_updates is not None:
            budget = min(budget, math.ceil(self.max_updates / self.eval_every) * self.eval_every)
        return budget


def val_set(seq_len: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed validation set of ``seq_len`` (the same for every cell and seed)."""
    return adding_problem(n, seq_len, seed=[1, seq_len])


def test_set(seq_len: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed test set of ``seq_len`` (the same for every cell and seed), looked at once per run."""
    return adding_problem(n, seq_len, seed=[2, seq_len])


def train_stream_seed(seed: int, seq_len: int) -> list[int]:
    """The seed of the training stream of one run: it depends on ``(seed, T)``, not on the cell."""
    return [0, int(seed), int(seq_len)]


def build_model(cell: str, seq_len: int, seed: int):
    """One of the five models: a recurrent layer of about 1,200 parameters with a ``Dense(1)`` head.

    ``IRNN`` is a ReLU ``SimpleRNN`` whose recurrent matrix starts as the identity (Le et al. 2015);
    ``LSTM-chrono`` is an ``LSTM`` with chrono-initialised gate biases for ``T_max = seq_len``
    (:class:`utils.init.ChronoInitializer`); ``LSTM`` keeps Keras' defaults (forget bias 1).
    """
    import keras

    from utils.init import ChronoInitializer

    if cell not in LONG_DEPS_UNITS:
        raise ValueError(f"cell must be one of {list(LONG_DEPS_UNITS)}, got {cell!r}")
    units = LONG_DEPS_UNITS[cell]
    keras.utils.set_random_seed(int(seed))
    layers = {
        "SimpleRNN": lambda: keras.layers.SimpleRNN(units, seed=seed),
        "IRNN": lambda: keras.layers.SimpleRNN(
            units, activation="relu", recurrent_initializer=keras.initializers.Identity(), seed=seed
        ),
        "LSTM": lambda: keras.layers.LSTM(units, seed=seed),
        "LSTM-chrono": lambda: keras.layers.LSTM(
            units,
            unit_forget_bias=False,
            bias_initializer=ChronoInitializer(t_max=seq_len, seed=seed),
            seed=seed,
        ),
        "GRU": lambda: keras.layers.GRU(units, seed=seed),
    }
    return keras.Sequential(
        [keras.Input((seq_len, 2)), layers[cell](), keras.layers.Dense(1)], name=cell
    )


class _Trainer:
    """A model, an optimiser and compiled update/predict functions for one (cell, T); reused across seeds.

    Every run restores the seed's initial weights and the optimiser's initial state, so a reused trainer gives
    exactly the run a fresh one would, without compiling again.
    """

    def __init__(self, cell: str, seq_len: int, protocol: LongDepsProtocol) -> None:
        import keras
        import tensorflow as tf

        self.model = build_model(cell, seq_len, 0)
        self.optimizer = keras.optimizers.Adam(
            protocol.learning_rate, global_clipnorm=protocol.global_clipnorm
        )
        self.optimizer.build(self.model.trainable_variables)
        self.optimizer_init = [v.numpy() for v in self.optimizer.variables]
        model, optimizer = self.model, self.optimizer

        @tf.function(jit_compile=protocol.jit_compile)
        def update(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
            return loss

        @tf.function(jit_compile=protocol.jit_compile)
        def predict(x):
            return model(x, training=False)

        self.update, self.predict = update, predict

    def reset(self, cell: str, seq_len: int, seed: int) -> None:
        self.model.set_weights(build_model(cell, seq_len, seed).get_weights())
        for variable, value in zip(self.optimizer.variables, self.optimizer_init, strict=True):
            variable.assign(value)


_TRAINERS: dict[tuple, _Trainer] = {}


def run_one(
    cell: str, seq_len: int, seed: int, protocol: LongDepsProtocol | None = None
) -> tuple[dict, list[dict]]:
    """Train one model on fresh batches until it solves the task, diverges or spends its budget; test it once.

    Args:
        cell: one of :data:`LONG_DEPS_CELLS`.
        seq_len: the sequence length ``T``.
        seed: the run's seed (initial weights and training stream).
        protocol: the training protocol (default :class:`LongDepsProtocol`).

    Returns:
        ``(row, curve)``: ``row`` has the columns :data:`LONG_DEPS_COLUMNS` (``updates`` = the updates actually
        trained, also for a diverged run); ``curve`` has one dict per
        validation check (:data:`LONG_DEPS_CURVE_COLUMNS`), including update 0 (before training), with the
        slopes of the predictions on the first and second marked value (:func:`utils.tasks.marked_value_slopes`).
    """
    protocol = protocol or LongDepsProtocol()
    if cell not in LONG_DEPS_CELLS:
        raise ValueError(f"cell must be one of {list(LONG_DEPS_CELLS)}, got {cell!r}")
    if isinstance(seq_len, bool) or not isinstance(seq_len, int | np.integer) or seq_len < 4:
        raise ValueError(f"seq_len must be an int of at least 4, got {seq_len!r}")
    seq_len, seed = int(seq_len), int(seed)
    start = time.perf_counter()
    key = (cell, seq_len, protocol)
    if key not in _TRAINERS:
        _TRAINERS.clear()  # keep one compiled trainer at a time
        _TRAINERS[key] = _Trainer(cell, seq_len, protocol)
    trainer = _TRAINERS[key]
    trainer.reset(cell, seq_len, seed)

    x_val, y_val = val_set(seq_len, protocol.n_val)
    stream = adding_batches(protocol.batch_size, seq_len, seed=train_stream_seed(seed, seq_len))
    budget = protocol.budget(seq_len)
    curve: list[dict] = []

    def check(update: int) -> float:
        pred = np.asarray(trainer.predict(x_val))
        mse = float(np.mean((pred - y_val) ** 2))
        slopes = (
            marked_value_slopes(x_val, pred) if np.all(np.isfinite(pred)) else (math.nan, math.nan)
        )
        curve.append(
            {
                "cell": cell,
                "T": seq_len,
                "seed": seed,
                "update": update,
                "val_mse": mse,
                "slope_u1": slopes[0],
                "slope_u2": slopes[1],
            }
        )
        return mse

    updates, solved, diverged = 0, False, False
    val_mse = check(0)
    while updates < budget:
        for _ in range(protocol.eval_every):
            x, y = next(stream)
            trainer.update(x, y)
        updates += protocol.eval_every
        val_mse = check(updates)
        if not math.isfinite(val_mse):
            diverged = True
            break
        if val_mse < protocol.success_mse:
            solved = True
            break
    x_test, y_test = test_set(seq_len, protocol.n_test)
    pred_test = np.concatenate(
        [
            np.asarray(trainer.predict(x_test[i : i + protocol.n_val]))
            for i in range(0, protocol.n_test, protocol.n_val)
        ]
    )
    test_mse = float(np.mean((pred_test - y_test) ** 2))
    row = {
        "cell": cell,
        "T": seq_len,
        "seed": seed,
        "solved": solved,
        "updates": updates,
        "budget": budget,
        "val_mse": val_mse,
        "test_mse": test_mse,
        "diverged": diverged,
        "seconds": round(time.perf_counter() - start, 2),
        "params": int(trainer.model.count_params()),
    }
    return row, curve


# a multiprocessing lock shared by the workers of a parallel sweep (set by _init_worker)
_LOCK = None


def _init_worker(lock) -> None:
    """Worker initialiser: one TensorFlow thread per process, op determinism, and a session of its own.

    ``os.setsid`` puts the worker in its own session, so that Linux's autogroup scheduler gives it the same
    CPU share as any other job (two workers in one session would share one job's share).
    """
    global _LOCK
    _LOCK = lock
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()


def _append_csv(path: Path, rows: list[dict], columns: Sequence[str]) -> None:
    """Append rows to a CSV in one write (the header first if the file is new or empty)."""
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    text = pd.DataFrame(rows, columns=list(columns)).to_csv(header=new, index=False)
    with open(path, "a") as handle:
        handle.write(text)


def _log_line(row: dict) -> str:
    return (
        f"{row['cell']:>11s} T={row['T']:4d} seed={row['seed']}: "
        f"{outcome(row)} after {row['updates']:5d} updates, "
        f"test MSE {row['test_mse']:.4f}, {row['seconds']:.1f} s"
    )


def _run_chain(task: tuple) -> list[dict]:
    """Run one cell at every T (shortest first), writing each row as it ends; stop the chain after
    ``stop_after`` consecutive T at which a majority of seeds failed."""
    cell, seq_lens, seeds, protocol, path, curves_path, done, stop_after, verbose = task
    rows, failures = [], 0
    for seq_len in seq_lens:
        if stop_after is not None and failures >= stop_after:
            break
        solved = []
        for seed in seeds:
            if (cell, seq_len, seed) in done:
                solved.append(done[(cell, seq_len, seed)])
                continue
            row, curve = run_one(cell, seq_len, seed, protocol)
            if _LOCK is not None:
                _LOCK.acquire()
            try:
                _append_csv(path, [row], LONG_DEPS_COLUMNS)
                if curves_path is not None:
                    _append_csv(curves_path, curve, LONG_DEPS_CURVE_COLUMNS)
            finally:
                if _LOCK is not None:
                    _LOCK.release()
            if verbose:
                print(_log_line(row), flush=True)
            rows.append(row)
            solved.append(bool(row["solved"]))
        failures = 0 if 2 * sum(solved) > len(solved) else failures + 1
    return rows


def sweep(
    cells: Iterable[str],
    seq_lens: Iterable[int],
    seeds: Iterable[int],
    path: str | os.PathLike,
    curves_path: str | os.PathLike | None = None,
    protocol: LongDepsProtocol | None = None,
    workers: int = 1,
    resume: bool = False,
    stop_after: int | None = None,
    verbose: bool = True,
):
    """Run every (cell, T, seed), shortest T first, and append one row per run to ``path`` as it ends.

    Args:
        cells, seq_lens, seeds: the grid.
        path: the results CSV (columns :data:`LONG_DEPS_COLUMNS`). Overwritten unless ``resume``.
        curves_path: where to write the learning curves (optional).
        protocol: the training protocol (default :class:`LongDepsProtocol`).
        workers: processes to use (each runs whole cells); 1 runs in this process (what a notebook does).
        resume: keep the rows already in ``path`` (same budget) and run only the missing ones.
        stop_after: if set, a cell is not run at longer T once a majority of its seeds failed at this many
            consecutive T (its reach cannot grow any more); ``None`` runs the whole grid.
        verbose: print one line per finished run.

    Returns:
        A DataFrame of all rows in ``path`` for this grid, sorted by cell order, T and seed.
    """
    import pandas as pd

    protocol = protocol or LongDepsProtocol()
    cells, seq_lens, seeds = list(cells), sorted(int(t) for t in seq_lens), [int(s) for s in seeds]
    unknown = [c for c in cells if c not in LONG_DEPS_CELLS]
    if unknown or not cells or not seq_lens or not seeds:
        raise ValueError(
            f"cells must be a non-empty subset of {list(LONG_DEPS_CELLS)} (got {cells}), "
            f"seq_lens and seeds non-empty (got {seq_lens}, {seeds})"
        )
    if stop_after is not None and stop_after < 1:
        raise ValueError(f"stop_after must be None or at least 1, got {stop_after}")
    path = Path(path)
    curves_path = Path(curves_path) if curves_path is not None else None
    done: dict[tuple, bool] = {}
    if resume and path.exists():
        old = pd.read_csv(path)
        done = {
            (r.cell, int(r.T), int(r.seed)): bool(r.solved)
            for r in old.itertuples()
            if r.budget == protocol.budget(int(r.T))
        }
    else:
        for p in (path, curves_path):
            if p is not None and p.exists():
                p.unlink()
    tasks = [
        (c, seq_lens, seeds, protocol, path, curves_path, done, stop_after, verbose) for c in cells
    ]
    if workers <= 1:
        for task in tasks:
            _run_chain(task)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(ctx.Lock(),)) as pool:
            for _ in pool.imap_unordered(_run_chain, tasks, chunksize=1):
                pass
    frame = pd.read_csv(path)
    frame = frame[frame["cell"].isin(cells) & frame["T"].isin(seq_lens) & frame["seed"].isin(seeds)]
    order = {c: i for i, c in enumerate(LONG_DEPS_CELLS)}
    return frame.sort_values(
        ["cell", "T", "seed"], key=lambda s: s.map(order) if s.name == "cell" else s
    ).reset_index(drop=True)


def outcome(row) -> str:
    """How one run ended: ``"solved"``, ``"diverged"`` or ``"budget"`` (the whole budget spent, unsolved).

    Args:
        row: a mapping (or a pandas row) with the boolean fields ``solved`` and ``diverged``.
    """
    if bool(row["solved"]) and bool(row["diverged"]):
        raise ValueError(f"a run cannot be both solved and diverged: {dict(row)}")
    return "solved" if bool(row["solved"]) else "diverged" if bool(row["diverged"]) else "budget"


def outcomes(runs):
    """The outcome (:func:`outcome`) of every row of ``runs``, a DataFrame with ``solved`` and ``diverged``."""
    import pandas as pd

    return pd.Series(
        [outcome(r) for _, r in runs.iterrows()], index=runs.index, name="outcome", dtype=object
    )


def reach(runs, cell: str) -> int | None:
    """The memory reach of ``cell``: the largest T such that at that T *and every shorter T in ``runs``* a
    majority of seeds solved the task. ``None`` if the cell fails the majority test at the shortest T.

    Args:
        runs: a DataFrame with columns ``cell``, ``T``, ``seed``, ``solved`` (one row per run).
        cell: the cell to summarise.
    """
    rows = runs[runs["cell"] == cell]
    if rows.empty:
        raise ValueError(
            f"no rows for cell {cell!r} in runs; cells present: {sorted(runs['cell'].unique())}"
        )
    best = None
    for seq_len, group in rows.groupby("T", sort=True):
        if group["solved"].astype(bool).sum() * 2 > len(group):
            best = int(seq_len)
        else:
            break
    return best
