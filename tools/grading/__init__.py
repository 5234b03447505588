"""Grading students' submissions: run by teaching assistants (and by the tests).

- ``python -m tools.grading.grade NOTEBOOK SUBMISSION... --out grades.csv``: grade a folder into a CSV on one
  machine (:mod:`tools.grading.grade`, the grading core);
- ``python -m tools.grading.gradescope build NN``: the Gradescope autograder archive, which runs the same core;
- :mod:`tools.grading.sandbox` runs a submission under bubblewrap with :mod:`tools.grading.sandbox_limits`;
  :mod:`tools.grading.sandbox_agent` is the program inside it and :mod:`tools.grading.sandbox_wire` the only
  language the two sides speak (plain data). Security-critical: read docs/teaching-assistants.md first.
"""
