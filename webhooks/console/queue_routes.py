"""The queue page: waiting tickets (polled every few seconds), "Tomar", and "Mis conversaciones"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from bot.db.models import HandoffRequest, utcnow
from bot.handoff.access import refusal_to_see
from bot.handoff.tickets import claim, queue, tickets_for
from bot.runtime import Runtime
from webhooks.console.content import console_content
from webhooks.console.security import CheckedVisitorDep, Visitor, VisitorDep, refusal_status
from webhooks.console.sessions import pop_notice
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

router = APIRouter()


async def _queue_context(
    runtime: Runtime, visitor: Visitor, branch: str | None, reason: str | None
) -> dict[str, Any]:
    user = visitor.user
    branch = branch or None if user.is_supervisor else user.branch  # a consultant sees their branch only
    now = utcnow()
    async with runtime.sessions() as db:
        waiting = await queue(db, branch=branch, reason=reason or None, now=now, rules=runtime.handoff)
        mine = await tickets_for(db, user=user, rules=runtime.handoff)
    return {"user": user, "csrf": visitor.session.csrf, "waiting": waiting, "mine": mine, "now": now,
            "branch": branch or "", "reason": reason or "", "content": console_content(runtime)}  # fmt: skip


@router.get("", include_in_schema=False)
async def home(visitor: VisitorDep) -> Response:
    return RedirectResponse("/console/cola", status_code=303)


@router.get("/cola", response_class=HTMLResponse)
async def queue_page(
    request: Request, runtime: RuntimeDep, visitor: VisitorDep, sucursal: str = "", motivo: str = ""
) -> Response:
    context = await _queue_context(runtime, visitor, sucursal, motivo)
    context["notice"] = await pop_notice(runtime.redis, sid=visitor.session.sid)
    return templates().TemplateResponse(request, "queue.html", context)


@router.get("/cola/filas", response_class=HTMLResponse)
async def queue_rows(
    request: Request, runtime: RuntimeDep, visitor: VisitorDep, sucursal: str = "", motivo: str = ""
) -> Response:
    context = await _queue_context(runtime, visitor, sucursal, motivo)
    return templates().TemplateResponse(request, "_queue_rows.html", context)


@router.post("/tickets/{ticket_id}/tomar")
async def take(request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep) -> Response:
    notices = runtime.consultant.notices
    async with runtime.sessions() as db, db.begin():
        ticket = await db.get(HandoffRequest, ticket_id)
        if (refusal := refusal_to_see(ticket, visitor.user)) is not None:
            raise HTTPException(refusal_status(refusal), getattr(notices, refusal))
        result = await claim(db, ticket_id=ticket_id, user=visitor.user, at=utcnow())
    if result.ok:
        target = f"/console/tickets/{ticket_id}"
        if "hx-request" in request.headers:
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    message = f"Ya la tomó {result.owner_name}." if result.owner_name else notices.closed
    if "hx-request" in request.headers:
        return HTMLResponse(f'<p class="aviso" role="alert">{escape(message)}</p>')  # htmx swaps 2xx only
    raise HTTPException(409, message)
