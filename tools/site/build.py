"""Build the course website and the lecture slides: ``python -m tools.site.build [--mode lecture|ci] [--slides-only]``.

The site (``site/``, git-ignored; ``make site``) is a static HTML book: a landing page built from README.md, one
page per notebook **with the outputs of an executed run** (every figure, table and printed number), the glossary,
navigation and search. It is built with Sphinx + MyST-NB + sphinx-book-theme (the stack of Jupyter Book 1), from
``site_src/conf.py``. Every script it needs is served by the site itself (MathJax 2.7 from the
``jupyter-server-mathjax`` package, reveal.js from the ``sphinx-revealjs`` package), so it works offline.

The slides (``site/slides/NN_name.slides.html``; ``make slides``) are reveal.js decks made by nbconvert from the same
executed notebooks, made for a room (1280 x 720, 30 px text). Their structure is derived here, never kept by hand
(:func:`slides_notebook`): the title and every ``##`` heading start a slide, every ``###`` heading a sub-slide; a
markdown cell keeps its heading and first paragraph on the slide and moves the rest of its prose to the speaker
notes (``s`` in reveal.js); figures, tables, formulas, code cells and long outputs get sub-slides of their own; the
set-up cell is left out; code wraps, long code and outputs scroll, and the keyboard reaches every scrolling box.

Pages and slides meet WCAG 2.1 AA as axe-core checks it (``python -m tools.site.build --audit site``, and
``tests/test_accessibility.py``): figures take their alt text from their cell's metadata (``mystnb.image.alt``),
Russian terms are marked ``lang="ru"``, HTML outputs lose empty header cells and low-contrast terminal colours.

The site stays light: the theme's Font Awesome script (1.5 MB, all of Font Awesome) is cut to the icons the pages
use (:func:`slim_fontawesome`); a deck's figures are image files, not base64 inside its HTML (the page's own file
in ``_images/`` when the page shows the same figure, so that the browser loads it once for both), and the style
sheets every deck repeats are files too (:func:`deck_files`); the figures are PNGs of 256 colours at most
(:func:`compress_images`).

Executions are cached in ``.cache/site/<mode>/`` (git-ignored), keyed on the notebook's code cells, the mode (and
in CI mode its ``ci_parameters``), ``requirements.txt`` and the course code and results the notebooks load
(``utils/``, ``results/``, the ``tools`` modules they import). A prose-only edit reuses the cached outputs: they are
merged into the current notebook's code cells. ``--mode lecture`` (default) runs the notebooks' own parameters,
``--mode ci`` their ``ci_parameters`` (fast; the tests build this). With Chromium installed, a lecture build of
``site/`` also refreshes the README's screenshots in ``img/site/``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat

from tools.authoring.execute import ci_parameters, execute
from tools.authoring.sync import colab_url, github_url, load_config

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"
SOURCE = ROOT / "site_src"
#: The execution cache; ``RNN_COURSE_SITE_CACHE`` moves it (the test suite keeps its own, outside the repository).
CACHE = Path(os.environ.get("RNN_COURSE_SITE_CACHE") or ROOT / ".cache" / "site")
SITE = ROOT / "site"
SCREENSHOTS = ROOT / "img" / "site"
MODES = ("lecture", "ci")

#: What a notebook's outputs depend on besides its own code cells (globs relative to the repository root).
DEPENDENCIES = (
    "requirements.txt",
    "utils/**/*.py",
    "results/*",
    "tools/authoring/execute.py",
    "tools/experiments/text_model.py",
    "tools/experiments/seq2seq_model.py",
)

#: Chromium flags for a headless, offline, throw-away browser (tests and screenshots).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_RAW_IMG = re.compile(
    r"https://raw\.githubusercontent\.com/[^/\s]+/[^/\s]+/[^/\s]+/img/(?P<name>[^)\"'\s]+)"
)


# --- execution cache ---------------------------------------------------------------------------------------------


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The sources of the notebook's own code cells (papermill's injected-parameters cell excluded)."""
    return [
        c.source
        for c in nb.cells
        if c.cell_type == "code"
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def cache_key(path: Path, mode: str) -> str:
    """The execution cache key of notebook ``path`` in ``mode``: its code cells, the mode (with the CI parameters in
    CI mode), and every file in :data:`DEPENDENCIES`. Markdown cells are not part of it."""
    _check_mode(mode)
    digest = hashlib.sha256(f"mode={mode}\n".encode())
    if mode == "ci":
        digest.update(json.dumps(ci_parameters(path), sort_keys=True).encode())
    for source in code_sources(nbformat.read(path, as_version=4)):
        digest.update(b"\0cell\0" + source.encode())
    for pattern in DEPENDENCIES:
        for dep in sorted(ROOT.glob(pattern)):
            if dep.is_file() and "__pycache__" not in dep.parts:
                digest.update(
                    b"\0file\0"
                    + dep.relative_to(ROOT).as_posix().encode()
                    + b"\0"
                    + dep.read_bytes()
                )
    return digest.hexdigest()[:20]


def cache_path(path: Path, mode: str, cache: Path = CACHE) -> Path:
    """Where the executed copy of ``path`` for ``mode`` is (or would be) cached."""
    return cache / mode / f"{Path(path).stem}-{cache_key(path, mode)}.ipynb"


def store(
    path: Path,
    executed: nbformat.NotebookNode,
    mode: str,
    cache: Path = CACHE,
    target: Path | None = None,
) -> Path:
    """Cache an executed copy of notebook ``path`` (run in ``mode`` with no other parameters); older entries of
    the same notebook and mode are removed. Returns the cache file. ``target``: the entry named before the run
    (:func:`cache_path`), so that a notebook edited while it ran is not stored under its new key."""
    target = target or cache_path(path, mode, cache)
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(f"{Path(path).stem}-*.ipynb"):
        if old != target and re.fullmatch(
            rf"{re.escape(Path(path).stem)}-[0-9a-f]{{20}}\.ipynb", old.name
        ):
            old.unlink()
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    nbformat.write(executed, tmp)
    tmp.replace(target)
    return target


def merge_outputs(
    nb: nbformat.NotebookNode, executed: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose code cells carry the outputs of ``executed`` (a run of the same code cells; its
    markdown may differ). Raises ``ValueError`` if the code cells differ."""
    nb = copy.deepcopy(nb)
    mine = [c for c in nb.cells if c.cell_type == "code"]
    ran = [
        c
        for c in executed.cells
        if c.cell_type == "code"
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    if [c.source for c in mine] != [c.source for c in ran]:
        raise ValueError(
            "the executed notebook's code cells differ from the notebook's: not a run of this code"
        )
    for cell, run in zip(mine, ran):
        cell.outputs = copy.deepcopy(run.get("outputs", []))
        cell.execution_count = run.get("execution_count")
    # the widgets' saved state: what their Output widgets displayed
    if "widgets" in executed.metadata:
        nb.metadata["widgets"] = copy.deepcopy(executed.metadata["widgets"])
    return nb


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``target``'s cache entry: two processes that need the same run (the notebook
    tests and the site build, in parallel test workers) run it once; the second waits and reads the cache."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_or_reuse(
    path: Path, mode: str, cache: Path = CACHE
) -> tuple[nbformat.NotebookNode, float | None]:
    """The executed copy of notebook ``path`` in ``mode`` and the seconds its run took: read from the cache
    (``None`` seconds) or executed now and cached. Holds the entry's lock while it runs."""
    path = Path(path)
    target = cache_path(path, mode, cache)
    with _locked(target):
        if target.is_file():
            return nbformat.read(target, as_version=4), None
        with tempfile.TemporaryDirectory(prefix="rnn-course-site-") as tmp:
            ran, seconds, _ = execute(path, mode=mode, out_dir=tmp)
        store(path, ran, mode, cache, target)
    return ran, seconds


def executed_notebook(
    path: Path, mode: str, cache: Path = CACHE, log: Callable[[str], None] = print
) -> nbformat.NotebookNode:
    """Notebook ``path`` with the outputs of a ``mode`` run: from the cache, or executed (and cached) on a miss."""
    path = Path(path)
    ran, seconds = run_or_reuse(path, mode, cache)
    if seconds is None:
        log(f"{path.name}: cached")
    else:
        log(f"{path.name}: executed in {seconds:.1f} s ({mode} mode)")
    return merge_outputs(nbformat.read(path, as_version=4), ran)


# --- the site's source tree -----------------------------------------------------------------------------------------


def slides_name(name: str) -> str:
    return f"{Path(name).stem}.slides.html"


def _links(config: dict[str, str], name: str, slides: bool) -> str:
    """A text row of links (no remote badge images: the site must show no broken image offline)."""
    parts = [
        f'<a href="{colab_url(config, f"notebooks/{name}")}">Open the lecture version in Colab</a>'
    ]
    if (STUDENT / name).exists():
        parts.append(f'<a href="{colab_url(config, f"student/{name}")}">the student version</a>')
    parts.append(f'<a href="{github_url(config, f"notebooks/{name}")}">source on GitHub</a>')
    if slides:
        parts.append(f'<a href="../slides/{slides_name(name)}">slides</a>')
    return '<p class="course-links">' + " · ".join(parts) + "</p>"


def _local_images(source: str, prefix: str) -> str:
    return _RAW_IMG.sub(lambda m: f"{prefix}img/{m.group('name')}", source)


def _widget_outputs(model_id: str, state: dict, seen: set[str]) -> list[dict]:
    """The outputs that the Output widgets inside widget ``model_id`` hold (depth first), from the saved state."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    found = [copy.deepcopy(o) for o in model.get("outputs", [])]
    for child in model.get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_outputs(child[len("IPY_MODEL_") :], state, seen)
    return found


def _drop_widget_views(nb: nbformat.NotebookNode) -> None:
    """A widget needs a kernel (and JavaScript from a CDN): show, in its place, a note and what its Output widgets
    displayed when the notebook ran (for ``interact``, the figure of the initial values)."""
    state = (
        nb.metadata.pop("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(out)
                continue
            shown = _widget_outputs(view.get("model_id", ""), state, set())
            note = "(An interactive widget: run the notebook to use it."
            note += " What it showed at its initial values:)\n" if shown else ")\n"
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=note))
            outputs.extend(nbformat.from_dict(o) for o in shown)
        cell.outputs = outputs


def page_notebook(
    nb: nbformat.NotebookNode, name: str, config: dict[str, str]
) -> nbformat.NotebookNode:
    """The notebook as the site shows it: the badge row replaced by text links (Colab, GitHub, slides), images
    from the site's own ``img/``, widget views reduced to their text, Russian terms marked ``lang="ru"``, HTML
    outputs made accessible (:func:`accessible_html`)."""
    nb = copy.deepcopy(nb)
    _drop_widget_views(nb)
    _accessible_outputs(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        source = mark_russian(_local_images(cell.source, "../"))
        if index == 0 and source.startswith("# "):
            source = f"{source.splitlines()[0]}\n\n{_links(config, name, slides=True)}"
        cell.source = source
    return nb


def slide_type(cell: nbformat.NotebookNode) -> str:
    """The reveal.js slide type of a cell's heading, derived from the notebook's structure: the title and every
    ``##`` heading start a slide, a ``###`` heading a sub-slide; the set-up cell is skipped."""
    tags = cell.get("metadata", {}).get("tags", [])
    if "setup" in tags or "injected-parameters" in tags:
        return "skip"
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith(("# ", "## ")):
            return "slide"
        if first.startswith("### "):
            return "subslide"
    return "-"


#: Words of prose a slide keeps from a markdown cell; the rest of the cell's prose goes to the speaker notes.
SLIDE_WORDS = 45
#: A code cell's outputs stay on its slide when they are this many lines of text or fewer (and no figure, no table).
SHORT_OUTPUT_LINES = 6
#: A code cell joins the slide of the prose before it when that prose has this many words or fewer...
INTRO_WORDS = 30
#: ...and the code this many lines or fewer.
INTRO_CODE_LINES = 8

_FENCE = re.compile(r"^\s*(```|~~~)")
_CYRILLIC_RUN = re.compile(
    r"[\u0400-\u04ff]+(?:[ \u00a0\-\u2010-\u2014,;:.()«»]*[\u0400-\u04ff]+)*"
)
_INLINE_CODE = re.compile(
    r"(`+)(?:.|\n)*?\1|<span lang=\"ru\">.*?</span>|\]\([^)]*\)|\$\$(?:.|\n)*?\$\$|\$[^$\n]+\$"
)


def mark_russian(text: str) -> str:
    """Markdown ``text`` with every run of Russian words wrapped in ``<span lang="ru">`` (WCAG 3.1.2: a screen
    reader then reads it with Russian rules). Code (fenced or inline), link targets and math are left alone."""
    out, fenced = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or _FENCE.match(line) or not _CYRILLIC_RUN.search(line):
            out.append(line)
            continue
        parts, last = [], 0
        for skip in _INLINE_CODE.finditer(line):
            parts.append(
                _CYRILLIC_RUN.sub(
                    lambda m: f'<span lang="ru">{m.group(0)}</span>', line[last : skip.start()]
                )
            )
            parts.append(skip.group(0))
            last = skip.end()
        parts.append(
            _CYRILLIC_RUN.sub(lambda m: f'<span lang="ru">{m.group(0)}</span>', line[last:])
        )
        out.append("".join(parts))
    return "\n".join(out)


_EMPTY_TH = re.compile(r"<th(\s[^>]*)?>(?:\s|&nbsp;|&#160;)*</th>")
_RICH_PRE = '<pre style="white-space:pre;overflow-x:auto;line-height:normal;'
_STYLE_COLOR = re.compile(
    r"(?<![-\w])(?:text-decoration-color|background-color|color)\s*:\s*#[0-9a-fA-F]{3,6}\s*;?\s*"
)


def accessible_html(html: str) -> str:
    """An HTML output made readable for everyone: a table header cell with no text (pandas' corner cell, the blank
    cells of its index-name row) becomes a data cell (axe's empty-table-header); the colours of ``rich``'s
    terminal text (Keras's ``model.summary()``: light cyan on grey, 1.6:1) are dropped, so it reads in the page's
    own text colour."""
    html = _EMPTY_TH.sub(lambda m: f"<td{m.group(1) or ''}></td>", html)
    if _RICH_PRE in html:
        html = re.sub(
            r'style="([^"]*)"', lambda m: f'style="{_STYLE_COLOR.sub("", m.group(1))}"', html
        )
    return html


def _accessible_outputs(nb: nbformat.NotebookNode) -> None:
    """Apply :func:`accessible_html` to every HTML output of ``nb`` (in place)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            html = out.get("data", {}).get("text/html")
            if html is not None:
                out["data"]["text/html"] = accessible_html(
                    html if isinstance(html, str) else "".join(html)
                )


def alt_text(cell: nbformat.NotebookNode) -> str | None:
    """The author's alt text of the figures a code cell draws: its ``mystnb.image.alt`` metadata (which MyST-NB
    puts on the site's ``<img>``; the slides' template reads it too), or None."""
    alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
    return alt.strip() if isinstance(alt, str) and alt.strip() else None


def notebook_title(nb: nbformat.NotebookNode, name: str) -> str:
    """The notebook's title: ``metadata.rnn_course.title``, else its ``# `` heading, else the file name."""
    title = nb.metadata.get("rnn_course", {}).get("title")
    if title:
        return f"{Path(name).stem.split('_')[0]} · {title}"
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return Path(name).stem


def _markdown_blocks(text: str) -> list[str]:
    """``text`` cut into blocks at blank lines (a fenced code block or a ``$$`` display is one block), a leading
    heading line its own block."""
    blocks, current, fenced, math = [], [], False, False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and line.count("$$") % 2:
            math = not math
        if not fenced and not math and (not line.strip() or (line.startswith("#") and not current)):
            if line.strip():
                blocks.append(line)
            elif current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return [b for b in blocks if b.strip()]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _kind(block: str) -> str:
    first = block.lstrip()
    if first.startswith("#"):
        return "heading"
    if first.startswith(("![", "<img")):
        return "image"
    if first.startswith(("$$", "\\begin")):
        return "math"
    if first.startswith("|"):
        return "table"
    if first.startswith(("```", "~~~")):
        return "code"
    if re.match(r"([-*+]|\d+\.)\s", first):
        return "list"
    return "prose"


def _condense(block: str, budget: int) -> tuple[str, str]:
    """The first sentences of a prose or list ``block`` that fit in ``budget`` words (at least one), and the rest."""
    if _words(block) <= budget:
        return block, ""
    if _kind(block) == "list":
        pieces, joiner = re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", block), "\n"
    else:
        pieces, joiner = re.split(r"(?<=[.!?:])\s+(?=[A-Z(*_`$])", block), " "
    kept = [pieces[0]]
    for piece in pieces[1:]:
        if _words(joiner.join(kept + [piece])) > budget:
            break
        kept.append(piece)
    return joiner.join(kept), joiner.join(pieces[len(kept) :])


def _slide_cell(source: str, slide: str, notes: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["slideshow"] = {"slide_type": "notes" if notes else slide}
    return cell


def _number_ids(
    cell: nbformat.NotebookNode, parts: list[nbformat.NotebookNode]
) -> list[nbformat.NotebookNode]:
    """The cells a notebook cell was cut into, with ids derived from its id (stable from build to build)."""
    for k, part in enumerate(parts):
        part["id"] = cell.get("id", "cell") if k == 0 else f"{cell.get('id', 'cell')[:56]}-{k}"
    return parts


def _markdown_slides(cell: nbformat.NotebookNode, first: bool) -> list[nbformat.NotebookNode]:
    """A markdown cell as slides: its heading and first paragraph (at most :data:`SLIDE_WORDS` words, cut at a
    sentence) on a slide, every figure, display formula and table on a sub-slide of its own, and the rest of the
    prose in the speaker notes (reveal.js shows them with ``s``)."""
    kind = slide_type(cell)
    if first:
        return [_slide_cell(cell.source, "slide")]
    blocks = _markdown_blocks(cell.source)
    slide, notes, extra, budget, follows = [], [], [], SLIDE_WORDS, False
    for block in blocks:
        what = _kind(block)
        if what == "heading" and not slide and not notes:
            slide.append(block)
        elif what == "math" and follows and _words(block) <= 40:
            slide.append(block)  # the formula that the slide's sentence leads into
            follows = False
        elif what in ("image", "math", "table", "code"):
            extra.append(block)
        elif budget > 0 and not notes and not extra:
            kept, rest = _condense(block, budget)
            slide.append(kept)
            budget, follows = 0, not rest
            if rest:
                notes.append(rest)
            continue
        else:
            notes.append(block)
        follows = False
    cells = []
    if slide and extra and _kind(extra[0]) == "image" and _words("\n".join(slide)) <= 12:
        slide.append(extra.pop(0))  # a heading and its figure: one slide
    if slide:
        cells.append(_slide_cell("\n\n".join(slide), "subslide" if kind == "-" else kind))
    if notes:
        cells.append(_slide_cell("\n\n".join(notes), "", notes=True))
    for i, block in enumerate(extra):
        same = (
            i > 0
            and _kind(block) == _kind(extra[i - 1]) == "math"
            and _words(block + extra[i - 1]) < 60
        )
        if same:
            cells[-1].source += "\n\n" + block
        else:
            cells.append(_slide_cell(block, "subslide" if cells or kind == "-" else kind))
    return cells


def _has_figure(outputs: list) -> bool:
    return any(
        any(k in o.get("data", {}) for k in ("image/png", "image/jpeg", "image/svg+xml"))
        for o in outputs
    )


def _output_lines(outputs: list) -> int:
    lines = 0
    for o in outputs:
        text = (
            o.get("text")
            if o.get("output_type") == "stream"
            else o.get("data", {}).get("text/plain", "")
        )
        lines += len("".join(text).splitlines()) if text else 0
        if "text/html" in o.get("data", {}):
            lines += 100  # a table: a slide of its own
    return lines


def _code_slides(
    cell: nbformat.NotebookNode, previous: nbformat.NotebookNode | None
) -> list[nbformat.NotebookNode]:
    """A code cell as slides: the code on a sub-slide (with the short prose that introduces it, when there is
    room), its outputs with it when they are a few lines of text, else on a sub-slide of their own."""
    code = copy.deepcopy(cell)
    lines = len(cell.source.splitlines())
    intro = (
        previous is not None
        and previous.cell_type == "markdown"
        and previous.metadata["slideshow"]["slide_type"] != "notes"
        and _words(re.sub(r"^#+ .*$", "", previous.source, flags=re.M)) <= INTRO_WORDS
        and _kind(previous.source) in ("heading", "prose", "list")
    )
    code.metadata["slideshow"] = {
        "slide_type": "-" if intro and lines <= INTRO_CODE_LINES else "subslide"
    }
    outputs = cell.get("outputs", [])
    if not outputs or (not _has_figure(outputs) and _output_lines(outputs) <= SHORT_OUTPUT_LINES):
        return [code]
    code.outputs = []
    shown = copy.deepcopy(cell)
    shown.metadata["slideshow"] = {"slide_type": "subslide"}
    shown.metadata.setdefault("transient", {})["remove_source"] = True
    return [code, shown]


def slides_notebook(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The notebook cut into slides for a room, with a link back to its page and images from the site's ``img/``.

    Derived, never kept by hand: the title and every ``##`` heading start a slide, a ``###`` heading a sub-slide
    (:func:`slide_type`); a markdown cell keeps its heading and first paragraph on the slide and moves the rest of
    its prose to the speaker notes, its figures, formulas and tables to sub-slides (:func:`_markdown_slides`); a
    code cell gets a sub-slide, its figures and long outputs another (:func:`_code_slides`). The deck's title is
    the notebook's (:func:`notebook_title`); Russian terms are marked ``lang="ru"``.
    """
    nb = copy.deepcopy(nb)
    _drop_widget_views(nb)
    _accessible_outputs(nb)
    nb.metadata["title"] = notebook_title(nb, name)
    cells: list[nbformat.NotebookNode] = []
    for index, cell in enumerate(nb.cells):
        if slide_type(cell) == "skip":
            cell.metadata["slideshow"] = {"slide_type": "skip"}
            cells.append(cell)
        elif cell.cell_type == "markdown":
            cell.source = mark_russian(_local_images(cell.source, "../"))
            if index == 0 and cell.source.startswith("# "):
                page = f"../notebooks/{Path(name).stem}.html"
                cell.source = f'{cell.source.splitlines()[0]}\n\n<a href="{page}">the page with all outputs</a>'
            cells += _number_ids(cell, _markdown_slides(cell, first=index == 0))
        elif cell.cell_type == "code":
            visible = [c for c in cells if c.metadata["slideshow"]["slide_type"] != "skip"]
            cells += _number_ids(cell, _code_slides(cell, visible[-1] if visible else None))
        else:
            cell.metadata["slideshow"] = {"slide_type": "skip"}
            cells.append(cell)
    nb.cells = cells
    return nb


#: the guides shown as pages of the site: file in the repository -> page name
GUIDES = {
    "docs/students.md": "students",
    "docs/lecturers.md": "lecturers",
    "docs/teaching-assistants.md": "teaching-assistants",
    "docs/colab.md": "colab",
}


def _site_links(text: str, source: str, config: dict[str, str]) -> str:
    """Markdown ``text`` of the repository file ``source`` with its relative links rewritten for the site.

    A link to another page of the site (a guide, the glossary, a notebook) points to that page; a link to any other
    file of the repository points to it on GitHub; an HTML image of the repository (the README's screenshots of
    this very site) is dropped.
    """
    pages = {**GUIDES, "GLOSSARY.md": "glossary"}
    base = Path(source).parent

    def rewrite(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:|^#", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(base / path).replace(os.sep, "/")
        if resolved in pages:
            return f"[{label}]({pages[resolved]}.md{'#' + anchor if anchor else ''})"
        if resolved.startswith("notebooks/") and resolved.endswith(".ipynb"):
            return f"[{label}]({resolved})"
        return f"[{label}](https://github.com/{config['repo']}/blob/{config['branch']}/{resolved})"

    text = re.sub(r"^<img [^\n]*$\n?", "", text, flags=re.M)
    return re.sub(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)", rewrite, text)


def guide_page(source: str, config: dict[str, str]) -> str:
    """A guide (or the glossary) as a page of the site, its links rewritten by :func:`_site_links`."""
    return _site_links((ROOT / source).read_text(encoding="utf-8"), source, config)


def index_page(config: dict[str, str], notebooks: list[Path], readme: str) -> str:
    """The landing page (MyST markdown): README's introduction, how to open the course, the notebook table, and
    the table of contents."""
    title, _, rest = readme.partition("\n")
    intro = rest.split("\n## ", 1)[0].strip()
    rows = [
        "| # | Notebook | What you learn | Time | Slides | Run it in Colab |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for path in notebooks:
        meta = nbformat.read(path, as_version=4).metadata.get("rnn_course", {})
        number, name = path.stem.split("_")[0], path.name
        colab = f"[lecture]({colab_url(config, f'notebooks/{name}')})"
        if (STUDENT / name).exists():
            colab += f" · [student]({colab_url(config, f'student/{name}')})"
        rows.append(
            f"| {number} | [{meta.get('title', path.stem)}](notebooks/{name}) | {meta.get('learn', '')} "
            f'| {meta.get("minutes", "?")} min | <a href="slides/{slides_name(name)}">slides</a> | {colab} |'
        )
    toc = "\n".join(f"notebooks/{p.stem}" for p in notebooks)
    return f"""{title}

{intro}

## How to use this site

Each page below is a notebook of the course with the outputs of a run: every figure, table and printed number. To
run a notebook yourself, open it in Google Colab (the links in the table and at the top of each page) and run it
top to bottom; the lecture version has the exercise solutions, the student version leaves them to you and checks
your answers. Locally, clone [the repository](https://github.com/{config["repo"]}) and run `make lab`. Lecturers
can present a notebook from its slides. Guides: [students](students.md), [lecturers](lecturers.md),
[teaching assistants](teaching-assistants.md), [what was verified in Colab](colab.md); the Russian lecture terms
are in the [glossary](glossary.md).

## Notebooks

{chr(10).join(rows)}

```{{toctree}}
:hidden:
:maxdepth: 1

{toc}
glossary
{chr(10).join(GUIDES.values())}
```
"""


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (Sphinx then rebuilds only what changed)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _copy_if_changed(src: Path, dst: Path) -> None:
    if not dst.is_file() or dst.read_bytes() != src.read_bytes():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def copy_assets(out: Path) -> None:
    """MathJax 2.7 (``jupyter-server-mathjax``), reveal.js (``sphinx-revealjs``) and the favicon into
    ``out/_static/``, and the course's ``img/`` into ``out/img/`` (the slides' images)."""
    import jupyter_server_mathjax
    import sphinx_revealjs

    assets = {
        "mathjax": Path(jupyter_server_mathjax.__file__).parent / "static",
        "revealjs": Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs",
    }
    for name, src in assets.items():
        dst = out / "_static" / name
        marker = dst / ".copied-from"
        if not (marker.is_file() and marker.read_text() == str(src)):
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
            marker.write_text(str(src))
    for image in sorted((ROOT / "img").glob("*.png")):
        _copy_if_changed(image, out / "img" / image.name)
    # the decks' too
    _copy_if_changed(SOURCE / "_static" / "favicon.svg", out / "_static" / "favicon.svg")


# --- weight: the theme's icon script and the decks' images ------------------------------------------------------------

#: pydata-sphinx-theme's Font Awesome script (every Font Awesome icon, 1.5 MB), which every page loads.
FONTAWESOME = Path("_static") / "scripts" / "fontawesome.js"
_FA_PACK = re.compile(r'var \w+=\{(?="?[\w-]+"?:\[\d+,\d+,\[)')
_FA_ENTRY = re.compile(
    r'(?:"(?P<quoted>[^"]+)"|(?P<bare>[\w$]+)):\[\d+,\d+,\[(?P<aliases>[^\]]*)\],"[^"]*",'
    r'(?:"[^"]*"|\[[^\]]*\])\]'
)
_FA_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")
_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


def slim_fontawesome(script: str, used: set[str]) -> str:
    """The theme's Font Awesome script with only the icons named in ``used`` (``"bars"`` for ``fa-bars``; an icon's
    aliases count) left in its icon packs. Its code is kept as it is, so the icons the site shows render as before.

    Raises ``ValueError`` when a pack does not have the layout this expects (a newer theme): keep the file then.
    """
    parts, pos, packs = [], 0, 0
    for pack in _FA_PACK.finditer(script):
        kept, i = [], pack.end()
        while True:
            entry = _FA_ENTRY.match(script, i)
            if entry is None:
                raise ValueError(
                    f"unexpected Font Awesome icon entry at {i}: {script[i : i + 60]!r}"
                )
            names = {entry["quoted"] or entry["bare"], *re.findall(r'"([^"]+)"', entry["aliases"])}
            if names & used:
                kept.append(entry.group(0))
            i = entry.end()
            if script[i] == "}":
                break
            if script[i] != ",":
                raise ValueError(
                    f"unexpected Font Awesome pack layout at {i}: {script[i : i + 60]!r}"
                )
            i += 1
        parts += [script[pos : pack.end()], ",".join(kept)]
        pos, packs = i, packs + 1
    if not packs:
        raise ValueError("no Font Awesome icon pack found")
    return _SOURCE_MAP.sub("\n", "".join(parts) + script[pos:])


def slim_site_fontawesome(out: Path) -> tuple[int, int] | None:
    """Cut ``out``'s Font Awesome script down to the icons its pages and scripts name (``fa-<name>``); return its size
    before and after, or None when there is no such script or its layout is unknown (it is then left whole)."""
    path = out / FONTAWESOME
    if not path.is_file():
        return None
    used: set[str] = set()
    static = out / "_static"
    scripts = [
        p
        for p in static.rglob("*.js")
        if p != path and p.relative_to(static).parts[0] not in ("mathjax", "revealjs")
    ]
    for file in [*out.rglob("*.html"), *scripts]:
        used.update(_FA_CLASS.findall(file.read_text(encoding="utf-8", errors="replace")))
    script = path.read_text(encoding="utf-8")
    try:
        slim = slim_fontawesome(script, used)
    except ValueError as error:
        print(f"warning: {FONTAWESOME} left whole: {error}", file=sys.stderr)
        return None
    path.write_text(slim, encoding="utf-8")
    # maps the whole script, not this one
    path.with_name(path.name + ".map").unlink(missing_ok=True)
    return len(script.encode()), len(slim.encode())


#: Where :func:`compress_images` records each image's SHA-256 before compression (``{digest: name}``), so that a
#: deck's embedded copy of a figure still finds the page's file.
IMAGE_DIGESTS = ".sha256.json"


def compress_images(folder: Path) -> tuple[int, int]:
    """Re-encode every PNG in ``folder`` with a palette of at most 256 colours (lossy, invisible on the course's
    figures: lines, text and colour maps of 256 colours at most) where that makes it smaller; write
    :data:`IMAGE_DIGESTS`; return the folder's PNG bytes before and after."""
    import io

    from PIL import Image

    digests, before, after = {}, 0, 0
    for path in sorted(folder.glob("*.png")):
        data = path.read_bytes()
        digests[hashlib.sha256(data).hexdigest()] = path.name
        smaller = data
        with Image.open(io.BytesIO(data)) as image:
            if image.mode in ("RGB", "RGBA"):
                buffer = io.BytesIO()
                image.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG")
                smaller = min(data, buffer.getvalue(), key=len)
        if smaller is not data:
            path.write_bytes(smaller)
        before, after = before + len(data), after + len(smaller)
    (folder / IMAGE_DIGESTS).write_text(
        json.dumps(digests, indent=0, sort_keys=True), encoding="utf-8"
    )
    return before, after


def page_image_digests(out: Path) -> dict[str, str]:
    """The SHA-256 of each image in ``out/_images/`` as the notebooks produced it, to its file name."""
    recorded = out / "_images" / IMAGE_DIGESTS
    if recorded.is_file():
        return json.loads(recorded.read_text(encoding="utf-8"))
    return {
        hashlib.sha256(p.read_bytes()).hexdigest(): p.name
        for p in (out / "_images").glob("*")
        if p.is_file()
    }


_DATA_IMAGE = re.compile(
    r'src="data:image/(?P<kind>png|jpeg|gif);base64,(?P<data>[A-Za-z0-9+/=\s]+)"'
)
_STYLE = re.compile(r'<style type="text/css">(?P<css>.*?)</style>', re.S)
#: A deck's style sheets of at least this many characters (JupyterLab's, 256 kB, the same in every deck) become files.
SHARED_STYLE_CHARS = 10_000


def deck_files(html: str, out: Path, page_images: dict[str, str]) -> str:
    """A deck's HTML with its embedded images and large style sheets as files that every deck and page share.

    An image (base64 in nbconvert's HTML) becomes the page's own copy in ``out/_images/`` when the notebook's page
    shows the same image (``page_images``: the SHA-256 of each file there to its name), so that a browser loads it
    once for both, else a file in ``out/slides/_images/``. A style sheet of :data:`SHARED_STYLE_CHARS` or more
    becomes ``out/_static/decks/<hash>.css``, linked where it stood (the cascade keeps its order).
    """
    import base64

    def write_once(target: Path, data: bytes) -> None:
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def image(match: re.Match) -> str:
        data = base64.b64decode(match["data"])
        digest = hashlib.sha256(data).hexdigest()
        if digest in page_images:
            return f'src="../_images/{page_images[digest]}"'
        name = f"{digest[:20]}.{'jpg' if match['kind'] == 'jpeg' else match['kind']}"
        write_once(out / "slides" / "_images" / name, data)
        return f'src="_images/{name}"'

    def style(match: re.Match) -> str:
        if len(match["css"]) < SHARED_STYLE_CHARS:
            return match.group(0)
        data = match["css"].encode()
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.css"
        write_once(out / "_static" / "decks" / name, data)
        return f'<link rel="stylesheet" href="../_static/decks/{name}">'

    return _STYLE.sub(style, _DATA_IMAGE.sub(image, html))


# --- building -----------------------------------------------------------------------------------------------------


def executed_all(
    mode: str, notebooks: list[Path], cache: Path = CACHE, log: Callable[[str], None] = print
) -> dict[str, nbformat.NotebookNode]:
    """Every notebook with its outputs (cached or executed), by file name; stops at the first failing notebook."""
    return {path.name: executed_notebook(path, mode, cache, log) for path in notebooks}


def source_dir(mode: str, cache: Path = CACHE) -> Path:
    """The Sphinx source tree that :func:`build_site` writes for ``mode`` (it holds the page notebooks)."""
    return cache / f"src-{mode}"


def build_site(
    mode: str = "lecture",
    out: Path = SITE,
    notebooks: list[Path] | None = None,
    cache: Path = CACHE,
    slides: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Build the website (and, with ``slides``, the decks) into ``out``; return ``out / "index.html"``.

    Raises ``RuntimeError`` if Sphinx fails or warns (a broken link, a missing image, a bad cell).
    """
    _check_mode(mode)
    notebooks = sorted(notebooks or NOTEBOOKS.glob("*.ipynb"))
    out = Path(out).resolve()
    config = load_config()
    runs = executed_all(mode, notebooks, cache, log)
    src = source_dir(mode, cache)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    wanted = {"index.md"}
    _write_if_changed(src / "index.md", index_page(config, notebooks, readme))
    for source, page in {"GLOSSARY.md": "glossary", **GUIDES}.items():
        _write_if_changed(src / f"{page}.md", mark_russian(guide_page(source, config)))
        wanted.add(f"{page}.md")
    for name, nb in runs.items():
        _write_if_changed(
            src / "notebooks" / name, nbformat.writes(page_notebook(nb, name, config)) + "\n"
        )
        wanted.add(f"notebooks/{name}")
    for image in sorted((ROOT / "img").glob("*.png")):
        _copy_if_changed(image, src / "img" / image.name)
        wanted.add(f"img/{image.name}")
    for stale in [
        p for p in src.rglob("*") if p.is_file() and p.relative_to(src).as_posix() not in wanted
    ]:
        stale.unlink()  # a notebook that was removed or renamed
    # Sphinx always writes to the same folder of the cache, so that its incremental build stays valid (MyST-NB
    # writes the output images next to it, in ../jupyter_execute, and the doctrees point there); then we copy.
    html = cache / f"build-{mode}" / "html"
    # fmt: skip: the command line as typed, each flag beside its value
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-c", str(SOURCE),
               "-d", str(cache / f"build-{mode}" / "doctrees"), str(src), str(html)]  # fmt: skip
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"sphinx-build failed ({' '.join(command)}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    shutil.copytree(
        html, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees")
    )
    log(f"pages: {time.perf_counter() - start:.1f} s (Sphinx)")
    sizes = slim_site_fontawesome(out)
    if sizes:
        log(
            f"{FONTAWESOME.name}: {sizes[0] / 1e6:.2f} MB -> {sizes[1] / 1e3:.0f} kB (the icons the site uses)"
        )
    if (out / "_images").is_dir():
        before, after = compress_images(out / "_images")
        log(f"figures (_images/*.png, 256 colours): {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB")
    copy_assets(out)
    if slides:
        build_slides(runs, out, log)
    return out / "index.html"


def build_slides(
    runs: dict[str, nbformat.NotebookNode], out: Path, log: Callable[[str], None] = print
) -> list[Path]:
    """Write one reveal.js deck per executed notebook to ``out/slides/NN_name.slides.html``."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    copy_assets(out)
    config = Config()
    config.SlidesExporter.reveal_url_prefix = "../_static/revealjs"
    config.SlidesExporter.mathjax_url = (
        "../_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
    )
    config.SlidesExporter.reveal_number = "c/t"
    # its fonts ship with reveal.js ("simple" loads Google Fonts)
    config.SlidesExporter.reveal_theme = "white"
    exporter = SlidesExporter(
        config=config,
        extra_template_basedirs=[str(SOURCE / "templates")],
        template_name="course_reveal",
    )
    start = time.perf_counter()
    written = []
    page_images = page_image_digests(out)
    for name, nb in runs.items():
        body, _ = exporter.from_notebook_node(
            slides_notebook(nb, name), resources={"metadata": {"name": Path(name).stem}}
        )
        body = deck_files(body, out, page_images)
        target = out / "slides" / slides_name(name)
        _write_if_changed(target, body)
        written.append(target)
    log(f"slides: {len(written)} decks in {time.perf_counter() - start:.1f} s")
    return written


# --- the browser: a local server, headless Chromium, screenshots -----------------------------------------------------


def chromium_path() -> str | None:
    """The Chromium executable (``$CHROMIUM``, else ``chromium`` on the path), or None."""
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    return found if found and Path(found).is_file() else None


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on localhost (a free port) while the block runs; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser(profile: Path, blocked: list[str] | None = None) -> Iterator:
    """A headless Chromium context (playwright driving the system Chromium, an empty profile in ``profile``) that
    answers every request outside localhost with an error, and records those URLs in ``blocked``."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(
            "Chromium not found: install it (apt-get install chromium) or set $CHROMIUM"
        )
    blocked = blocked if blocked is not None else []

    def only_local(route) -> None:
        url = route.request.url
        if re.match(r"(https?|wss?)://(127\.0\.0\.1|localhost)[:/]", url) or url.startswith(
            ("data:", "blob:")
        ):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    profile.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.route("**/*", only_local)
            yield context
        finally:
            context.close()


def wait_for_mathjax(page, timeout_ms: int = 30000) -> None:
    """Wait until MathJax 2 has typeset the page (no-op on a page without MathJax)."""
    page.wait_for_function(
        """() => !window.MathJax || (window.MathJax.Hub && window.MathJax.Hub.queue &&
              window.MathJax.Hub.queue.pending === 0 && window.MathJax.Hub.queue.running === 0 &&
              document.querySelectorAll('.MathJax_Processing').length === 0 &&
              !!window.MathJax.isReady)""",
        timeout=timeout_ms,
    )


def screenshots(site: Path, folder: Path, notebook: str = "03_lstm_gates") -> list[Path]:
    """Screenshots of the site's index and of one notebook page into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = {"index.png": "index.html", "notebook.png": f"notebooks/{notebook}.html"}
    written = []
    with tempfile.TemporaryDirectory(prefix="rnn-course-chromium-") as profile, serve(site) as base:
        with browser(Path(profile)) as context:
            page = context.new_page()
            for file, url in shots.items():
                page.goto(base + url, wait_until="load")
                wait_for_mathjax(page)
                if file == "notebook.png":  # show a figure, not only the header
                    page.evaluate(
                        "() => { const i = document.querySelector('div.cell_output img');"
                        " if (i) i.scrollIntoView({block: 'center'}); }"
                    )
                page.screenshot(path=str(folder / file))
                written.append(folder / file)
    return written


# --- accessibility: axe-core and the slides as a room sees them ----------------------------------------------------

#: What a screen shows of a slide: the lecture room's projector (reveal.js scales the slide to it).
ROOM = {"width": 1280, "height": 720}
#: The alt texts that say nothing: nbconvert's placeholder, a file name or path, a word like "figure".
GENERIC_ALT = re.compile(
    r"^\s*$|No description has been provided|\.(png|jpe?g|svg|gif)\s*$|^\W*(figure|image|plot|graph|chart|output)\W*$",
    re.I,
)

_AUDIT_PACE = """() => {
    Reveal.configure({transition: 'none', backgroundTransition: 'none'});
    if (window.MathJax && MathJax.Hub) {
        MathJax.Hub.processSectionDelay = 0;
        MathJax.Hub.processUpdateDelay = 0;
    }
}"""


_SLIDE_MEASURES = """() => {
    const slide = Reveal.getCurrentSlide();
    const scale = Reveal.getScale(), height = Reveal.getConfig().height;
    const box = slide.getBoundingClientRect();
    const shown = el => el.offsetParent !== null && !el.closest('aside.notes');
    const px = el => parseFloat(getComputedStyle(el).fontSize) * scale;
    // a box that is wider than it shows is cut unless the keyboard can scroll it: it is itself a tab stop
    // (a tab stop around it does not scroll it; nbconvert makes every cell's wrapper one)
    const cut = e => (e.scrollWidth > e.clientWidth + 1 && e.getAttribute('tabindex') !== '0') ||
                     e.getBoundingClientRect().right > box.right + 1;
    const code = Array.from(slide.querySelectorAll('.jp-InputArea-editor')).filter(shown).map(ed => {
        const parts = [ed].concat(Array.from(ed.querySelectorAll('pre')));
        return {cut: parts.some(cut), wide: parts.some(e => e.scrollWidth > e.clientWidth + 1)};
    });
    const tables = Array.from(slide.querySelectorAll('.jp-OutputArea-output table, .jp-RenderedMarkdown table'))
        .filter(shown).map(t => {
            const holder = t.closest('.jp-OutputArea-output, .jp-RenderedMarkdown');
            return {cut: cut(holder), wide: holder.scrollWidth > holder.clientWidth + 1};
        });
    const prose = Array.from(slide.querySelectorAll('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li'))
        .filter(e => shown(e) && e.textContent.trim());
    const pres = Array.from(slide.querySelectorAll('.jp-InputArea-editor pre')).filter(shown);
    const clone = slide.cloneNode(true);
    clone.querySelectorAll('aside.notes, script, style').forEach(e => e.remove());
    return {
        tall: slide.scrollHeight > height + 2,
        screens: slide.scrollHeight / height,
        code_cells: code.length, code_cut: code.filter(c => c.cut).length, code_wide: code.filter(c => c.wide).length,
        tables_cut: tables.filter(x => x.cut).length, tables_wide: tables.filter(x => x.wide).length,
        body_px: prose.map(px), code_px: pres.map(px),
        words: (clone.textContent.match(/\\w+/g) || []).length,
        images: Array.from(slide.querySelectorAll('img')).filter(shown).map(i => i.getAttribute('alt')),
        empty_th: Array.from(slide.querySelectorAll('th')).filter(t => !t.textContent.trim()).length,
        // navigation buttons shown on this slide whose centre another element covers (a click would miss them)
        controls_covered: Array.from(document.querySelectorAll('.reveal .controls button.enabled'))
            .filter(b => {
                const r = b.getBoundingClientRect();
                if (!r.width || !r.height) return false;
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return !(hit && b.contains(hit));
            })
            .map(b => b.className.replace('enabled', '').trim()),
    };
}"""


_UNFOLD_DECK = """() => {
    const style = document.createElement('style');
    style.textContent = `html, body, .reveal-viewport, .reveal, .reveal .slides { overflow: visible !important;
        height: auto !important; position: static !important; transform: none !important; zoom: 1 !important; }
      .reveal .slides section { display: block !important; position: relative !important; transform: none !important;
        opacity: 1 !important; visibility: visible !important; top: auto !important; left: auto !important; }`;
    document.head.appendChild(style);
    const all = Array.from(document.querySelectorAll('.reveal .slides section'));
    all.forEach(s => { s.removeAttribute('hidden'); s.removeAttribute('aria-hidden'); });
    all.filter(s => !s.classList.contains('stack')).forEach(s => window.courseMark && courseMark(s));
}"""


def _axe_nodes(results: dict, tally: dict[str, dict]) -> None:
    for violation in results.get("violations", []):
        entry = tally.setdefault(
            violation["id"], {"impact": violation.get("impact"), "nodes": 0, "where": []}
        )
        entry["nodes"] += len(violation.get("nodes", []))
        entry["where"].append(
            results.get("url", "").rsplit("/", 1)[-1] + f" ({len(violation.get('nodes', []))})"
        )


def audit(
    site: Path, profile: Path, decks: list[str] | None = None, pages: list[str] | None = None
) -> dict:
    """Audit the built site in headless Chromium at 1280 x 720: axe-core (``axe-playwright-python``) on every page
    and on every slide of every deck, and the slides' measures (share taller than one screen, code cells cut at the
    right edge, body and code font size in screen pixels, words, alt texts, empty table headers).

    Returns ``{"axe": {rule: {"impact", "nodes", "where"}}, "pages": n, "slides": [per-slide measures],
    "alts": [every <img> alt on pages and slides], "empty_th": n, "blocked": [remote URLs asked for]}``.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe, tally, slides, alts, empty_th, blocked = Axe(), {}, [], [], 0, []
    pages = (
        pages
        if pages is not None
        else sorted(
            p.relative_to(site).as_posix()
            for p in site.glob("*.html")
            if p.name not in ("genindex.html",)
        )
        + sorted(p.relative_to(site).as_posix() for p in (site / "notebooks").glob("*.html"))
    )
    decks = (
        decks
        if decks is not None
        else sorted(p.name for p in (site / "slides").glob("*.slides.html"))
    )
    with serve(site) as base, browser(profile, blocked) as context:
        page = context.new_page()
        page.set_viewport_size(ROOM)
        for url in pages:
            page.goto(base + url, wait_until="load")
            wait_for_mathjax(page)
            result = axe.run(page, options={"resultTypes": ["violations"]}).response
            result["url"] = url
            _axe_nodes(result, tally)
            alts += page.eval_on_selector_all(
                "article img", "xs => xs.map(i => i.getAttribute('alt'))"
            )
            empty_th += page.eval_on_selector_all(
                "article th", "xs => xs.filter(t => !t.textContent.trim()).length"
            )
        for deck in decks:
            page.goto(base + f"slides/{deck}", wait_until="load")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            # no transitions, and MathJax without the pauses it makes for the screen to refresh (50 ms between
            # typesetting steps, 10 ms between updates): each slide change re-typesets the slide (the deck's
            # courseScroll); without them the slide walk took 50 s instead of 220 s (alone, 2 cores, 794 slides),
            # with the same measures. The typeset is the same.
            page.evaluate(_AUDIT_PACE)
            indices = page.evaluate("() => Reveal.getSlides().map(s => Reveal.getIndices(s))")
            for number, where in enumerate(indices, start=1):
                page.evaluate(f"() => Reveal.slide({where['h']}, {where.get('v') or 0})")
                wait_for_mathjax(page)
                page.evaluate(
                    "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
                )
                measures = page.evaluate(_SLIDE_MEASURES)
                measures["deck"], measures["number"] = deck, number
                slides.append(measures)
            # axe once per deck (a run per slide takes seconds): every slide shown at once, each marked as it is
            # when it is the current one (its scrolling boxes focusable), the deck's controls and number in place
            page.evaluate(_UNFOLD_DECK)
            wait_for_mathjax(page)
            result = axe.run(page, options={"resultTypes": ["violations"]}).response
            result["url"] = deck
            _axe_nodes(result, tally)
    for entry in tally.values():
        entry["where"] = entry["where"][:12]
    alts += [a for s in slides for a in s["images"]]
    empty_th += sum(s["empty_th"] for s in slides)
    return {
        "axe": tally,
        "pages": len(pages),
        "slides": slides,
        "alts": alts,
        "empty_th": empty_th,
        "blocked": blocked,
    }


def audit_summary(report: dict) -> dict:
    """The audit's numbers: axe nodes by rule, slides taller than a screen, code cells cut, font sizes, alt texts."""
    import statistics

    slides = report["slides"]
    body = [px for s in slides for px in s["body_px"]]
    code = [px for s in slides for px in s["code_px"]]
    alts = report["alts"]
    return {
        "axe": {
            rule: f"{v['impact']}: {v['nodes']} nodes" for rule, v in sorted(report["axe"].items())
        },
        "axe serious/critical nodes": sum(
            v["nodes"] for v in report["axe"].values() if v["impact"] in ("serious", "critical")
        ),
        "pages": report["pages"],
        "slides": len(slides),
        "slides taller than one screen": f"{sum(s['tall'] for s in slides)} ({sum(s['tall'] for s in slides) / max(len(slides), 1):.0%})",
        "slides taller than three screens": sum(s["screens"] > 3 for s in slides),
        "slides whose navigation arrows are covered": sum(
            bool(s.get("controls_covered")) for s in slides
        ),
        "code cells cut at the right edge (not keyboard-scrollable)": f"{sum(s['code_cut'] for s in slides)} of {sum(s['code_cells'] for s in slides)}",
        "code cells wider than their box": sum(s["code_wide"] for s in slides),
        "tables cut (not keyboard-scrollable)": sum(s["tables_cut"] for s in slides),
        "tables wider than their box (keyboard-scrollable)": sum(
            s.get("tables_wide", 0) for s in slides
        ),
        "median words per slide": statistics.median(s["words"] for s in slides) if slides else 0,
        "body text px (min / median)": f"{min(body):.1f} / {statistics.median(body):.1f}"
        if body
        else "-",
        "code px (min / median)": f"{min(code):.1f} / {statistics.median(code):.1f}"
        if code
        else "-",
        "images": len(alts),
        "images with a generic or no alt text": sum(
            1 for a in alts if a is None or GENERIC_ALT.search(a)
        ),
        "empty table headers": report["empty_th"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=os.environ.get("SITE_MODE") or "lecture",
        help="lecture (the notebooks' defaults; default, or $SITE_MODE) or ci (their ci_parameters)",
    )
    parser.add_argument("--out", type=Path, default=SITE, help="output folder (default: site/)")
    parser.add_argument(
        "--slides-only", action="store_true", help="build only site/slides/ (make slides)"
    )
    parser.add_argument("--no-screenshots", action="store_true", help="do not refresh img/site/")
    parser.add_argument(
        "--audit",
        type=Path,
        metavar="SITE",
        help="audit a built site (axe-core, the slides at "
        "1280 x 720) and print its numbers as JSON; builds nothing",
    )
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="only these notebooks (default: all)"
    )
    args = parser.parse_args(argv)
    if args.audit:
        with tempfile.TemporaryDirectory(prefix="rnn-course-chromium-") as profile:
            report = audit(args.audit.resolve(), Path(profile))
        print(
            json.dumps(
                {"summary": audit_summary(report), "axe": report["axe"]},
                indent=1,
                ensure_ascii=False,
            )
        )
        return 0
    start = time.perf_counter()
    notebooks = sorted(args.notebooks or NOTEBOOKS.glob("*.ipynb"))
    try:
        if args.slides_only:
            build_slides(executed_all(args.mode, notebooks), args.out.resolve())
            print(f"slides in {args.out / 'slides'}")
        else:
            index = build_site(args.mode, args.out, notebooks)
            print(f"site: {index}")
            default_site = (
                args.out.resolve() == SITE and args.mode == "lecture" and not args.notebooks
            )
            if default_site and not args.no_screenshots:
                if chromium_path():
                    try:
                        for shot in screenshots(args.out.resolve(), SCREENSHOTS):
                            print(f"screenshot: {shot.relative_to(ROOT)}")
                    except (
                        Exception
                    ) as exc:  # the site is built; only the README's pictures are stale
                        print(
                            f"screenshots NOT refreshed: {type(exc).__name__}: {exc}",
                            file=sys.stderr,
                        )
                else:
                    print(
                        "screenshots not refreshed: Chromium not found (apt-get install chromium)"
                    )
    except Exception as exc:
        print(f"FAILED: {type(exc).__name__}: {str(exc)[-6000:]}", file=sys.stderr)
        return 1
    finally:
        print(f"total: {time.perf_counter() - start:.1f} s ({args.mode} mode)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
