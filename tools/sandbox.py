"""Run one submission in a bubblewrap sandbox and talk to it with plain data only (used by ``tools.grade``).

:class:`Sandbox` starts ``python sandbox_agent.py`` under ``bwrap`` with

- a read-only view of the system (``/usr``, ``/etc``), of the Python installation and virtual environment, of the
  course's ``utils/`` and ``tools/experiments.py`` (as ``/course/utils``, ``/course/tools``), of the agent's two files and, if given, of the data folder (as
  ``/data``); nothing else of the course: not the masters, the autograder archives, the hidden tests, other
  submissions, the CSV or the TA's home;
- a private, size-limited ``/tmp`` and working folder (tmpfs: gone with the sandbox);
- no network, its own PID, IPC, UTS and user namespaces (uid ``nobody``), no capabilities, a new session;
- an address-space limit (``RLIMIT_AS``) and a file-size limit.

Killing the ``bwrap`` process (:meth:`Sandbox.kill`) ends the PID namespace and so every process in it, daemons
included; ``--die-with-parent`` does the same if the grader dies. The sandbox's output goes to files, and the
grader talks to it over a socket pair with a deadline on every read, so nothing it does can make the grader wait
past its deadline. Only :mod:`tools.sandbox_wire` messages cross: JSON and ``.npz`` without pickle.

``unsafe=True`` runs the same agent as a plain subprocess (own session, same protocol): for machines without
bwrap, when the TA explicitly accepts that the submission runs as them (``tools.grade --unsafe-no-sandbox``).
"""

from __future__ import annotations

import builtins
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import sandbox_wire as wire

ROOT = Path(__file__).resolve().parents[1]
AGENT_FILES = ("sandbox_agent.py", "sandbox_wire.py")
INSTALL_HINT = (
    "bubblewrap (bwrap) is not installed, and tools.grade runs student code only inside it. Install it: "
    "`sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora), "
    "`sudo pacman -S bubblewrap` (Arch). To grade without any isolation (the submissions run as you and can "
    "change your files and the grades), pass --unsafe-no-sandbox."
)
TMPFS_BYTES = 512 * 1024 * 1024
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
    return sorted(p for p in paths if not str(p).startswith(("/usr/", "/etc/")) and p != Path("/usr"))


def bwrap_command(data_dir: Path | None, memory_mb: int) -> list[str]:
    """The ``bwrap`` arguments for one sandbox (the agent is its command)."""
    command = [bwrap_path() or "bwrap", "--unshare-all", "--unshare-user", "--disable-userns"]
    command += ["--uid", "65534", "--gid", "65534", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    command += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "lib", "lib64", "sbin", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    # private folders first: bwrap applies its mounts in order and a later one covers an earlier one, so a
    # Python installation, virtual environment or course under /tmp or /home must be bound after these
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += ["--size", str(TMPFS_BYTES), "--tmpfs", "/tmp", "--size", str(TMPFS_BYTES), "--tmpfs", "/home"]
    for path in _python_mounts():
        command += ["--ro-bind", str(path), str(path)]
    command += ["--ro-bind", str(ROOT / "utils"), "/course/utils"]
    for name in ("__init__.py", "experiments.py"):  # notebook 05 imports tools.experiments; nothing else of tools/
        command += ["--ro-bind", str(ROOT / "tools" / name), f"/course/tools/{name}"]
    for name in AGENT_FILES:
        command += ["--ro-bind", str(ROOT / "tools" / name), f"/agent/{name}"]
    if data_dir is not None:
        command += ["--ro-bind", str(Path(data_dir).resolve()), "/data"]
    env = sandbox_env(Path("/home/student"), Path("/course"), Path("/data") if data_dir else None)
    command += ["--clearenv", "--chdir", "/tmp"]
    for key, value in env.items():
        command += ["--setenv", key, value]
    command += [str(Path(sys.prefix).resolve() / "bin" / "python"), "/agent/sandbox_agent.py"]
    return command


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
    """Raise :class:`SandboxUnavailable` (with install instructions) unless bwrap can start a sandbox here."""
    if bwrap_path() is None:
        raise SandboxUnavailable(INSTALL_HINT)
    probe = [a for a in bwrap_command(None, 1024)[:-2]] + ["/usr/bin/true"]
    result = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bwrap is installed but cannot create a sandbox here: {result.stderr.strip()[:300]}. "
            "It needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or root."
        )


def _limits(memory_mb: int):
    def apply() -> None:
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
    ):
        self.deadline = deadline
        self.folder = Path(tempfile.mkdtemp(prefix="sandbox-"))
        self.log_path = self.folder / "output.txt"
        mine, theirs = socket.socketpair()
        self.sock = mine
        env_fd = str(theirs.fileno())
        if unsafe:
            home = self.folder / "home"
            home.mkdir()
            env = {**sandbox_env(home, ROOT, data_dir), "GRADER_FD": env_fd}
            command = [sys.executable, str(ROOT / "tools" / "sandbox_agent.py")]
            cwd = home
        else:
            command = bwrap_command(data_dir, memory_mb)
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
                preexec_fn=_limits(memory_mb),
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

    def close(self) -> None:
        self.kill()
        self.sock.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
