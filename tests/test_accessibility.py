"""Accessibility (WCAG 2.1 AA) of the course's figures, website and slides.

The pieces are checked on small inputs: the colour-blind-safe figure style, the alt-text rule of ``tools.authoring.nbcheck``,
the Russian-language marks, the accessible HTML outputs and the slides' structure. Then the site is built in CI
mode (the session fixture ``built`` of ``tests/conftest.py``, from the execution cache) and audited in the system Chromium, offline,
at 1280 x 720 (``tools.site.build.audit``): axe-core on every page and every slide finds no serious or critical
violation and no empty table header, no figure has a generic alt text (in the notebooks that
``nbcheck.ALT_TEXT_NOTEBOOKS`` lists), no code cell or table is cut at the right edge, the body text of the slides
is at least 28 px on the screen, and few slides are taller than the screen.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from tools.authoring import nbcheck
from tools.site import build as site
from utils import plotting

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def _notebook(*cells) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


# --- figures -------------------------------------------------------------------------------------------------------


def test_every_series_differs_in_colour_line_style_and_marker() -> None:
    cycle = list(plotting.course_style()["axes.prop_cycle"])
    assert [c["color"] for c in cycle] == list(plotting.OKABE_ITO)
    for key in ("color", "linestyle", "marker"):
        assert len({str(c[key]) for c in cycle}) == len(cycle), f"two series share a {key}"
    style = plotting.course_style()
    assert (
        min(
            style[k]
            for k in ("axes.labelsize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize")
        )
        >= 13
    )


def test_setup_applies_the_course_style() -> None:
    import matplotlib as mpl

    from utils.notebook import apply_plot_style

    with mpl.rc_context():
        apply_plot_style()
        assert [c["color"] for c in mpl.rcParams["axes.prop_cycle"]][:3] == list(
            plotting.OKABE_ITO[:3]
        )
        assert mpl.rcParams["legend.fontsize"] == plotting.PLOT_STYLE["legend.fontsize"]


def test_plot_history_tells_training_from_validation_by_line_style() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(plotting.course_style()):
        ax = plotting.plot_history(
            {
                "loss": [3, 2, 1],
                "val_loss": [3, 2.5, 2],
                "mae": [2, 1, 0.5],
                "val_mae": [2, 1.5, 1],
            },
            ("loss", "mae"),
        )
        lines = ax.get_lines()
        assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
        assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
        assert lines[0].get_marker() != lines[2].get_marker()
        plt.close(ax.figure)


# --- nbcheck: a figure needs an alt text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "plt.plot([1, 2])",
        "fig, ax = plt.subplots()\nax.imshow(x)",
        "df.plot()",
        "for w in ws:\n    ax.semilogy(x, w ** x)",
        "plot_history(history)",
        "diagrams.lstm_cell()",
        "if SHOW:\n    plt.show()",
    ],
)
def test_a_cell_that_draws_is_a_plotting_cell(source: str) -> None:
    assert nbcheck.plotting_cells(_notebook(md("# 01 · x"), code(source))) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\nprint(x)",
        "def show(w):\n    plt.plot(w)",
        "fig_size = (3, 4)",
        "model.fit(x, y)",
        "%%time\nplt.plot(1)",
    ],
)
def test_a_cell_that_does_not_draw_is_not(source: str) -> None:
    assert nbcheck.plotting_cells(_notebook(code(source))) == []


def test_a_call_of_a_drawing_function_defined_earlier_draws() -> None:
    nb = _notebook(
        code("def show(w):\n    fig, ax = plt.subplots()\n    ax.plot(w)"),
        code("x = 2"),
        code("show(3)"),
    )
    assert nbcheck.plotting_cells(nb) == [2]


def _with_alt(cell: nbformat.NotebookNode, alt: str) -> nbformat.NotebookNode:
    cell.metadata["mystnb"] = {"image": {"alt": alt}}
    return cell


def test_alt_text_rule_fails_a_missing_generic_or_shared_alt_text() -> None:
    good = "Line chart of the loss against the epoch; look at where the validation curve turns up."
    assert nbcheck.check_alt_text(_notebook(_with_alt(code("plt.plot(1)"), good))) == []
    assert "no alt text" in nbcheck.check_alt_text(_notebook(code("plt.plot(1)")))[0]
    assert (
        "generic" in nbcheck.check_alt_text(_notebook(_with_alt(code("plt.plot(1)"), "Figure")))[0]
    )
    shared = _notebook(_with_alt(code("plt.plot(1)"), good), _with_alt(code("plt.plot(2)"), good))
    assert "the same alt text" in nbcheck.check_alt_text(shared)[0]
    # not listed yet
    assert nbcheck.check_alt_text(_notebook(code("plt.plot(1)")), number="99") == []
    assert (
        nbcheck.check_alt_text(_notebook(code("plt.plot(1)")), number=nbcheck.ALT_TEXT_NOTEBOOKS[0])
        != []
    )


def test_listed_notebooks_have_an_alt_text_on_every_plotting_cell() -> None:
    for path in sorted((site.NOTEBOOKS).glob("*.ipynb")):
        number = path.name.split("_")[0]
        if number in nbcheck.ALT_TEXT_NOTEBOOKS:
            nb = nbformat.read(path, as_version=4)
            assert nbcheck.plotting_cells(nb), f"{path.name}: no plotting cell found"
            assert nbcheck.check_alt_text(nb, number) == [], path.name


# --- the site's and the slides' HTML --------------------------------------------------------------------------------


def test_russian_is_marked_but_code_math_and_links_are_not() -> None:
    text = "| рекуррентная нейронная сеть (РНС) | RNN |\n`код` and [гейт](https://x.org/гейт) $x_{вход}$\n```\nпривет\n```"
    marked = site.mark_russian(text)
    assert '<span lang="ru">рекуррентная нейронная сеть (РНС</span>' in marked
    assert "`код`" in marked and "(https://x.org/гейт)" in marked and "$x_{вход}$" in marked
    assert "\nпривет\n" in marked and '[<span lang="ru">гейт</span>]' in marked
    assert site.mark_russian(marked) == marked  # idempotent
    assert site.mark_russian("no Russian here") == "no Russian here"


def test_html_outputs_lose_empty_headers_and_low_contrast_colours() -> None:
    table = '<table><thead><tr><th></th><th>a</th></tr><tr><th class="x">&nbsp;</th><th>b</th></tr></thead></table>'
    fixed = site.accessible_html(table)
    assert "<th></th>" not in fixed and '<td class="x"></td>' in fixed and "<th>a</th>" in fixed
    rich = (
        '<pre style="white-space:pre;overflow-x:auto;line-height:normal;font-family:Menlo">'
        '<span style="color: #00d7ff; text-decoration-color: #00d7ff">lstm</span></pre>'
    )
    assert "#00d7ff" not in site.accessible_html(rich).split("text-decoration")[0]
    assert "color: #00d7ff" not in site.accessible_html(rich)


def test_slides_put_long_prose_in_the_notes_and_code_and_figures_on_slides_of_their_own() -> None:
    long = " ".join(f"Sentence number {i} says something about gates." for i in range(30))
    plot = code("plt.plot([1, 2])\nplt.show()")
    plot.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
        )
    ]
    _with_alt(plot, "A rising line; look at its slope.")
    nb = _notebook(
        md("# 01 · Title\n\nbadges"),
        md(f"## Part\n\n{long}\n\nA second paragraph."),
        code("\n".join(f"x{i} = {i}" for i in range(12))),
        plot,
    )
    nb.metadata["rnn_course"] = {"title": "The title"}
    deck = site.slides_notebook(nb, "01_x.ipynb")
    kinds = [(c.cell_type, c.metadata["slideshow"]["slide_type"]) for c in deck.cells]
    assert kinds == [
        ("markdown", "slide"),
        ("markdown", "slide"),
        ("markdown", "notes"),
        ("code", "subslide"),
        ("code", "subslide"),
        ("code", "subslide"),
    ], kinds
    assert (
        site._words(deck.cells[1].source) <= site.SLIDE_WORDS + 3
        and "second paragraph" in deck.cells[2].source
    )
    assert deck.cells[4].outputs == [] and deck.cells[5].metadata["transient"]["remove_source"]
    assert deck.metadata["title"] == "01 · The title"
    html = _deck_html(deck)
    assert (
        'alt="A rising line; look at its slope."' in html
        and "<title>01 · The title slides</title>" in html
    )
    assert '<aside class="notes">' in html


def _deck_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = "../_static/revealjs"
    exporter = SlidesExporter(
        config=config,
        extra_template_basedirs=[str(site.SOURCE / "templates")],
        template_name="course_reveal",
    )
    return exporter.from_notebook_node(nb, resources={"metadata": {"name": "x"}})[0]


# --- weight -----------------------------------------------------------------------------------------------------------


def test_fontawesome_keeps_only_the_icons_used_and_its_code() -> None:
    code = 'x();var b={bars:[448,512,[],"f0c9","M0 96z"],"square-github":[448,512,["github-square"],"f092","M1z"],'
    script = (
        code
        + '0:[320,512,[],"30",["M0","M1"]]};y();var b={"cut":[1,2,[9,"scissors"],"f0c4","M2z"]};z()\n'
    )
    slim = site.slim_fontawesome(
        script + "//# sourceMappingURL=fontawesome.js.map", {"bars", "github-square", "sun"}
    )
    assert (
        slim
        == 'x();var b={bars:[448,512,[],"f0c9","M0 96z"],"square-github":[448,512,["github-square"],"f092",'
        '"M1z"]};y();var b={};z()\n'
    )
    assert '"cut"' in site.slim_fontawesome(script, {"scissors"})  # an alias keeps its icon
    with pytest.raises(ValueError):
        site.slim_fontawesome("var b={bars:[1,2,[],oops]}", {"bars"})


def test_deck_images_and_large_styles_become_shared_files(tmp_path: Path) -> None:
    import base64
    import hashlib

    page_png, deck_png = b"\x89PNG page", b"\x89PNG deck only"
    html = "".join(
        f'<img alt="a" src="data:image/png;base64,{base64.b64encode(b).decode()}">'
        for b in (page_png, deck_png)
    )
    big = "p { color: #111 }\n" * (site.SHARED_STYLE_CHARS // 10)
    html += f'<style type="text/css">{big}</style><style type="text/css">.small {{ }}</style>'
    out = site.deck_files(html, tmp_path, {hashlib.sha256(page_png).hexdigest(): "abc.png"})
    own = hashlib.sha256(deck_png).hexdigest()[:20] + ".png"
    css = hashlib.sha256(big.encode()).hexdigest()[:20] + ".css"
    assert out == (
        f'<img alt="a" src="../_images/abc.png"><img alt="a" src="_images/{own}">'
        f'<link rel="stylesheet" href="../_static/decks/{css}"><style type="text/css">.small {{ }}</style>'
    )
    assert (tmp_path / "slides" / "_images" / own).read_bytes() == deck_png
    assert (tmp_path / "_static" / "decks" / css).read_text() == big


def test_figures_are_compressed_to_a_palette_and_keep_their_digests(tmp_path: Path) -> None:
    import hashlib

    import numpy as np
    from PIL import Image

    pixels = np.full((60, 80, 4), 255, dtype=np.uint8)
    # a band of Okabe-Ito blue, and a gradient as in a colour map
    pixels[20:40, :, :3] = (0, 114, 178)
    pixels[45:, :, 0] = np.linspace(0, 255, 80, dtype=np.uint8)
    Image.fromarray(pixels, "RGBA").save(tmp_path / "f.png")
    original = (tmp_path / "f.png").read_bytes()
    before, after = site.compress_images(tmp_path)
    assert before == len(original) and after == (tmp_path / "f.png").stat().st_size <= before
    with Image.open(tmp_path / "f.png") as image:
        assert np.abs(np.asarray(image.convert("RGBA"), dtype=int) - pixels).max() <= 8
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / site.IMAGE_DIGESTS).write_text(
        (tmp_path / site.IMAGE_DIGESTS).read_text()
    )
    assert site.page_image_digests(tmp_path) == {hashlib.sha256(original).hexdigest(): "f.png"}


def test_the_built_site_is_light(built: Path) -> None:
    assert (built / site.FONTAWESOME).stat().st_size < 200_000, (
        "Font Awesome was not cut to the icons used"
    )
    for deck in (built / "slides").glob("*.slides.html"):
        html = deck.read_text(encoding="utf-8")
        assert "data:image/png" not in html, f"{deck.name} embeds an image"
        for src in re.findall(
            r'<img[^>]+src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', html
        ):
            src = src[0] or src[1]
            assert (deck.parent / src.split("?")[0]).is_file() or src.startswith("http"), (
                deck.name,
                src,
            )
        assert deck.stat().st_size < 500_000, f"{deck.name}: {deck.stat().st_size} bytes"


# --- the built site in a browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audited(built: Path, tmp_path_factory) -> dict:
    if site.chromium_path() is None:
        message = "Chromium is not installed (apt-get install chromium): the site was not audited"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it (.ci/run does)")
        pytest.skip(message)
    report = site.audit(built, tmp_path_factory.mktemp("profile"))
    summary = site.audit_summary(report)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return report


def test_axe_finds_no_serious_or_critical_violation_and_no_empty_header(audited: dict) -> None:
    assert audited["blocked"] == [], (
        f"the site asked for remote resources: {sorted(set(audited['blocked']))[:5]}"
    )
    bad = {rule: v for rule, v in audited["axe"].items() if v["impact"] in ("serious", "critical")}
    assert bad == {}, json.dumps(bad, indent=1)
    assert "empty-table-header" not in audited["axe"] and audited["empty_th"] == 0


def test_no_generic_alt_text_in_the_notebooks_that_have_alt_texts(audited: dict) -> None:
    listed = tuple(nbcheck.ALT_TEXT_NOTEBOOKS)
    generic = [
        (s["deck"], s["number"], a)
        for s in audited["slides"]
        if s["deck"].startswith(listed)
        for a in s["images"]
        if a is None or site.GENERIC_ALT.search(a)
    ]
    assert generic == [], generic[:5]
    assert [a for a in audited["alts"] if a is None] == [], "an image without an alt attribute"


def test_slides_fit_a_room(audited: dict) -> None:
    slides = audited["slides"]
    cut = [(s["deck"], s["number"]) for s in slides if s["code_cut"] or s["tables_cut"]]
    assert cut == [], f"slides with code or a table cut at the right edge: {cut[:10]}"
    small = [
        (s["deck"], s["number"], min(s["body_px"]))
        for s in slides
        if s["body_px"] and min(s["body_px"]) < 28
    ]
    assert small == [], f"body text under 28 px at 1280 x 720: {small[:10]}"
    tall = sum(s["tall"] for s in slides) / len(slides)
    assert tall <= 0.15, f"{tall:.0%} of the slides are taller than the screen"
    covered = [
        (s["deck"], s["number"], s["controls_covered"]) for s in slides if s["controls_covered"]
    ]
    assert covered == [], f"navigation arrows covered by another element: {covered[:10]}"
