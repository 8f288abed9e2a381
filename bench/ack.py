"""Webhook ack latency under an open-loop load: signed Twilio forms on a fixed arrival schedule.

Request i is due at ``t0 + i / rate`` whether or not earlier ones have been answered, so a slow server
makes requests queue and their latency (measured from the due time) grows: no coordinated omission.
Requests are built and signed before the clock starts and sent by a lean client (bench/rawhttp.py),
so the client spends little of the machine's CPU while it runs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.rawhttp import RawPool
from bench.stack import ACCOUNT_SID, AUTH_TOKEN
from bench.stats import percentile, summary_ms
from tests.e2e.processes import signed_inbound, twilio_settings

TEXTS = ("hola", "gracias", "menu", "como pago la cuota", "buenas tardes", "chao")


def phone(index: int) -> str:
    """A possible Colombian mobile number (+57 301 xxx xxxx)."""
    return f"+57301{index % 10_000_000:07d}"


@dataclass(frozen=True, slots=True)
class SignedForm:
    body: bytes
    headers: dict[str, str]


def signed_form(public_base_url: str, sender: str, text: str, sid: str | None = None) -> SignedForm:
    settings = twilio_settings(
        public_base_url=public_base_url, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN
    )
    return SignedForm(*signed_inbound(settings, sender, text, sid=sid))


@dataclass(frozen=True, slots=True)
class Load:
    requests: list[bytes]  # signed and encoded, ready to write
    phones: int


def prepare_load(
    pool: RawPool, web_url: str, *, rate: float, seconds: float, phones: int, phone_offset: int
) -> Load:
    """The ``rate * seconds`` requests of one load, built and signed before the clock and the CPU
    meters start (Twilio builds them on its own machines)."""
    count = max(1, round(rate * seconds))
    senders = [phone(phone_offset + i % phones) for i in range(count)]
    forms = [signed_form(web_url, sender, TEXTS[i % len(TEXTS)]) for i, sender in enumerate(senders)]
    requests = [pool.request("/twilio/messages", form.body, form.headers) for form in forms]
    return Load(requests=requests, phones=min(phones, count))


async def open_loop(pool: RawPool, load: Load, *, rate: float, max_in_flight: int) -> dict[str, Any]:
    """Send the load's requests on schedule, ``rate`` per second. A request due while
    ``max_in_flight`` are still unanswered is not sent and counts as an error: the server is
    saturated by then, and queueing it in the client would make the client, not the server, the
    bottleneck."""
    requests = load.requests
    count = len(requests)
    latencies: list[float] = []  # due time -> response (what Twilio would see, queueing included)
    service: list[float] = []  # actual send -> response
    lags: list[float] = []  # how late the client itself started a request (its own CPU / loop lag)
    errors: dict[str, int] = {}
    done_at: list[float] = []

    async def one(raw: bytes, due: float) -> None:
        started = time.perf_counter()
        lags.append(started - due)
        try:
            status = (await pool.send(raw)).status_code
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        finished = time.perf_counter()
        if status != 200:
            errors[f"http_{status}"] = errors.get(f"http_{status}", 0) + 1
            return
        latencies.append(finished - due)
        service.append(finished - started)
        done_at.append(finished)

    tasks: list[asyncio.Task[None]] = []
    in_flight: set[asyncio.Task[None]] = set()
    dropped = 0
    t0 = time.perf_counter() + 0.05
    t0_epoch = time.time() + (t0 - time.perf_counter())
    for index, raw in enumerate(requests):
        due = t0 + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= max_in_flight:
            dropped += 1
            continue
        task = asyncio.create_task(one(raw, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        tasks.append(task)
    if dropped:
        errors[f"not sent: {max_in_flight} requests already in flight"] = dropped
    sent_window = time.perf_counter() - t0
    max_in_flight = sum(1 for task in tasks if not task.done())
    _, pending = await asyncio.wait(tasks, timeout=30)
    for task in pending:
        task.cancel()
    if pending:
        errors["unfinished 30 s after the schedule"] = len(pending)
    finished_window = (max(done_at) if done_at else time.perf_counter()) - t0
    result: dict[str, Any] = {
        "target_rate": rate,
        "requests": count,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "offered_rate": round(count / max(sent_window, 1e-9), 1),
        "achieved_rate": round(len(latencies) / max(finished_window, 1e-9), 1),
        "latency": summary_ms(latencies),
        "over_15s_twilio_would_time_out": sum(1 for value in latencies if value > 15),
        "service_time": summary_ms(service),
        "client_lag_p99_ms": round((percentile(lags, 99) or 0.0) * 1000, 2),
        "in_flight_at_end_of_schedule": max_in_flight,
        "distinct_phones": load.phones,
        "schedule_epoch_s": [round(t0_epoch, 3), round(t0_epoch + count / rate, 3)],
    }
    return result


async def warm_up(pool: RawPool, web_url: str, count: int = 50, unique: int | None = None) -> None:
    """Open some connections and let the app import and cache everything before measuring.

    With ``unique``, only that many distinct messages are sent (the rest repeat their MessageSid and
    are answered as duplicates), so a running worker gets only ``unique`` turns from the warm-up.
    """
    unique = count if unique is None else max(1, unique)
    sids = [f"SM{uuid.uuid4().hex}" for _ in range(unique)]
    forms = [
        signed_form(web_url, phone(9_000_000 + i % unique), "hola", sid=sids[i % unique])
        for i in range(count)
    ]
    for chunk in range(0, count, 10):
        await asyncio.gather(
            *(
                pool.post("/twilio/messages", content=f.body, headers=f.headers)
                for f in forms[chunk : chunk + 10]
            )
        )
