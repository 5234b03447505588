"""Run one submission in a bubblewrap sandbox and talk to it with plain data only (used by ``tools.grading.grade``).

:class:`Sandbox` starts ``python sandbox_agent.py`` under ``bwrap`` with

- a read-only view of the system (``/usr``, ``/etc``), of the Python installation and virtual environment, of the
  course's ``utils/`` (as ``/course/utils``: notebooks import nothing else of the course), of the agent's two
  files and, if given, of the data folder (as ``/data``); nothing else of the course: not the masters, the autograder archives, the hidden tests, other
  submissions, the CSV or the TA's home;
- a private, size-limited ``/tmp`` and working folder (tmpfs: gone with the sandbox);
- no network, its own PID, IPC, UTS and user namespaces (uid ``nobody``), no capabilities, a new session;
- a private, size-limited ``/dev/shm``;
- every file and folder under ``/etc`` and ``/usr`` that is not world-readable (``/etc/shadow``...) replaced by
  an empty one: as root the grader maps the sandbox's user to root outside, which could otherwise read them;
- limits on the sandbox as a whole (:mod:`tools.grading.sandbox_limits`: memory with children and tmpfs, tasks, CPU, by
  cgroup where the machine allows), an address-space limit per process (``RLIMIT_AS``) and a file-size limit.

:func:`check_bwrap` starts one sandbox with the real mounts before a batch and checks that its Python imports,
so a path the sandbox cannot see stops the batch with a message naming it, instead of scoring every student 0.

Killing the ``bwrap`` process (:meth:`Sandbox.kill`) ends the PID namespace and so every process in it, daemons
included; ``--die-with-parent`` does the same if the grader dies. The sandbox's output goes to files, and the
grader talks to it over a socket pair with a deadline on every read, so nothing it does can make the grader wait
past its deadline. Only :mod:`tools.grading.sandbox_wire` messages cross: JSON and ``.npz`` without pickle.

``unsafe=True`` runs the same agent as a plain subprocess (own session, same protocol): for machines without
bwrap, when the TA explicitly accepts that the submission runs as them (``tools.grading.grade --unsafe-no-sandbox``).
"""

from __future__ import annotations

import builtins
import functools
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.grading import sandbox_limits
from tools.grading import sandbox_wire as wire

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent  # the agent's files
AGENT_FILES = ("sandbox_agent.py", "sandbox_wire.py")
INSTALL_HINT = (
    "bubblewrap (bwrap) is not installed, and tools.grading.grade runs student code only inside it. Install it: "
    "`sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora), "
    "`sudo pacman -S bubblewrap` (Arch). To grade without any isolation (the submissions run as you and can "
    "change your files and the grades), pass --unsafe-no-sandbox."
)
TMPFS_BYTES = 512 * 1024 * 1024
SHM_BYTES = 64 * 1024 * 1024
# run inside the sandbox before the agent: cap its tasks (threads included). Set here, in the sandbox's own user
# namespace, RLIMIT_NPROC counts the sandbox's tasks only (the TA's other processes do not count); the kernel
# exempts root from it, so as root the cgroup's pids.max holds instead (tools.grading.sandbox_limits)
LAUNCH = (
    "import os, resource, sys; n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_NPROC, (n, n)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)
# what the agent imports before it runs the submission
PREFLIGHT = "import IPython, numpy, traitlets"
FILE_BYTES = 256 * 1024 * 1024


class SandboxUnavailable(ValueError):
    """bwrap is missing or cannot create a sandbox here."""


class SandboxGone(RuntimeError):
    """The sandbox ended (killed at the deadline, crashed, or closed its end) before it answered."""


class StudentError(Exception):
    """An exception raised by the student's code in the sandbox, of a type that is not a Python built-in."""


class Refused(TypeError):
    """The student's value cannot cross the boundary (not plain data)."""


def bwrap_path() -> str | None:
    """The bwrap executable, or None."""
    return shutil.which("bwrap")


def _python_mounts() -> list[Path]:
    """Folders the sandbox needs read-only to run this Python: the installation and the virtual environment."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(
        p for p in paths if not str(p).startswith(("/usr/", "/etc/")) and p != Path("/usr")
    )


@functools.cache
def hidden_paths(tops: tuple[str, ...] = ("/etc", "/usr")) -> tuple[list[str], list[str]]:
    """Files and folders under ``tops`` that others may not read: ``(files, folders)`` (cached per process).

    A folder counts when others may not list or enter it; nothing below it is listed.
    """
    files: list[str] = []
    folders: list[str] = []
    for top in tops:
        for folder, subfolders, names in os.walk(top):
            keep = []
            for name in subfolders:
                path = os.path.join(folder, name)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                if stat.S_ISDIR(mode) and (mode & 0o005) != 0o005:
                    folders.append(path)
                else:
                    keep.append(name)
            subfolders[:] = keep
            for name in names:
                path = os.path.join(folder, name)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                if not stat.S_ISLNK(mode) and not mode & stat.S_IROTH:
                    files.append(path)
    return files, folders


def bwrap_command(
    data_dir: Path | None,
    memory_mb: int,
    pids: int = sandbox_limits.PIDS_MAX,
    argv: list[str] | None = None,
) -> list[str]:
    """The ``bwrap`` arguments for one sandbox; its command is ``argv`` (default: the agent, with ``pids``)."""
    command = [bwrap_path() or "bwrap", "--unshare-all", "--unshare-user", "--disable-userns"]
    command += [
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    command += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    files, folders = hidden_paths()
    for path in files:
        command += ["--ro-bind", "/dev/null", path]
    for path in folders:
        command += ["--size", "4096", "--tmpfs", path, "--remount-ro", path]
    for name in ("bin", "lib", "lib64", "sbin", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    # private folders first: bwrap applies its mounts in order and a later one covers an earlier one, so a
    # Python installation, virtual environment or course under /tmp or /home must be bound after these
    command += ["--proc", "/proc", "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    command += [
        "--size",
        str(TMPFS_BYTES),
        "--tmpfs",
        "/tmp",
        "--size",
        str(TMPFS_BYTES),
        "--tmpfs",
        "/home",
    ]
    for path in _python_mounts():
        command += ["--ro-bind", str(path), str(path)]
    command += ["--ro-bind", str(ROOT / "utils"), "/course/utils"]
    for name in AGENT_FILES:
        command += ["--ro-bind", str(HERE / name), f"/agent/{name}"]
    if data_dir is not None:
        command += ["--ro-bind", str(Path(data_dir).resolve()), "/data"]
    env = sandbox_env(Path("/home/student"), Path("/course"), Path("/data") if data_dir else None)
    command += ["--clearenv", "--chdir", "/tmp"]
    for key, value in env.items():
        command += ["--setenv", key, value]
    python = sandbox_python()
    if argv is None:
        argv = [python, "-c", LAUNCH, str(pids), python, "/agent/sandbox_agent.py"]
    return command + argv


def sandbox_python() -> str:
    """The Python the sandbox runs: this one's virtual environment (bound at the same path inside)."""
    return str(Path(sys.prefix).resolve() / "bin" / "python")


def sandbox_env(home: Path, course: Path, data: Path | None) -> dict[str, str]:
    """The environment of the agent: no variable of the TA's, only what the notebooks need."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "RNN_COURSE_ROOT": str(course),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "KERAS_HOME": str(home / ".keras"),
        "LANG": "C.UTF-8",
    }
    if data is not None:
        env["RNN_COURSE_DATA"] = str(data)
    return env


def check_bwrap() -> None:
    """Raise :class:`SandboxUnavailable`, saying why and what to do, unless a sandbox can run the agent's Python.

    Starts one sandbox with the real mounts (the data folder aside) and imports what the agent imports there; when
    that fails, a second sandbox lists which of the paths the agent needs it cannot see. Prints
    :func:`sandbox_limits.notice` (once) when the sandboxes' memory and CPU cannot be limited as a whole here.
    """
    if bwrap_path() is None:
        raise SandboxUnavailable(INSTALL_HINT)
    python = sandbox_python()
    probe = bwrap_command(None, 1024, argv=[python, "-c", PREFLIGHT])
    try:
        result = subprocess.run(
            probe, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as error:
        raise SandboxUnavailable(
            "a test sandbox did not start within 120 s; is the machine overloaded?"
        ) from error
    if result.returncode != 0:
        if "bwrap:" in result.stderr and (
            "namespace" in result.stderr or "ermission" in result.stderr
        ):
            raise SandboxUnavailable(
                f"bwrap is installed but cannot create a sandbox here: {result.stderr.strip()[:300]}. "
                "It needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or root."
            )
        missing = _missing_inside()
        if missing:
            raise SandboxUnavailable(
                f"the sandbox cannot see {', '.join(missing)} (the Python and packages the submissions run "
                "with), so every submission would fail: grading stopped before the first one. The sandbox "
                "replaces /tmp, /home, /dev and /proc with private folders and binds the Python installation, "
                "the virtual environment and the course into them; a path it cannot see usually lies behind a "
                "symlink or mount it does not follow. Put the course and its .venv in an ordinary folder (a "
                "venv cannot be moved, but `cp -al .venv DEST/.venv` makes a copy that costs no space) and run "
                "DEST/.venv/bin/python -m tools.grading.grade from there."
            )
        raise SandboxUnavailable(
            f"the sandbox's Python cannot import what the submissions need ({PREFLIGHT}): "
            f"{result.stderr.strip()[-400:]}. Run `make install` in the course folder, or grade with the "
            "course's .venv/bin/python."
        )
    sandbox_limits.sweep()
    line = sandbox_limits.notice()
    if line and not _noticed:
        _noticed.append(line)
        print(line, file=sys.stderr)


_noticed: list[str] = []


def _missing_inside() -> list[str]:
    """Paths the agent needs that a sandbox with the real mounts does not show."""
    needed = [
        sandbox_python(),
        str(Path(sys.prefix).resolve()),
        "/course/utils",
        "/agent/sandbox_agent.py",
    ]
    needed += [str(Path(sys.base_prefix).resolve())]
    script = 'for p in "$@"; do [ -e "$p" ] || printf "%s\\n" "$p"; done'
    argv = ["/bin/sh", "-c", script, "sh", *needed]
    try:
        result = subprocess.run(
            bwrap_command(None, 1024, argv=argv), capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return []
    return [line for line in result.stdout.splitlines() if line]


def _limits(memory_mb: int, limits=None):
    def apply() -> None:
        if limits is not None:
            limits.join()  # into the sandbox's cgroups before bwrap starts anything
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


class Sandbox:
    """One submission's sandbox: start it with its cells, read the names, call functions, kill it.

    Every read has the deadline given at start; after it, or once the sandbox is gone, calls raise
    :class:`SandboxGone`. Use as a context manager: leaving kills the sandbox and removes its log folder.
    """

    def __init__(
        self,
        cells: list[str],
        names: list[str],
        deadline: float,
        data_dir: Path | None = None,
        memory_mb: int = 6144,
        unsafe: bool = False,
        limits: sandbox_limits.Limits | None = None,
    ):
        self.deadline = deadline
        self.memory_mb = memory_mb
        self.limits = None
        self.folder = Path(tempfile.mkdtemp(prefix="sandbox-"))
        self.log_path = self.folder / "output.txt"
        mine, theirs = socket.socketpair()
        self.sock = mine
        env_fd = str(theirs.fileno())
        if unsafe:
            home = self.folder / "home"
            home.mkdir()
            env = {**sandbox_env(home, ROOT, data_dir), "GRADER_FD": env_fd}
            command = [sys.executable, str(HERE / "sandbox_agent.py")]
            cwd = home
        else:
            wanted = limits or sandbox_limits.Limits(memory_mb)
            self.limits = sandbox_limits.start(wanted)
            command = self.limits.prefix() + bwrap_command(data_dir, wanted.memory_mb, wanted.pids)
            at = command.index("--clearenv")
            command[at + 1 : at + 1] = ["--setenv", "GRADER_FD", env_fd]
            env, cwd = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, self.folder
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[theirs.fileno()],
                preexec_fn=_limits(memory_mb, self.limits),
                start_new_session=True,
            )
        theirs.close()
        self.timed_out = False
        try:
            self._send({"cells": cells, "names": names})
            hello = self._receive()
            if (
                type(hello) is not dict
                or type(hello.get("errors")) is not list
                or type(hello.get("names")) is not dict
            ):
                raise SandboxGone("the sandbox sent a malformed first answer")
        except BaseException:
            self.close()
            raise
        self.errors: list = hello["errors"]
        self.names: dict = hello["names"]

    def _send(self, message) -> None:
        if self.process.poll() is not None:
            raise SandboxGone(self.ended())
        try:
            self.sock.settimeout(max(0.001, self.deadline - time.monotonic()))
            wire.send(self.sock, message)
        except (OSError, wire.WireError) as error:
            raise SandboxGone(self.ended(error)) from error

    def _receive(self):
        try:
            return wire.recv(self.sock, self.deadline)
        except wire.Deadline as error:
            self.timed_out = True
            self.kill()
            raise SandboxGone("timeout") from error
        except wire.NotPlainData as error:
            raise Refused(str(error)) from error
        except wire.WireError as error:
            if self.oom_kills():
                self.kill()
                raise SandboxGone(self._oom_message()) from error
            if self.process.poll() is None and time.monotonic() < self.deadline:
                self.kill()
                raise SandboxGone(f"the submission sent a malformed message ({error})") from error
            raise SandboxGone(self.ended(error)) from error

    def ended(self, error: BaseException | None = None) -> str:
        """Why the sandbox can no longer answer: timeout, or the last line of its output."""
        if time.monotonic() >= self.deadline:
            self.timed_out = True
            self.kill()
            return "timeout"
        self.kill()
        if self.oom_kills():
            return self._oom_message()
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            lines = []
        last = lines[-1][:200] if lines else f"no output ({error})"
        return f"the submission's process ended (exit {self.process.returncode}): {last}"

    def call(self, name: str, args: tuple, kwargs: dict):
        """Call the student's function ``name`` in the sandbox; return its result, decoded as plain data."""
        try:
            self._send({"call": name, "args": list(args), "kwargs": dict(kwargs)})
        except wire.NotPlainData as error:
            raise Refused(f"an argument for {name} cannot enter the sandbox: {error}") from error
        answer = self._receive()
        if type(answer) is not dict:
            raise SandboxGone("the sandbox sent a malformed answer")
        if "value" in answer:
            return answer["value"]
        if "refused" in answer:
            raise Refused(str(answer["refused"]))
        kind = getattr(builtins, str(answer.get("raised")), None)
        message = str(answer.get("message", ""))
        if isinstance(kind, type) and issubclass(kind, Exception):
            try:
                raise kind(message)
            except TypeError:  # exceptions whose constructor needs other arguments
                pass
        raise StudentError(f"{answer.get('raised')}: {message}")

    def kill(self) -> None:
        """End the sandbox and everything in it (its PID namespace dies with bwrap)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass

    def _oom_message(self) -> str:
        mb = self.limits.limits.memory_mb if self.limits is not None else self.memory_mb
        return f"the submission used more than {mb} MB of memory (--memory) and was stopped"

    def oom_kills(self) -> int:
        """How many of the sandbox's processes were killed for exceeding its memory limit (0 without cgroup)."""
        return self.limits.oom_kills() if self.limits is not None else 0

    def peak_bytes(self) -> int | None:
        """The sandbox's peak memory (processes and tmpfs) in bytes, where its cgroup records it."""
        return self.limits.peak_bytes() if self.limits is not None else None

    def close(self) -> None:
        self.kill()
        if self.limits is not None:
            self.limits.close()
        self.sock.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
