"""Webhook ack while the worker drains the backlog, as in production (web + worker + Rasa + actions).

1. The full turn rate: a fresh app, worker stopped; ``--drain-preload`` messages are accepted, then
   the worker starts and drains them with no ack load at all (turns/s between the first and last
   turn finished, from the app's own timestamps, over at most 40 s).
2. For each rate: a fresh app (new database, flushed Redis) with its worker running; the open-loop ack
   load runs for ``--ack-seconds`` while the worker drains what it accepts; then the bench waits for
   the backlog to empty (at most ``--drain-timeout`` s, 15 s for overload rates above the target;
   past that the time to empty is estimated from the drain rate after the load).
   It reports the ack latency, and the drain: turns/s while the load ran and after it, and the time
   from the end of the load until nothing waited, against the full turn rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from bench import ack
from bench.backlog import BacklogReader, rate, steady_rate
from bench.procinfo import CpuMeter
from bench.rawhttp import RawPool
from bench.stack import App, start_app
from tests.e2e.processes import RasaServer

OVERLOAD_DRAIN_S = 15.0  # rates above the target: watch the drain this long, then estimate
FULL_RATE_WINDOW_S = 40.0  # the full turn rate is measured over at most this long
TARGET_RATE = 200


def add_ack_busy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drain-preload", type=int, default=300, help="messages drained to measure the full turn rate"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=90.0,
        help="longest wait for the backlog after a rate, s (then the time to empty is estimated)",
    )
    parser.add_argument(
        "--no-priorities",
        action="store_true",
        help="start worker, rasa and actions at the web's priority (the 'before' of issue 8)",
    )
    parser.add_argument(
        "--worker-max-turns", type=int, default=0, help="ack phase: WORKER_MAX_TURNS (0: the default)"
    )
    parser.add_argument(
        "--fake-twilio-in-web",
        action="store_true",
        help="serve the fake Twilio API from the web process (before issue 8's last change)",
    )
    parser.add_argument(
        "--client-nice",
        type=int,
        default=0,
        help="nice level of the load generator's thread while the load runs (it stands for Twilio, "
        "which is on other machines: at 10 it yields the CPU to web like worker and Rasa do)",
    )
    parser.add_argument(
        "--no-status-callbacks",
        action="store_true",
        help="diagnosis: the fake Twilio API fires no status callbacks (Twilio does: 3 per reply)",
    )
    parser.add_argument(
        "--ack-log-level", default="INFO", help="LOG_LEVEL of web and worker in the ack phase (as prod)"
    )


def app_options(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    extra_env = {"LOG_LEVEL": args.ack_log_level}
    if args.worker_max_turns:
        extra_env["WORKER_MAX_TURNS"] = str(args.worker_max_turns)
    return {
        **options,
        "low_priority": not args.no_priorities,  # as Procfile
        "extra_env": extra_env,
        "twilio_apart": not args.fake_twilio_in_web,
    }


async def ack_busy_phase(
    rasa: RasaServer,
    args: argparse.Namespace,
    run_dir: Path,
    extra_pids: dict[str, int],
    options: dict[str, Any],
    profiles: list[Path],
) -> dict[str, Any]:
    settings = app_options(args, options)
    full = await full_turn_rate(rasa, args, run_dir, settings, profiles, extra_pids)
    print(
        f"  full turn rate (no ack load): {full['turns_per_s']} turns/s "
        f"({full['finished']} of {full['turns']} turns done after {full['wall_s']} s; "
        f"machine busy {full['cpu']['machine_busy_pct']} %)",
        flush=True,
    )
    runs = []
    for index, target in enumerate(args.rates):
        app = start_app(args.db, f"ack-{target}", rasa, run_dir, with_worker=True, **settings)
        try:
            run = await one_rate(app, args, extra_pids, target, index, full)
        finally:
            profiles += app.stop()
        runs.append(run)
        lat, drain = run["latency"], run["drain"]
        print(
            f"  ack {target}/s: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms, "
            f"errors {run['errors']}, achieved {run['achieved_rate']}/s | "
            f"drain {drain['during_load_turns_s']} turns/s during, {drain['after_load_turns_s']} after, "
            f"empty after {drain['empty_after_s']} s"
            f"{' (estimated)' if drain['estimated'] else ''}",
            flush=True,
        )
    return {
        "seconds": args.ack_seconds,
        "worker": "running (web + worker + rasa + actions; the worker drains the backlog meanwhile)",
        "priorities": priorities(args),
        "worker_max_turns": args.worker_max_turns or "default (Settings)",
        "log_level": args.ack_log_level,
        "client_nice": args.client_nice,
        "fake_twilio": "in the web process" if args.fake_twilio_in_web else "a process of its own (nice 10)",
        "full_turn_rate": full,
        "runs": runs,
    }


def priorities(args: argparse.Namespace) -> str:
    if args.no_priorities:
        return "off"
    if args.worker_priority == "normal":
        return "rasa, actions under scripts/low_priority.sh; the worker at the web's priority"
    return "worker, rasa, actions under scripts/low_priority.sh"


def pool_for(app: App, args: argparse.Namespace) -> RawPool:
    return RawPool(app.web_url, size=args.max_in_flight)


async def full_turn_rate(
    rasa: RasaServer,
    args: argparse.Namespace,
    run_dir: Path,
    settings: dict[str, Any],
    profiles: list[Path],
    extra_pids: dict[str, int],
) -> dict[str, Any]:
    """Accept ``--drain-preload`` messages with the worker stopped, then time the worker's drain.

    The CPU of each process during the drain says whether this rate is bound by the machine (busy
    near 100 %: any ack load must slow it) or by the pipeline's latency.
    """
    app = start_app(args.db, "ack-full-rate", rasa, run_dir, with_worker=False, **settings)
    reader = BacklogReader(app.database_url)
    pool = pool_for(app, args)
    try:
        preload_rate = 100.0
        preload = ack.prepare_load(
            pool,
            app.web_url,
            rate=preload_rate,
            seconds=args.drain_preload / preload_rate,
            phones=args.phones,
            phone_offset=900_000,
        )
        await ack.open_loop(pool, preload, rate=preload_rate, max_in_flight=args.max_in_flight)
        accepted = reader.waiting()
        started = time.time()
        app.start_worker(profile="worker" in settings.get("profile", frozenset()))
        await reader.wait_below(accepted)  # the worker is up: its start-up is not the drain's CPU
        meter, metered = CpuMeter(app.pids() | extra_pids), time.time()
        emptied = await reader.wait_empty(min(args.drain_timeout, FULL_RATE_WINDOW_S))
        wall = time.time() - started
        cpu = meter.stop(time.time() - metered)
        backlog = reader.read()
    finally:
        await pool.aclose()
        reader.close()
        profiles += app.stop()
    return {
        "turns": accepted,
        "finished": len(backlog.finished),
        "emptied": emptied,
        "wall_s": round(wall, 1),  # includes the worker's start-up
        "turns_per_s": steady_rate(backlog.finished),  # first to last finished turn
        "cpu": cpu,  # from the first finished turn to the empty backlog
    }


async def one_rate(
    app: App,
    args: argparse.Namespace,
    extra_pids: dict[str, int],
    target: int,
    index: int,
    full: dict[str, Any],
) -> dict[str, Any]:
    reader = BacklogReader(app.database_url)
    pool = pool_for(app, args)
    try:
        if args.no_status_callbacks:
            control = f"{app.twilio_url}/fake-twilio/_control/config"
            async with httpx.AsyncClient(timeout=10) as client:
                (await client.post(control, json={"status_callbacks": False})).raise_for_status()
        await ack.warm_up(pool, app.web_url, count=20, unique=1)
        await reader.wait_empty(60)  # the warm-up's few turns
        load = ack.prepare_load(
            pool,
            app.web_url,
            rate=target,
            seconds=args.ack_seconds,
            phones=args.phones,
            phone_offset=index * 100_000,
        )
        await asyncio.sleep(0.5)
        meter = CpuMeter(app.pids() | extra_pids)
        started = time.perf_counter()
        own_nice = os.getpriority(os.PRIO_PROCESS, 0)  # Linux: this thread's
        os.setpriority(os.PRIO_PROCESS, 0, args.client_nice)
        try:
            run = await ack.open_loop(pool, load, rate=target, max_in_flight=args.max_in_flight)
        finally:
            os.setpriority(os.PRIO_PROCESS, 0, own_nice)
        run["cpu"] = meter.stop(time.perf_counter() - started)
        requests = max(run["requests"], 1)
        run["web_cpu_ms_per_request"] = round(1000 * run["cpu"]["cpu_s"]["web"] / requests, 2)
        run["bench_cpu_ms_per_request"] = round(1000 * run["cpu"]["cpu_s"]["bench"] / requests, 2)
        run["waiting_at_end_of_load"] = reader.waiting()
        wait_s = args.drain_timeout if target <= TARGET_RATE else min(args.drain_timeout, OVERLOAD_DRAIN_S)
        emptied = await reader.wait_empty(wait_s)
        run["drain"] = drain_summary(reader, run, emptied, full["turns_per_s"])
        run["drain"]["cpu_ceiling_vs_full"] = cpu_ceiling(full, run)
    finally:
        await pool.aclose()
        reader.close()
    return run


def drain_summary(
    reader: BacklogReader, run: dict[str, Any], emptied: bool, full_rate: float | None
) -> dict[str, Any]:
    backlog = reader.read()
    load_start, load_end = run["schedule_epoch_s"]
    finished = backlog.finished
    last = finished[-1] if finished else load_end
    during = rate(finished, load_start, load_end)
    after_end = last if emptied else time.time()
    after = rate(finished, load_end, after_end + 1e-6)
    if emptied:
        empty_after: float | None = round(max(last - load_end, 0.0), 1)
    elif after:
        empty_after = round(after_end - load_end + backlog.waiting / after, 1)
    else:
        empty_after = None

    def share(value: float | None) -> float | None:
        return round(value / full_rate, 2) if value and full_rate else None

    return {
        "turns_finished_since_load": sum(1 for t in finished if t >= load_start),
        "waiting_at_end": backlog.waiting,
        "during_load_turns_s": during,
        "after_load_turns_s": after,
        "during_vs_full": share(during),
        "after_vs_full": share(after),
        "empty_after_s": empty_after,  # from the end of the load
        "estimated": not emptied,
    }


def cpu_ceiling(full: dict[str, Any], run: dict[str, Any]) -> float | None:
    """The most the drain can keep of its full rate while the acks run, if the full rate is bound by
    the CPU: the cores the acks leave, over the cores the pipeline used at its full rate. The acks
    take the web's CPU less its status callbacks, PostgreSQL's less its work for the turns, and the
    load generator's. An achieved share near this ceiling means the worker lost only the CPU the
    acks took; well below it, something else held it back.
    """
    full_cpu, load_cpu = full.get("cpu"), run["cpu"]
    turns = full.get("finished") or 0
    if not full_cpu or not turns or not full_cpu["wall_s"] or not load_cpu["wall_s"]:
        return None
    cores = load_cpu["cores"]
    used_at_full = cores * full_cpu["machine_busy_pct"] / 100
    turns_meanwhile = (run["drain"].get("during_load_turns_s") or 0.0) * load_cpu["wall_s"]

    def for_acks(load_s: float, full_s: float) -> float:  # less what the turns meanwhile cost it
        return max(load_s - full_s / turns * turns_meanwhile, 0.0)

    web = for_acks(load_cpu["cpu_s"].get("web", 0.0), full_cpu["cpu_s"].get("web", 0.0))  # callbacks
    database = for_acks(load_cpu["others_cpu_s"], full_cpu["others_cpu_s"])  # PostgreSQL's processes
    acks = web + database + load_cpu["cpu_s"]["bench"]
    left = cores - acks / load_cpu["wall_s"]
    return round(min(1.0, max(left, 0.0) / used_at_full), 2) if used_at_full else None
