"""Synthetic memory tasks that measure how far back a recurrent network can remember.

- :func:`adding_problem`: the adding problem in the form of Le, Jaitly & Hinton (2015) and Arjovsky, Shah &
  Bengio (2016) (Hochreiter & Schmidhuber 1997 drew values from [−1, 1] and scaled the target). Each sequence of
  length ``T`` has two channels: values drawn from U(0, 1) and a marker that is 1 at exactly two positions, one
  in each half. The target is the sum of the two marked values, so the network must carry the first marked value
  from its step to the end of the sequence: a lag of ``T/2 + 1 … T`` steps, about ``3T/4`` on average.
- :func:`adding_batches`: an endless, seeded stream of fresh batches (a new batch for every update).
- :func:`adding_problem_chance_mse`: the MSE of always predicting the mean target (the "chance" level), and
  :func:`adding_problem_recent_only_mse`, the MSE of a model that remembers only the second (recent) value.
- :func:`marked_value_slopes`: how strongly predictions follow the first and the second marked value.

Everything is vectorised NumPy and seeded through ``np.random.default_rng(seed)``; nothing runs on import.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

#: A seed for ``np.random.default_rng``: an int, a sequence of ints (e.g. ``[seed, T]``) or None (fresh entropy).
Seed = int | Sequence[int] | None


def _check_int(value, name: str, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an int, got {type(value).__name__} {value!r}; {hint}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}; {hint}")
    return int(value)


def adding_problem(
    n_samples: int, seq_len: int, seed: Seed = 0, split_halves: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n_samples`` sequences of the adding problem.

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 is a marker that is 1 at exactly two
    time steps and 0 elsewhere. The target is the sum of the two marked values, so it lies in [0, 2) with
    mean 1 and variance 1/6 (the sum of two independent U(0, 1) values).

    With ``split_halves=True`` (the usual set-up, e.g. Le, Jaitly & Hinton 2015) the first marker falls in the
    first half of the sequence (steps ``0 … T//2 − 1``) and the second in the second half. What the network must
    bridge is the lag from the first marker to the end of the sequence, where the answer is read: ``T − T//2 + 1 …
    T`` steps (counting the final step; ``T/2 + 1 … T`` for an even ``T``), about ``3T/4`` on average. The gap between the two markers does not
    matter: the second value can be added the moment it arrives. With ``split_halves=False`` the two positions are any two
    distinct steps.

    Args:
        n_samples: number of sequences (at least 1).
        seq_len: sequence length ``T`` (at least 2: two markers need two steps).
        seed: seed for ``np.random.default_rng`` (an int or a sequence of ints); the same seed gives the same
            arrays. ``None`` draws fresh entropy (not reproducible).
        split_halves: put one marker in each half of the sequence (default) or anywhere.

    Returns:
        ``(x, y)``: ``x`` float32 of shape ``(n_samples, seq_len, 2)``; ``y`` float32 of shape
        ``(n_samples, 1)``, the sum of the two marked values of each sequence.

    Raises:
        ValueError: if ``n_samples`` < 1 or ``seq_len`` < 2, or either is not an int.
    """
    n = _check_int(n_samples, "n_samples", 1, "pass the number of sequences, e.g. n_samples=1000")
    t = _check_int(
        seq_len, "seq_len", 2, "the two markers need at least two steps, e.g. seq_len=50"
    )
    return _draw(np.random.default_rng(seed), n, t, split_halves)


def _draw(
    rng: np.random.Generator, n: int, t: int, split_halves: bool
) -> tuple[np.ndarray, np.ndarray]:
    values = rng.random((n, t), dtype=np.float32)
    if split_halves:
        half = t // 2
        first = rng.integers(0, half, size=n)
        second = rng.integers(half, t, size=n)
    else:
        # two distinct positions: draw the first, then an offset 1 … T−1 from it (mod T)
        first = rng.integers(0, t, size=n)
        second = (first + rng.integers(1, t, size=n)) % t
    markers = np.zeros((n, t), dtype=np.float32)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)[:, None]
    return x, y


def adding_batches(
    batch_size: int, seq_len: int, seed: Seed = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An endless stream of fresh adding-problem batches: a new ``(x, y)`` batch for every training update.

    The stream is seeded: the same ``seed`` gives the same sequence of batches, and batch ``k`` never repeats
    an earlier one, so a model cannot memorise a fixed training pool. Each batch is drawn as
    :func:`adding_problem` draws (``split_halves=True``).

    Args:
        batch_size: sequences per batch (at least 1).
        seq_len: sequence length ``T`` (at least 2).
        seed: seed of the stream's ``np.random.default_rng`` (an int or a sequence of ints, e.g. ``[seed, T]``).

    Yields:
        ``(x, y)`` with shapes ``(batch_size, seq_len, 2)`` and ``(batch_size, 1)``, float32.

    Raises:
        ValueError: if ``batch_size`` < 1 or ``seq_len`` < 2 (raised at the call, not at the first ``next``).
    """
    n = _check_int(batch_size, "batch_size", 1, "pass the sequences per update, e.g. batch_size=32")
    t = _check_int(
        seq_len, "seq_len", 2, "the two markers need at least two steps, e.g. seq_len=50"
    )
    rng = np.random.default_rng(seed)

    def stream() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        while True:
            yield _draw(rng, n, t, True)

    return stream()


def adding_problem_chance_mse() -> float:
    """The MSE of always predicting the mean target of :func:`adding_problem`: ``Var(U1 + U2) = 2 · 1/12 = 1/6``.

    A model that has learned nothing useful predicts the mean, 1, and its expected squared error is the
    variance of the target. A model that remembers only the *second* marked value (the recent one) reaches
    ``Var(U1) = 1/12``, half of this.
    """
    return 2.0 / 12.0


def adding_problem_recent_only_mse() -> float:
    """The MSE of a model that knows only the second (recent) marked value and guesses 1/2 for the first:
    ``Var(U1) = 1/12``. A learning curve that stalls here has learned the easy half of the task."""
    return 1.0 / 12.0


def marked_value_slopes(x: np.ndarray, y_pred: np.ndarray) -> tuple[float, float]:
    """Least-squares slopes of the predictions on the first and the second marked value.

    Fits ``y_pred ≈ a + b1 · u1 + b2 · u2`` over the batch, where ``u1`` and ``u2`` are the first and second
    marked values of each sequence. A model that solves the task has ``b1 ≈ b2 ≈ 1``; one that has forgotten
    the first value has ``b1 ≈ 0``. ``b1`` is the batch-average sensitivity ∂ŷ/∂u1 of a model that is linear in
    the marked values, and a robust summary of it otherwise.

    Args:
        x: adding-problem inputs, shape ``(n, T, 2)``, exactly two markers per sequence, ``n`` ≥ 3.
        y_pred: the model's predictions, shape ``(n,)`` or ``(n, 1)``.

    Returns:
        ``(b1, b2)`` as floats.

    Raises:
        ValueError: if the shapes do not match or a sequence does not have exactly two markers.
    """
    x = np.asarray(x)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if x.ndim != 3 or x.shape[2] != 2:
        raise ValueError(
            f"x must have shape (n, T, 2), got {x.shape}; pass the inputs of adding_problem"
        )
    if y_pred.shape[0] != x.shape[0] or x.shape[0] < 3:
        raise ValueError(
            f"y_pred must hold one prediction per sequence (n = {x.shape[0]} ≥ 3), got shape {np.shape(y_pred)}"
        )
    markers = x[:, :, 1]
    if not np.all(markers.sum(axis=1) == 2):
        raise ValueError(
            "every sequence of x must have exactly two markers (channel 1); use adding_problem"
        )
    idx = np.argsort(-markers, axis=1, kind="stable")[:, :2]
    idx.sort(axis=1)  # first, then second marked step
    u = np.take_along_axis(x[:, :, 0], idx, axis=1).astype(np.float64)
    design = np.column_stack([np.ones(len(u)), u])
    coef, *_ = np.linalg.lstsq(design, y_pred, rcond=None)
    return float(coef[1]), float(coef[2])
