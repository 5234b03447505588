"""What every precomputed experiment records about its own run: CPU time and the paths it names."""

from __future__ import annotations

import resource
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def shown_path(path: Path) -> str:
    """A path as a record shows it: relative to the course folder when inside it, else absolute."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
