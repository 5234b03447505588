"""Hostile submissions: each attack of issue 12 as its own submission of notebook 01, graded in one batch with
``--jobs 2`` next to an honest classmate. Every attack starts from the blank student version (no solution
knowledge) and must score 0 (or, for typed-in public values, at most 20% of ``possible``); the batch must end
within its bound; no file outside the sandbox may change (CSV, ``dist/``, the course tree, the submissions); no
process may survive; nothing may be left in TMPDIR. An attack that worked would write a proof file into this
test's tmp folder, or would use what it read to score: both are checked.

Also here: the plain-data boundary itself (:mod:`tools.grading.sandbox_wire`), the refusal without bwrap, and the
``--unsafe-no-sandbox`` mark.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_support import built, grade

from tools.authoring import student
from tools.grading import grade as grading
from tools.grading import sandbox, sandbox_wire

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_rnn_unrolling"
TIMEOUT = 40  # seconds: an honest 01 takes seconds; a timeout next to others is re-graded alone
MARKER = "rnn-course-hostile-marker-7f3a"

# Each attack is a code cell appended to the blank student version. They may
# use PROOF (a folder outside the sandbox), CSV, DIST, COURSE, CLASSMATE and proof(name) (writes PROOF/name).
ATTACKS = {
    "assert_stripping": """
        import builtins, doctest
        _compile = builtins.compile
        doctest.compile = lambda *a, **k: _compile(*a, **{**k, "optimize": 1})
        builtins.compile = doctest.compile
        np.testing.assert_allclose = lambda *a, **k: None
        np.allclose = np.isclose = lambda *a, **k: True
        def param_count(units, features):
            return None
        """,
    "otter_patching": """
        import otter
        from otter.test_files import ok_test
        from otter.test_files.abstract_test import TestCaseResult
        def _run(self, env):
            self.test_case_results = [TestCaseResult(test_case=c, message="ok", passed=True) for c in self.test_cases]
        ok_test.OKTestFile.run = _run
        ok_test.run_doctest = lambda *a, **k: (True, "")
        from otter.check import notebook
        notebook.Notebook.check = lambda *a, **k: None
        """,
    "score_inflation": """
        import glob, pickle
        _dump = pickle.dump
        def _inflate(obj, *a, **k):
            for t in getattr(obj, "test_files", []):
                t._score = 100
            return _dump(obj, *a, **k)
        pickle.dump = _inflate
        for path in glob.glob("tests/**/*.py", recursive=True) + glob.glob("/tmp/**/tests/*.py", recursive=True) \\
                + glob.glob(COURSE + "/student/tests/*/*.py") + glob.glob("/course/**/*.py", recursive=True):
            try:
                text = open(path).read()
                open(path, "w").write(text.replace("'points': ", "'points': 100 or "))
                proof("inflated-" + os.path.basename(path))
            except OSError:
                pass
        """,
    "forged_results_and_kill_parent": """
        import glob, json, signal
        for cmd in glob.glob("/proc/*/cmdline"):
            try:
                args = open(cmd, "rb").read().split(b"\\0")
            except OSError:
                continue
            for arg in args:
                if arg.endswith(b".json") or arg.endswith(b".csv"):
                    try:
                        open(arg, "w").write(json.dumps({"scores": {"q1_param_count": 100}, "errors": [], "crash": None}))
                        proof("forged")
                    except OSError:
                        pass
        for pid in (os.getppid(), 1):
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        """,
    "read_hidden_tests": """
        import glob, tempfile, zipfile
        found = []
        patterns = ["tests/**/*", tempfile.gettempdir() + "/**/*", "/tmp/**/*", "/home/**/*", "/course/**/*",
                    DIST + "/*", COURSE + "/notebooks/*", COURSE + "/dist/**/*", "/proc/*/cwd/**/*", "/root/**/*"]
        for pattern in patterns:
            for path in glob.glob(pattern, recursive=True)[:20000]:
                try:
                    data = open(path, "rb").read()
                except OSError:
                    continue
                if b"'hidden': True" in data or b"# HIDDEN" in data or (path.endswith(".zip") and b"tests/" in data):
                    found.append(path)
        if found:  # with the hidden tests in hand, a student would pass them: so this submission would score
            proof("hidden", "\\n".join(found))
            param_count = lambda u, f: u * (u + f) + u
            output_shape = lambda b, t, f, u, r: (b, t, u) if r else (b, u)
        """,
    "copy_classmate": """
        import glob, json
        paths = set(glob.glob("/tmp/**/*.ipynb", recursive=True)) | {CLASSMATE}
        for cmd in glob.glob("/proc/*/cmdline"):
            try:
                paths |= {a.decode() for a in open(cmd, "rb").read().split(b"\\0") if a.endswith(b".ipynb")}
            except OSError:
                pass
        for path in paths:
            try:
                nb = json.load(open(path))
            except (OSError, ValueError):
                continue
            proof("read-classmate")
            for cell in nb["cells"]:
                source = "".join(cell["source"])
                if cell["cell_type"] == "code" and source.startswith("def "):
                    try:
                        exec(source, globals())
                    except Exception:
                        pass
        """,
    "equality_objects": """
        class Always:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            def __lt__(self, other): return True
            def __sub__(self, other): return 0.0
            def __rsub__(self, other): return 0.0
            def __abs__(self): return 0.0
            def __float__(self): return 0.0
            def __iter__(self): return iter(())
        class Close(np.ndarray):
            def __eq__(self, other): return np.ones(np.shape(other), bool)
            def isclose(self, *a, **k): return True
            def allclose(self, *a, **k): return True
        class Int(int):
            def __eq__(self, other): return True
        np.isclose = np.allclose = lambda *a, **k: True
        def param_count(units, features):
            return Int(0)
        def rnn_step(x_t, h_prev, W_x, W_h, b):
            return np.zeros(7).view(Close)
        def output_shape(batch, time, features, units, return_sequences):
            return Always()
        def final_state(xs, w_x, w_h):
            return Always()
        """,
    "neighbour_tampering": """
        import glob, tempfile
        targets = glob.glob("/tmp/**/*", recursive=True) + glob.glob(tempfile.gettempdir() + "/*/*") \\
            + glob.glob("/proc/*/cwd/**/*", recursive=True) + [CLASSMATE]
        for path in targets:
            if path.endswith((".py", ".ipynb", ".json", ".zip")):
                try:
                    open(path, "w").write("{}")
                    proof("tampered-" + os.path.basename(path))
                except OSError:
                    pass
        """,
    "daemon_rewrites_csv": """
        import subprocess, sys
        code = f"import time\\n# {MARKER}\\ntime.sleep(4)\\nopen({CSV!r}, 'w').write('forged')\\n" \\
            f"open({PROOF!r} + '/daemon', 'w').write('alive')"
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        """,
    "rewrite_autograder_zips": """
        import glob
        for path in glob.glob(DIST + "/*") + glob.glob(COURSE + "/dist/autograder/*") + glob.glob("/**/*.zip"):
            try:
                open(path, "wb").write(b"PK poisoned")
                proof("poisoned-" + os.path.basename(path))
            except OSError:
                pass
        """,
    "crafted_pickle": """
        import io, socket, struct
        class Payload:
            def __reduce__(self):
                return (os.system, (f"touch {PROOF}/pickle-ran",))
        blob = io.BytesIO()
        np.savez(blob, a0=np.array([Payload()], dtype=object))
        blob = blob.getvalue()
        body = b'{"$d": [["errors", []], ["names", {"$d": [["param_count", {"$d": [["kind", "value"], ["value", {"$a": 0}]]}]]}]]}'
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                    s = socket.socket(fileno=os.dup(int(fd)))
                    s.sendall(struct.pack(">QQ", len(body), len(blob)) + body + blob)
                    s.sendall(pickle.dumps(Payload()))
            except OSError:
                pass
        """,
    "survives_timeout": """
        import subprocess, sys
        os.getppid = lambda: 1
        code = f"import signal, time\\n# {MARKER}\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\n" \\
            "while True:\\n    time.sleep(0.1)"
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            pass
        """,
    "typed_public_values": """
        def param_count(units, features):
            return 12
        def rnn_step(x_t, h_prev, W_x, W_h, b, alpha):
            return np.array([[0.547767, -0.901092, 0.393967]])
        def mult_count(batch, time, features, units):
            return 270
        def final_state(xs, w_x, w_h, bound):
            return 0.15
        """,
}


#: what typed_public_values earns: the public share of every question of notebook 01 (its hidden cases give 90%)
TYPED_PUBLIC = 0.1


def _attack(blank: nbformat.NotebookNode, source: str, where: dict, path: Path) -> Path:
    """The blank student version with the attack as its last cell, written to ``path``."""
    nb = nbformat.from_dict(blank)
    prelude = "import os, pickle\nimport numpy as np\n" + "".join(
        f"{k} = {v!r}\n" for k, v in where.items()
    )
    prelude += (
        "def proof(name, text='x'):\n    try:\n        open(os.path.join(PROOF, name), 'w').write(text)\n"
        "    except OSError:\n        pass\n"
    )
    # last: its definitions win
    nb.cells.append(nbformat.v4.new_code_cell(prelude + textwrap.dedent(source)))
    nbformat.write(nb, path)
    return path


def _tree_digest(*folders: Path) -> dict[str, str]:
    """sha256 of every file under the folders (caches and the virtual environment left out)."""
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"}
    digest = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not skip & set(path.relative_to(folder).parts):
                digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def _marked_processes(marker: str = MARKER) -> list[str]:
    """The processes whose command line carries ``marker`` (each test file that runs attacks has its own: the
    files run side by side in parallel workers)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def test_hostile_submissions_score_zero_change_nothing_and_end_in_time(tmp_path, monkeypatch):
    student_dir, dist = built()
    master = grading.resolve_master(NOTEBOOK)
    blank = nbformat.read(student_dir / f"{NOTEBOOK}.ipynb", as_version=4)
    honest = student.solved(nbformat.read(master, as_version=4), blank)
    subs_dir, proofs, tmpdir = tmp_path / "submissions", tmp_path / "proofs", tmp_path / "tmpdir"
    for folder in (subs_dir, proofs, tmpdir):
        folder.mkdir()
    classmate = subs_dir / "honest_classmate.ipynb"
    nbformat.write(honest, classmate)
    where = {
        "PROOF": str(proofs),
        "CSV": str(tmp_path / "grades.csv"),
        "DIST": str(dist),
        "COURSE": str(ROOT),
        "CLASSMATE": str(classmate),
        "MARKER": MARKER,
    }
    subs = [classmate] + [
        _attack(blank, src, where, subs_dir / f"{name}.ipynb") for name, src in ATTACKS.items()
    ]
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", None)
    before = _tree_digest(ROOT, dist, subs_dir)
    started = time.monotonic()
    rows = grade(tmp_path, dist, NOTEBOOK, subs, timeout=TIMEOUT)
    wall = time.monotonic() - started
    csv_text = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    time.sleep(6)  # a daemon would rewrite the CSV 4 s after its start

    possible = rows["honest_classmate.ipynb"]["possible"]
    table = "\n".join(
        f"{name:32s} {row['total']:5.2f}/{possible} {row['status'][:90]}"
        for name, row in rows.items()
    )
    print(
        f"\nhostile batch: {len(subs)} submissions in {wall:.0f} s (load {os.getloadavg()[0]:.1f})\n{table}"
    )
    # "ok", or "ok (re-graded alone after a timeout next to other submissions)": on a slow machine the honest
    # notebook can pass the 40 s next to the attacks (seen once in a fresh-clone run); re-graded alone, it must
    # still score in full
    honest_status = rows["honest_classmate.ipynb"]["status"]
    assert honest_status in (
        "ok",
        f"ok ({grading.REGRADED} after a timeout next to other submissions)",
    ), rows["honest_classmate.ipynb"]
    assert rows["honest_classmate.ipynb"]["total"] == possible
    for name in ATTACKS:
        row = rows[f"{name}.ipynb"]
        limit = TYPED_PUBLIC * possible if name == "typed_public_values" else 0
        assert row["total"] <= limit + 1e-9, (name, row)
    # the typed answers (notebook 01's public values, each question's current signature) pass every public
    # case: exactly the public share, so the bound above is reached, not just respected
    typed = rows["typed_public_values.ipynb"]
    assert abs(typed["total"] - TYPED_PUBLIC * possible) < 1e-9, typed
    assert rows["survives_timeout.ipynb"]["status"] == "timeout"
    assert rows["survives_timeout.ipynb"]["seconds"] <= TIMEOUT + grading.GRACE
    assert (
        rows["equality_objects.ipynb"]["status"].startswith("error:")
        and "cannot leave" in (rows["equality_objects.ipynb"]["status"])
    )
    assert rows["crafted_pickle.ipynb"]["status"].startswith("error:"), rows["crafted_pickle.ipynb"]
    # the bound: N x timeout / jobs, plus the workers' start
    assert wall <= len(subs) * TIMEOUT / 2 + 120, wall
    assert sorted(p.name for p in proofs.iterdir()) == [], (
        "an attack reached a file outside its sandbox"
    )
    assert (tmp_path / "grades.csv").read_text(encoding="utf-8") == csv_text
    assert _tree_digest(ROOT, dist, subs_dir) == before, (
        "a file outside the sandbox changed during grading"
    )
    assert _marked_processes() == [], "a submission's process outlived its sandbox"
    assert list(tmpdir.iterdir()) == [], f"left in TMPDIR: {list(tmpdir.iterdir())}"


# ---------------------------------------------------------------- the boundary, without a sandbox


def test_plain_data_round_trips_and_loses_every_foreign_type():
    import pandas as pd

    frame = pd.DataFrame(
        {"T": [1.0, 2.0], "p": [3, 4]}, index=pd.date_range("2020-01-01", periods=2, freq="h")
    )
    value = {
        1: (1.5, None, ...),
        "a": [np.float32(2.5), np.arange(3), {3, 4}, 2**70, float("nan"), 1 + 2j, "s"],
        "frame": frame,
        "series": frame["T"],
    }
    arrays: list = []
    tree = sandbox_wire.encode(value, arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **{f"a{i}": a for i, a in enumerate(arrays)})
    with np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False) as npz:
        back = sandbox_wire.decode(tree, {k: npz[k] for k in npz.files})
    assert (
        back[1] == (1.5, None, ...)
        and back["a"][0] == np.float32(2.5)
        and type(back["a"][0]) is np.float32
    )
    assert back["a"][3] == 2**70 and np.isnan(back["a"][4]) and back["a"][5] == 1 + 2j
    pd.testing.assert_frame_equal(back["frame"], frame, check_freq=False)
    pd.testing.assert_series_equal(back["series"], frame["T"], check_freq=False)

    class Int(int):
        def __eq__(self, other):
            return True

    class Sub(np.ndarray):
        pass

    with pytest.raises(sandbox_wire.NotPlainData, match="cannot leave the sandbox"):
        sandbox_wire.encode(Int(3), [])
    with pytest.raises(sandbox_wire.NotPlainData):
        sandbox_wire.encode(np.array([object()], dtype=object), [])
    out: list = []
    sandbox_wire.encode(np.zeros(2).view(Sub), out)
    assert type(out[0]) is np.ndarray  # a subclass crosses as a plain array
    with pytest.raises(sandbox_wire.WireError, match="unknown tag"):
        sandbox_wire.decode({"__reduce__": 1}, {})


def test_no_pickle_crosses_and_keras_configs_name_only_keras_classes():
    import socket

    left, right = socket.socketpair()
    with left, right:
        blob = io.BytesIO()
        np.savez(blob, a0=np.array([1, "x", None], dtype=object))  # written with a pickle inside
        blob = blob.getvalue()
        body = b'{"$a": 0}'
        left.sendall(sandbox_wire._HEADER.pack(len(body), len(blob)) + body + blob)
        with pytest.raises(sandbox_wire.WireError, match="array archive"):
            sandbox_wire.recv(right, time.monotonic() + 5)
        payload = pickle.dumps({"x": 1})
        left.sendall(payload + b"\0" * 16)
        with pytest.raises(sandbox_wire.WireError):
            sandbox_wire.recv(right, time.monotonic() + 5)
    with pytest.raises(sandbox_wire.NotPlainData, match="module"):
        sandbox_wire.check_keras_config({"module": "os", "class_name": "system", "config": {}})
    with pytest.raises(sandbox_wire.NotPlainData, match="Lambda"):
        sandbox_wire.check_keras_config(
            {"module": "keras.layers", "class_name": "Lambda", "config": {}}
        )


def test_question_scores_weight_hidden_cases_and_are_capped():
    assert grading.question_score(2, [(False, True), (True, False)]) == pytest.approx(0.2)
    assert grading.question_score(2, [(False, True), (True, True)]) == 2
    assert grading.question_score(1, [(True, True)]) == 1
    assert grading.question_score(1, []) == 0


def test_refuses_without_bwrap_and_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(
        sandbox.SandboxUnavailable, match="apt-get install bubblewrap.*--unsafe-no-sandbox"
    ):
        grading.grade("01", [str(tmp_path)], tmp_path / "g.csv", progress=False)
    assert grading.main(["01", str(ROOT / "student"), "--out", str(tmp_path / "g.csv")]) == 2
    assert not (tmp_path / "g.csv").exists()


def test_unsafe_mode_marks_every_row(tmp_path, monkeypatch):
    student_dir, dist = built()
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)  # as on a machine without bwrap
    rows = grade(tmp_path, dist, NOTEBOOK, [student_dir / f"{NOTEBOOK}.ipynb"], unsafe=True)
    (row,) = rows.values()
    assert row["status"] == "ok" + grading.UNSAFE_MARK and row["total"] == 0
    assert grading.UNSAFE_MARK in (tmp_path / "grades.csv").read_text(encoding="utf-8")


def test_a_changed_autograder_archive_is_refused(tmp_path):
    import shutil

    _, dist = built()
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    archive = copy / f"{NOTEBOOK}.zip"
    archive.write_bytes(archive.read_bytes() + b"\0")
    os.utime(archive, (time.time() + 10, time.time() + 10))  # newer than the master: not rebuilt
    with pytest.raises(ValueError, match="changed after it was built"):
        grading.autograder_zip(grading.resolve_master(NOTEBOOK), copy)


def test_a_timeout_kills_every_process_of_the_sandbox(tmp_path):
    """The sandbox's PID namespace dies with bwrap: a detached daemon inside it is gone too."""
    if sandbox.bwrap_path() is None:
        pytest.skip("bwrap is not installed")  # CI installs it (.ci/run)
    cells = [
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time\\n# {MARKER}\\nwhile True: time.sleep(1)'],"
        " start_new_session=True)\nwhile True:\n    pass"
    ]
    started = time.monotonic()
    with pytest.raises(sandbox.SandboxGone, match="timeout"):
        sandbox.Sandbox(cells, [], time.monotonic() + 15)
    assert time.monotonic() - started < 45
    time.sleep(1)
    assert _marked_processes() == []


def test_a_student_model_reaches_the_tests_as_data_and_the_data_folder_is_read_only(tmp_path):
    """The documented path for a question about a student's Keras model, and the read-only data mount."""
    if sandbox.bwrap_path() is None:
        pytest.skip("bwrap is not installed")  # CI installs it (.ci/run)
    data = tmp_path / "data"
    data.mkdir()
    (data / "weather.csv").write_text("T\n1.0\n", encoding="utf-8")
    cells = [
        "import os\nimport keras\n"
        "data_files = sorted(os.listdir(os.environ['RNN_COURSE_DATA']))\n"
        "try:\n    open('/data/new.csv', 'w').write('x')\n    data_writable = True\n"
        "except OSError:\n    data_writable = False\n"
        "def build_my_model(n):\n"
        "    return keras.Sequential([keras.Input((24, n)), keras.layers.GRU(4), keras.layers.Dense(1)])\n"
        "def lambda_model(n):\n"
        "    return keras.Sequential([keras.Input((n,)), keras.layers.Lambda(lambda x: x * 2)])\n"
    ]
    names = ["data_files", "data_writable", "build_my_model", "lambda_model"]
    with sandbox.Sandbox(cells, names, time.monotonic() + 3 * TIMEOUT, data_dir=data) as box:
        assert box.errors == []
        assert box.names["data_files"] == {"kind": "value", "value": ["weather.csv"]}
        assert box.names["data_writable"] == {"kind": "value", "value": False}
        model = box.call("build_my_model", (3,), {})
        import keras

        assert (
            isinstance(model, keras.Model)
            and model.count_params() == 4 * 3 * 3 + 4 * 4 * 3 + 2 * 3 * 4 + 5
        )
        model.compile(optimizer="adam", loss="mae")
        rng = np.random.default_rng(0)
        history = model.fit(
            rng.normal(size=(32, 24, 3)), rng.normal(size=(32, 1)), epochs=1, verbose=0
        )
        assert np.isfinite(history.history["loss"][0])
        with pytest.raises(sandbox.Refused, match="Lambda"):
            box.call("lambda_model", (3,), {})
    assert not (data / "new.csv").exists()


def test_course_functions_cross_into_the_sandbox_by_name_and_never_back():
    """A hidden test may hand a student's function a utils function (or a partial of one); nothing comes back as
    code: the trusted side refuses every function tag, and only module-level utils functions are named."""
    import functools

    from utils import bptt

    arrays: list[np.ndarray] = []
    tree = sandbox_wire.encode(
        functools.partial(bptt.rnn_backward_variant, transpose=False), arrays
    )
    got = sandbox_wire.decode(tree, {}, functions=True)
    assert got.func is bptt.rnn_backward_variant and got.keywords == {"transpose": False}
    with pytest.raises(sandbox_wire.WireError, match="cannot cross from the sandbox"):
        sandbox_wire.decode(tree, {})  # the trusted side's default
    with pytest.raises(sandbox_wire.WireError, match="not a function of the course"):
        sandbox_wire.decode({"$fn": ["os", "system"]}, {}, functions=True)
    with pytest.raises(sandbox_wire.NotPlainData):
        sandbox_wire.encode(lambda x: x, [])  # a lambda is code, not a named course function
