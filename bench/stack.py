"""Start the real stack the way tests/e2e/conftest.py does: actions, Rasa, web (uvicorn) and worker.

Only loopback: every child gets the tests' network guard through ``child_env``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis as redis_sync

from bench.procinfo import tree_memory_mb
from bot.db.migrate import upgrade_to_head
from bot.settings import Settings
from tests.e2e.processes import ROOT, Process, child_env, free_port

APP_PYTHON = sys.executable
MODEL = ROOT / "models" / "famibot.tar.gz"
RASA_TOKEN = "bench-rasa-token"
AUTH_TOKEN = "bench-auth-token"
ACCOUNT_SID = "AC" + "b" * 32
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "whatsapp:+14155238886"
REDIS_BASE = "redis://127.0.0.1:6379"
REDIS_DB = {"app": 9, "rasa": 10}
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


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


def create_database(backend: str, directory: Path, label: str) -> tuple[str, str | None]:
    """A new, migrated database; returns (url, PostgreSQL database name to drop or None)."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'{label}.db'}"
        upgrade_to_head(Settings(database_url=url))
        return url, None
    import psycopg

    name = f"famibot_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade_to_head(Settings(database_url=url))
    return url, name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Rasa:
    url: str
    actions_url: str
    rasa: Process
    actions: Process
    started_s: float

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()


def start_rasa(logs: Path) -> Rasa:
    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL}: run scripts/train.sh first")
    flush_redis(REDIS_DB["rasa"])
    actions_port, rasa_port = free_port(), free_port()
    started = time.monotonic()
    actions = Process(
        "actions",
        [APP_PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        child_env({"LOG_LEVEL": "WARNING"}),
        logs,
    ).start()
    rasa = Process(
        "rasa",
        ["bash", str(ROOT / "scripts" / "run_rasa.sh")],
        child_env(
            {
                "RASA_PORT": str(rasa_port),
                "RASA_TOKEN": RASA_TOKEN,
                "RASA_MODEL": str(MODEL),
                "REDIS_URL": f"{REDIS_BASE}/{REDIS_DB['rasa']}",
                "ACTIONS_URL": f"http://127.0.0.1:{actions_port}",
            }
        ),
        logs,
    ).start()
    server = Rasa(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", rasa, actions, 0.0)
    try:
        actions.wait_http(f"{server.actions_url}/health", 90)
        rasa.wait_http(f"{server.url}/status", 300, params={"token": RASA_TOKEN})
    except BaseException:
        server.stop()
        raise
    server.started_s = round(time.monotonic() - started, 1)
    return server


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
    extra: dict[str, object] = field(default_factory=dict)

    def start_worker(self, profile: bool = False) -> None:
        command = [*python(self.logs / "worker.prof" if profile else None), "-m", "bot.worker"]
        self.worker = Process("worker", command, self.env, self.logs).start()

    def pids(self) -> dict[str, int]:
        found = {"web": self.web.popen.pid if self.web.popen else 0}
        if self.worker and self.worker.popen:
            found["worker"] = self.worker.popen.pid
        return {name: pid for name, pid in found.items() if pid}

    def stop(self) -> list[Path]:
        """Stop both processes; return the text summaries of any profiles they wrote."""
        for process in (self.worker, self.web):
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
    rasa: Rasa,
    run_dir: Path,
    *,
    with_worker: bool,
    uvicorn_args: list[str],
    profile: frozenset[str] = frozenset(),
    rasa_url: str | None = None,
) -> App:
    logs = run_dir / label
    (logs / "metrics").mkdir(parents=True, exist_ok=True)
    database_url, database_name = create_database(backend, logs, label)
    flush_redis(REDIS_DB["app"])
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    queue_name = f"famibot-bench:{label}"
    env = child_env(
        {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "REDIS_URL": f"{REDIS_BASE}/{REDIS_DB['app']}",
            "RASA_URL": rasa_url or rasa.url,
            "RASA_TOKEN": RASA_TOKEN,
            "ACTIONS_URL": rasa.actions_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"{web_url}/fake-twilio",
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "PUBLIC_BASE_URL": web_url,
            "MEDIA_DIR": str(logs / "media"),
            "QUEUE_NAME": queue_name,
            "PROMETHEUS_MULTIPROC_DIR": str(logs / "metrics"),
            "LOG_LEVEL": "WARNING",
        }
    )
    web = Process(
        "web",
        [
            *python(logs / "web.prof" if "web" in profile else None),
            *("-m", "uvicorn", "webhooks.app:create_app", "--factory", "--port", str(web_port)),
            *uvicorn_args,
        ],
        env,
        logs,
    ).start()
    app = App(backend, web_url, database_url, database_name, queue_name, env, logs, web)
    try:
        web.wait_http(f"{web_url}/readyz", 120)
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
