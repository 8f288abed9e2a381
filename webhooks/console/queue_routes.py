"""The queue page: waiting tickets (polled every few seconds), "Tomar", and "Mis conversaciones"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from bot.db.models import HandoffRequest, utcnow
from bot.handoff.console_stopgap import can_see, claim, queue, tickets_for
from webhooks.console.content import load_console_content
from webhooks.console.security import CheckedVisitorDep, Visitor, VisitorDep
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

router = APIRouter()


async def _queue_context(
    runtime: Any, visitor: Visitor, branch: str | None, reason: str | None
) -> dict[str, Any]:
    user = visitor.user
    branch = branch or None if user.is_supervisor else user.branch  # a consultant sees their branch only
    now = utcnow()
    async with runtime.sessions() as db:
        waiting = await queue(db, branch=branch, reason=reason or None, now=now)
        mine = await tickets_for(db, user=user)
    return {"user": user, "csrf": visitor.session.csrf, "waiting": waiting, "mine": mine, "now": now,
            "branch": branch or "", "reason": reason or "",
            "content": load_console_content(runtime.settings.data_dir)}  # fmt: skip


@router.get("", include_in_schema=False)
async def home(visitor: VisitorDep) -> Response:
    return RedirectResponse("/console/cola", status_code=303)


@router.get("/cola", response_class=HTMLResponse)
async def queue_page(
    request: Request, runtime: RuntimeDep, visitor: VisitorDep, sucursal: str = "", motivo: str = ""
) -> Response:
    context = await _queue_context(runtime, visitor, sucursal, motivo)
    return templates().TemplateResponse(request, "queue.html", context)


@router.get("/cola/filas", response_class=HTMLResponse)
async def queue_rows(
    request: Request, runtime: RuntimeDep, visitor: VisitorDep, sucursal: str = "", motivo: str = ""
) -> Response:
    context = await _queue_context(runtime, visitor, sucursal, motivo)
    return templates().TemplateResponse(request, "_queue_rows.html", context)


@router.post("/tickets/{ticket_id}/tomar")
async def take(request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep) -> Response:
    async with runtime.sessions() as db, db.begin():
        ticket = await db.get(HandoffRequest, ticket_id)
        if ticket is None:
            raise HTTPException(404, "Esa conversación no existe.")
        if not can_see(visitor.user, ticket):
            raise HTTPException(403, "Esa conversación es de otra sucursal.")
        result = await claim(db, ticket_id=ticket_id, user=visitor.user, at=utcnow())
    if result.ok:
        target = f"/console/tickets/{ticket_id}"
        if "hx-request" in request.headers:
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    who = result.owner_name or "otra persona"
    message = f"Ya la tomó {who}."
    if "hx-request" in request.headers:
        return HTMLResponse(f'<p class="aviso" role="alert">{escape(message)}</p>')  # htmx swaps 2xx only
    raise HTTPException(409, message)
