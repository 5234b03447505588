"""Small plotting helpers shared by the notebooks (learning curves, curves on a log axis).

Each function draws on an ``ax`` you pass (or a new one) and returns it; nothing is styled on import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def _axes(ax=None, figsize: tuple[float, float] = (7.0, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_history(history, metrics: Sequence[str] = ("loss",), ax=None, title: str | None = None):
    """Plot training and validation curves from a ``keras.callbacks.History`` (or its ``.history`` dict).

    Args:
        history: the object ``model.fit`` returns, or its ``history`` dict.
        metrics: metric names to draw; ``val_<name>`` is drawn dashed when present.
        ax: the axes to draw on (a new figure when None).
        title: optional title.

    Returns:
        The axes.
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"metrics {missing} not in history; available: {sorted(logs)}")
    ax = _axes(ax)
    for name in metrics:
        epochs = np.arange(1, len(logs[name]) + 1)
        (line,) = ax.plot(epochs, logs[name], label=f"train {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "--", color=line.get_color(), label=f"validation {name}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(metrics))
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_log_curves(
    x: Sequence[float] | np.ndarray,
    curves: Mapping[str, Sequence[float] | np.ndarray],
    xlabel: str,
    ylabel: str,
    ax=None,
    title: str | None = None,
    logx: bool = False,
):
    """Plot several named curves against ``x`` with a logarithmic y axis (e.g. gradient norms against distance).

    Non-positive values cannot be drawn on a log axis and are left out (a gap in the curve).
    """
    if not curves:
        raise ValueError("curves is empty; pass a dict of name -> values")
    x = np.asarray(x)
    ax = _axes(ax)
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.shape != x.shape:
            raise ValueError(f"curve {name!r} has shape {values.shape}, expected {x.shape} like x")
        ax.plot(x, np.where(values > 0, values, np.nan), label=name)
    ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
