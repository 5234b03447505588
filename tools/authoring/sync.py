"""Stamp the repository slug into every notebook and the README: ``python -m tools.authoring.sync [--check]``.

From ``[tool.rnn-course]`` in ``pyproject.toml`` (the one place the slug lives) it writes:

- the badge row under each notebook's title (Colab lecture version, Colab student version, the rendered page
  with outputs on the course website, whose GitHub Pages address follows from the slug: :func:`pages_url`);
- the set-up cell (the code cell tagged ``setup``, from ``tools/authoring/templates/setup_cell.py``), identical in every
  notebook (``tools.authoring.student`` stamps the student version's, which also installs otter-grader in Colab:
  :func:`setup_source`);
- absolute raw-GitHub URLs for markdown images of ``img/`` (Colab cannot resolve relative paths);
- the notebook table in README.md (between ``<!-- notebooks:start -->`` and ``<!-- notebooks:end -->``), and the
  slide links of the lecturers' guide ``docs/lecturers.md`` (between ``<!-- slides:start -->`` and
  ``<!-- slides:end -->``).

It also strips outputs and execution counts. ``--check`` changes nothing and exits 1 if anything is out of sync.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
from pathlib import Path

import nbformat

from utils.notebook import COLAB_GRADER_PINS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"
README = ROOT / "README.md"
LECTURERS = ROOT / "docs" / "lecturers.md"

#: The set-up cell, a real Python file; :func:`setup_source` stamps the slug into it.
SETUP_TEMPLATE = Path(__file__).resolve().parent / "templates" / "setup_cell.py"
#: The student version's Colab install, kept where it runs (``utils.notebook.install_grader``).
COLAB_STUDENT_PINS = COLAB_GRADER_PINS

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
README_START, README_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
SLIDES_START, SLIDES_END = "<!-- slides:start -->", "<!-- slides:end -->"
VIEW_BADGE = "https://img.shields.io/badge/view-with%20outputs-2f6f9f"
_IMG_LINK = re.compile(
    r"""(?P<pre>\]\(|src=["'])(?P<url>(?:\.\./|\./)?img/[^)"'\s]+|https://raw\.githubusercontent\.com/[^/]+/[^/]+/[^/]+/img/[^)"'\s]+)"""
)


def load_config(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Return ``{"repo": "owner/name", "branch": "main"}`` from ``[tool.rnn-course]`` in pyproject.toml."""
    with open(pyproject, "rb") as f:
        section = tomllib.load(f).get("tool", {}).get("rnn-course", {})
    repo, branch = section.get("repo", ""), section.get("branch", "main")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise ValueError(
            f'[tool.rnn-course] repo in {pyproject} must look like "owner/name", got {repo!r}'
        )
    return {"repo": repo, "branch": branch}


def raw_url(config: dict[str, str], path: str) -> str:
    """The raw-GitHub URL of a repository file (``path`` relative to the root, e.g. ``img/x.png``)."""
    return f"https://raw.githubusercontent.com/{config['repo']}/{config['branch']}/{path}"


def colab_url(config: dict[str, str], path: str) -> str:
    """The URL that opens a repository notebook in Colab."""
    return (
        f"https://colab.research.google.com/github/{config['repo']}/blob/{config['branch']}/{path}"
    )


def github_url(config: dict[str, str], path: str) -> str:
    """The URL of a repository file on GitHub."""
    return f"https://github.com/{config['repo']}/blob/{config['branch']}/{path}"


def pages_url(config: dict[str, str], path: str = "") -> str:
    """The GitHub Pages URL of a file of the course website (``path`` relative to the site root; ``make site``)."""
    owner, name = config["repo"].split("/")
    base = f"https://{owner.lower()}.github.io/"
    if name.lower() != f"{owner.lower()}.github.io":  # a project site, not the owner's user site
        base += f"{name}/"
    return base + path


def page_url(config: dict[str, str], name: str) -> str:
    """The rendered page, with outputs, of notebook ``name`` (file name) on the course website."""
    return pages_url(config, f"notebooks/{Path(name).stem}.html")


def slides_url(config: dict[str, str], name: str) -> str:
    """The reveal.js deck of notebook ``name`` (file name) on the course website."""
    return pages_url(config, f"slides/{Path(name).stem}.slides.html")


def setup_source(config: dict[str, str], student: bool = False) -> str:
    """The set-up cell's source for this slug (:data:`SETUP_TEMPLATE`): the lecture version's, or (``student=True``)
    the student version's, whose ``setup`` call also installs otter-grader in Colab for ``grader.check``."""
    source = SETUP_TEMPLATE.read_text(encoding="utf-8").strip()
    repo = f'"https://github.com/{config["repo"]}.git", "{config["branch"]}"'
    source = re.sub(
        r'(?m)^(REPO, BRANCH, here = )"[^"]*", "[^"]*"', lambda m: m.group(1) + repo, source
    )
    source = source.replace('"/content/rnn-course"', f'"/content/{config["repo"].split("/")[1]}"')
    if student:
        source = source.replace(
            "setup(seed=42)",
            "setup(seed=42, grader=True)  # in Colab it also installs the answer checker",
        )
    return source


def stamp_setup(nb: nbformat.NotebookNode, config: dict[str, str], student: bool = False) -> None:
    """Write :func:`setup_source` into the code cell tagged ``setup`` of ``nb``, in place (``tools.authoring.student`` calls
    it with ``student=True`` on each student version)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "setup" in cell.get("metadata", {}).get("tags", []):
            cell.source = setup_source(config, student)


def badges(config: dict[str, str], name: str, student_exists: bool) -> str:
    """The badge row for notebook ``name`` (file name), as markdown."""
    parts = [
        f"[![Open the lecture version in Colab]({COLAB_BADGE})]({colab_url(config, f'notebooks/{name}')})"
    ]
    if student_exists:
        parts.append(
            f"[![Open the student version in Colab]({COLAB_BADGE})]({colab_url(config, f'student/{name}')})"
        )
    parts.append(f"[![View with outputs]({VIEW_BADGE})]({page_url(config, name)})")
    return " ".join(parts)


def _fix_images(source: str, config: dict[str, str]) -> str:
    def repl(match: re.Match) -> str:
        url = match.group("url")
        relative = "img/" + url.split("img/", 1)[1]
        return match.group("pre") + raw_url(config, relative)

    return _IMG_LINK.sub(repl, source)


def synced(nb: nbformat.NotebookNode, name: str, config: dict[str, str], student_exists: bool):
    """Return a synced copy of master notebook ``nb`` (file name ``name``)."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.get("metadata", {}).pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if "setup" in tags:
                # the lecture version; tools.authoring.student stamps the student one
                cell.source = setup_source(config)
        elif cell.cell_type == "markdown":
            source = _fix_images(cell.source, config)
            if index == 0 and source.startswith("# "):
                title = source.splitlines()[0]
                source = f"{title}\n\n{badges(config, name, student_exists)}"
            cell.source = source
    for key in ("papermill", "widgets", "jupytext"):
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def readme_table(config: dict[str, str], notebooks: list[Path]) -> str:
    """The README's notebook table, built from each notebook's ``metadata.rnn_course``: number, title and what
    you learn, time, and where to open it (the lecture and student versions in Colab, the page with outputs)."""
    rows = ["| # | Notebook: what you learn | Time | Open |", "| --- | --- | --- | --- |"]
    for path in notebooks:
        meta = nbformat.read(path, as_version=4).metadata.get("rnn_course", {})
        # "02", or "02b" for a notebook inserted after 02
        number, name = path.stem.split("_")[0], path.name
        opens = [f"[lecture]({colab_url(config, f'notebooks/{name}')})"]
        if (STUDENT / name).exists():
            opens.append(f"[student]({colab_url(config, f'student/{name}')})")
        opens.append(f"[read]({page_url(config, name)})")
        rows.append(
            f"| {number} | [{meta.get('title', path.stem)}](notebooks/{name}): {meta.get('learn', '')} "
            f"| {meta.get('minutes', '?')} min | {' · '.join(opens)} |"
        )
    return "\n".join(rows)


def readme_slides(config: dict[str, str], notebooks: list[Path]) -> str:
    """The slide links of the lecturers' guide."""
    links = " · ".join(f"[{p.stem.split('_')[0]}]({slides_url(config, p.name)})" for p in notebooks)
    return f"Slides (reveal.js, one deck per notebook, with the outputs of a lecture run): {links}."


def _replace_block(text: str, start: str, end: str, content: str) -> str:
    """``text`` with what lies between the markers ``start`` and ``end`` replaced (unchanged without them)."""
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content}\n{end}{tail}"


def _show(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _dump(nb) -> str:
    return nbformat.writes(nb) + "\n"


def sync(
    check: bool = False,
    notebooks_dir: Path = NOTEBOOKS,
    readme: Path = README,
    lecturers: Path = LECTURERS,
) -> list[str]:
    """Sync every notebook in ``notebooks_dir``, the README table and the lecturers' slide links; return the files
    that were (or would be) changed."""
    config = load_config()
    changed = []
    paths = sorted(notebooks_dir.glob("*.ipynb"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = _dump(
            synced(
                nbformat.reads(text, as_version=4),
                path.name,
                config,
                (STUDENT / path.name).exists(),
            )
        )
        if new != text:
            changed.append(_show(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    blocks = {
        readme: [(README_START, README_END, readme_table(config, paths))],
        lecturers: [(SLIDES_START, SLIDES_END, readme_slides(config, paths))],
    }
    for doc, replacements in blocks.items():
        if not doc.exists():
            continue
        text = new = doc.read_text(encoding="utf-8")
        for start, end, content in replacements:
            new = _replace_block(new, start, end, content)
        if new != text:
            changed.append(_show(doc))
            if not check:
                doc.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if anything is out of sync"
    )
    args = parser.parse_args(argv)
    changed = sync(check=args.check)
    verb = "out of sync" if args.check else "updated"
    for path in changed:
        print(f"{verb}: {path}")
    if args.check and changed:
        print(
            "Run `make sync` (python -m tools.authoring.sync) and commit the result.",
            file=sys.stderr,
        )
        return 1
    if not changed:
        print("everything in sync")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
