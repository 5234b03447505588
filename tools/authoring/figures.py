"""Redraw every course diagram into ``img/``: ``python -m tools.authoring.figures [--list] [NAME ...]``.

Figures are registered in the ``FIGURES`` dict of each ``tools/authoring/diagrams`` submodule.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.authoring.diagrams import all_figures, save

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "img"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="only these file names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the registered figures and exit")
    parser.add_argument("--out", type=Path, default=IMG, help="output folder (default: img/)")
    args = parser.parse_args(argv)
    figures = all_figures()
    if args.list:
        print("\n".join(sorted(figures)))
        return 0
    unknown = sorted(set(args.names) - set(figures))
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; see --list")
    for name in sorted(args.names or figures):
        path = save(figures[name](), args.out / name)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
