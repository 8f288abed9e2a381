"""Start the real stack the way tests/e2e/conftest.py does: actions, Rasa, web (uvicorn) and worker.

Only loopback: every child gets the tests' network guard through ``child_env``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import redis as redis_sync

from bench.procinfo import descendants, tree_memory_mb
from tests.databases import create_database, drop_database
from tests.e2e.processes import (
    ROOT,
    SMS_FROM,
    WHATSAPP_FROM,
    Process,
    RasaServer,
    child_env,
    free_port,
    start_rasa_server,
)

APP_PYTHON = sys.executable
MODEL = ROOT / "models" / "famibot.tar.gz"
RASA_TOKEN = "bench-rasa-token"
AUTH_TOKEN = "bench-auth-token"
ACCOUNT_SID = "AC" + "b" * 32
# The bench flushes and uses databases 9 and 10 of this Redis (FAMIBOT_BENCH_REDIS_URL to use another).
REDIS_BASE = os.environ.get("FAMIBOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
REDIS_DB = {"app": 9, "rasa": 10}
# As in the Procfile: worker, Rasa and the action server yield the CPU to the web process.
LOW_PRIORITY = [str(ROOT / "scripts" / "low_priority.sh")]
LOW_PRIORITY_NICE = 10  # the script's default


def flush_redis(db: int) -> None:
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{db}")
    try:
        client.flushdb()
    finally:
        client.close()


def queue_depth(queue_name: str) -> int:
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['app']}")
    try:
        depth: int = client.zcard(queue_name)  # type: ignore[assignment]  # sync client
        return depth
    finally:
        client.close()


def start_rasa(logs: Path, *, low_priority: bool = True, env: dict[str, str] | None = None) -> RasaServer:
    """Rasa and the action server. With ``low_priority`` they are lowered once ready, to what
    scripts/low_priority.sh gives them under the Procfile (started niced, Rasa's minute of start-up
    would take several on a busy machine)."""
    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL}: run scripts/train.sh first")
    flush_redis(REDIS_DB["rasa"])
    server = start_rasa_server(
        logs, model=MODEL, token=RASA_TOKEN, redis_url=f"{REDIS_BASE}/{REDIS_DB['rasa']}", env=env
    )
    if low_priority:
        for process in (server.rasa, server.actions):
            if process.popen:
                lower_priority(process.popen.pid)
    return server


def lower_priority(pid: int, level: int = LOW_PRIORITY_NICE) -> None:
    """What scripts/low_priority.sh does, to a running process tree that leads its own session:
    every thread at nice ``level``, and the session's autogroup too."""
    for member in descendants(pid):
        with contextlib.suppress(OSError):
            Path(f"/proc/{member}/autogroup").write_text(str(level))
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{member}/task").iterdir():
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, int(task.name), level)


@dataclass
class App:
    """web (one uvicorn process, with the fake Twilio API) and, optionally, the arq worker."""

    backend: str
    web_url: str
    database_url: str
    database_name: str | None
    queue_name: str
    env: dict[str, str]
    logs: Path
    web: Process
    worker: Process | None = None
    twilio: Process | None = None  # the fake Twilio API in a process of its own (``twilio_apart``)
    twilio_url: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    low_priority: bool = True
    # False (``--worker-priority normal``): the worker alone runs at the web's priority, Rasa and the
    # action server stay low. An experiment: a worker that is never preempted by Rasa while it holds
    # SQLite's write lock (the Procfile and compose keep it low).
    worker_low_priority: bool = True

    def start_worker(self, profile: bool = False) -> None:
        wrapper = LOW_PRIORITY if self.low_priority and self.worker_low_priority else []
        command = [*wrapper, *python(self.logs / "worker.prof" if profile else None), "-m", "bot.worker"]
        self.worker = Process("worker", command, self.env, self.logs).start()

    def pids(self) -> dict[str, int]:
        found = {"web": self.web.popen.pid if self.web.popen else 0}
        if self.worker and self.worker.popen:
            found["worker"] = self.worker.popen.pid
        if self.twilio and self.twilio.popen:
            found["fake_twilio"] = self.twilio.popen.pid
        return {name: pid for name, pid in found.items() if pid}

    def stop(self) -> list[Path]:
        """Stop both processes; return the text summaries of any profiles they wrote."""
        for process in (self.worker, self.web, self.twilio):
            if process is None:
                continue
            if "cProfile" in process.command and process.popen and process.popen.poll() is None:
                # uvicorn re-raises SIGTERM after its shutdown (no profile dump); SIGINT unwinds cleanly.
                os.killpg(process.popen.pid, signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.popen.wait(30)
            process.stop()
        if self.database_name:
            drop_database(self.database_name)
        summaries = [profile_summary(self.logs / f"{name}.prof") for name in ("web", "worker")]
        return [path for path in summaries if path is not None]


def python(profile_to: Path | None) -> list[str]:
    """The app's Python, under cProfile (written at a clean exit) when asked: for diagnosis only."""
    return [APP_PYTHON, "-m", "cProfile", "-o", str(profile_to)] if profile_to else [APP_PYTHON]


def profile_summary(path: Path, lines: int = 35) -> Path | None:
    """The functions with the most own time in a cProfile dump, as text next to it."""
    import io
    import pstats

    if not path.exists():
        return None
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    text_path = path.with_suffix(".txt")
    text_path.write_text(out.getvalue())
    return text_path


def start_app(
    backend: str,
    label: str,
    rasa: RasaServer,
    run_dir: Path,
    *,
    with_worker: bool,
    uvicorn_args: list[str],
    profile: frozenset[str] = frozenset(),
    rasa_url: str | None = None,
    low_priority: bool = True,
    worker_low_priority: bool = True,
    extra_env: dict[str, str] | None = None,
    twilio_apart: bool = False,
) -> App:
    """With ``twilio_apart`` the fake Twilio API runs in its own process (at the worker's priority) and
    web runs without dev tools, as in production where Twilio is on other machines: web then serves
    only what Twilio sends it (inbound messages and status callbacks)."""
    logs = run_dir / label
    (logs / "metrics").mkdir(parents=True, exist_ok=True)
    database_url, database_name = create_database(backend, logs, label=label, prefix=f"famibot_bench_{label}")
    flush_redis(REDIS_DB["app"])
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    twilio_port = free_port() if twilio_apart else web_port
    twilio_url = f"http://127.0.0.1:{twilio_port}"
    queue_name = f"famibot-bench:{label}"
    env = child_env(
        {
            "APP_ENV": "test",
            "DEV_TOOLS": "true",  # the fake Twilio API the worker sends to
            "DATABASE_URL": database_url,
            "REDIS_URL": f"{REDIS_BASE}/{REDIS_DB['app']}",
            "RASA_URL": rasa_url or rasa.url,
            "RASA_TOKEN": RASA_TOKEN,
            "ACTIONS_URL": rasa.actions_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"{twilio_url}/fake-twilio",
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "PUBLIC_BASE_URL": web_url,
            "MEDIA_DIR": str(logs / "media"),
            "QUEUE_NAME": queue_name,
            "PROMETHEUS_MULTIPROC_DIR": str(logs / "metrics"),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
    )
    web = Process(
        "web",
        [
            *python(logs / "web.prof" if "web" in profile else None),
            *("-m", "uvicorn", "webhooks.app:create_app", "--factory", "--port", str(web_port)),
            *uvicorn_args,
        ],
        {**env, "DEV_TOOLS": "false"} if twilio_apart else env,
        logs,
    ).start()
    app = App(
        backend, web_url, database_url, database_name, queue_name, env, logs, web, low_priority=low_priority
    )
    app.twilio_url = twilio_url
    app.worker_low_priority = worker_low_priority
    if twilio_apart:
        command = [
            APP_PYTHON,
            "-m",
            "uvicorn",
            "webhooks.app:create_app",
            "--factory",
            "--port",
            str(twilio_port),
        ]
        wrapper = LOW_PRIORITY if low_priority else []
        app.twilio = Process("fake-twilio", [*wrapper, *command], env, logs).start()
    try:
        web.wait_http(f"{web_url}/readyz", 120)
        if app.twilio:
            app.twilio.wait_http(f"{twilio_url}/readyz", 120)
        if with_worker:
            app.start_worker(profile="worker" in profile)
    except BaseException:
        app.stop()
        raise
    return app


@dataclass
class Stub:
    url: str
    process: Process


def start_stub(logs: Path) -> Stub:
    """bench.stub_rasa: answers the REST channel at once (to measure the pipeline without Rasa)."""
    port = free_port()
    process = Process(
        "stub-rasa", [APP_PYTHON, "-m", "bench.stub_rasa", str(port)], child_env({}), logs
    ).start()
    stub = Stub(f"http://127.0.0.1:{port}", process)
    try:
        process.wait_http(f"{stub.url}/status", 30)
    except BaseException:
        process.stop()
        raise
    return stub


def memory_report(processes: dict[str, Process | None]) -> dict[str, object]:
    per = {
        name: tree_memory_mb(process.popen.pid)
        for name, process in processes.items()
        if process is not None and process.popen is not None and process.popen.poll() is None
    }
    return {
        "per_process": per,
        "total_rss_mb": round(sum(float(item["rss_mb"]) for item in per.values()), 1),
        "total_peak_rss_mb": round(sum(float(item["peak_rss_mb"]) for item in per.values()), 1),
    }
