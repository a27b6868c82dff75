"""Memory figures every benchmark reports: the worker's peak RSS (VmHWM) and the whole process tree's PSS.

RSS counts shared pages (the interpreter, libraries, copy-on-write pages inherited from gunicorn's master) once per
process, so a tree's RSS overstates what it costs; PSS (from /proc/PID/smaps_rollup) splits each shared page among
the processes that map it, so the sum over the tree is what the tree really holds. The kernel keeps VmHWM, a true
peak; there is no peak for PSS, so the tree is sampled (every `interval` seconds) while the benchmark runs.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def status_kb(pid: int, field: str) -> int:
    """A /proc/PID/status field in kB (VmHWM = peak RSS, VmRSS = now); 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


class MemoryProbe:
    """Samples a process tree's PSS in a daemon thread; `worker` is the process whose VmHWM is reported (the
    gunicorn worker, or the root itself when the bot runs in-process)."""

    def __init__(self, root: int, *, worker: int | None = None, interval: float = 0.5) -> None:
        self.root = root
        self.worker = worker
        self.interval = interval
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, name="memory-probe", daemon=True)
        self._thread.start()

    @classmethod
    def self_process(cls, interval: float = 0.5) -> MemoryProbe:
        return cls(os.getpid(), worker=os.getpid(), interval=interval)

    def _sample_loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> int:
        pids = tree(self.root)
        total = sum(pss_kb(p) for p in pids)
        self.peak_pss_kb = max(self.peak_pss_kb, total)
        self.peak_processes = max(self.peak_processes, len(pids))
        return total

    def worker_pid(self) -> int:
        if self.worker is not None:
            return self.worker
        children = [p for p in tree(self.root) if p != self.root]
        return children[0] if children else self.root

    def figures(self) -> dict[str, float]:
        """In MB: worker peak RSS (VmHWM), tree PSS now and peak (sampled), root (master) PSS now."""
        now = self.sample()
        return {
            "worker_peak_rss_mb": status_kb(self.worker_pid(), "VmHWM") / 1024,
            "tree_pss_mb": now / 1024,
            "tree_peak_pss_mb": self.peak_pss_kb / 1024,
            "root_pss_mb": pss_kb(self.root) / 1024,
            "processes": float(self.peak_processes),
        }

    def stop(self) -> dict[str, float]:
        figures = self.figures()
        self._stop.set()
        return figures

    def report(self) -> str:
        f = self.stop()
        return (
            f"memory: worker peak RSS (VmHWM) {f['worker_peak_rss_mb']:.0f} MB | process tree PSS "
            f"{f['tree_pss_mb']:.0f} MB now, {f['tree_peak_pss_mb']:.0f} MB peak (sampled every {self.interval} s, "
            f"{f['processes']:.0f} process(es))"
        )
