"""Synthetic memory tasks that measure how far back a recurrent network can remember.

- :func:`adding_problem`: the adding problem of Hochreiter & Schmidhuber (1997). Each sequence of length ``T``
  has two channels: values drawn from U(0, 1) and a marker that is 1 at exactly two positions. The target is
  the sum of the two marked values, so the network must carry the first marked value across the gap.
- :func:`adding_problem_chance_mse`: the MSE of always predicting the mean target (the "chance" level).

Everything is vectorised NumPy and seeded through ``np.random.default_rng(seed)``; nothing runs on import.
"""

from __future__ import annotations

import numpy as np


def _check_int(value, name: str, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an int, got {type(value).__name__} {value!r}; {hint}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}; {hint}")
    return int(value)


def adding_problem(
    n_samples: int, seq_len: int, seed: int | None = 0, split_halves: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n_samples`` sequences of the adding problem.

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 is a marker that is 1 at exactly two
    time steps and 0 elsewhere. The target is the sum of the two marked values, so it lies in [0, 2) with
    mean 1 and variance 1/6 (the sum of two independent U(0, 1) values).

    With ``split_halves=True`` (the usual set-up, e.g. Le, Jaitly & Hinton 2015) the first marker falls in the
    first half of the sequence (steps ``0 … T//2 − 1``) and the second in the second half, so the network must
    remember a value for at least about ``T/2`` steps. With ``split_halves=False`` the two positions are any two
    distinct steps.

    Args:
        n_samples: number of sequences (at least 1).
        seq_len: sequence length ``T`` (at least 2: two markers need two steps).
        seed: seed for ``np.random.default_rng``; the same seed gives the same arrays. ``None`` draws fresh
            entropy (not reproducible).
        split_halves: put one marker in each half of the sequence (default) or anywhere.

    Returns:
        ``(x, y)``: ``x`` float32 of shape ``(n_samples, seq_len, 2)``; ``y`` float32 of shape
        ``(n_samples, 1)``, the sum of the two marked values of each sequence.

    Raises:
        ValueError: if ``n_samples`` < 1 or ``seq_len`` < 2, or either is not an int.
    """
    n = _check_int(n_samples, "n_samples", 1, "pass the number of sequences, e.g. n_samples=1000")
    t = _check_int(seq_len, "seq_len", 2, "the two markers need at least two steps, e.g. seq_len=50")
    rng = np.random.default_rng(seed)
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


def adding_problem_chance_mse() -> float:
    """The MSE of always predicting the mean target of :func:`adding_problem`: ``Var(U1 + U2) = 2 · 1/12 = 1/6``.

    A model that has learned nothing useful predicts the mean, 1, and its expected squared error is the
    variance of the target. A model that remembers only the *second* marked value (the recent one) reaches
    ``Var(U1) = 1/12``, half of this.
    """
    return 2.0 / 12.0
