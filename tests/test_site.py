"""The course website and slides (tools.site.build): built with CI parameters, checked on disk and in headless Chromium.

The build uses the repository's execution cache (``.cache/site/ci``), which ``tests/test_notebooks.py`` fills as
it runs every notebook in CI mode; run alone, this file executes what the cache lacks. The browser test drives the
system Chromium (``apt-get install chromium``) with playwright, serves the site from a local HTTP server and
refuses every request outside localhost, so it also proves that the site needs no internet.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from tools.authoring import sync
from tools.site import build as site

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


# --- the pieces, on small notebooks ----------------------------------------------------------------------------------


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_slide_structure_is_derived_from_headings() -> None:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    setup = code("import os")
    setup.metadata["tags"] = ["setup"]
    nb = _notebook(
        md("# 01 · Title\n\nbadges"),
        md("## Overview\ntext"),
        setup,
        md("### A part"),
        code("1 + 1"),
        md("plain prose, with a ## inside"),
        md("#### a small heading"),
    )
    types = [
        c.metadata["slideshow"]["slide_type"] for c in site.slides_notebook(nb, "01_x.ipynb").cells
    ]
    # a short code cell stays with the heading that introduces it; prose after code starts a sub-slide
    assert types == ["slide", "slide", "skip", "subslide", "-", "subslide", "subslide"]


def test_page_notebook_uses_local_images_and_no_remote_badges() -> None:
    config = site.load_config()
    name = NOTEBOOKS[0].name
    page = site.page_notebook(nbformat.read(NOTEBOOKS[0], as_version=4), name, config)
    text = "\n".join(c.source for c in page.cells if c.cell_type == "markdown")
    assert "raw.githubusercontent.com" not in text and "colab-badge.svg" not in text
    assert f"../slides/{Path(name).stem}.slides.html" in page.cells[0].source
    if "img/" in text:
        assert "](../img/" in text


def test_a_widget_is_shown_as_what_it_displayed() -> None:
    """A widget's view needs a kernel and a CDN: the page shows a note and its Output widgets' saved outputs."""
    cell = nbformat.v4.new_code_cell("interact(f, w=0.5)")
    view = {"model_id": "box", "version_major": 2, "version_minor": 0}
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/plain": "interactive(...)", site.WIDGET_VIEW: view}
        )
    ]
    nb = _notebook(nbformat.v4.new_markdown_cell("# 99 · Widget"), cell)
    figure = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
    }
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "version_major": 2,
            "version_minor": 0,
            "state": {
                "box": {
                    "model_name": "VBoxModel",
                    "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_out"]},
                },
                "slider": {"model_name": "FloatSliderModel", "state": {}},
                "out": {"model_name": "OutputModel", "state": {"outputs": [figure]}},
            },
        }
    }
    page = site.page_notebook(nb, "99_widget.ipynb", site.load_config())
    outputs = page.cells[1].outputs
    assert "widgets" not in page.metadata and not any(
        site.WIDGET_VIEW in o.get("data", {}) for o in outputs
    )
    assert (
        "interactive widget" in outputs[0].text and outputs[1].data["image/png"] == "iVBORw0KGgo="
    )
    nbformat.validate(page)


def test_pages_url_follows_the_slug() -> None:
    assert sync.pages_url({"repo": "Some-One/rnn-course", "branch": "main"}, "a.html") == (
        "https://some-one.github.io/rnn-course/a.html"
    )
    assert sync.pages_url({"repo": "me/me.github.io", "branch": "main"}) == "https://me.github.io/"


def test_merge_refuses_outputs_of_other_code() -> None:
    ran = _notebook(nbformat.v4.new_code_cell("print(1)"))
    ran.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    edited = _notebook(
        nbformat.v4.new_markdown_cell("new prose"), nbformat.v4.new_code_cell("print(1)")
    )
    ran.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    merged = site.merge_outputs(edited, ran)
    assert merged.cells[0].source == "new prose" and merged.cells[1].outputs[0].text == "1\n"
    assert merged.metadata["widgets"] == ran.metadata["widgets"]  # what the widgets displayed
    with pytest.raises(ValueError, match="code cells differ"):
        site.merge_outputs(_notebook(nbformat.v4.new_code_cell("print(2)")), ran)


def test_cache_reuses_outputs_after_a_prose_edit_and_reruns_after_a_code_edit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "99_tiny.ipynb"
    nbformat.write(
        _notebook(
            nbformat.v4.new_markdown_cell("# 99 · Tiny"),
            nbformat.v4.new_code_cell("import random\nprint(random.random())"),
        ),
        path,
    )
    cache, log = tmp_path / "cache", []
    first = site.executed_notebook(path, "lecture", cache, log.append)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "# 99 · Tiny, reworded"
    nbformat.write(nb, path)
    second = site.executed_notebook(path, "lecture", cache, log.append)
    assert second.cells[0].source == "# 99 · Tiny, reworded"
    # a random number: not re-run
    assert second.cells[1].outputs[0].text == first.cells[1].outputs[0].text
    nb.cells[1].source += "\nprint('more')"
    nbformat.write(nb, path)
    third = site.executed_notebook(path, "lecture", cache, log.append)
    assert "more" in "".join(o.get("text", "") for o in third.cells[1].outputs)
    assert [line.split(": ")[1].split(" ")[0] for line in log] == ["executed", "cached", "executed"]
    assert len(list((cache / "lecture").glob("99_tiny-*.ipynb"))) == 1  # the stale entry is gone
    assert site.cache_key(path, "lecture") != site.cache_key(path, "ci")


# --- the whole site, CI parameters -----------------------------------------------------------------------------------


# the fixture ``built`` (the site built once, in CI mode) is in tests/conftest.py


def test_site_has_every_page_deck_and_asset(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert (built / "notebooks" / f"{path.stem}.html").is_file(), path.name
        assert (built / "slides" / f"{path.stem}.slides.html").is_file(), path.name
        assert f'href="notebooks/{path.stem}.html"' in index, f"index does not link {path.name}"
        assert f'href="slides/{path.stem}.slides.html"' in index
        page = (built / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'href="../slides/{path.stem}.slides.html"' in page
    for file in (
        "glossary.html",
        "search.html",
        "searchindex.js",
        "_static/mathjax/MathJax.js",
        "_static/revealjs/dist/reveal.js",
        "_static/revealjs/LICENSE",
    ):
        assert (built / file).is_file(), file
    assert "forget gate" in (built / "glossary.html").read_text(encoding="utf-8")
    # the guides of docs/ are pages too, linked from the landing page
    for page in site.GUIDES.values():
        assert (built / f"{page}.html").is_file(), page
        assert f'href="{page}.html"' in index, f"index does not link the guide {page}"
    for html in built.rglob("*.html"):  # every script and style sheet is the site's own
        remote = re.findall(
            r"<(?:script|link)[^>]+(?:src|href)=\"(https?://[^\"]+)\"",
            html.read_text(encoding="utf-8"),
        )
        assert not [u for u in remote if not u.startswith("https://github.com/")], (
            html.name,
            remote,
        )


def _figures(nb: nbformat.NotebookNode) -> int:
    return sum(
        any(kind in out.get("data", {}) for kind in IMAGE_TYPES)
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def test_site_in_a_real_browser(built: Path, tmp_path: Path) -> None:
    if site.chromium_path() is None:
        message = "Chromium is not installed (apt-get install chromium): the site was not checked in a browser"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it (.ci/run does)")
        pytest.skip(message)
    blocked: list[str] = []
    figures = {
        p.stem: _figures(nbformat.read(site.source_dir("ci") / "notebooks" / p.name, as_version=4))
        for p in NOTEBOOKS
    }
    assert sum(figures.values()) > 0, (
        "no notebook has a figure: the executed notebooks lost their outputs"
    )
    with site.serve(built) as base, site.browser(tmp_path / "profile", blocked) as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(base + "index.html", wait_until="load")
        page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
        listed = page.eval_on_selector_all(
            "article a", "links => links.map(a => a.getAttribute('href'))"
        )
        assert {f"notebooks/{p.stem}.html" for p in NOTEBOOKS} <= set(listed), listed

        page.goto(base + "search.html?q=forget+gate", wait_until="load")  # Sphinx's search, offline
        page.wait_for_selector("#search-results ul.search li")
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "xs => xs.map(a => a.getAttribute('href'))"
        )
        assert any(h.startswith("notebooks/03_lstm_gates.html") for h in hits), hits

        for path in NOTEBOOKS:
            page.goto(base + f"notebooks/{path.stem}.html", wait_until="load")
            site.wait_for_mathjax(page)
            page.evaluate(
                "() => document.querySelector('div.cell_output img')?.scrollIntoView({block: 'center'})"
            )
            page.screenshot(path=str(tmp_path / f"{path.stem}.png"))  # the first figure in view
            images = page.eval_on_selector_all(
                "article img", "xs => xs.map(i => [i.src, i.complete && i.naturalWidth])"
            )
            assert not [src for src, width in images if not width], f"{path.name}: broken images"
            shown = page.locator("article div.cell_output img").count()
            assert shown >= figures[path.stem], (
                f"{path.name}: {shown} figures shown, {figures[path.stem]} in the run"
            )
            text = page.inner_text("article")
            assert "$$" not in text and "\\[" not in text and "\\(" not in text, (
                f"{path.name}: raw TeX on the page"
            )
            if page.locator("article .math").count():
                assert page.locator("article .MathJax").count() > 0, (
                    f"{path.name}: MathJax rendered nothing"
                )

        page.goto(base + f"slides/{NOTEBOOKS[0].stem}.slides.html", wait_until="load")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        assert (
            page.evaluate("() => Reveal.getIndices().h") == 0
            and page.evaluate("() => Reveal.getTotalSlides()") > 2
        )
        page.screenshot(path=str(tmp_path / "slide1.png"))
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => Reveal.getIndices().h === 1")
        page.wait_for_timeout(1000)  # the slide transition
        page.screenshot(path=str(tmp_path / "slide2.png"))
    print(f"screenshots in {tmp_path}")
    assert blocked == [], f"the site asked for remote resources: {sorted(set(blocked))[:10]}"
    assert errors == [], f"JavaScript errors: {errors[:5]}"
