"""Turn latency along ONE long conversation, through the whole stack (webhook → worker → Rasa → actions).

Two conversations of ``turns`` turns each, one turn at a time (closed loop, as bench/turns.py):
(a) one session; (b) a new session every ``session_every`` turns — started as Rasa starts one when a
session expires, with ``POST /conversations/<id>/execute {"name": "action_session_start"}`` between two
turns (not timed). The report gives the p50 per block of ``block`` turns and the ratio of the block
holding turn 500 (or the last) to the block holding turn 5. Targets (issue 8): across sessions ≤ 1.3,
one session ≤ 2.

``python -m bench --only growth`` runs it with the tracker store in nlu/endpoints.yml. To compare stores:

    .venv/bin/python -m bench.growth --stores window,rasa-redis --turns 500

``rasa-redis`` is Rasa's own RedisTrackerStore (bench/endpoints-rasa-redis.yml).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bench import turns
from bench.stack import RASA_TOKEN, App, start_app, start_rasa
from bench.stats import summary_ms
from bot.db.engine import make_session_factory
from bot.db.models import Contact, Conversation
from bot.settings import to_async_url
from tests.e2e.processes import ROOT, RasaServer

RESULTS = ROOT / "bench" / "results"
STORES = {"window": None, "rasa-redis": str(ROOT / "bench" / "endpoints-rasa-redis.yml")}
TARGETS = {"one_session": 2.0, "new_session_every": 1.3}
MARKS = (5, 100, 500)


async def sender_id(database_url: str, phone: str) -> str:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            found = await session.scalar(
                select(Conversation.rasa_sender_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone_e164 == phone)
            )
            assert found, f"no conversation for {phone}"
            return str(found)
    finally:
        await engine.dispose()


async def new_session(client: httpx.AsyncClient, rasa_url: str, sender: str) -> None:
    response = await client.post(
        f"{rasa_url}/conversations/{sender}/execute",
        params={"token": RASA_TOKEN},
        json={"name": "action_session_start"},
    )
    response.raise_for_status()


async def conversation(
    e2e: turns.E2E,
    app: App,
    rasa_url: str,
    *,
    count: int,
    parts: dict[str, int],
    session_every: int,
    poll_s: float,
) -> list[turns.Turn]:
    phone, seen, done = turns.new_phone("+57312"), set[str](), []
    sender = ""
    async with httpx.AsyncClient(timeout=60) as rasa:
        for k in range(count):
            if session_every and k and k % session_every == 0:
                sender = sender or await sender_id(app.database_url, phone)
                await new_session(rasa, rasa_url, sender)
            text = turns.text_for(0, k)
            turn = await e2e.turn(phone, text, parts.get(text, 1), seen, poll_s)
            done.append(turn)
            if turn.error:
                print(f"    turn {k + 1}: {turn.error}", flush=True)
            if (k + 1) % 50 == 0:
                recent = [t.stamp_s for t in done[-50:] if t.stamp_s is not None]
                print(f"    turn {k + 1}: p50 of the last 50 {summary_ms(recent)['p50_ms']} ms", flush=True)
    return done


def blocks(done: list[turns.Turn], size: int) -> dict[str, Any]:
    by_block = {}
    for start in range(0, len(done), size):
        part = [t.stamp_s for t in done[start : start + size] if t.error is None and t.stamp_s is not None]
        by_block[f"{start + 1}-{min(start + size, len(done))}"] = summary_ms(part)["p50_ms"]
    marks = {}
    for mark in MARKS:
        if mark <= len(done):
            index = (mark - 1) // size
            label = list(by_block)[index]
            marks[f"turn {mark}"] = {"block": label, "p50_ms": by_block[label]}
    first, last = by_block[next(iter(by_block))], by_block[list(by_block)[-1]]
    return {
        "turns": len(done),
        "errors": sum(1 for t in done if t.error),
        "p50_ms_by_block": by_block,
        "marks": marks,
        "ratio_last_to_first_block": round(last / first, 2) if first and last else None,
    }


async def measure(
    app: App, rasa_url: str, *, count: int, session_every: int, block: int, modes: list[str]
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(base_url=app.web_url, timeout=60, limits=limits) as client:
        response = await client.post("/fake-twilio/_control/config", json={"callback_delay_s": 0})
        response.raise_for_status()
        e2e = turns.E2E(client, app.web_url)
        parts = (await e2e.calibrate(turns.TEXTS))["parts"]
        results: dict[str, Any] = {}
        for name, every in (("one_session", 0), ("new_session_every", session_every)):
            if name not in modes:
                continue
            print(f"  {name}{f' {every} turns' if every else ''}: {count} turns...", flush=True)
            started = time.monotonic()
            done = await conversation(
                e2e, app, rasa_url, count=count, parts=parts, session_every=every, poll_s=0.01
            )
            results[name] = blocks(done, block) | {
                "session_every": every or None,
                "wall_s": round(time.monotonic() - started, 1),
                "target_ratio": TARGETS[name],
            }
        return results


def run_growth(
    runner: asyncio.Runner, db: str, rasa: RasaServer, run_dir: Path, args: argparse.Namespace, label: str
) -> dict[str, Any]:
    """Start web + worker against ``rasa`` and measure both conversations."""
    app = start_app(db, f"growth-{label}", rasa, run_dir, with_worker=True, uvicorn_args=[])
    try:
        return runner.run(
            measure(
                app,
                rasa.url,
                count=args.growth_long,
                session_every=args.session_every,
                block=args.block,
                modes=args.modes.split(","),
            )
        )
    finally:
        app.stop()


def markdown(growth: dict[str, Any], *, with_targets: bool = True) -> list[str]:
    out = ["## One long conversation through the whole stack (p50 ms per block of turns)", ""]
    for store, runs in growth.items():
        for run in runs.values():
            every = f", new session every {run['session_every']} turns" if run["session_every"] else ""
            out += [f"Store `{store}`{every}, {run['turns']} turns, {run['errors']} errors:", ""]
            labels = list(run["p50_ms_by_block"])
            out += ["| " + " | ".join(labels) + " |", "|" + "---|" * len(labels)]
            out += ["| " + " | ".join(str(v) for v in run["p50_ms_by_block"].values()) + " |", ""]
    return out + ([*targets(growth), ""] if with_targets else [])


def targets(growth: dict[str, Any]) -> list[str]:
    lines = []
    for store, runs in growth.items():
        for name, run in runs.items():
            ratio, target = run["ratio_last_to_first_block"], run["target_ratio"]
            verdict = "met" if ratio is not None and ratio <= target and not run["errors"] else "MISSED"
            marks = ", ".join(f"{m} {v['p50_ms']} ms" for m, v in run["marks"].items())
            lines.append(f"- `{store}` {name}: last block / first ≤ {target}: {verdict} ({ratio}; {marks})")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="window", help="comma list of: " + ", ".join(STORES))
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    add_options(parser)
    parser.add_argument("--name", default="growth-latest")
    return parser.parse_args(argv)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--growth-long", type=int, default=500, help="turns of each long conversation")
    parser.add_argument("--session-every", type=int, default=5, help="(b): a new session every N turns")
    parser.add_argument("--block", type=int, default=25, help="turns per p50 block")
    parser.add_argument("--modes", default=",".join(TARGETS), help="comma list of: " + ", ".join(TARGETS))


def main(argv: list[str] | None = None) -> int:
    import json

    args = parse_args(argv)
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_dir = ROOT / "var" / "bench" / ("growth-" + started_at.replace(":", ""))
    run_dir.mkdir(parents=True, exist_ok=True)
    growth: dict[str, Any] = {}
    meta = {"started_at": started_at, "loadavg_before": [round(v, 2) for v in os.getloadavg()]}
    with asyncio.Runner() as runner:
        for store in args.stores.split(","):
            endpoints = STORES[store]
            print(f"store {store}: starting actions + rasa...", flush=True)
            (run_dir / store).mkdir(parents=True, exist_ok=True)
            rasa = start_rasa(run_dir / store, env={"RASA_ENDPOINTS": endpoints} if endpoints else {})
            try:
                growth[store] = run_growth(runner, args.db, rasa, run_dir, args, store)
            finally:
                rasa.stop()
    meta["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    meta["args"] = vars(args)
    results = {"meta": meta, "growth": growth}
    RESULTS.mkdir(exist_ok=True)
    text = "\n".join(
        [f"# famibot growth benchmark — {started_at}", "", f"Load average {meta}", "", *markdown(growth)]
    )
    (RESULTS / f"{args.name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
