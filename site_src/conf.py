"""Sphinx configuration of the course website (built by ``python -m tools.site.build``; see its docstring).

The stack is Jupyter Book 1's (Sphinx + MyST-NB + sphinx-book-theme), configured directly: every asset is served
from the site itself (MathJax from the ``jupyter-server-mathjax`` package), so the site works offline.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.authoring.sync import load_config  # noqa: E402

_config = load_config()

project = "rnn-course"
author = "the rnn-course authors"
copyright = "the rnn-course authors; code MIT, prose CC BY 4.0"
html_title = "Recurrent neural networks with Keras"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx.ext.githubpages"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# tools.site.build hands Sphinx notebooks that are already executed (cached by their code and requirements).
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = [
    "myst.header"
]  # a notebook's "## Overview" etc. follow its "# NN · title" cell

# MathJax 2.7 from the site's own _static (tools.site.build copies it there from jupyter-server-mathjax): no CDN.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
myst_update_mathjax = False  # MyST only knows MathJax 3+ configs; this one is MathJax 2's
_LOCAL_MATH_FONTS = "local('STIX Two Math'), local('Cambria Math'), local('DejaVu Serif')"
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
    },
    "TeX": {"equationNumbers": {"autoNumber": "AMS"}},
    "messageStyle": "none",
    # a formula is not a tab stop (206 of a page's 331 were); its menu is still on the context menu
    "menuSettings": {"inTabOrder": False},
    # no fast preview: it typesets with MathJax's TeX fonts, which the package does not ship (a font 404)
    "fast-preview": {"disabled": True},
    # the package ships the STIX-Web fonts only (as the classic Jupyter Notebook configured it)
    "HTML-CSS": {
        "availableFonts": [],
        "webFont": "STIX-Web",
        "imageFont": None,
        "preferredFont": None,
    },
    # Chromium renders MathML natively; MathJax's native-MathML fonts for calligraphic, double-struck, script and
    # Fraktur letters are not shipped either (a 404): the system's math fonts instead
    "NativeMML": {
        "styles": {
            f"@font-face /*{i}*/": {"font-family": family, "src": _LOCAL_MATH_FONTS}
            for i, family in enumerate(
                [
                    "MathJax_Caligraphic-WEB",
                    "MathJax_Caligraphic-WEB",
                    "MathJax_AMS-WEB",
                    "MathJax_Script-WEB",
                    "MathJax_Fraktur-WEB",
                    "MathJax_Fraktur-WEB",
                ],
                start=1,
            )
        }
    },
}

html_theme = "sphinx_book_theme"
templates_path = ["_templates"]  # the site title inside a landmark (navbar-logo.html)
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["course.css"]
html_last_updated_fmt = ""
html_theme_options = {
    "repository_url": f"https://github.com/{_config['repo']}",
    "repository_branch": _config["branch"],
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
}
html_show_sourcelink = False
