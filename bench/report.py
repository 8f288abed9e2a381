"""Render the results as a short markdown report and write latest.json / latest.md (+ a dated copy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import growth as bench_growth
from bench import plan as bench_plan
from bench import wave as bench_wave
from bench.stats import fmt

RESULTS = Path(__file__).resolve().parent / "results"
ACK_TARGET_P99_MS = 20.0
ACK_TARGET_RATE = 200
RATIO_TARGET = 1.2
DRAIN_TARGET_SHARE = 0.9  # "drains at the full turn rate", within this run-to-run noise
ACK_LEAVES_OUT = (
    "What the ack phase leaves out: the Internet and the TLS proxy in front of web; Twilio's real REST "
    "API (a fake stands in, in a process of its own at the worker's priority: web serves what Twilio "
    "sends it, the inbound messages and three status callbacks per reply, as in production); every "
    "load message opens a new conversation (one message per phone), so Rasa's turns are short, cheap "
    "ones and a backlog of long conversations drains slower; logs go to files, not through honcho's "
    "pipe (make run) or Docker's log driver; one uvicorn process; PostgreSQL, when used, and the load "
    "generator (a lean raw-HTTP client, 'bench' in the CPU table) share the same 2 cores."
)


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(fmt(cell) for cell in cells) + " |"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    return [_row(list(header)), "|" + "---|" * len(header), *(_row(r) for r in rows), ""]


def targets(results: dict[str, Any]) -> list[str]:
    lines = []
    for run in results.get("ack", {}).get("runs", []):
        if run["target_rate"] == ACK_TARGET_RATE:
            p99 = run["latency"]["p99_ms"]
            verdict = (
                "met" if p99 is not None and p99 <= ACK_TARGET_P99_MS and not run["errors"] else "MISSED"
            )
            lines.append(
                f"- webhook ack p99 ≤ {ACK_TARGET_P99_MS:g} ms at {ACK_TARGET_RATE}/s with the worker "
                f"draining: {verdict} ({p99} ms)"
            )
            if drain := run.get("drain"):
                share = drain["during_vs_full"]
                verdict = "met" if share is not None and share >= DRAIN_TARGET_SHARE else "MISSED"
                ceiling = drain.get("cpu_ceiling_vs_full")
                lines.append(
                    f"- backlog drains at the full turn rate (≥ {DRAIN_TARGET_SHARE:g}×) while "
                    f"{ACK_TARGET_RATE}/s arrive: {verdict} ({share}×; the CPU the acks leave allows "
                    f"at most {fmt(ceiling, 2)}× on this machine)"
                )
    for run in results.get("turns", {}).get("runs", []):
        ratio = run["ratio_p50"]
        verdict = "met" if ratio is not None and ratio <= RATIO_TARGET else "MISSED"
        lines.append(
            f"- e2e p50 / Rasa-direct p50 ≤ {RATIO_TARGET} at c={run['concurrency']}: {verdict} ({ratio})"
        )
    return (
        lines
        + bench_growth.targets(results.get("growth", {}))
        + bench_plan.targets(results.get("plan", {}))
        + bench_wave.targets(results.get("wave", {}))
    )


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    out = [
        f"# famibot benchmark — {meta['started_at']}",
        "",
        f"Machine: {meta['cpus']} CPU(s), {meta['python']}; database {meta['db']}; commit {meta['commit']}; "
        f"uvicorn {meta['uvicorn']}; load average before {meta['loadavg_before']}, "
        f"after {meta.get('loadavg_after')}; run took {meta.get('duration_s')} s.",
        "",
    ]
    if ack := results.get("ack"):
        out += ack_section(ack)
    if turns := results.get("turns"):
        out += ["## Conversation turns (closed loop) vs Rasa's REST channel alone", ""]
        out += turns_section(turns, direct=True)
        if growth := turns.get("rasa_growth"):
            out += [f"Rasa REST p50 (ms) along one {growth['sender_turns']}-turn conversation:", ""]
            out += _table(list(growth["p50_ms_by_block"]), [list(growth["p50_ms_by_block"].values())])
    if pipeline := results.get("pipeline"):
        out += ["## The pipeline alone (same turns, an instant stub in place of Rasa)", ""]
        out += turns_section(pipeline, direct=False)
    if memory := results.get("memory"):
        out += [f"## Memory after the turns (total RSS {memory['total_rss_mb']} MB)", ""]
        out += _table(
            ["process", "RSS MB", "peak RSS MB", "processes"],
            [[n, m["rss_mb"], m["peak_rss_mb"], m["processes"]] for n, m in memory["per_process"].items()],
        )
    if growth := results.get("growth"):
        out += bench_growth.markdown(growth, with_targets=False)
    if plan := results.get("plan"):
        out += bench_plan.markdown(plan)
    if wave := results.get("wave"):
        out += bench_wave.markdown(wave)
    out += ["## Targets", "", *targets(results), ""]
    return "\n".join(out)


def ack_section(ack: dict[str, Any]) -> list[str]:
    full = ack.get("full_turn_rate") or {}
    out = [
        f"## Webhook ack (open loop, {ack['seconds']} s per rate), worker {ack['worker']}",
        "",
        f"Priorities: {ack.get('priorities')}; WORKER_MAX_TURNS {ack.get('worker_max_turns')}; "
        f"LOG_LEVEL {ack.get('log_level')}. Full turn rate (the worker draining "
        f"{full.get('turns')} accepted messages, no ack load): **{full.get('turns_per_s')} turns/s**.",
        "",
    ]
    out += _table(
        ["rate/s", "achieved/s", "ok", "errors", "p50 ms", "p99 ms", "max ms", "service p99 ms",
         "client lag p99 ms", "web CPU ms/req", "machine busy %", "waiting at end of load",
         "turns/s during load", "turns/s after", "vs full rate (during / after)", "CPU ceiling",
         "backlog empty after s"],
        [
            [r["target_rate"], r["achieved_rate"], r["ok"], r["errors"],
             r["latency"]["p50_ms"], r["latency"]["p99_ms"], r["latency"]["max_ms"],
             r["service_time"]["p99_ms"], r["client_lag_p99_ms"], r.get("web_cpu_ms_per_request"),
             r["cpu"]["machine_busy_pct"], r.get("waiting_at_end_of_load"),
             d.get("during_load_turns_s"), d.get("after_load_turns_s"),
             f"{fmt(d.get('during_vs_full'), 2)} / {fmt(d.get('after_vs_full'), 2)}",
             fmt(d.get("cpu_ceiling_vs_full"), 2),
             f"{fmt(d.get('empty_after_s'))}{' (est.)' if d.get('estimated') else ''}"]
            for r in ack["runs"]
            for d in [r.get("drain") or {}]
        ],
    )  # fmt: skip
    phases = [("full rate, no load", full["cpu"])] if full.get("cpu") else []
    phases += [(f"{r['target_rate']}/s", r["cpu"]) for r in ack["runs"]]
    procs = sorted({p for _, cpu in phases for p in cpu["cpu_s"]}, key=_process_order)
    out += ["CPU seconds by process during the full-rate drain and during each load:", ""]
    out += _table(
        ["phase", "wall s", "machine busy %", *procs, "others"],
        [[name, cpu["wall_s"], cpu["machine_busy_pct"], *(cpu["cpu_s"].get(p) for p in procs),
          cpu["others_cpu_s"]] for name, cpu in phases],
    )  # fmt: skip
    out += [ACK_LEAVES_OUT, ""]
    return out


def turns_section(turns: dict[str, Any], *, direct: bool) -> list[str]:
    header = ["conc.", "turns ok", "errors", "e2e p50 ms", "e2e p99 ms", "e2e turns/s"]
    if direct:
        header += ["Rasa p50 ms", "Rasa p99 ms", "Rasa turns/s", "p50 ratio"]
    header += ["detected p50 ms", "polls/turn"]
    rows = []
    for r in turns["runs"]:
        e = r["e2e"]
        row = [r["concurrency"], e["ok"], e["errors"], e["latency"]["p50_ms"], e["latency"]["p99_ms"],
               e["throughput_turns_s"]]  # fmt: skip
        if direct:
            d = r["rasa_direct"]
            row += [d["latency"]["p50_ms"], d["latency"]["p99_ms"], d["throughput_turns_s"], r["ratio_p50"]]
        row += [e["latency_detected_by_polling"]["p50_ms"], e["polls_per_turn"]]
        rows.append(row)
    out = _table(header, rows)
    names = list(turns["runs"][0]["breakdown"]) if turns["runs"] and turns["runs"][0]["breakdown"] else []
    if names:
        out += ["Where an e2e turn's time goes (p50 ms per stage, from the app's own timestamps):", ""]
        out += _table(
            ["stage", *(f"c={r['concurrency']}" for r in turns["runs"])],
            [[name, *(r["breakdown"].get(name, {}).get("p50_ms") for r in turns["runs"])] for name in names],
        )
    kinds = ("e2e", "rasa_direct") if direct else ("e2e",)
    procs = sorted(
        {p for r in turns["runs"] for k in kinds for p in r[k]["cpu"]["cpu_s"]}, key=_process_order
    )
    cpu_rows = []
    for r in turns["runs"]:
        for kind in kinds:
            cpu, n = r[kind]["cpu"], max(r[kind]["ok"], 1)
            cpu_rows.append(
                [f"{kind} c={r['concurrency']}", cpu["wall_s"],
                 *(round(1000 * cpu["cpu_s"].get(p, 0.0) / n, 1) for p in procs),
                 round(1000 * cpu["others_cpu_s"] / n, 1), cpu["machine_busy_pct"]]
            )  # fmt: skip
    out += [
        f"CPU ms per turn by process (web CPU per reply poll: {turns['web_cpu_ms_per_poll']} ms; "
        f"idle CPU %: {turns['idle_cpu_pct']}):",
        "",
    ]
    out += _table(["run", "wall s", *procs, "others", "machine busy %"], cpu_rows)
    return out


def _process_order(name: str) -> int:
    order = ["web", "worker", "rasa", "actions", "stub", "redis-server", "bench"]
    return order.index(name) if name in order else len(order)


def write(results: dict[str, Any], name: str) -> list[Path]:
    RESULTS.mkdir(exist_ok=True)
    text = markdown(results)
    stamp = results["meta"]["started_at"].replace(":", "").replace("-", "")
    paths = []
    for base in (name, f"{name}-{stamp}"):
        for suffix, content in ((".json", json.dumps(results, indent=2, ensure_ascii=False)), (".md", text)):
            path = RESULTS / f"{base}{suffix}"
            tmp = path.with_suffix(suffix + ".tmp")
            tmp.write_text(content + "\n")
            tmp.replace(path)
            paths.append(path)
    return paths
