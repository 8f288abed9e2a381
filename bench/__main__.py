"""``python -m bench``: start the real stack on loopback, measure it, write bench/results/.

1. webhook ack latency under an open-loop load while the worker, Rasa and the action server drain the
   backlog (bench/ack_busy.py), and that drain against the full turn rate;
2. end-to-end turn latency and throughput at several concurrencies, against Rasa's REST channel alone,
   Rasa's latency along one long conversation, and the same turns with an instant stub in place of Rasa;
3. RSS of web, worker, rasa and actions;
4. a wave of 2,000 repayment reminders through the worker at the send rate per sender (bench/wave.py);
5. planning the repayment reminders of 100,000 instalments (bench/plan.py).
See docs/BENCHMARKS.md for what each figure means and how it is taken.
Bounded: a fixed number of requests and turns, every wait has a timeout, everything stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import growth, phases, report, turns, wave
from bench.ack_busy import ack_busy_phase, add_ack_busy_arguments
from bench.plan import add_plan_arguments, plan_phase
from bench.procinfo import find_pid
from bench.stack import REDIS_BASE, memory_report, start_app, start_rasa, start_stub
from tests.e2e.processes import ROOT, Process


def int_list(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--only", choices=["all", "ack", "turns", "growth", "plan", "wave"], default="all")
    parser.add_argument("--ack-seconds", type=float, default=10.0, help="duration of each ack rate")
    parser.add_argument("--rates", type=int_list, default=[50, 200, 400], help="ack rates, requests/s")
    parser.add_argument(
        "--max-in-flight", type=int, default=256, help="ack: unanswered requests before new ones are dropped"
    )
    parser.add_argument("--phones", type=int, default=2000, help="distinct senders in the ack load")
    add_ack_busy_arguments(parser)
    add_plan_arguments(parser)  # repayment reminder planning (bench/plan.py)
    parser.add_argument("--concurrency", type=int_list, default=[1, 8, 32])
    parser.add_argument("--turns", type=int_list, default=[40, 20, 10], help="turns per conversation")
    parser.add_argument("--poll-ms", type=float, default=10.0, help="reply poll interval per conversation")
    parser.add_argument(
        "--max-poll-rate", type=float, default=300.0, help="cap on polls/s over all conversations"
    )
    parser.add_argument(
        "--poll-start",
        type=float,
        default=0.5,
        help="start polling for a reply after this fraction of the conversation's previous turn latency",
    )
    parser.add_argument(
        "--growth-turns", type=int, default=60, help="one long conversation straight to Rasa (0: skip)"
    )
    growth.add_options(parser)  # one 500-turn conversation through the stack (bench/growth.py)
    wave.add_wave_arguments(parser)  # reminders through the worker at the send rate (bench/wave.py)
    parser.add_argument("--no-stub", action="store_true", help="skip the pipeline run with a stub Rasa")
    parser.add_argument("--no-access-log", action="store_true", help="start uvicorn with --no-access-log")
    parser.add_argument(
        "--worker-priority",
        choices=["low", "normal"],
        default="low",
        help="normal: start the worker without scripts/low_priority.sh (at the web's priority) while "
        "rasa and actions stay low; low: as the Procfile",
    )
    parser.add_argument(
        "--web-workers", type=int, default=1, help="uvicorn worker processes for web (--workers)"
    )
    parser.add_argument(
        "--profile",
        type=lambda raw: frozenset(raw.split(",")),
        default=frozenset(),
        help="run web and/or worker under cProfile (comma list; diagnosis only: figures get slower)",
    )
    parser.add_argument("--name", default=None, help="results file name (default: latest[-<db>][-<only>])")
    args = parser.parse_args(argv)
    if len(args.turns) != len(args.concurrency):
        parser.error("--turns needs one value per --concurrency value")
    return args


def meta(args: argparse.Namespace) -> dict[str, Any]:
    def installed(name: str) -> bool:
        return importlib.util.find_spec(name) is not None

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    loops = "uvloop" if installed("uvloop") else "asyncio"
    http = "httptools" if installed("httptools") else "h11"
    return {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpus": os.cpu_count(),
        "python": f"Python {platform.python_version()}",
        "db": args.db,
        "commit": commit or "unknown",
        "uvicorn": f"--loop auto ({loops}), --http auto ({http}), {args.web_workers} process(es), access log "
        + ("off" if args.no_access_log else "on (as in Procfile/compose)"),
        "bench_client_loop": loops,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
        "args": {k: sorted(v) if isinstance(v, frozenset) else v for k, v in vars(args).items()},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so every process the bench started stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, Any] = {"meta": meta(args)}
    run_dir = ROOT / "var" / "bench" / results["meta"]["started_at"].replace(":", "")
    run_dir.mkdir(parents=True, exist_ok=True)
    prune_runs(run_dir.parent, keep=5)
    print(f"famibot bench: logs and databases in {run_dir}", flush=True)
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if importlib.util.find_spec("uvloop") is not None:
        import uvloop

        loop_factory = uvloop.new_event_loop
    started = time.monotonic()
    if args.only == "plan":  # no Rasa, no web: the planning job against a fresh database
        print(f"planning repayment reminders ({args.plan_instalments} instalments, {args.db})...", flush=True)
        results["plan"] = asyncio.run(plan_phase(args, run_dir))
        return finish(results, args, started, [])
    redis_port = f":{urlsplit(REDIS_BASE).port or 6379}"
    redis = {"redis-server": pid} if (pid := find_pid("redis-server", cmdline_contains=redis_port)) else {}
    if args.only == "wave":  # no Rasa: the reminders' rows are already written
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            print("reminder wave through the worker (bench/wave.py)...", flush=True)
            results["wave"] = runner.run(wave.wave_phase(args, run_dir, redis))
        return finish(results, args, started, [])
    print("starting actions + rasa (up to a minute)...", flush=True)
    rasa = start_rasa(run_dir, low_priority=not args.no_priorities)
    results["meta"]["rasa_ready_s"] = rasa.started_s
    print(f"  rasa ready after {rasa.started_s} s", flush=True)
    profiles: list[Path] = []
    options = {
        "uvicorn_args": (["--no-access-log"] if args.no_access_log else [])
        + (["--workers", str(args.web_workers)] if args.web_workers > 1 else []),
        "profile": args.profile,
        "low_priority": not args.no_priorities,
        "worker_low_priority": args.worker_priority == "low",
    }
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            if args.only in ("all", "ack"):
                print("webhook ack while the worker drains the backlog...", flush=True)
                pids = redis | {"rasa": pid_of(rasa.rasa), "actions": pid_of(rasa.actions)}
                coroutine = ack_busy_phase(rasa, args, run_dir, pids, options, profiles)
                results["ack"] = runner.run(coroutine)
            if args.only in ("all", "turns"):
                print("conversation turns (web + worker + rasa + actions)...", flush=True)
                app = start_app(args.db, "e2e", rasa, run_dir, with_worker=True, **options)
                try:
                    pids = app.pids() | {"rasa": pid_of(rasa.rasa), "actions": pid_of(rasa.actions)} | redis
                    coroutine = phases.turns_phase(app, args, pids, rasa_url=rasa.url, texts=turns.TEXTS)
                    results["turns"] = runner.run(coroutine)
                    if args.growth_turns:
                        growth = runner.run(phases.rasa_growth(rasa.url, args.growth_turns))
                        results["turns"]["rasa_growth"] = growth
                        print(f"  Rasa p50 by conversation length: {growth['p50_ms_by_block']}", flush=True)
                    results["memory"] = memory_report(
                        {"web": app.web, "worker": app.worker, "rasa": rasa.rasa, "actions": rasa.actions}
                    )
                finally:
                    profiles += app.stop()
            if args.only in ("all", "growth") and args.growth_long:
                print("one long conversation (bench/growth.py)...", flush=True)
                results["growth"] = {"window": growth.run_growth(runner, args.db, rasa, run_dir, args, "e2e")}
            if args.only in ("all", "turns") and not args.no_stub:
                print("pipeline alone (the same turns with an instant stub in place of Rasa)...", flush=True)
                stub = start_stub(run_dir)
                try:
                    app = start_app(
                        args.db, "stub", rasa, run_dir, with_worker=True, rasa_url=stub.url, **options
                    )
                    try:
                        pids = app.pids() | {"stub": pid_of(stub.process)} | redis
                        coroutine = phases.turns_phase(app, args, pids, rasa_url=None, texts=turns.TEXTS)
                        results["pipeline"] = runner.run(coroutine)
                    finally:
                        profiles += app.stop()
                finally:
                    stub.process.stop()
            if args.only == "all":
                print("reminder wave through the worker (bench/wave.py)...", flush=True)
                results["wave"] = runner.run(wave.wave_phase(args, run_dir, redis))
                print(f"planning repayment reminders ({args.plan_instalments} instalments)...", flush=True)
                results["plan"] = runner.run(plan_phase(args, run_dir))
    finally:
        rasa.stop()
    return finish(results, args, started, profiles)


def finish(results: dict[str, Any], args: argparse.Namespace, started: float, profiles: list[Path]) -> int:
    results["meta"]["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    results["meta"]["duration_s"] = round(time.monotonic() - started, 1)
    name = args.name or "-".join(
        [
            "profile" if args.profile else "latest",
            *([args.db] if args.db != "sqlite" else []),
            *([args.only] if args.only != "all" else []),
        ]
    )
    paths = report.write(results, name)
    print()
    print(report.markdown(results))
    print("written: " + ", ".join(str(p.relative_to(ROOT)) for p in paths))
    for path in profiles:
        print(f"profile: {path.relative_to(ROOT)}")
    return 0


def prune_runs(directory: Path, keep: int) -> None:
    """Remove the logs and databases of older bench runs (var/bench/<timestamp>/), keeping the newest."""
    runs = sorted(p for p in directory.iterdir() if p.is_dir() and p.name[:4].isdigit())
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def pid_of(process: Process) -> int:
    return int(process.popen.pid) if process.popen else 0


if __name__ == "__main__":
    sys.exit(main())
