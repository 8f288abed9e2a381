"""scripts/low_priority.sh: what the Procfile puts in front of worker, rasa and actions so that the
web process gets the CPU first. Checked on real processes: the niceness they run at, and the CPU a
low-priority busy loop gets next to a normal one on the same core.

Why a script and not plain ``nice``: with autogroup scheduling (on by default on most Linux kernels,
and on this machine) the kernel shares the CPU between *sessions* first; honcho and the bench start
every process in its own session, where ``nice -n 10`` alone leaves the share at 1:1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "low_priority.sh"
AUTOGROUP = Path("/proc/self/autogroup")
BUSY_LOOP = [sys.executable, "-c", "while True: pass"]


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def start(command: list[str], *, own_session: bool = True, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, start_new_session=own_session, **kwargs)  # type: ignore[call-overload]


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.kill()
        process.wait(10)


def test_the_command_runs_niced_and_keeps_its_pid() -> None:
    process = start([str(SCRIPT), "sleep", "30"])
    try:
        time.sleep(0.3)
        assert Path(f"/proc/{process.pid}/comm").read_text().strip() == "sleep", "exec, not a child"
        assert niceness(process.pid) == 10
    finally:
        stop(process)


@pytest.mark.skipif(not AUTOGROUP.exists(), reason="kernel without autogroup scheduling")
def test_a_session_leader_renices_its_autogroup_and_nothing_else() -> None:
    mine_before = AUTOGROUP.read_text()
    leader = start([str(SCRIPT), "sleep", "30"])
    inside = start([str(SCRIPT), "sleep", "30"], own_session=False)  # in the test's own session
    try:
        time.sleep(0.3)
        assert Path(f"/proc/{leader.pid}/autogroup").read_text().split()[-1] == "10"
        assert AUTOGROUP.read_text() == mine_before, "a script inside our session must leave it alone"
        assert niceness(inside.pid) == 10
    finally:
        stop(leader, inside)


def test_the_level_is_checked() -> None:
    env = {**os.environ, "LOW_PRIORITY_NICE": "-5"}
    result = subprocess.run([str(SCRIPT), "true"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "LOW_PRIORITY_NICE" in result.stderr


def test_a_low_priority_busy_loop_yields_the_core_to_a_normal_one() -> None:
    """Each in its own session (as under honcho), both pinned to one core: ~9:1 at nice 10."""

    def pinned() -> None:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    normal = start(BUSY_LOOP, preexec_fn=pinned)
    low = start([str(SCRIPT), *BUSY_LOOP], preexec_fn=pinned)
    try:
        time.sleep(1.5)
        normal_ticks, low_ticks = cpu_ticks(normal.pid), cpu_ticks(low.pid)
    finally:
        stop(normal, low)
    assert normal_ticks > 3 * max(low_ticks, 1), (normal_ticks, low_ticks)
