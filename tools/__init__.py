"""Course maintenance and grading commands, each run as ``python -m tools.NAME``."""
