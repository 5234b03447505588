"""Runs every notebook in a replica of Google Colab's runtime (``make colab-check``, part of ``make test``).

``python -m tools.colab.check``; Colab's package record lives beside it (``pip-freeze.txt``, ``os-info.txt``,
``README.md`` says where they come from).
"""
