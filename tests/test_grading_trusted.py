"""The trusted side of grading (tools.grading.grade, issue 22): fresh trusted state for every submission, timeouts caused
by a neighbour re-graded alone, the status naming every question whose answer raised, and control characters and
spreadsheet formulas neutralised in the CSV and on the TA's terminal."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import shutil
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading_support import built, grade

from tools.authoring import student
from tools.grading import grade as grading

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _solved(notebook: str) -> nbformat.NotebookNode:
    student_dir, _ = built()
    master = grading.resolve_master(notebook)
    return student.solved(
        nbformat.read(master, as_version=4), nbformat.read(student_dir / master.name, as_version=4)
    )


def _replace_in_answer(
    nb: nbformat.NotebookNode, function: str, source: str
) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose cell defining ``function`` is ``source`` instead."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)
    cell.source = textwrap.dedent(source)
    return nb


# ---------------------------------------------------------------- fresh trusted state per submission


def _archive_with_extra_case(dist: Path, stem: str, question: str, case: str, into: Path) -> Path:
    """A copy of ``dist`` whose archive for ``stem`` has ``case`` as an extra hidden case of ``question``, with
    its sha256 recorded as tools.authoring.student records it (so the grader accepts it)."""
    shutil.copytree(dist, into)
    path = into / f"{stem}.zip"
    members = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    name = next(n for n in members if n.startswith("tests/") and n.endswith(f"{question}.py"))
    scope: dict = {}
    exec(members[name].decode(), scope)
    spec = scope["test"]
    spec["suites"][0]["cases"].append({"code": case, "hidden": True, "locked": False})
    members[name] = ("test = " + repr(spec) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    path.write_bytes(buffer.getvalue())
    record = path.with_name(path.name + ".sha256")
    record.write_text(
        f"{hashlib.sha256(buffer.getvalue()).hexdigest()}  {path.name}\n", encoding="utf-8"
    )
    return into


def test_state_a_test_changes_does_not_reach_the_next_submission(tmp_path):
    """Whatever the tests of one submission change in the trusted process (here Keras's global config, from the
    test code itself) is gone for the next: each submission is graded in a child forked from a clean parent."""
    _, dist = built()
    case = (
        ">>> import keras\n>>> keras.config.max_epochs() is None  # untouched by an earlier submission\nTrue\n"
        ">>> keras.config.set_max_epochs(1)\n"
    )
    poisoned = _archive_with_extra_case(
        dist, "01_rnn_unrolling", "q1_param_count", case, tmp_path / "dist"
    )
    honest = _solved("01")
    subs = []
    for name in ("first", "second", "third"):
        nbformat.write(honest, tmp_path / f"{name}.ipynb")
        subs.append(tmp_path / f"{name}.ipynb")
    rows = grading.grade(
        "01",
        [str(s) for s in subs],
        tmp_path / "g.csv",
        jobs=1,
        timeout=120,
        progress=False,
        dist_dir=poisoned,
    )
    assert [r["status"] for r in rows] == ["ok"] * 3, rows
    assert [r["total"] for r in rows] == [rows[0]["possible"]] * 3, rows
    assert all(r["fork_seconds"] < 5 for r in rows), rows


# the student's sandboxed interpreter rewrites how its model is serialised, so that the Dense activation crosses as
# ``keras.config.set_max_epochs``: calling the model on the trusted side sets Keras's epoch cap to a tensor, and every
# later fit() in that process fails (measured on the warm worker before issue 22: 7.0 -> 4.3 for the next honest one)
POISON = """
_orig_serialize = keras.saving.serialize_keras_object


def _to_keras_config(tree):
    if isinstance(tree, dict):
        if tree.get("config") == "set_max_epochs":
            tree["module"] = "keras.config"
        for value in tree.values():
            _to_keras_config(value)
    elif isinstance(tree, list):
        for value in tree:
            _to_keras_config(value)


def _serialize(obj):
    config = _orig_serialize(obj)
    _to_keras_config(config)
    return config


keras.saving.serialize_keras_object = _serialize


def build_my_model(n_features):
    inputs = keras.Input((120, n_features))
    dense = keras.layers.Dense(1)
    outputs = dense(keras.layers.GRU(4)(inputs))
    dense.activation = keras.config.set_max_epochs
    return keras.Model(inputs, outputs)
"""


def test_a_poisoned_model_changes_nothing_for_the_next_honest_submission(tmp_path):
    """Issue 22, row 1: notebook 06's q5 model whose activation is ``keras.config.set_max_epochs`` is called by the
    trusted tests; an identical honest submission graded before and after it gets the same row. (Once the wire
    refuses such a function, the poisoned model no longer crosses; the honest rows must still match.)"""
    honest = _solved("06")
    poisoned = _replace_in_answer(honest, "build_my_model", POISON)
    subs = [
        tmp_path / "honest_before.ipynb",
        tmp_path / "poisoned.ipynb",
        tmp_path / "honest_after.ipynb",
    ]
    for nb, path in zip((honest, poisoned, honest), subs, strict=True):
        nbformat.write(nb, path)
    _, dist = built()
    rows = grading.grade(
        "06",
        [str(s) for s in subs],
        tmp_path / "g.csv",
        jobs=1,
        timeout=300,
        progress=False,
        dist_dir=dist,
    )
    before, bad, after = rows
    print({r["file"].rsplit("/", 1)[1]: (r["total"], r["status"]) for r in rows})
    questions = student.question_names(nbformat.read(grading.resolve_master("06"), as_version=4))
    assert before["status"] == "ok" and before["total"] == before["possible"], before
    assert bad["total"] < bad["possible"], bad
    assert {k: after[k] for k in [*questions, "total", "status"]} == {
        k: before[k] for k in [*questions, "total", "status"]
    }


# ---------------------------------------------------------------- a neighbour's CPU flood


# prepended to the set-up cell, so the neighbour floods the CPU before it imports anything; 32 processes (the issue's
# attack used 16) so that the honest one times out today even when other jobs load the machine
HOG = """
import os, time
for _ in range(32):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
while True:
    time.sleep(1)
"""


def test_a_timeout_next_to_a_cpu_hog_is_regraded_alone(tmp_path):
    """Issue 22, row 4: a neighbour keeps every core busy (32 processes in their own sessions) until its own
    timeout; the honest submission next to it timed out too, and is graded again alone before a 0 is written."""
    student_dir, dist = built()
    blank = nbformat.read(student_dir / "01_rnn_unrolling.ipynb", as_version=4)
    setup = next(c for c in blank.cells if "setup" in c.metadata.get("tags", []))
    setup.source = HOG + setup.source
    nbformat.write(blank, tmp_path / "hog.ipynb")
    nbformat.write(_solved("01"), tmp_path / "honest.ipynb")
    timeout = 40
    rows = grade(
        tmp_path, dist, "01", [tmp_path / "hog.ipynb", tmp_path / "honest.ipynb"], timeout=timeout
    )
    honest, hog = rows["honest.ipynb"], rows["hog.ipynb"]
    print({"honest": honest, "hog": hog})
    assert hog["status"] == "timeout" and hog["total"] == 0, hog
    assert hog["seconds"] <= timeout + grading.GRACE
    assert honest["total"] == honest["possible"], honest
    # on a machine where the neighbour did not starve it, nothing was re-graded
    if honest.get("regraded"):
        assert (
            honest["status"] == f"ok ({grading.REGRADED} after a timeout next to other submissions)"
        ), honest
    assert "re-graded alone" in grading.summary(list(rows.values()), 1.0) or not honest.get(
        "regraded"
    )


# ---------------------------------------------------------------- what raised, and hostile text


EVIL = "Evil\nName\x1b]0;pwned\x07"
FORGED_ROW = "\n/x/forged.ipynb,1.0,2.0,1.0,1.0,5.0,5,ok\n"
RAISING = f"""
def param_count(units, features):
    return numerical_gradients(units)  # defined in the lesson only: NameError in the sandbox

Evil = type({EVIL!r}, (Exception,), {{}})

def rnn_step(*args, **kwargs):  # any signature: the question's arguments change, the attack does not
    raise Evil({FORGED_ROW!r} + "\\x1b[2K\\x1b[1A3 submissions: 3 ok\\t=HYPERLINK(\\"http://x\\";\\"y\\")\\u202e\\x9b")
"""


def test_status_names_each_question_whose_answer_raised_once_and_escapes_control_characters(
    tmp_path, monkeypatch, capsys
):
    """Issue 22: a question whose answer raised names its exception in the status, once; row 9: class names and
    messages with newlines, a forged CSV row, ESC/OSC sequences, tabs and a formula, and a file name with such
    characters, give one physical CSV line per row and no escape byte on the terminal."""
    _, dist = built()
    honest = _solved("01")
    nb = nbformat.from_dict(json.loads(json.dumps(honest)))
    nb.cells.append(nbformat.v4.new_code_cell(RAISING))  # last: its definitions win
    nb.cells.insert(
        student.exercises_index(nb) + 1,
        nbformat.v4.new_code_cell(
            'raise type("Cell\\nError\\x1b[31m", (Exception,), {})("=1+1\\n,forged")'
        ),
    )
    folder = tmp_path / "subs"
    folder.mkdir()
    evil_name = folder / "=evil\n\x1b[31mname\t\r\x9b.ipynb"
    nbformat.write(nb, evil_name)
    nbformat.write(honest, folder / "honest.ipynb")
    monkeypatch.setattr(grading, "grade", functools.partial(grading.grade, dist_dir=dist))
    out = tmp_path / "g.csv"
    assert (
        grading.main(["01", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "120"]) == 0
    )
    printed = capsys.readouterr()
    assert "\x1b" not in printed.out + printed.err and "\x9b" not in printed.out + printed.err
    assert not CONTROL.search(printed.out.replace("\n", "")), printed.out

    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 3, text  # the header and one line per submission: no forged row
    assert "forged.ipynb" not in "".join(line.split(",")[0] for line in lines)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    for row in rows:
        for key, value in row.items():
            assert not CONTROL.search(value) and "\n" not in value and "\t" not in value, (
                key,
                value,
            )
            assert not value.startswith(grading.FORMULA_START), (key, value)
    evil = next(r for r in rows if "evil" in r["file"])
    assert evil["file"].startswith("/") and "\\n" in evil["file"] and "\\x1b" in evil["file"]
    status = evil["status"]
    print(status)
    assert status.startswith("error: Cell\\nError\\x1b[31m: =1+1\\n,forged (cell "), status
    assert "q1_param_count: NameError: name 'numerical_gradients' is not defined" in status, status
    assert "q2_rnn_step: Evil\\nName\\x1b]0;pwned\\x07: \\n/x/forged.ipynb" in status, status
    assert status.count("numerical_gradients") == 1 and status.count("forged.ipynb") == 1, status
    assert float(evil["q1_param_count"]) == 0 and float(evil["q2_rnn_step"]) == 0
    # q1 (1 point) and q2 (2 points) lost
    assert float(evil["total"]) == float(evil["possible"]) - 3
    honest_row = next(r for r in rows if r["file"].endswith("honest.ipynb"))
    assert honest_row["status"] == "ok" and float(honest_row["total"]) == float(
        honest_row["possible"]
    )
    # text fields are quoted: a reader splitting on ';' keeps each one whole
    assert '"error: ' in text


def test_escaping_and_spreadsheet_neutralising():
    assert grading.escape_controls("a\nb\tc\r\x1b[2K\x07\x9b\u202e\u2028") == (
        "a\\nb\\tc\\r\\x1b[2K\\x07\\x9b\\u202e\\u2028"
    )
    assert grading.escape_controls("ünïcode ok, \\n stays") == "ünïcode ok, \\n stays"
    for formula in ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        safe = grading.spreadsheet_safe(formula)
        assert safe.startswith("'") or safe.startswith("\\"), safe
        assert not safe.startswith(grading.FORMULA_START)
    assert grading.spreadsheet_safe("/abs/=x.ipynb") == "/abs/=x.ipynb"


def test_a_long_status_is_summarised_without_losing_a_question():
    raised = {
        f"q{i}_question_with_a_long_name": [f"ValueError: {'x' * 300} {i}"] for i in range(1, 8)
    }
    status = grading.compose_status(["RuntimeError: boom (cell 3)"] * 3, raised, ["note"] * 4)
    assert len(status) <= grading.MAX_STATUS
    assert all(q in status for q in raised), status
    assert status.count("boom") == 1 and status.count("note") == 1, status
    many = {f"q{i}": [f"KeyError: {'y' * 50}"] for i in range(1, 31)}
    status = grading.compose_status([], many, ["note"])
    assert len(status) <= grading.MAX_STATUS and status.startswith(
        "error: answers raised in q1, q2, "
    )
    assert all(f"q{i}," in status or f"q{i};" in status for i in range(1, 31)) and status.endswith(
        "more"
    ), status
    assert grading.compose_status([], {}, []) == "ok"
    short = grading.compose_status(
        [], {"q2": ["NameError: a", "NameError: a", "KeyError: 'b'"]}, []
    )
    assert short == "error: q2: NameError: a | KeyError: 'b'"


@pytest.mark.parametrize("value", [None, "x", float("nan"), float("inf"), 2.5])
def test_scores_from_the_worker_are_finite_numbers(value):
    number = grading._number(value)
    assert number == number and abs(number) != float("inf")


FORK_CHECK = """
import os, signal, sys, time
from tools.grading import grade
assert not grade.tensorflow_runtime_started()
import keras
import tensorflow as tf
keras.utils.set_random_seed(1)  # what the masters' set-up cells do
assert not grade.tensorflow_runtime_started()
if sys.argv[1] == "op":
    float(tf.reduce_sum(tf.ones((4, 4)) @ tf.ones((4, 4))))
    assert grade.tensorflow_runtime_started()
pid = os.fork()
if pid == 0:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(tf.ones((8, 3)), tf.ones((8, 2)), epochs=1, verbose=0)
    os._exit(0)
for _ in range(40):
    if os.waitpid(pid, os.WNOHANG)[0]:
        print("child finished")
        break
    time.sleep(0.5)
else:
    os.kill(pid, signal.SIGKILL)
    print("child hung")
"""


def test_the_worker_forks_only_while_tensorflow_has_not_started():
    """Why the worker checks :func:`tools.grading.grade.tensorflow_runtime_started` before forking: a child forked after
    the parent ran one TensorFlow op hangs in its first fit; one forked after the imports and seeds trains."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
    }
    clean = subprocess.run(
        [sys.executable, "-c", FORK_CHECK, "none"], capture_output=True, text=True, env=env
    )
    assert clean.returncode == 0 and "child finished" in clean.stdout, clean.stderr[-2000:]
    started = subprocess.run(
        [sys.executable, "-c", FORK_CHECK, "op"], capture_output=True, text=True, env=env
    )
    assert started.returncode == 0 and "child hung" in started.stdout, started.stderr[-2000:]
