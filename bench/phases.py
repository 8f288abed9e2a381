"""The measured phases: conversation turns (closed loop); the webhook ack is in bench/ack_busy.py."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx

from bench import turns
from bench.breakdown import stage_times
from bench.procinfo import CpuMeter
from bench.stack import App
from bench.stats import summary_ms


async def turns_phase(
    app: App, args: argparse.Namespace, pids: dict[str, int], *, rasa_url: str | None, texts: tuple[str, ...]
) -> dict[str, Any]:
    """E2E runs at each concurrency; with ``rasa_url``, the same load on Rasa's REST channel after each."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with (
        httpx.AsyncClient(base_url=app.web_url, timeout=30, limits=limits) as client,
        httpx.AsyncClient(timeout=30, limits=limits) as rasa_client,
    ):
        response = await client.post("/fake-twilio/_control/config", json={"callback_delay_s": 0})
        response.raise_for_status()
        meter = CpuMeter(pids)
        await asyncio.sleep(3.0)
        idle = meter.stop(3.0)
        e2e = turns.E2E(client, app.web_url)
        calibration = await e2e.calibrate(texts)
        print(f"  reply parts per text: {calibration['parts']}", flush=True)
        runs = []
        for concurrency, count in zip(args.concurrency, args.turns, strict=True):
            poll_s = max(args.poll_ms / 1000, concurrency / args.max_poll_rate)
            meter = CpuMeter(pids)
            done, wall = await turns.run_e2e(
                e2e,
                concurrency=concurrency,
                turns=count,
                parts=calibration["parts"],
                poll_s=poll_s,
                first_wait=args.poll_start,
            )
            e2e_summary = turns.summarize_e2e(done, wall, poll_s, args.poll_start)
            e2e_summary["cpu"] = meter.stop(wall)
            run: dict[str, Any] = {
                "concurrency": concurrency,
                "turns_per_conversation": count,
                "e2e": e2e_summary,
                "breakdown": stage_times(app.database_url, done),
            }
            line = (
                f"  c={concurrency}: e2e p50 {e2e_summary['latency']['p50_ms']} ms "
                f"p99 {e2e_summary['latency']['p99_ms']} ms {e2e_summary['throughput_turns_s']} turns/s"
            )
            if rasa_url:
                await asyncio.sleep(1.0)
                run["rasa_direct"] = await direct_run(rasa_client, rasa_url, pids, concurrency, count)
                e50, d50 = e2e_summary["latency"]["p50_ms"], run["rasa_direct"]["latency"]["p50_ms"]
                run["ratio_p50"] = round(e50 / d50, 2) if e50 and d50 else None
                line += (
                    f" | Rasa p50 {d50} ms {run['rasa_direct']['throughput_turns_s']} turns/s"
                    f" | ratio {run['ratio_p50']}"
                )
            runs.append(run)
            print(line, flush=True)
            await asyncio.sleep(1.0)
        poll_cost = await measure_poll_cost(e2e, pids["web"])
    return {
        "texts": list(texts),
        "calibration": calibration,
        "idle_cpu_pct": {name: round(100 * cpu / 3.0, 1) for name, cpu in idle["cpu_s"].items()},
        "web_cpu_ms_per_poll": poll_cost,
        "runs": runs,
    }


async def direct_run(
    client: httpx.AsyncClient, rasa_url: str, pids: dict[str, int], concurrency: int, count: int
) -> dict[str, Any]:
    meter = CpuMeter(pids)
    latencies, errors, wall = await turns.run_rasa_direct(
        client, rasa_url, concurrency=concurrency, turns=count
    )
    return {
        "turns": concurrency * count,
        "ok": len(latencies),
        "errors": len(errors),
        "wall_s": round(wall, 2),
        "throughput_turns_s": round(len(latencies) / wall, 2),
        "latency": summary_ms(latencies),
        "cpu": meter.stop(wall),
    }


async def measure_poll_cost(e2e: turns.E2E, web_pid: int, polls: int = 400) -> float:
    """Web CPU per reply poll (the bench's own load on the web process, to subtract mentally)."""
    phone = turns.new_phone()
    meter = CpuMeter({"web": web_pid})
    started = time.perf_counter()
    for _ in range(polls):
        await e2e.newest(phone, 3)
    used = meter.stop(time.perf_counter() - started)["cpu_s"]
    return round(1000 * float(used["web"]) / polls, 2)


async def rasa_growth(rasa_url: str, turns_total: int, block: int = 10) -> dict[str, Any]:
    """Rasa's REST latency against the length of one conversation (p50 per block of turns)."""
    sender = "bench-growth-" + turns.new_phone()[-7:]
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for k in range(turns_total):
            payload = {"sender": sender, "message": turns.text_for(0, k), "metadata": {"channel": "sms"}}
            started = time.perf_counter()
            response = await client.post(f"{rasa_url}/webhooks/rest/webhook", json=payload)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)
    blocks = {
        f"turns {i + 1}-{i + block}": summary_ms(latencies[i : i + block])["p50_ms"]
        for i in range(0, len(latencies), block)
    }
    return {"sender_turns": turns_total, "p50_ms_by_block": blocks}
