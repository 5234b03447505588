"""Run a master's exercise cases in this process, without the sandbox: fast checks of exercise design.

:func:`score` replays what the trusted grader does (tools.grading.grade): the master's set-up, imports and parameters cells
and its exercise cells outside any question, then for each question the answer cells (the master's, or a
replacement source standing for a student's answer), then each public and hidden case, scored with
``tools.grading.grade.question_score``. The real grader runs the answers in a sandbox behind proxies; these tests check
what the cases accept, which does not depend on that.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat

from tools.grading import grade
from utils.exercise import RULE_MESSAGE

ROOT = Path(__file__).resolve().parents[1]


def master(stem: str) -> nbformat.NotebookNode:
    """The master notebook ``notebooks/<stem>.ipynb``."""
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def questions(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Question name -> {"answers": [answer sources], "cases": [(hidden, source)], "points": float}."""
    out: dict[str, dict] = {}
    for cell, question, in_tests in grade._question_blocks(nb):
        if question is None:
            continue
        entry = out.setdefault(question, {"answers": [], "cases": []})
        if in_tests:
            hidden = cell.source.lstrip().startswith("# HIDDEN")
            entry["cases"].append((hidden, cell.source))
        else:
            entry["answers"].append(cell.source)
    return out


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def base_namespace(nb: nbformat.NotebookNode) -> dict:
    """The trusted side's namespace: the master's set-up, imports, parameters and exercise cells of no question."""
    env: dict = {"__name__": "__main__"}
    with _quiet():
        for source in grade.trusted_cells(nb):
            exec(compile(source, "<trusted>", "exec"), env)
    return env


def run_cases(
    env: dict, answers: list[str], cases: list[tuple[bool, str]]
) -> list[tuple[bool, bool, str]]:
    """Run ``answers`` then each case on a copy of ``env``: [(hidden, passed, error message)]; ``hidden`` is None
    for a rule case (``check_not_calling``), which earns nothing itself and can only zero the question."""
    env = dict(env)
    results = []
    try:
        with _quiet():
            for source in answers:
                exec(compile(source, "<answer>", "exec"), env)
    except Exception as error:  # noqa: BLE001 - an answer that raises fails every case
        return [
            (hidden, False, f"answer raised {type(error).__name__}: {error}") for hidden, _ in cases
        ]
    for hidden, source in cases:
        case_env = dict(env)
        # a rule case: scored apart (see score)
        kind = None if "check_not_calling(" in source else hidden
        try:
            with _quiet():
                exec(compile(source, "<case>", "exec"), case_env)
            results.append((kind, True, ""))
        except Exception as error:  # noqa: BLE001 - a failing case is a result
            results.append((kind, False, f"{type(error).__name__}: {error}"))
    return results


def score(results: list[tuple[bool, bool, str]], points: float = 1.0) -> float:
    """The grader's score of a question from :func:`run_cases` results (0 when a rule case failed, as in
    ``tools.grading.grade.broken_rules``)."""
    if any(not passed and RULE_MESSAGE in message for _, passed, message in results):
        return 0.0
    return grade.question_score(
        points, [(hidden, passed) for hidden, passed, _ in results if hidden is not None]
    )


def public_messages(env: dict, answers: list[str], cases: list[tuple[bool, str]]) -> list[str]:
    """The messages of the public cases that fail for ``answers`` (empty when all pass)."""
    return [
        msg for hidden, passed, msg in run_cases(env, answers, cases) if not hidden and not passed
    ]
