"""A process tree read from ``/proc`` (Linux; psutil is not used): memory, threads, CPU time, and a sampler.

For the benchmarks: the server's resident memory with its training workers, its thread count, and where
the CPU went during a run (the server's processes against everything else below the benchmark).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def status_kb(pid: int, field_name: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``, ...); 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parents.items() if pp == p)
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process below it, in MB."""
    return sum(status_kb(p, "VmRSS") for p in descendants(pid)) / 1024


def thread_count(pid: int) -> int:
    """Threads of one process (entries of ``/proc/<pid>/task``)."""
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class Sampler(threading.Thread):
    """Samples the server's RSS and thread count every ``every`` seconds, and where the CPU goes:
    the server's processes against the browser's (every other process below this script)."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(name="bench-sampler", daemon=True)
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_threads = 0.0
        self.peak_children = 0      # processes below the server (training workers)
        self.cpu_start = {p: cpu_seconds(p) for p in descendants(os.getpid())}
        self.cpu_last: dict[int, float] = {}
        self.server_pids: set[int] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            self.peak_rss = max(self.peak_rss, rss_mb(self.pid))
            self.peak_threads = max(self.peak_threads, thread_count(self.pid))
            below = descendants(self.pid)
            self.server_pids.update(below)
            self.peak_children = max(self.peak_children, len(below) - 1)
            for p in descendants(os.getpid()):
                if p != os.getpid():
                    self.cpu_last[p] = cpu_seconds(p)

    def cpu_split(self) -> tuple[float, float]:
        """CPU seconds used during the sampling by (the server, the browser and its driver)."""
        used = {p: t - self.cpu_start.get(p, 0.0) for p, t in self.cpu_last.items()}
        server = sum(t for p, t in used.items() if p in self.server_pids)
        return round(server, 1), round(sum(used.values()) - server, 1)

    def halt(self) -> None:
        self._halt.set()
        self.join(5)
