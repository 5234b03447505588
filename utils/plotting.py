"""The course's figure style and small plotting helpers shared by the notebooks (learning curves, log curves).

:func:`course_style` is the matplotlib style every course figure uses (``utils.notebook.setup`` applies it): a
colour-blind-safe palette (Okabe and Ito's) in which every colour comes with its own line style and marker, so that
no two series are told apart by colour alone, and text large enough to read on a projected slide. Each plotting
function draws on an ``ax`` you pass (or a new one) and returns it; nothing is styled on import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: Okabe & Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/), ordered for lines on white: its yellow
#: (#F0E442, 1.3:1 against white) is left out.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)
#: One line style and one marker per colour of :data:`OKABE_ITO` (the n-th series differs from the others in all three).
LINESTYLES: tuple[object, ...] = (
    "-",
    "--",
    ":",
    "-.",
    (0, (5, 1)),
    (0, (3, 1, 1, 1, 1, 1)),
    (0, (1, 3)),
)
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")

#: The rcParams of the course style besides the property cycle (:func:`course_style` adds it). Sizes in points at
#: 100 dpi: 13 pt is 18 px in the 800 x 400 figure, about 14 px after a slide scales it to the screen.
PLOT_STYLE: dict[str, object] = {
    "figure.figsize": (8.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 5.0,
    "image.cmap": "viridis",
}


def course_style() -> dict[str, object]:
    """The course's matplotlib rcParams: :data:`PLOT_STYLE` and a property cycle of colour, line style and marker.

    A marker is drawn at about every tenth of a line's length (``markevery=0.1``), not at every point, so that long
    series stay lines. Use it with ``matplotlib.rcParams.update(course_style())`` or ``plt.style.context``.
    """
    from cycler import cycler

    n = len(OKABE_ITO)
    cycle = (
        cycler(color=list(OKABE_ITO))
        + cycler(linestyle=list(LINESTYLES))
        + cycler(marker=list(MARKERS))
        + cycler(markevery=[0.1] * n)
    )
    return {**PLOT_STYLE, "axes.prop_cycle": cycle}


def _axes(ax=None, figsize: tuple[float, float] = (7.0, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_history(history, metrics: Sequence[str] = ("loss",), ax=None, title: str | None = None):
    """Plot training and validation curves from a ``keras.callbacks.History`` (or its ``.history`` dict).

    Args:
        history: the object ``model.fit`` returns, or its ``history`` dict.
        metrics: metric names to draw, each in its own colour and marker; the training curve is solid,
            ``val_<name>`` (when present) dashed in the same colour and marker.
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
        (line,) = ax.plot(epochs, logs[name], linestyle="-", label=f"train {name}")
        if f"val_{name}" in logs:
            ax.plot(
                epochs,
                logs[f"val_{name}"],
                linestyle="--",
                color=line.get_color(),
                marker=line.get_marker(),
                markerfacecolor="white",
                label=f"validation {name}",
            )
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
