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
    "assigned": (
        "from utils import cells\nstep = cells.gru_step\ndef answer(x):\n    return step(x)\n",
        True,
    ),
    "through a helper": (
        "from utils import cells\ndef helper(x):\n    return cells.gru_step(x)\n"
        "def answer(x):\n    return helper(x) + 1\n",
        True,
    ),
    "nested lambda": (
        "from utils import cells\ndef answer(x):\n    f = lambda y: cells.gru_step(y)\n    return f(x)\n",
        True,
    ),
    "own answer of that name calling the course's": (
        "from utils import cells\ndef gru_step(x):\n    return cells.gru_step(x)\ndef answer(x):\n    return gru_step(x)\n",
        True,
    ),
    "default argument": (
        "from utils import cells\ndef answer(x, _step=cells.gru_step):\n    return _step(x)\n",
        True,
    ),
    "own function of that name": (
        "def gru_step(x):\n    return x\ndef answer(x):\n    return gru_step(x)\n",
        False,
    ),
    "local variable of that name": (
        "def answer(x):\n    gru_step = x * 2\n    return gru_step\n",
        False,
    ),
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
    """What tools.grading.grade hands the tests: no code, only the names its source uses."""

    def __init__(self, name: str, uses: frozenset[str]):
        self._name, self._uses = name, uses


def test_check_not_calling_says_what_was_called_in_both_places() -> None:
    source = CASES["alias"][0]
    with pytest.raises(
        AssertionError, match=r"answer uses a course function .*: gru_step\. Write it yourself"
    ):
        exercise.check_not_calling(_notebook_function(source), "gru_step", "GRU")
    with pytest.raises(AssertionError, match=exercise.RULE_MESSAGE + ": gru_step"):
        exercise.check_not_calling(
            _Proxy("answer", exercise.source_uses([source])["answer"]), "gru_step"
        )
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


# --- the rule on the course's own exercises: correct answers that call the course's implementation score 0 ----------

ADAPTED = [
    (
        "04_gru_gates",
        "q1_gru_step",
        "cells.gru_step on the PyTorch weights put in Keras's order",
        """
def torch_gru_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    def keras_order(m):  # PyTorch's blocks r, z, n -> Keras's z, r, h
        r, z, n = np.split(np.asarray(m), 3, axis=0)
        return np.concatenate([z, r, n], axis=0)
    bias = np.stack([keras_order(bias_ih), keras_order(bias_hh)])
    return cells.gru_step(x_t, h_prev, keras_order(weight_ih).T, keras_order(weight_hh).T, bias).h
""",
    ),
    (
        "06_weather_forecast_lab",
        "q4_wind_vector",
        "utils.forecast.wind_vector of 270° minus the bearing",
        """
from utils.forecast import wind_vector

def wind_xy(speed, from_deg):
    return wind_vector(np.asarray(speed, dtype="float64"), 270 - np.asarray(from_deg, dtype="float64"))
""",
    ),
    (
        "07_text_language_model",
        "q3_perplexity",
        "the cross-entropy, then utils.text's converters",
        """
def loss_report(p_true):
    nats = float(-np.mean(np.log(np.asarray(p_true, dtype=np.float64))))
    return nats, nats_to_bits(nats), perplexity(nats)
""",
    ),
    (
        "08_seq2seq_attention",
        "q1_luong_attention",
        "keras.layers.Attention in float64",
        """
def luong_attention(s, H, mask):
    c, a = keras.layers.Attention(dtype="float64")(
        [np.asarray(s, "float64")[None, None], np.asarray(H, "float64")[None]],
        mask=[None, np.asarray(mask, bool)[None]], return_attention_scores=True)
    return np.asarray(a)[0, 0], np.asarray(c)[0, 0]
""",
    ),
    (
        "08_seq2seq_attention",
        "q3_padded_scores",
        "utils.seq2seq's string scores on the trimmed rows",
        """
def padded_scores(predicted, target):
    t = ["".join(chr(65 + int(i)) for i in row if i != 0) for row in target]
    p = ["".join(chr(65 + int(i)) for i in row[: len(s)]) for row, s in zip(predicted, t)]
    return S.exact_match(p, t), S.char_accuracy(p, t)
""",
    ),
]


@pytest.mark.parametrize(
    ("stem", "question", "what", "answer"), ADAPTED, ids=[a[2] for a in ADAPTED]
)
def test_a_correct_answer_that_calls_the_course_function_scores_0(
    stem, question, what, answer
) -> None:
    import exercise_design_support as support

    nb = support.master(stem)
    cases = support.questions(nb)[question]["cases"]
    results = support.run_cases(support.base_namespace(nb), [answer], cases)
    rule = [r for r, (_, source) in zip(results, cases) if "check_not_calling(" in source]
    others = [r for r, (_, source) in zip(results, cases) if "check_not_calling(" not in source]
    assert rule and not rule[0][1] and exercise.RULE_MESSAGE in rule[0][2], rule
    # correct otherwise
    assert all(passed for _, passed, _ in others), [m for _, passed, m in others if not passed]
    assert support.score(results) == 0.0


def test_the_grader_scores_a_question_0_when_its_answer_calls_the_course_function(tmp_path) -> None:
    """Through tools.grading.grade (sandbox, proxies, the static names of the submission's source): the adapted answer to
    04 q1 scores 0 with the reason in the status; the solved notebook keeps full marks."""
    import nbformat
    from grading_support import built, grade

    from tools.authoring import student

    stem, question, _, answer = ADAPTED[0]
    student_dir, dist = built()
    master = nbformat.read(f"notebooks/{stem}.ipynb", as_version=4)
    solved = student.solved(master, nbformat.read(student_dir / f"{stem}.ipynb", as_version=4))
    nbformat.write(solved, tmp_path / "honest.ipynb")
    lazy = nbformat.read(tmp_path / "honest.ipynb", as_version=4)
    cell = next(c for c in lazy.cells if c.cell_type == "code" and "def torch_gru_step" in c.source)
    cell.source = answer
    nbformat.write(lazy, tmp_path / "lazy.ipynb")
    rows = grade(tmp_path, dist, stem, [tmp_path / "honest.ipynb", tmp_path / "lazy.ipynb"])
    assert rows["honest.ipynb"]["total"] == rows["honest.ipynb"]["possible"], rows["honest.ipynb"]
    assert rows["lazy.ipynb"][question] == 0.0, rows["lazy.ipynb"]
    assert "calls gru_step" in rows["lazy.ipynb"]["status"], rows["lazy.ipynb"]["status"]
    others = [q for q in rows["honest.ipynb"] if q.startswith("q") and q != question]
    assert all(rows["lazy.ipynb"][q] == rows["honest.ipynb"][q] for q in others)
