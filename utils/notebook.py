"""Notebook set-up: seeding, determinism, plotting style, an environment report and, in Colab, the answer checker.

Every course notebook calls :func:`setup` once, from the set-up cell that ``tools.authoring.sync`` stamps (its template is
``tools/authoring/templates/setup_cell.py``). Nothing here runs on import.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import subprocess
import sys
from collections.abc import Iterator

#: What the student version installs in Colab when ``otter`` is missing, for ``grader.check``: otter-grader and the
#: three packages ``import otter`` needs that Colab lacks (their own requirements are all preinstalled in Colab).
#: Installed with ``--no-deps``: otter-grader 7 declares wrapt<2, ipywidgets>=8 and nbconvert[webpdf], and a plain
#: install would downgrade Colab's wrapt 2.3.0, upgrade its ipywidgets 7.7.1 (the widgets Colab's front end
#: supports) and pull in playwright, under a running kernel. ``make colab-check`` runs this step in a replica of
#: Colab's runtime and fails if it changes a preinstalled package.
COLAB_GRADER_PINS = [
    "otter-grader==7.0.0",
    "fica==0.4.1",
    "ipylab==1.1.0",
    "python-frontmatter==1.3.0",
]


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what C++ code writes to the process's standard error (file descriptor 2) to ``/dev/null`` meanwhile.

    TensorFlow's C++ runtime prints start-up notices when it is imported (absl, oneDNN, "could not find cuda
    drivers") and, on a machine without a GPU, ``failed call to cuInit`` when devices are first listed, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says. They are not errors, but look like them in a notebook. Python exceptions still
    propagate; Python's own ``sys.stderr`` in a notebook is not file descriptor 2 and is unaffected.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def install_grader() -> bool:
    """In Colab, install :data:`COLAB_GRADER_PINS` with ``pip --no-deps`` when ``otter`` is missing.

    Returns whether it installed anything. Elsewhere it does nothing: a local course has otter-grader from
    ``requirements.txt``.
    """
    if "google.colab" not in sys.modules or importlib.util.find_spec("otter") is not None:
        return False
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *COLAB_GRADER_PINS]
    subprocess.run(command, check=True)
    return True


def seed_everything(seed: int = 42, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow and (by default) make TensorFlow ops deterministic.

    Args:
        seed: the seed for ``random``, NumPy and TensorFlow (via ``keras.utils.set_random_seed``).
        deterministic: also call ``tf.config.experimental.enable_op_determinism()`` so that two runs
            give the same numbers on the same hardware and versions (can be slower, on GPU and in
            ``tf.data`` pipelines: TensorFlow's docstring warns that ``Dataset.map`` with random or stateful
            ops can become much slower).
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}; pass e.g. seed=42")
    # affects subprocesses only: this interpreter's hash seed is already set
    os.environ["PYTHONHASHSEED"] = str(seed)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def apply_plot_style() -> None:
    """Apply the course's matplotlib style (:func:`utils.plotting.course_style`: colour-blind-safe colours, each
    with its own line style and marker, and text legible on a slide)."""
    import matplotlib as mpl

    from utils.plotting import course_style

    mpl.rcParams.update(course_style())


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


def setup(
    seed: int = 42, deterministic: bool = True, verbose: bool = True, grader: bool = False
) -> None:
    """Prepare a notebook: seed everything, enable op determinism, set the plot style, report versions.

    Args:
        seed: the global seed (see :func:`seed_everything`).
        deterministic: enable TensorFlow op determinism.
        verbose: print the versions and whether a GPU is present.
        grader: the student version: in Colab, install the answer checker (:func:`install_grader`).

    Call :func:`environment_report` for the versions as a dict.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if grader:
        install_grader()
    with quiet_native_stderr():  # TensorFlow's start-up notices (see quiet_native_stderr)
        seed_everything(seed, deterministic)
        report = environment_report()
    apply_plot_style()
    if verbose:
        print(" | ".join(f"{k} {v}" for k, v in report.items() if k not in ("gpu", "colab")))
        if report["gpu"] == "none":
            hint = (
                " (Colab: Runtime > Change runtime type > GPU)" if report["colab"] == "True" else ""
            )
            print(
                f"No GPU found: running on the CPU{hint}. Every notebook is sized to run on a CPU."
            )
        else:
            print(f"GPU: {report['gpu']}")
        print(f"Seed {seed}, op determinism {'on' if deterministic else 'off'}.")
