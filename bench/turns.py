"""End-to-end turn latency (webhook → worker → Rasa → fake Twilio) and Rasa's REST channel alone.

Closed loop: each conversation sends a message, waits until the whole reply is at the fake Twilio API,
then sends the next. The reply is detected by polling the fake's Twilio-style list endpoint (newest
first, a few items: constant cost); its moment of arrival is then read, with microsecond precision,
from the first status-callback record the fake made for it (the fake's callback delay is set to 0,
so that record is written one event-loop tick after the message was stored). The detection moment
(which includes up to one poll interval) is reported too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from bench.ack import signed_form
from bench.stack import ACCOUNT_SID, AUTH_TOKEN
from bench.stats import summary_ms
from bot.rasa_client import parse_answer

TEXTS = ("hola", "gracias", "menu", "como pago la cuota", "eres un robot?", "que requisitos piden", "chao")
LIST_PATH = f"/fake-twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
CONTROL_PATH = "/fake-twilio/_control/messages"
TURN_TIMEOUT_S = 30.0


@dataclass
class Turn:
    text: str
    inbound_sid: str
    wall_start: float  # epoch seconds, just before the webhook POST
    ack_s: float = 0.0
    seen_s: float | None = None  # detected by polling
    stamp_s: float | None = None  # from the fake's own record of the (last) reply part
    reply_sids: list[str] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)  # epoch seconds each part was stored
    polls: int = 0
    error: str | None = None


def text_for(conversation: int, turn: int) -> str:
    return TEXTS[(conversation + turn) % len(TEXTS)]


def new_phone(prefix: str = "+57310") -> str:
    return prefix + str(uuid.uuid4().int)[:7]


class E2E:
    def __init__(self, client: httpx.AsyncClient, web_url: str) -> None:
        self.client = client
        self.web_url = web_url
        self.auth = httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)

    async def newest(self, to: str, count: int) -> list[dict[str, Any]]:
        response = await self.client.get(LIST_PATH, params={"To": to, "PageSize": str(count)}, auth=self.auth)
        response.raise_for_status()
        return list(response.json()["messages"])

    async def stamps(self, to: str, sids: list[str]) -> dict[str, float] | None:
        """When the fake stored each message (first callback record), or None if not all written yet."""
        response = await self.client.get(CONTROL_PATH, params={"to": to})
        response.raise_for_status()
        found: dict[str, float] = {}
        for message in response.json()["messages"]:
            if message["sid"] in sids and message["callbacks"]:
                found[message["sid"]] = datetime.fromisoformat(message["callbacks"][0]["at"]).timestamp()
        return found if len(found) == len(sids) else None

    async def turn(
        self, phone: str, text: str, parts: int, seen: set[str], poll_s: float, first_wait_s: float = 0.0
    ) -> Turn:
        form = signed_form(self.web_url, phone, text)
        [sid] = parse_qs(form.body.decode())["MessageSid"]
        turn = Turn(text, sid, time.time())
        t0 = time.perf_counter()
        response = await self.client.post("/twilio/messages", content=form.body, headers=form.headers)
        turn.ack_s = time.perf_counter() - t0
        if response.status_code != 200:
            turn.error = f"webhook answered {response.status_code}"
            return turn
        wait = max(poll_s, first_wait_s - (time.perf_counter() - t0))
        while True:
            await asyncio.sleep(wait)
            wait = poll_s
            page = await self.newest(phone, parts + 2)
            turn.polls += 1
            new = [message["sid"] for message in reversed(page) if message["sid"] not in seen]
            if len(new) >= parts:
                turn.seen_s = time.perf_counter() - t0
                turn.reply_sids = new
                seen.update(new)
                break
            if time.perf_counter() - t0 > TURN_TIMEOUT_S:
                turn.error = f"no reply after {TURN_TIMEOUT_S} s"
                return turn
        for _ in range(200):
            stamps = await self.stamps(phone, turn.reply_sids)
            if stamps is not None:
                turn.stamps = [stamps[s] for s in turn.reply_sids]
                turn.stamp_s = max(turn.stamps) - turn.wall_start
                break
            await asyncio.sleep(0.005)
        return turn

    async def calibrate(self, texts: tuple[str, ...], settle_s: float = 0.6) -> dict[str, Any]:
        """Warm the stack up and learn how many SMS parts each text's reply has (second pass counts)."""
        phone, seen = new_phone("+57311"), set[str]()
        parts: dict[str, int] = {}
        samples: dict[str, str] = {}
        for _ in range(2):
            for text in texts:
                turn = await self.turn(phone, text, 1, seen, 0.01)
                if turn.error:
                    raise RuntimeError(f"warm-up turn {text!r} failed: {turn.error}")
                await asyncio.sleep(settle_s)
                late = [m for m in await self.newest(phone, 10) if m["sid"] not in seen]
                seen.update(m["sid"] for m in late)
                parts[text] = len(turn.reply_sids) + len(late)
                first = await self.newest(phone, parts[text])
                samples[text] = " | ".join(m["body"] for m in reversed(first))[:160]
        return {"parts": parts, "replies": samples}


async def run_e2e(
    e2e: E2E, *, concurrency: int, turns: int, parts: dict[str, int], poll_s: float, first_wait: float
) -> tuple[list[Turn], float]:
    """``first_wait``: polling starts after this fraction of the conversation's previous turn latency."""

    async def conversation(index: int) -> list[Turn]:
        phone, seen, done = new_phone(), set[str](), []
        previous = 0.0
        for k in range(turns):
            text = text_for(index, k)
            try:
                turn = await e2e.turn(phone, text, parts.get(text, 1), seen, poll_s, first_wait * previous)
            except httpx.HTTPError as exc:  # count it and go on: one failed poll must not end the run
                turn = Turn(text, "", time.time(), error=f"{type(exc).__name__} while polling")
            previous = turn.stamp_s or 0.0
            done.append(turn)
        return done

    started = time.perf_counter()
    results = await asyncio.gather(*(conversation(i) for i in range(concurrency)))
    return [turn for batch in results for turn in batch], time.perf_counter() - started


async def run_rasa_direct(
    client: httpx.AsyncClient, rasa_url: str, *, concurrency: int, turns: int
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    run = uuid.uuid4().hex[:8]

    async def conversation(index: int) -> None:
        sender = f"bench-direct-{run}-{concurrency}-{index}"
        for k in range(turns):
            payload = {"sender": sender, "message": text_for(index, k), "metadata": {"channel": "sms"}}
            t0 = time.perf_counter()
            try:
                response = await client.post(f"{rasa_url}/webhooks/rest/webhook", json=payload)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - t0
            if response.status_code != 200 or not parse_answer(response.json()).replies:
                errors.append(f"http_{response.status_code}" if response.status_code != 200 else "empty")
                continue
            latencies.append(elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(conversation(i) for i in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def summarize_e2e(turns: list[Turn], wall_s: float, poll_s: float, first_wait: float) -> dict[str, Any]:
    ok = [t for t in turns if t.error is None and t.stamp_s is not None]
    errors: dict[str, int] = {}
    for turn in turns:
        if turn.error or turn.stamp_s is None:
            key = turn.error or "no stamp"
            errors[key] = errors.get(key, 0) + 1
    polls = sum(t.polls for t in turns)
    return {
        "turns": len(turns),
        "ok": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "wall_s": round(wall_s, 2),
        "throughput_turns_s": round(len(ok) / wall_s, 2) if wall_s else None,
        "latency": summary_ms([t.stamp_s for t in ok if t.stamp_s is not None]),
        "latency_detected_by_polling": summary_ms([t.seen_s for t in ok if t.seen_s is not None]),
        "webhook_ack": summary_ms([t.ack_s for t in ok]),
        "poll_interval_ms": round(poll_s * 1000, 1),
        "polling_starts_after_fraction_of_previous_latency": first_wait,
        "polls_per_turn": round(polls / max(len(turns), 1), 1),
        "polls": polls,
        "polls_per_s": round(polls / wall_s, 1) if wall_s else None,
    }
