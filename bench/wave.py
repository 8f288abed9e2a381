"""A wave of repayment reminders through the real worker and the fake Twilio API (``--only wave``).

2,000 outbox rows of purpose "repayment_reminder" for 2,000 people (each their own conversation, with
consent; SMS and WhatsApp inside the 24 h window, mixed) are stored "pending" and every conversation's
drain job is enqueued at once, as the reminders' dispatcher does; then the worker starts. The fake Twilio
API (a process of its own, as Twilio is elsewhere) records when it received each message. Measured:
the rate per sender number at the fake Twilio (first to last POST, and per 10-s window) against
``--wave-rate``; sends outside the contact hours or without a ValidityPeriod; duplicates (Twilio
messages per row); how long the wave took; worker CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.procinfo import CpuMeter
from bench.stack import App, Stub, start_app, start_stub
from bench.stats import fmt
from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours
from bot.db.models import Message
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.contact_clock import offset_to_open
from tests.e2e.processes import ROOT, SMS_FROM, WHATSAPP_FROM, RasaServer
from tests.integration.wave_setup import PURPOSE, add_wave, enqueue_wave

WINDOW_S = 10.0
TARGET_TOLERANCE = 0.05
LEAVES_OUT = (
    "What the wave leaves out: it starts from queued outbox rows — planning the reminders and the "
    "dispatcher that tells Rasa (trigger_intent), stores the rows and enqueues their conversations "
    "(bot/reminders/, measured apart: --only plan; the dispatcher's jobs start spread at the senders' "
    "total rate) are not run, and Rasa is not called; one worker process; Twilio's real queue, "
    "delivery and per-segment pacing (every SMS here is one segment); the fake Twilio API sends three "
    "status callbacks per message to web, which the worker applies, as in production; the contact "
    "hours are shifted to be open (CONTACT_HOURS_OFFSET_S), so 'outside the hours' checks the shifted clock."
)


def add_wave_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wave-rows", type=int, default=2000, help="wave: outbox rows (one per person)")
    parser.add_argument("--wave-rate", type=float, default=20.0, help="wave: messages/s per sender number")
    # Default: the wave, 2,000 messages at 20/s from one sender number (SMS). --wave-whatsapp 0.5
    # splits them between the SMS number and the WhatsApp sender, each at --wave-rate.
    parser.add_argument("--wave-whatsapp", type=float, default=0.0, help="wave: share of rows on WhatsApp")


async def wave_phase(args: argparse.Namespace, run_dir: Path, redis_pids: dict[str, int]) -> dict[str, Any]:
    hours_offset = offset_to_open(_hours()).total_seconds()
    rate = str(args.wave_rate)
    extra_env = {
        "SMS_SEND_RATE_PER_S": rate,
        "WHATSAPP_SEND_RATE_PER_S": rate,
        "CONTACT_HOURS_OFFSET_S": str(hours_offset),
        "LOG_LEVEL": "INFO",
    }
    stub = start_stub(run_dir)  # never called (the rows are written): web's readiness asks for it
    try:
        return await _wave(args, run_dir, redis_pids, extra_env, hours_offset, stub)
    finally:
        stub.process.stop()


async def _wave(
    args: argparse.Namespace,
    run_dir: Path,
    redis_pids: dict[str, int],
    extra_env: dict[str, str],
    hours_offset: float,
    stub: Stub,
) -> dict[str, Any]:
    stand_in = RasaServer(url=stub.url, port=0, actions_url=stub.url, rasa=stub.process, actions=stub.process)
    app = start_app(args.db, "wave", stand_in, run_dir, with_worker=False, uvicorn_args=[],
                    extra_env=extra_env, twilio_apart=True)  # fmt: skip
    runtime = await build_runtime(_settings(app))
    try:
        share = max(0.0, min(1.0, args.wave_whatsapp))
        channels = [
            "whatsapp" if int((n + 1) * share) > int(n * share) else "sms" for n in range(args.wave_rows)
        ]
        rows = await add_wave(runtime, channels)
        await enqueue_wave(runtime, rows)
        print(f"  {len(rows)} rows queued ({channels.count('whatsapp')} WhatsApp); starting the worker")
        started = time.time()
        app.start_worker()
        meter = CpuMeter(app.pids() | redis_pids)
        sent = await _wait_for_wave(app, len(rows), timeout_s=len(rows) / args.wave_rate * 3 + 90)
        cpu = meter.stop(time.time() - started)
        await asyncio.sleep(3.0)  # a duplicate would come now
        sent = await _messages(app)
        stored = await _stored(runtime)
        result = summarise(sent, args.wave_rate, hours_offset, started, len(rows))
        result |= {"rows": len(rows), "rows_with_sid": stored, "cpu": cpu, "leaves_out": LEAVES_OUT}
        result["worker_cpu_ms_per_message"] = round(
            1000 * cpu["cpu_s"].get("worker", 0.0) / max(len(sent), 1), 2
        )
        return result
    finally:
        await runtime.close()
        app.stop()


def summarise(
    sent: list[dict[str, Any]], target: float, hours_offset: float, worker_started: float, rows: int
) -> dict[str, Any]:
    hours = _hours()
    by_sender: dict[str, list[float]] = defaultdict(list)
    outside = 0
    for message in sent:
        received = datetime.fromisoformat(message["received_at"])
        by_sender[message["from"]].append(received.timestamp())
        shifted = received + timedelta(seconds=hours_offset)
        closes = hours.closes_at(shifted)
        validity = message.get("validity_period_s")
        if (
            closes is None
            or not validity
            or shifted + timedelta(seconds=validity) > closes + timedelta(seconds=1)
        ):
            outside += 1
    senders = {}
    for sender, times in sorted(by_sender.items()):
        times.sort()
        span = times[-1] - times[0]
        windows = [
            sum(1 for t in times if start <= t < start + WINDOW_S) / WINDOW_S
            for start in _window_starts(times[0], times[-1])
        ]
        measured = (len(times) - 1) / span if span > 0 else None
        senders[sender] = {
            "messages": len(times),
            "first_to_last_s": round(span, 2),
            "rate_per_s": round(measured, 2) if measured else None,
            "vs_target": round(measured / target, 3) if measured else None,
            "per_10s_windows": [round(w, 1) for w in windows],
            "windows_within_5pct": sum(1 for w in windows if abs(w / target - 1) <= TARGET_TOLERANCE),
        }
    per_row = Counter(message["to"] for message in sent)
    everything = sorted(t for times in by_sender.values() for t in times)
    return {
        "target_rate_per_s": target,
        "senders": senders,
        "twilio_messages": len(sent),
        "duplicates": sum(n - 1 for n in per_row.values()),
        "rows_not_at_twilio": rows - len(per_row),
        "outside_contact_hours_or_no_validity": outside,
        "wave_s": round(everything[-1] - everything[0], 2) if everything else None,
        "worker_start_to_last_s": round(everything[-1] - worker_started, 2) if everything else None,
    }


def _window_starts(first: float, last: float) -> list[float]:
    """Whole 10-s windows from the first POST (the last, partial one is left out)."""
    count = int((last - first) // WINDOW_S)
    return [first + n * WINDOW_S for n in range(count)]


def markdown(wave: dict[str, Any]) -> list[str]:
    out = [
        f"## Reminder wave ({wave['rows']} rows, {wave['target_rate_per_s']:g} messages/s per sender)",
        "",
        f"Wave took {wave['wave_s']} s first to last POST ({wave['worker_start_to_last_s']} s from the "
        f"worker's start); Twilio messages {wave['twilio_messages']}, duplicates {wave['duplicates']}, "
        f"rows not at Twilio {wave['rows_not_at_twilio']}, rows with a SID {wave['rows_with_sid']}; "
        f"sends outside the contact hours or without ValidityPeriod "
        f"{wave['outside_contact_hours_or_no_validity']}; "
        f"worker CPU {wave['cpu']['cpu_s'].get('worker')} s ({wave['worker_cpu_ms_per_message']} ms per "
        f"message), machine busy {wave['cpu']['machine_busy_pct']} %.",
        "",
        "| sender | messages | first to last s | rate/s | vs target | 10-s windows within ±5 % "
        "| per 10-s window |",
        "|---|---|---|---|---|---|---|",
    ]
    for sender, s in wave["senders"].items():
        windows = " ".join(fmt(w) for w in s["per_10s_windows"])
        out.append(
            f"| {sender} | {s['messages']} | {s['first_to_last_s']} | {s['rate_per_s']} | {s['vs_target']} | "
            f"{s['windows_within_5pct']}/{len(s['per_10s_windows'])} | {windows} |"
        )
    return [*out, "", wave["leaves_out"], ""]


def targets(wave: dict[str, Any]) -> list[str]:
    if not wave:
        return []
    rates = [s["vs_target"] for s in wave["senders"].values()]
    met = rates and all(r is not None and abs(r - 1) <= TARGET_TOLERANCE for r in rates)
    clean = wave["duplicates"] == 0 and wave["outside_contact_hours_or_no_validity"] == 0
    return [
        f"- wave rate per sender within ±5 % of {wave['target_rate_per_s']:g}/s: "
        f"{'met' if met else 'MISSED'} ({', '.join(fmt(r) for r in rates)}×)",
        f"- wave: zero duplicates and zero sends outside the hours: {'met' if clean else 'MISSED'} "
        f"({wave['duplicates']} / {wave['outside_contact_hours_or_no_validity']})",
    ]


async def _wait_for_wave(app: App, rows: int, *, timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    seen = -1
    while True:
        sent = await _messages(app)
        if len(sent) >= rows or time.monotonic() > deadline:
            return sent
        if len(sent) // 500 != seen // 500:
            print(f"  {len(sent)} at the fake Twilio", flush=True)
        seen = len(sent)
        await asyncio.sleep(2.0)


async def _messages(app: App) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=app.twilio_url, timeout=30) as http:
        answer = await http.get("/fake-twilio/_control/messages")
        answer.raise_for_status()
        return [m for m in answer.json()["messages"] if m.get("direction") == "outbound-api"]


async def _stored(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(Message.purpose == PURPOSE, Message.twilio_sid.is_not(None))
        )
    return int(count or 0)


def _settings(app: App) -> Settings:
    return Settings(
        app_env="test", database_url=app.database_url, redis_url=app.env["REDIS_URL"],
        queue_name=app.queue_name, data_dir=ROOT / "data", twilio_sms_from=SMS_FROM,
        twilio_whatsapp_from=WHATSAPP_FROM,
    )  # fmt: skip


def _hours() -> ContactHours:
    return load_contact_hours(ROOT / "data" / CONTACT_HOURS_FILE)
