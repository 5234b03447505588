"""Helper package for the rnn-course notebooks.

Importing it has no side effects: nothing is printed, seeded or restyled. A notebook calls
:func:`utils.notebook.setup` (stamped into its set-up cell) to do that explicitly.
Submodules are imported on demand: ``from utils import cells, windowing``.
"""

__all__ = [
    "cells",
    "data",
    "exercise",
    "forecast",
    "gradients",
    "init",
    "long_deps",
    "notebook",
    "plotting",
    "selfcheck",
    "tasks",
    "text",
    "weather_lab",
    "windowing",
]
