"""Notebook set-up: seeding, determinism, plotting style and an environment report.

Every course notebook calls :func:`setup` once, from the set-up cell that ``tools.sync`` stamps.
Nothing here runs on import.
"""

from __future__ import annotations

import os
import platform
import sys

#: The plotting style every course figure uses (applied by :func:`setup`, never on import).
PLOT_STYLE: dict[str, object] = {
    "figure.figsize": (8.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}


def seed_everything(seed: int = 42, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow and (by default) make TensorFlow ops deterministic.

    Args:
        seed: the seed for ``random``, NumPy and TensorFlow (via ``keras.utils.set_random_seed``).
        deterministic: also call ``tf.config.experimental.enable_op_determinism()`` so that two runs
            give the same numbers (slightly slower on GPU; no cost on CPU).
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}; pass e.g. seed=42")
    os.environ["PYTHONHASHSEED"] = str(seed)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def apply_plot_style() -> None:
    """Apply the course's matplotlib style (:data:`PLOT_STYLE`)."""
    import matplotlib as mpl

    mpl.rcParams.update(PLOT_STYLE)


def environment_report() -> dict[str, str]:
    """Return the versions in use and the accelerator found, as a dict of strings."""
    import keras
    import matplotlib
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "matplotlib": matplotlib.__version__,
        "colab": str("google.colab" in sys.modules),
        "gpu": ", ".join(g.name for g in gpus) if gpus else "none",
    }


def setup(seed: int = 42, deterministic: bool = True, verbose: bool = True) -> None:
    """Prepare a notebook: seed everything, enable op determinism, set the plot style, report versions.

    Args:
        seed: the global seed (see :func:`seed_everything`).
        deterministic: enable TensorFlow op determinism.
        verbose: print the versions and whether a GPU is present.

    Call :func:`environment_report` for the versions as a dict.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    seed_everything(seed, deterministic)
    apply_plot_style()
    report = environment_report()
    if verbose:
        print(" | ".join(f"{k} {v}" for k, v in report.items() if k not in ("gpu", "colab")))
        if report["gpu"] == "none":
            hint = " (Colab: Runtime > Change runtime type > GPU)" if report["colab"] == "True" else ""
            print(f"No GPU found: running on the CPU{hint}. Every notebook is sized to run on a CPU.")
        else:
            print(f"GPU: {report['gpu']}")
        print(f"Seed {seed}, op determinism {'on' if deterministic else 'off'}.")
