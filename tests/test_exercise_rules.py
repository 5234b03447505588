"""utils.exercise: an answer may not call the course function that answers it; the notebook's check (code objects)
and the grader's (source) agree."""

from __future__ import annotations

import textwrap

import pytest

from utils import exercise

# Each case: the exercise cells a student wrote, the answer's name, and whether it calls gru_step.
CASES = {
    "attribute": ("from utils import cells\ndef answer(x):\n    return cells.gru_step(x)\n", True),
    "alias": ("from utils.cells import gru_step as g\ndef answer(x):\n    return g(x)\n", True),
    "assigned": ("from utils import cells\nstep = cells.gru_step\ndef answer(x):\n    return step(x)\n", True),
    "through a helper": (
        "from utils import cells\ndef helper(x):\n    return cells.gru_step(x)\n"
        "def answer(x):\n    return helper(x) + 1\n",
        True,
    ),
    "nested lambda": ("from utils import cells\ndef answer(x):\n    f = lambda y: cells.gru_step(y)\n    return f(x)\n", True),
    "own answer of that name calling the course's": (
        "from utils import cells\ndef gru_step(x):\n    return cells.gru_step(x)\ndef answer(x):\n    return gru_step(x)\n",
        True,
    ),
    "own function of that name": ("def gru_step(x):\n    return x\ndef answer(x):\n    return gru_step(x)\n", False),
    "local variable of that name": ("def answer(x):\n    gru_step = x * 2\n    return gru_step\n", False),
    "honest": ("import numpy as np\ndef answer(x):\n    return np.tanh(x)\n", False),
}


def _notebook_function(source: str):
    """The answer as the student's notebook has it: cells run in one globals dict (with the course on sys.path)."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace["answer"]


@pytest.mark.parametrize("name", CASES)
def test_notebook_and_grader_agree_on_what_an_answer_calls(name: str) -> None:
    source, calls = CASES[name]
    in_notebook = "gru_step" in exercise.used_names(_notebook_function(source))
    in_grading = "gru_step" in exercise.source_uses([source])["answer"]
    assert in_notebook == in_grading == calls, (in_notebook, in_grading, calls)


class _Proxy:
    """What tools.grade hands the tests: no code, only the names its source uses."""

    def __init__(self, name: str, uses: frozenset[str]):
        self._name, self._uses = name, uses


def test_check_not_calling_says_what_was_called_in_both_places() -> None:
    source = CASES["alias"][0]
    with pytest.raises(AssertionError, match=r"answer uses a course function .*: gru_step\. Write it yourself"):
        exercise.check_not_calling(_notebook_function(source), "gru_step", "GRU")
    with pytest.raises(AssertionError, match=exercise.RULE_MESSAGE + ": gru_step"):
        exercise.check_not_calling(_Proxy("answer", exercise.source_uses([source])["answer"]), "gru_step")
    exercise.check_not_calling(_notebook_function(CASES["honest"][0]), "gru_step")
    with pytest.raises(ValueError, match="forbidden is empty"):
        exercise.check_not_calling(_notebook_function(CASES["honest"][0]))


def test_source_uses_reads_magics_and_survives_broken_cells() -> None:
    answer = textwrap.dedent("""
        def answer(x):
            return keras.layers.GRU(4)(x)
        """)
    cells = ["%matplotlib inline\nimport keras", "def broken(:\n", answer]
    assert {"keras", "layers", "GRU"} <= exercise.source_uses(cells)["answer"]
