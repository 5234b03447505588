"""Exercise rules: an answer may not call the course function (or Keras layer) that already does the exercise.

A question whose answer the course already implements (``utils.cells.gru_step``, ``keras.layers.GRU``...) says so
in its statement, and its first public test calls :func:`check_not_calling` with those names. The check is the
same in the student's notebook (``grader.check``) and in grading (``tools.grading.grade``), so the self-check and the grade
agree; when it fails in grading, the question scores 0.

What counts as "calling" a name: the answer function, or a function of the notebook that it uses (recursively),
refers to the name as a global (``gru_step(...)``, an alias made by ``from utils.cells import gru_step as g`` or
``g = cells.gru_step``) or as an attribute (``cells.gru_step``, ``keras.layers.GRU``). A function the student
wrote under the same name is theirs, not the course's, and is not flagged. This stops the lazy route, not a
hostile one (``getattr`` with a computed string): the grade is for what a student can write, and the statement
says what is not allowed.

- In the notebook the answer is a real function: :func:`used_names` reads its code objects.
- In grading the answer is a proxy to the sandbox that carries the names its source uses, computed by
  :func:`source_uses` from the submission's cells (``tools.grading.grade`` sets ``_uses`` on it).
"""

from __future__ import annotations

import ast
import dis
import functools
import types
from collections.abc import Callable, Iterable

#: the start of the message of a failed rule (``tools.grading.grade`` recognises a failed rule case by it)
RULE_MESSAGE = "uses a course function this question asks you not to call"


def _code_names(code: types.CodeType) -> tuple[set[str], set[str]]:
    """(global names, attribute and imported names) that ``code`` and the code objects nested in it refer to."""
    globals_, attributes = set(), set()
    for instruction in dis.get_instructions(code):
        name = instruction.opname
        if name in ("LOAD_GLOBAL", "LOAD_NAME"):
            globals_.add(str(instruction.argval))
        elif "ATTR" in name or "METHOD" in name or name == "IMPORT_FROM":
            attributes.add(str(instruction.argval))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner_globals, inner_attributes = _code_names(const)
            globals_ |= inner_globals
            attributes |= inner_attributes
    return globals_, attributes


def _target_name(value: object) -> str | None:
    """The name of the function or class a global is bound to (through ``functools.partial`` too), else None."""
    while isinstance(value, functools.partial):
        value = value.func
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else None


def used_names(function: Callable) -> set[str]:
    """Names ``function`` refers to, with those of the notebook functions it uses, recursively.

    A global bound to another object (a course function imported under another name, a partial of one) also
    contributes that object's ``__name__``. Names of functions defined in the same notebook (same globals) are
    followed, not reported.
    """
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    home = function.__globals__
    names: set[str] = set()
    # default values and annotations are evaluated where the function is defined: the source names them
    bound = [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]
    bound += list(getattr(function, "__annotations__", {}).values())
    names |= {target for target in map(_target_name, bound) if target}
    seen: set[int] = set()
    todo: list[types.CodeType] = [code]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        global_names, attributes = _code_names(current)
        names |= attributes  # cells.gru_step, keras.layers.GRU: always the library's
        for name in global_names:
            value = home.get(name)
            if isinstance(value, types.FunctionType) and value.__globals__ is home:
                todo.append(value.__code__)  # the student's own function: follow it
                continue
            names.add(name)
            target = _target_name(value) if value is not None else None
            if target:
                names.add(target)
    return names


def _locals_of(node: ast.AST) -> set[str]:
    """Names a function binds itself (arguments and assignments in its body): not globals."""
    bound: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.arg):
            bound.add(child.arg)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            bound.add(child.id)
    return bound


def _refs(node: ast.AST) -> tuple[set[str], set[str]]:
    """(global names loaded and not bound inside ``node``, attribute and imported names) that ``node`` refers to."""
    local = (
        _locals_of(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        else set()
    )
    globals_: set[str] = set()
    attributes: set[str] = set()
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Name)
            and isinstance(child.ctx, ast.Load)
            and child.id not in local
        ):
            globals_.add(child.id)
        elif isinstance(child, ast.Attribute):
            attributes.add(child.attr)
        elif isinstance(child, ast.ImportFrom):
            attributes |= {alias.name for alias in child.names}
    return globals_, attributes


def _parse(source: str) -> ast.Module | None:
    """A cell's source as Python (IPython's ``%magic`` and ``!shell`` lines turned into calls), or None."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - without IPython the plain source is parsed
        pass
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def source_uses(cells: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each function defined at top level of ``cells`` (the last definition wins): the names it uses.

    The static twin of :func:`used_names`: a name bound at top level to a function of these cells is followed; one
    bound by an assignment contributes the names of the assigned expression; one bound by ``from m import x as y``
    contributes ``x``.
    """
    functions: dict[str, ast.AST] = {}
    # name -> (globals, attributes) of what it was bound to
    assigned: dict[str, tuple[set[str], set[str]]] = {}
    for source in cells:
        tree = _parse(source)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] = node
                assigned.pop(node.name, None)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                for alias in node.names:
                    bound = (alias.asname or alias.name).split(".")[0]
                    functions.pop(bound, None)
                    assigned[bound] = (set(), {alias.name.split(".")[-1]})
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                        functions.pop(name, None)
                        assigned[name] = _refs(value) if value is not None else (set(), set())

    def closure(start: ast.AST) -> frozenset[str]:
        names: set[str] = set()
        todo, seen = [start], set()
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            global_names, attributes = _refs(node)
            names.update(attributes)
            for name in global_names:
                if name in functions:
                    todo.append(functions[name])
                    continue
                names.add(name)
                bound_globals, bound_attributes = assigned.get(name, (set(), set()))
                names.update(bound_attributes)
                for extra in bound_globals:
                    if extra in functions:
                        todo.append(functions[extra])
                    else:
                        names.add(extra)
        return frozenset(names)

    return {name: closure(node) for name, node in functions.items()}


def check_not_calling(answer: Callable, *forbidden: str) -> None:
    """Fail (``AssertionError``) when ``answer`` uses any of the ``forbidden`` names (see the module docstring).

    Args:
        answer: the student's answer function (or, in grading, its proxy).
        forbidden: names of course functions, methods or Keras classes the question does not allow.
    """
    if not forbidden:
        raise ValueError(
            "forbidden is empty: name the course functions the question does not allow"
        )
    uses = getattr(answer, "_uses", None)
    names = set(uses) if uses is not None else used_names(answer)
    found = sorted(set(forbidden) & names)
    label = getattr(answer, "__name__", None) or getattr(answer, "_name", "the answer")
    assert not found, (
        f"{label} {RULE_MESSAGE}: {', '.join(found)}. Write it yourself with NumPy (the question says why); "
        "the grader scores an answer that calls it 0."
    )
