"""The agent that runs a submission inside the sandbox (started by ``tools.grading.grade``; never imported by the grader).

It reads one message from the grader over the socket whose file descriptor is in ``$GRADER_FD``: the code cells
of the submission and the names the hidden tests may ask for. It runs the cells in an IPython shell, answers with
the errors they raised and, for each name, ``function``, ``missing``, ``refused`` (with the reason) or its value as
plain data (:mod:`sandbox_wire`). Then it serves calls: ``{"call": name, "args": [...], "kwargs": {...}}`` runs the
student's function and returns its result as plain data, or the exception it raised (type name and message).
A course function the grader sends as an argument (by name, or a ``functools.partial`` of one) reaches the
student's code as :func:`course_callable` makes it: every such callable has the same type, name, signature and
code, so a student's function cannot tell a correct backward pass from a broken one by its form.

Everything here runs with the student's code and can be changed by it; the grader trusts none of it: it only reads
plain data back and decides every verdict itself.
"""

from __future__ import annotations

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sandbox_wire as wire  # noqa: E402


def _course_callables():
    """The factory of :func:`course_callable`, with the table of the callables it hides (not a module global)."""
    import secrets

    targets: dict[int, object] = {}

    def call(token: int, args: tuple, kwargs: dict):
        target = targets[token]
        try:
            return target(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - re-raised below, without the target's name or frames
            kind, message = type(error), str(error)
        for name in {
            getattr(target, "__name__", None),
            getattr(getattr(target, "func", None), "__name__", None),
        }:
            if name:
                message = message.replace(name, "course_function")
        try:
            failure = kind(message) if kind.__module__ == "builtins" else RuntimeError(message)
        except Exception:  # noqa: BLE001 - a built-in exception whose constructor wants other arguments
            failure = RuntimeError(message)
        raise failure  # outside the except block: no __context__ leads back to the target

    def course_callable(target):
        token = secrets.randbits(62)
        while token in targets:
            token = secrets.randbits(62)
        targets[token] = target

        def course_function(*args, **kwargs):
            """A function of the course, handed in by the grader."""
            return call(token, args, kwargs)

        course_function.__module__ = "course"
        return course_function

    return course_callable


#: wrap a course function or partial that the grader sent: same form for all (see the module docstring)
course_callable = _course_callables()


def _exception(error: BaseException) -> dict:
    return {"raised": type(error).__name__, "message": str(error)[:2000]}


def main() -> None:
    sock = socket.socket(fileno=int(os.environ.pop("GRADER_FD")))
    job = wire.recv(sock)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    errors = []
    for index, source in enumerate(job["cells"]):
        result = shell.run_cell(source, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            errors.append(
                {"cell": index, "ename": type(error).__name__, "evalue": str(error)[:300]}
            )
    names = {}
    for name in job["names"]:
        if name not in shell.user_ns:
            names[name] = {"kind": "missing"}
            continue
        value = shell.user_ns[name]
        if callable(value) and not isinstance(value, type):
            names[name] = {"kind": "function"}
            continue
        try:
            wire.encode(value, [])
        except Exception as error:  # NotPlainData, or a value whose conversion itself raised
            names[name] = {"kind": "refused", "message": f"{name}: {error}"}
        else:
            names[name] = {"kind": "value", "value": value}
    wire.send(sock, {"errors": errors, "names": names})
    while True:
        # a hidden test may pass a utils function in
        request = wire.recv(sock, functions=course_callable)
        function = shell.user_ns.get(request["call"])
        try:
            if function is None:
                raise NameError(f"name {request['call']!r} is not defined")
            # the same random state before every call: a model the student builds here gets the
            # initial weights it would get in the master's seeded scorer, and two gradings give the same numbers
            _seed_everything(0)
            result = function(*request["args"], **request["kwargs"])
        except Exception as error:
            wire.send(sock, _exception(error))
            continue
        try:
            wire.encode(result, [])
        except Exception as error:  # NotPlainData, or a conversion that raised
            message = f"{request['call']} returned data that cannot leave the sandbox: {error}"
            wire.send(sock, {"refused": message[:2000]})
        else:
            wire.send(sock, {"value": result})


def _seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and (when the submission imported it) Keras's random generators."""
    import random

    import numpy

    random.seed(seed)
    numpy.random.seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


if __name__ == "__main__":
    try:
        main()
    except wire.WireError:
        pass  # the grader closed the connection: done
