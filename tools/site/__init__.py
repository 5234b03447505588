"""The course website and reveal.js lecture slides (``make site``, ``make slides``): run by maintainers and CI.

``python -m tools.site.build [--mode lecture|ci] [--slides-only]``; see :mod:`tools.site.build`.
"""
