"""Colab as a tested platform (tools.colab.check): the replica's package selection, the set-up cells (the student one
installs otter-grader without touching Colab's packages, the lecture one installs nothing), the check's own parts
on inputs built to fail, and the check itself: every notebook in the Colab replica (marker ``colab``)."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import subprocess
import sys
from pathlib import Path

import conftest  # the same module object pytest loaded
import nbformat
import pytest
from packaging.requirements import Requirement

from tools.authoring import student, sync
from tools.colab import check as colab_check
from utils import notebook

ROOT = Path(__file__).resolve().parents[1]
SHARED_RECORD = ROOT.parent / "shared" / "colab"
COLAB = colab_check.parse_freeze(colab_check.FREEZE.read_text(encoding="utf-8"))
MASTERS = student.masters()


def _setup_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
    return cell.source


@pytest.mark.skipif(
    not (SHARED_RECORD / "pip-freeze.txt").is_file(), reason="no ../shared/colab record here"
)
def test_committed_colab_record_is_the_shared_one() -> None:
    for name in ("pip-freeze.txt", "os-info.txt"):
        assert (colab_check.COLAB_RECORD / name).read_bytes() == (
            SHARED_RECORD / name
        ).read_bytes(), (
            f"tools/colab/{name} differs from ../shared/colab/{name}: copy it again, update tools/colab/README.md "
            "and docs/colab.md, and run make colab-check"
        )


def test_freeze_parser_keeps_only_name_version_lines() -> None:
    text = "# comment\nJinja2==3.1.6\ntorch @ https://x/torch.whl\ngoogle-colab @ file:///c.tar.gz\n\nwrapt==2.3.0\n"
    assert colab_check.parse_freeze(text) == {
        "jinja2": ("Jinja2", "3.1.6"),
        "wrapt": ("wrapt", "2.3.0"),
    }


def test_replica_pins_are_colabs_versions() -> None:
    pins = colab_check.requirement_pins(COLAB)
    for pin in (
        "tensorflow==2.20.0",
        "keras==3.13.2",
        "numpy==2.1.3",
        "pandas==2.2.3",
        "matplotlib==3.10.0",
        "ipywidgets==7.7.1",
        "ipython==7.34.0",
        "wrapt==2.3.0",
        "widgetsnbextension==3.6.10",
    ):
        assert pin in pins
    assert colab_check.python_version() == "3.13"


def test_replica_selection_covers_what_otter_grader_requires_and_colab_has() -> None:
    """Every Colab package a full ``pip install otter-grader`` could change is in the replica, so the check would
    see it change."""
    selected = {colab_check.canonical(n) for n in colab_check.REPLICA_PACKAGES}
    for text in importlib.metadata.requires("otter-grader") or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            name = colab_check.canonical(requirement.name)
            assert name in selected or name not in COLAB, (
                f"{name} (Colab has it) is not in REPLICA_PACKAGES"
            )


def test_unknown_replica_package_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(colab_check, "REPLICA_PACKAGES", ["tensorflow", "not-a-colab-package"])
    with pytest.raises(ValueError, match="not-a-colab-package"):
        colab_check.requirement_pins(COLAB)


def test_package_changes_catch_an_install_that_swaps_colabs_packages() -> None:
    """The diff the check uses: otter-grader~=7.0 installed with its dependencies (what the old set-up cell did in
    the replica) is caught; adding new packages only is not a change."""
    before = {
        "wrapt": "2.3.0",
        "ipywidgets": "7.7.1",
        "widgetsnbextension": "3.6.10",
        "numpy": "2.1.3",
    }
    after = {
        **before,
        "wrapt": "1.17.3",
        "ipywidgets": "8.1.9",
        "widgetsnbextension": "4.0.15",
        "otter-grader": "7.0.0",
        "playwright": "1.58.0",
    }
    changes = colab_check.package_changes(before, after)
    assert changes["changed"] == {
        "wrapt": ("2.3.0", "1.17.3"),
        "ipywidgets": ("7.7.1", "8.1.9"),
        "widgetsnbextension": ("3.6.10", "4.0.15"),
    }
    assert (
        changes["added"] == {"otter-grader": "7.0.0", "playwright": "1.58.0"}
        and not changes["removed"]
    )
    only_new = colab_check.package_changes(before, {**before, "otter-grader": "7.0.0"})
    assert only_new == {"changed": {}, "added": {"otter-grader": "7.0.0"}, "removed": {}}


def test_lecture_setup_cell_installs_nothing_and_student_one_installs_without_deps() -> None:
    config = sync.load_config()
    lecture, student_setup = sync.setup_source(config), sync.setup_source(config, student=True)
    assert "pip" not in lecture and "otter" not in lecture and "grader=True" not in lecture
    # utils.notebook.install_grader, in Colab only
    assert "setup(seed=42, grader=True)" in student_setup
    install = inspect.getsource(notebook.install_grader)
    assert (
        '"--no-deps"' in install and "COLAB_GRADER_PINS" in install and '"google.colab"' in install
    )
    assert sync.COLAB_STUDENT_PINS is notebook.COLAB_GRADER_PINS
    for path in MASTERS:
        assert _setup_cell(path) == lecture, path.name
        built = ROOT / "student" / path.name
        if built.is_file():
            assert _setup_cell(built) == student_setup, (
                f"{built.name}: run python -m tools.authoring.student"
            )


def test_student_pins_add_only_packages_colab_lacks_and_need_nothing_else() -> None:
    """What the student set-up cell installs is new to Colab, otter-grader is the version the TA grades with, and the
    other pins' own requirements are all preinstalled in Colab at versions they accept (``--no-deps`` is safe)."""
    pins = dict(pin.split("==") for pin in sync.COLAB_STUDENT_PINS)
    assert not [n for n in pins if colab_check.canonical(n) in COLAB]
    assert pins["otter-grader"] == importlib.metadata.version("otter-grader")
    otter_spec = next(
        Requirement(line)
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.startswith("otter-grader")
    )
    assert otter_spec.specifier.contains(pins["otter-grader"])
    for name, version in pins.items():
        if name == "otter-grader":
            continue
        assert importlib.metadata.version(name) == version, (
            f"the dev environment has another {name}"
        )
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            have = COLAB.get(colab_check.canonical(requirement.name))
            assert have is not None, (
                f"{name} needs {requirement.name}, which Colab lacks: add it to the pins"
            )
            assert requirement.specifier.contains(have[1]), (
                f"{name} needs {requirement}, Colab has {have[1]}"
            )


@pytest.mark.parametrize("master", MASTERS, ids=[m.stem for m in MASTERS])
def test_solved_student_version_gets_every_solution(master: Path) -> None:
    """The replica runs the solved student versions that tools.authoring.student.solved builds (the grading tests' builder)."""
    path = ROOT / "student" / master.name
    if not path.is_file():
        pytest.skip(f"no student version of {master.name} yet")
    master_nb = nbformat.read(master, as_version=4)
    nb = nbformat.read(path, as_version=4)
    solved = student.solved(master_nb, nb)
    assert len(solved.cells) == len(nb.cells)
    with_solution = [c for c in master_nb.cells if c.cell_type == "code" and "SOLUTION" in c.source]
    assert (
        sum("SOLUTION" in c.source for c in solved.cells if c.cell_type == "code")
        == len(with_solution)
        >= 1
    )


def test_grader_results_read_pass_and_fail() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell('grader.check("q1")'),
            nbformat.v4.new_code_cell('grader.check("q2")'),
        ]
    )
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "execute_result", {"text/plain": "q1 results: All test cases passed!"}
        )
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "execute_result", {"text/plain": "q2 results:\n    q2 - 1 result: ❌"}
        )
    ]
    assert [(q, ok) for q, ok, _ in colab_check.grader_results(nb)] == [("q1", True), ("q2", False)]


def test_warnings_are_sorted_by_who_is_to_blame() -> None:
    root = "/run/content/rnn-course"
    cell = "/tmp/ipykernel_123/456.py"
    keras = "/env/lib/python3.13/site-packages/keras/x.py"
    records = [  # a FutureWarning at a cell line (twice: merged), one at a utils/ line
        {
            "category": "FutureWarning",
            "message": "a",
            "filename": cell,
            "lineno": 3,
            "stack": [(cell, 3, "x()")],
        },
        {
            "category": "FutureWarning",
            "message": "a",
            "filename": cell,
            "lineno": 3,
            "stack": [(cell, 3, "x()")],
        },
        {
            "category": "DeprecationWarning",
            "message": "d",
            "filename": f"{root}/utils/data.py",
            "lineno": 2,
            "stack": [(cell, 1, "load()"), (f"{root}/utils/data.py", 2, "pd.f()")],
        },
        # raised in the library function our line called
        {
            "category": "DeprecationWarning",
            "message": "b",
            "filename": keras,
            "lineno": 9,
            "stack": [(f"{root}/utils/data.py", 7, "keras.f()"), (keras, 9, "warn()")],
        },
        # raised deep inside libraries during our cell
        {
            "category": "DeprecationWarning",
            "message": "c",
            "filename": "/env/site-packages/mpl/y.py",
            "lineno": 1,
            "stack": [
                (cell, 5, "plt.show()"),
                (keras, 1, ""),
                ("/env/site-packages/mpl/y.py", 1, ""),
            ],
        },
        # the kernel's own, no course frame: dropped
        {
            "category": "DeprecationWarning",
            "message": "e",
            "filename": "/env/site-packages/tf/y.py",
            "lineno": 1,
            "stack": [("/env/site-packages/ipykernel/k.py", 1, "")],
        },
    ]
    found = colab_check.classify_warnings(records, root)
    assert [(w["message"], w["our_line"]) for w in found["ours"]] == [("a", "x()"), ("d", "pd.f()")]
    assert [(w["message"], w["our_line"]) for w in found["our_calls"]] == [("b", "keras.f()")]
    assert [(w["message"], w["package"], w["our_line"]) for w in found["library"]] == [
        ("c", "mpl", "plt.show()")
    ]


def test_pip_commands_are_recognised() -> None:
    assert colab_check.runs_pip(
        ["/env/bin/python", "-m", "pip", "install", "--no-deps", "otter-grader==7.0.0"]
    )
    assert colab_check.runs_pip(["/usr/bin/pip3", "install", "x"]) and colab_check.runs_pip(
        "pip install x"
    )
    assert not colab_check.runs_pip(
        ["git", "clone", "https://github.com/a/pipeline.git", "/content/x"]
    )


def test_missing_colab_python_skips_visibly(monkeypatch, capsys) -> None:
    monkeypatch.setattr(colab_check, "find_python", lambda version: None)
    assert colab_check.main([]) == 0
    assert "COLAB CHECK SKIPPED: Python 3.13" in capsys.readouterr().err
    assert colab_check.main(["--strict"]) == 1


def test_find_python_finds_only_the_asked_version(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RNN_COURSE_COLAB_PYTHON", sys.executable)
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert colab_check.find_python(mine) is not None
    assert colab_check.find_python("2.1") is None


@pytest.mark.colab
@pytest.mark.notebook
def test_every_notebook_runs_in_the_colab_replica(tmp_path: Path) -> None:
    """``make colab-check``: lecture and solved student versions in the Colab replica, set-up install included."""
    version = colab_check.python_version()
    if colab_check.find_python(version) is None:
        pytest.skip(
            f"COLAB CHECK SKIPPED: Python {version} (Colab's) not found: `pyenv install {version}`"
        )
    # started at collection (tests/conftest.py), running beside the other tests; else now
    background = conftest.colab_check_result(timeout=3600)
    if background is not None:
        returncode, seconds, output, report_path = background
        print(f"Colab check: {seconds:.0f} s in the background")
    else:
        report_path = tmp_path / "report.json"
        result = subprocess.run(
            conftest.colab_check_command(report_path), cwd=ROOT, capture_output=True, text=True
        )
        returncode, output = result.returncode, result.stdout + result.stderr
    print(output[-20000:])
    assert returncode == 0, output[-12000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["install_commands"] and not [
        c for c in report["lecture_commands"] if colab_check.runs_pip(c["args"])
    ]
    assert not report["package_changes"]["changed"] and not report["package_changes"]["removed"]
    assert "otter-grader" in report["package_changes"]["added"]
    assert all(report["grader_checks"].values())
    assert not report["warnings"]["ours"]


def test_a_hung_run_is_retried_once_and_reported() -> None:
    """A run that returns no notebook (timeout, dead kernel) gets one more run, listed in the report; a second
    failure and a cell error stay failures."""
    calls = []

    def flaky():
        calls.append(1)
        return (None, "CellTimeoutError: lost reply") if len(calls) == 1 else ({"cells": []}, None)

    report = colab_check.Report()
    assert colab_check.run_with_one_retry(
        flaky, "student/02.ipynb", report, log=lambda *_: None
    ) == ({"cells": []}, None)
    assert len(calls) == 2 and report.retries == ["student/02.ipynb: CellTimeoutError: lost reply"]
    report = colab_check.Report()
    executed, error = colab_check.run_with_one_retry(
        lambda: (None, "DeadKernelError"), "x", report, log=lambda *_: None
    )
    assert executed is None and error == "DeadKernelError" and len(report.retries) == 1
    report, calls = colab_check.Report(), []

    def cell_error():
        calls.append(1)
        return {"cells": []}, "cell 3: ValueError: bad"

    assert (
        colab_check.run_with_one_retry(cell_error, "x", report, log=lambda *_: None)[1]
        == "cell 3: ValueError: bad"
    )
    assert len(calls) == 1 and report.retries == []
