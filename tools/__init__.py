"""The maintainers' and teaching assistants' commands, in packages by purpose. Notebooks never import ``tools``
(they import ``utils``); each package says who runs it:

- :mod:`tools.authoring`: writing the course (sync, checks, student versions, figures, executing notebooks);
- :mod:`tools.grading`: grading submissions in a sandbox, locally or on Gradescope (teaching assistants);
- :mod:`tools.site`: the course website and the lecture slides;
- :mod:`tools.colab`: the replica of Google Colab's runtime that every notebook is run in;
- :mod:`tools.experiments`: precomputed experiments whose full runs are too long for a lecture.
"""
