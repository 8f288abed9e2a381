"""RSS and CPU time of a process and its descendants, read from /proc (psutil is not installed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: split after the last ")".
    return raw[raw.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def find_pid(command_name: str, *, cmdline_contains: str = "") -> int | None:
    """The first process whose /proc/<pid>/comm is ``command_name`` and whose command line contains
    ``cmdline_contains`` (e.g. Redis's port), to read its CPU time only."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != command_name:
                    continue
                if cmdline_contains in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    return int(entry.name)
            except OSError:
                continue
    return None


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory_mb(pid: int) -> dict[str, float | int]:
    """Current RSS (VmRSS) and the sum of peak RSS (VmHWM) over the process tree, in MB."""
    pids = [p for p in descendants(pid) if Path(f"/proc/{p}").exists()]
    rss = sum(_status_kb(p, "VmRSS") for p in pids)
    peak = sum(_status_kb(p, "VmHWM") for p in pids)
    return {"rss_mb": round(rss / 1024, 1), "peak_rss_mb": round(peak / 1024, 1), "processes": len(pids)}


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the tree (live processes, plus reaped children they waited for)."""
    total = 0
    for current in descendants(pid):
        fields = _stat_fields(current)
        if fields is not None:
            # utime, stime, cutime, cstime are fields 14-17 of stat, i.e. indexes 11-14 here.
            total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICKS


def system_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuMeter:
    """CPU seconds used by named processes, the bench itself and the whole machine over a phase."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._start = self._sample()

    def _sample(self) -> dict[str, float]:
        sample = {name: tree_cpu_s(pid) for name, pid in self.pids.items()}
        times = os.times()
        sample["bench"] = times.user + times.system
        sample["_busy"], sample["_total"] = system_cpu()
        return sample

    def stop(self, wall_s: float) -> dict[str, Any]:
        end = self._sample()
        used = {name: round(end[name] - self._start[name], 2) for name in end if not name.startswith("_")}
        busy = end["_busy"] - self._start["_busy"]
        ours = sum(used.values())
        cores = os.cpu_count() or 1
        return {
            "cpu_s": used,
            "machine_busy_pct": round(100 * busy / max(end["_total"] - self._start["_total"], 1e-9), 1),
            "others_cpu_s": round(max(busy - ours, 0.0), 2),  # other users of the machine meanwhile
            "wall_s": round(wall_s, 2),
            "cores": cores,
        }
