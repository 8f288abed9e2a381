"""/console/supervision: the queue now and the figures of a period, as numbers and SVG bars."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.db import console_stats
from bot.db.models import utcnow
from webhooks.console.content import console_content
from webhooks.console.security import SupervisorDep
from webhooks.console.views import bars, templates
from webhooks.deps import RuntimeDep

router = APIRouter()
PERIODS = {"1": "Hoy (24 h)", "7": "7 días", "30": "30 días"}


@router.get("/supervision", response_class=HTMLResponse)
async def supervisor_page(
    request: Request, runtime: RuntimeDep, visitor: SupervisorDep, dias: str = "7"
) -> Response:
    days = dias if dias in PERIODS else "7"
    now = utcnow()
    since = now - timedelta(days=int(days))
    content = console_content(runtime)
    async with runtime.sessions() as db:
        queue_now = await console_stats.queue_now(db, now=now)
        reasons = await console_stats.tickets_by_reason(db, since=since)
        outcomes = await console_stats.tickets_by_outcome(db, since=since)
        load = await console_stats.load_per_consultant(db, since=since)
        funnel = await console_stats.funnel(db, since=since)
    context = {
        "user": visitor.user, "csrf": visitor.session.csrf, "content": content, "days": days,
        "periods": PERIODS, "now": now,
        "queue_now": queue_now, "load": load, "funnel": funnel,
        "reason_chart": bars([(content.reasons.get(r, r), n) for r, n in reasons]),
        "outcome_chart": bars([(content.outcome_label(o), n) for o, n in outcomes]),
        "load_chart": bars([(name, held) for name, held, _ in load]),
        "funnel_chart": bars(funnel.steps()),
    }  # fmt: skip
    return templates().TemplateResponse(request, "supervisor.html", context)
