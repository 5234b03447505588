"""Self-check = grade: ``grader.check`` fails when an answer uses a name the grader will not have.

The grader (:mod:`tools.grading.grade`) runs only a submission's set-up, imports, parameters and exercise cells, not the
lesson. An answer that calls a function or reads a variable defined only in a lesson cell (01's ``sigmoid``, 02b's
``numerical_gradients``) works in the student's notebook and fails with ``NameError`` when graded. The otter set-up
cell that :mod:`tools.authoring.student` writes wraps otter's ``Notebook`` in :class:`SelfCheckGrader`, which, before running
a question's public tests, walks the question's answer functions: every global name they load (``LOAD_GLOBAL``,
recursively into nested code objects and into functions they call that the notebook defines) is looked up, and a
name that only a lesson cell binds is reported when its value is still the lesson's (the object the set-up cell
saw when it first ran, after the lesson; or a function whose cell source is a lesson cell's). An answer that
redefines the name in an exercise cell passes.

Only the student's notebook uses this: in grading the set-up cell does not run (answers there are proxies to the
sandbox), so nothing here can fail a graded answer.
"""

from __future__ import annotations

import ast
import dis
import hashlib
import linecache
import types
from typing import Any

#: key in the notebook's globals under which the lesson objects seen by the first set-up run are kept
SNAPSHOT_KEY = "_selfcheck_lesson_objects"
#: key of the number of IPython inputs (``In``) when the set-up cell first ran: later cells are the exercises'
START_KEY = "_selfcheck_first_input"


def bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, ``def``, ``class``, imports, loop and ``with`` targets)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
            continue
        if isinstance(
            node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
        ):
            continue  # their own scope
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        todo += list(ast.iter_child_nodes(node))
    return names


def source_hash(source: str) -> str:
    """Hash of a cell's source, blind to surrounding blank space (how lesson cells are recognised)."""
    return hashlib.sha1(source.strip().encode("utf-8")).hexdigest()[:16]


def loaded_globals(code: types.CodeType) -> list[str]:
    """Global names that ``code`` and the code objects nested in it load (not attribute names)."""
    names: list[str] = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in names:
            names.append(str(instruction.argval))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += [n for n in loaded_globals(const) if n not in names]
    return names


def _cell_hash(function: types.FunctionType) -> str | None:
    """Hash of the source of the cell (file) that defined ``function``; None when the source is unknown."""
    lines = linecache.getlines(function.__code__.co_filename)
    return source_hash("".join(lines)) if lines else None


class SelfCheckGrader:
    """otter's ``Notebook`` with a check that the answers use only what the grader runs.

    ``lesson_only``: names bound only by lesson cells (not by set-up, imports, parameters or exercise cells);
    ``lesson_cells``: :func:`source_hash` of every lesson code cell; ``answers``: question -> the names its answer
    cells bind; ``env``: the notebook's globals.
    """

    def __init__(
        self,
        notebook: Any,
        lesson_only: set[str] | list[str],
        lesson_cells: set[str] | list[str],
        answers: dict[str, list[str]],
        env: dict[str, Any],
    ) -> None:
        self._notebook = notebook
        self._lesson_only = set(lesson_only)
        self._lesson_cells = set(lesson_cells)
        self._answers = {q: list(names) for q, names in answers.items()}
        snapshot = env.setdefault(SNAPSHOT_KEY, {})
        for name in self._lesson_only:  # a re-run of the set-up cell keeps what the first run saw
            if name in env and name not in snapshot:
                snapshot[name] = env[name]
        self._snapshot = snapshot
        self._start = env.setdefault(START_KEY, len(env.get("In", ())))
        self._rebound: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._notebook, name)

    def _is_lesson_value(self, name: str, value: Any) -> bool:
        """True when ``value`` (bound to global ``name``) comes from a lesson cell."""
        if isinstance(value, types.FunctionType) and _cell_hash(value) in self._lesson_cells:
            return True
        return (
            name in self._lesson_only
            and name
            not in self._rebound  # bound again by a cell run after the set-up cell (an exercise cell)
            and name in self._snapshot
            and self._snapshot[name] is value
        )

    def problems(self, question: str, env: dict[str, Any]) -> list[str]:
        """One line per lesson-only name the answers of ``question`` use, empty when there is none."""
        found: list[str] = []
        seen: set[int] = set()
        later = env.get("In", [])[self._start :]  # IPython's inputs since the set-up cell first ran
        self._rebound = set().union(set(), *(bound_names(s) for s in later if isinstance(s, str)))

        def walk(function: types.FunctionType, path: str) -> None:
            if id(function) in seen:
                return
            seen.add(id(function))
            for name in loaded_globals(function.__code__):
                if name not in env:
                    continue
                value = env[name]
                if self._is_lesson_value(name, value):
                    found.append(f"{path} uses `{name}`, which a lesson cell defines")
                elif isinstance(value, types.FunctionType) and value.__globals__ is env:
                    walk(value, f"{path} → {name}")

        for answer in self._answers.get(question, []):
            if answer not in env:
                continue
            value = env[answer]
            if self._is_lesson_value(answer, value):
                found.append(f"`{answer}` is the lesson's own object, assigned from a lesson cell")
            elif isinstance(value, types.FunctionType) and value.__globals__ is env:
                walk(value, f"`{answer}`")
        return found

    def check(self, question: str, global_env: dict[str, Any] | None = None) -> Any:
        """otter's ``check``, failing first when an answer uses a name the grader will not have."""
        import sys

        env = global_env if global_env is not None else sys._getframe(1).f_globals
        found = self.problems(question, env)
        if found:
            return SelfCheckFailure(question, found)
        return self._notebook.check(question, env)


class SelfCheckFailure:
    """What ``grader.check`` shows when an answer depends on a lesson cell: the reason, and the fix."""

    def __init__(self, question: str, problems: list[str]) -> None:
        self.question, self.problems = question, problems
        self.grade, self.passed = 0.0, False

    def __repr__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return (
            f"{self.question} results: FAILED before its tests ran.\n{lines}\n"
            "The grader runs only the set-up, imports, parameters and exercise cells, not the lesson: there this "
            "name does not exist and the question scores 0. Write what you need inside your answer or in an "
            "exercise cell, then run this check again."
        )
