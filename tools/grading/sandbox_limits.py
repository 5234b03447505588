"""Resource limits of one sandbox as a whole: memory (children and tmpfs included), CPU, number of tasks.

Which mechanism holds depends on the machine; :func:`mechanism` picks the first that works here:

- ``cgroup v1`` (the grader runs as root and the v1 ``memory`` controller is mounted and writable): one cgroup
  per sandbox in the ``memory``, ``pids`` and ``cpu`` hierarchies, below the grader's own. The ``bwrap`` process
  joins them before it execs, so every process of the sandbox is in them. Limits: ``memory.limit_in_bytes`` (and
  ``memory.memsw.limit_in_bytes``) = ``--memory``, counting every process and the sandbox's tmpfs pages (``/tmp``,
  ``/dev/shm``: tmpfs pages are charged to the cgroup that writes them); ``pids.max``; ``cpu.cfs_quota_us`` of
  :attr:`Limits.cpus` cores. Removed when the sandbox closes.
- ``systemd scope`` (cgroup v2 under systemd: ``systemd-run --scope`` as root, ``systemd-run --user --scope`` as
  an ordinary user, when the probe succeeds): ``MemoryMax``, ``MemorySwapMax=0``, ``TasksMax``, ``CPUQuota``.
- ``rlimits`` (neither): each process's address space (``RLIMIT_AS`` = ``--memory``), and the number of tasks
  in the sandbox (``RLIMIT_NPROC``, set inside its user namespace, where it counts only the sandbox's tasks; the
  kernel does not apply it to root). No total over the sandbox's processes, no CPU share: :func:`notice` says so
  once per batch.

In every case ``/dev/shm`` and ``/tmp`` are size-limited tmpfs (``tools.grading.sandbox``) and a file is at most
``RLIMIT_FSIZE``.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

#: tasks (processes and threads) per sandbox: TensorFlow starts about 2 threads per core
PIDS_MAX = max(512, 4 * (os.cpu_count() or 1))
CPU_PERIOD_US = 100_000


def default_cpus() -> float:
    """CPU cores one sandbox may use at most: half the machine's, at least one."""
    return float(max(1, (os.cpu_count() or 1) // 2))


@dataclass(frozen=True)
class Limits:
    """What one sandbox may use: ``memory_mb`` in all, ``pids`` tasks, ``cpus`` cores."""

    memory_mb: int
    pids: int = PIDS_MAX
    cpus: float = field(default_factory=default_cpus)

    def __post_init__(self) -> None:
        if self.memory_mb < 64:
            raise ValueError(f"memory_mb must be at least 64 MB, got {self.memory_mb}")
        if self.pids < 8:
            raise ValueError(f"pids must be at least 8, got {self.pids}")
        if self.cpus <= 0:
            raise ValueError(f"cpus must be positive, got {self.cpus}")


def _v1_mounts() -> dict[str, tuple[Path, str]]:
    """For each cgroup v1 controller (``memory``, ``pids``, ``cpu``...): its mount point and the mount's root."""
    found: dict[str, tuple[Path, str]] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, after = left.split(), right.split()
        if len(fields) < 5 or len(after) < 3 or after[0] != "cgroup":
            continue
        point = Path(fields[4].replace("\\040", " "))
        for option in after[2].split(","):
            found.setdefault(option, (point, fields[3]))
    return found


def _own_v1_dir(controller: str) -> Path | None:
    """The folder of this process's cgroup in the v1 hierarchy of ``controller``, or None."""
    mount = _v1_mounts().get(controller)
    if mount is None:
        return None
    point, root = mount
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            if root != "/" and path.startswith(root):
                path = path[len(root) :]
            folder = point / path.lstrip("/")
            return folder if folder.is_dir() else None
    return None


class CgroupV1:
    """One sandbox's cgroups in the v1 ``memory``, ``pids`` and ``cpu`` hierarchies (root only)."""

    name = "cgroup v1"

    def __init__(self, limits: Limits):
        self.limits = limits
        self.dirs: dict[str, Path] = {}
        label = f"rnn-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            for controller in ("memory", "pids", "cpu"):
                parent = _own_v1_dir(controller)
                if parent is None:
                    if controller == "memory":
                        raise OSError("no cgroup v1 memory controller")
                    continue
                folder = parent / label
                folder.mkdir()
                self.dirs[controller] = folder
            memory = str(limits.memory_mb * 1024 * 1024)
            self._write("memory", "memory.limit_in_bytes", memory)
            # no swap either
            self._write("memory", "memory.memsw.limit_in_bytes", memory, optional=True)
            self._write("pids", "pids.max", str(limits.pids))
            self._write("cpu", "cpu.cfs_period_us", str(CPU_PERIOD_US))
            self._write("cpu", "cpu.cfs_quota_us", str(int(limits.cpus * CPU_PERIOD_US)))
        except OSError:
            self.close()
            raise
        self._procs = [str(folder / "cgroup.procs") for folder in self.dirs.values()]

    def _write(self, controller: str, name: str, value: str, optional: bool = False) -> None:
        folder = self.dirs.get(controller)
        if folder is None:
            return
        try:
            (folder / name).write_text(value)
        except OSError:
            if not optional:
                raise

    def prefix(self) -> list[str]:
        """Nothing to prepend to the command: the process joins in :meth:`join`."""
        return []

    def join(self) -> None:
        """In the child, before exec: move this process into the cgroups (os calls only: no locks)."""
        pid = str(os.getpid()).encode()
        for path in self._procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def oom_kills(self) -> int:
        """How many of the sandbox's processes the kernel killed for exceeding the memory limit."""
        try:
            text = (self.dirs["memory"] / "memory.oom_control").read_text()
        except (KeyError, OSError):
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def peak_bytes(self) -> int | None:
        """The most memory the sandbox used at once (processes, tmpfs and page cache), in bytes."""
        try:
            return int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text())
        except (KeyError, OSError, ValueError):
            return None

    def close(self) -> None:
        """Kill what is left in the cgroups and remove them."""
        for folder in self.dirs.values():
            deadline = time.monotonic() + 10
            while True:
                try:
                    pids = (folder / "cgroup.procs").read_text().split()
                except OSError:
                    pids = []
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break  # left behind: an empty cgroup costs nothing and is named rnn-sandbox-*
                    time.sleep(0.05)
        self.dirs = {}


class Rlimits:
    """No cgroup: per-process address space and, inside the sandbox, a cap on its tasks (tools.grading.sandbox). It has
    nothing to join, count or remove; :class:`SystemdScope` shares that."""

    name = "rlimits"

    def __init__(self, limits: Limits):
        self.limits = limits

    def prefix(self) -> list[str]:
        return []

    def join(self) -> None:
        pass

    def oom_kills(self) -> int:
        return 0

    def peak_bytes(self) -> int | None:
        return None

    def close(self) -> None:
        pass


class SystemdScope(Rlimits):
    """A transient systemd scope (cgroup v2 under systemd) around ``bwrap``: ``systemd-run [--user] --scope``.

    systemd puts the command in the scope and removes it (``--collect``) when its last process ends, so joining and
    closing are nothing to do here.
    """

    name = "systemd scope"

    def prefix(self) -> list[str]:
        """``systemd-run`` arguments that put the command in a scope with the limits."""
        return _systemd_prefix(self.limits)


def _systemd_prefix(limits: Limits) -> list[str]:
    user = [] if os.geteuid() == 0 else ["--user"]
    return [
        shutil.which("systemd-run") or "systemd-run",
        *user,
        "--scope",
        "--quiet",
        "--collect",
        "-p",
        f"MemoryMax={limits.memory_mb}M",
        "-p",
        "MemorySwapMax=0",
        "-p",
        f"TasksMax={limits.pids}",
        "-p",
        f"CPUQuota={int(limits.cpus * 100)}%",
        "--",
    ]


@functools.cache
def mechanism() -> type:
    """The class that limits sandboxes on this machine: :class:`CgroupV1`, :class:`SystemdScope` or :class:`Rlimits`."""
    if os.geteuid() == 0:
        try:
            CgroupV1(Limits(256, 64, 1.0)).close()
            return CgroupV1
        except OSError:
            pass
    if shutil.which("systemd-run"):
        try:
            probe = subprocess.run(
                [*_systemd_prefix(Limits(256, 64, 1.0)), "/bin/true"],
                capture_output=True,
                timeout=30,
                stdin=subprocess.DEVNULL,
            )
            if probe.returncode == 0:
                return SystemdScope
        except (OSError, subprocess.TimeoutExpired):
            pass
    return Rlimits


def start(limits: Limits) -> CgroupV1 | SystemdScope | Rlimits:
    """The limits of one new sandbox, by this machine's :func:`mechanism` (falls back to rlimits on failure)."""
    kind = mechanism()
    try:
        return kind(limits)
    except OSError:
        return Rlimits(limits)


def sweep(older_than: float = 60.0) -> int:
    """Remove sandbox cgroups left behind by a grader that was killed (empty, created over a minute ago).

    A cgroup that still has a process cannot be removed (``rmdir`` refuses), and a new sandbox joins its cgroup
    within milliseconds of creating it, so a live sandbox is never touched. Returns how many were removed.
    """
    if mechanism() is not CgroupV1:
        return 0
    removed = 0
    for controller in ("memory", "pids", "cpu"):
        parent = _own_v1_dir(controller)
        for folder in parent.glob("rnn-sandbox-*") if parent else []:
            try:
                if time.time() - folder.stat().st_mtime > older_than:
                    folder.rmdir()
                    removed += 1
            except OSError:
                pass
    return removed


def notice() -> str | None:
    """One line for the TA when the sandbox's memory and CPU are not limited as a whole here; else None."""
    if mechanism() is not Rlimits:
        return None
    tasks = (
        "are not capped (root is exempt from RLIMIT_NPROC)" if os.geteuid() == 0 else "are capped"
    )
    return (
        "note: no cgroup for the sandboxes here (grading as root uses cgroup v1; a user needs a systemd user "
        "session for `systemd-run --user --scope`): --memory limits each process's address space, not a "
        f"submission's processes together; a submission's tasks {tasks}; its CPU share is not limited. "
        "Grade with --jobs 1 if a submission may start many processes"
    )
