"""Benchmark the windowing pipelines: ``python -m tools.experiments.bench_windowing`` (not a test; run it on a quiet machine).

Prints, measured in one run on the same synthetic series (120 steps x 14 features, batch 256, shuffled):

1. batches per second of ``keras.utils.timeseries_dataset_from_array`` and of ``utils.windowing.timeseries_dataset``
   (goal: ours >= 20x Keras);
2. the epoch time of the same small LSTM fed by each (goal: ours >= 1.4x faster end to end);
3. the epoch time of that LSTM on windows already materialised in memory, the lower bound (goal: ours within 1.15x).

The load average before and after is printed too: on a busy machine every figure is inflated.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def batches_per_second(ds, n_batches: int, warmup: int = 3) -> float:
    """Iterate ``n_batches`` batches (after ``warmup``) and return batches per second."""
    it = iter(ds.repeat())
    for _ in range(warmup):
        next(it)
    start = time.perf_counter()
    for _ in range(n_batches):
        next(it)
    return n_batches / (time.perf_counter() - start)


class EpochTimer:
    """A Keras callback collecting the wall time of each epoch."""

    def __init__(self):
        import keras

        class _Timer(keras.callbacks.Callback):
            def __init__(self, sink: list[float]):
                super().__init__()
                self.sink = sink

            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.sink.append(time.perf_counter() - self.t0)

        self.times: list[float] = []
        self.callback = _Timer(self.times)


def epoch_seconds(model, x, y=None, *, epochs: int, batch_size: int | None = None) -> float:
    """Median epoch time over ``epochs`` epochs, the first (tracing) epoch excluded."""
    timer = EpochTimer()
    # a dataset is already shuffled by its pipeline; arrays are shuffled by Keras each epoch
    kwargs = {"shuffle": False} if y is None else {"batch_size": batch_size, "shuffle": True}
    model.fit(x, y, epochs=epochs + 1, verbose=0, callbacks=[timer.callback], **kwargs)
    return statistics.median(timer.times[1:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=120, help="window length")
    parser.add_argument("--features", type=int, default=14, help="features per step (Jena has 14)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the series for the throughput test"
    )
    parser.add_argument(
        "--keras-batches", type=int, default=60, help="batches timed for the Keras pipeline"
    )
    parser.add_argument(
        "--our-batches", type=int, default=600, help="batches timed for our pipeline"
    )
    parser.add_argument("--train-batches", type=int, default=60, help="batches per training epoch")
    parser.add_argument("--units", type=int, default=16, help="LSTM units")
    parser.add_argument(
        "--epochs", type=int, default=3, help="timed epochs per feeder (after one warm-up epoch)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from utils.windowing import timeseries_dataset

    load_before = os.getloadavg()
    print(
        f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
        f"on {os.cpu_count()} CPUs; TF {tf.__version__}, Keras {keras.__version__}"
    )
    rng = np.random.default_rng(args.seed)
    common = dict(
        sequence_length=args.steps, batch_size=args.batch_size, shuffle=True, seed=args.seed
    )

    # 1. throughput of the pipelines alone
    data = rng.standard_normal((args.rows, args.features), dtype=np.float32)
    targets = data[:, 1].copy()
    keras_ds = keras.utils.timeseries_dataset_from_array(data, targets, **common)
    our_ds = timeseries_dataset(data, targets, **common)
    keras_bps = batches_per_second(keras_ds, args.keras_batches)
    our_bps = batches_per_second(our_ds, args.our_batches)
    print(
        f"\n1. pipeline alone ({args.steps} steps x {args.features} features, batch {args.batch_size}, shuffled)"
    )
    print(f"   keras.utils.timeseries_dataset_from_array: {keras_bps:8.1f} batches/s")
    print(f"   utils.windowing.timeseries_dataset:        {our_bps:8.1f} batches/s")
    print(f"   ratio: {our_bps / keras_bps:.1f}x (goal >= 20x)")

    # 2 and 3. the same LSTM fed by each pipeline, and by windows already in memory
    n_windows = args.train_batches * args.batch_size
    rows = n_windows + args.steps - 1
    data, targets = data[:rows], targets[:rows]
    keras_ds = keras.utils.timeseries_dataset_from_array(data, targets, **common)
    our_ds = timeseries_dataset(data, targets, **common)
    windows = np.lib.stride_tricks.sliding_window_view(data, args.steps, axis=0).transpose(0, 2, 1)
    x_mem, y_mem = np.ascontiguousarray(windows[:n_windows]), targets[:n_windows]

    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential(
        [
            keras.Input((args.steps, args.features)),
            keras.layers.LSTM(args.units),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    timings = {}
    for name, run in [
        (
            "in memory (NumPy arrays)",
            lambda: epoch_seconds(
                model, x_mem, y_mem, epochs=args.epochs, batch_size=args.batch_size
            ),
        ),
        (
            "keras.utils.timeseries_dataset_from_array",
            lambda: epoch_seconds(model, keras_ds, epochs=args.epochs),
        ),
        (
            "utils.windowing.timeseries_dataset",
            lambda: epoch_seconds(model, our_ds, epochs=args.epochs),
        ),
    ]:
        timings[name] = run()
    mem, slow, fast = timings.values()
    print(
        f"\n2./3. epoch of LSTM({args.units}) -> Dense(1), {args.train_batches} batches of {args.batch_size} "
        f"(median of {args.epochs} epochs after a warm-up epoch)"
    )
    for name, seconds in timings.items():
        print(f"   {name:43s} {seconds:7.2f} s")
    print(f"   Keras / ours: {slow / fast:.2f}x faster end to end (goal >= 1.4x)")
    print(f"   ours / in memory: {fast / mem:.2f}x (goal <= 1.15x)")
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
