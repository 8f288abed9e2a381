"""One conversation: transcript (polled), summary, notes, the reply box and what ends or moves it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.accounts import ConsoleUser
from bot.db import users
from bot.db.models import Contact, Conversation, HandoffRequest, utcnow
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.handoff.console_stopgap import (
    add_note,
    can_see,
    close_ticket,
    consultant_reply,
    hand_back,
    transcript,
    transfer,
    window_state,
)
from bot.runtime import Runtime
from webhooks.console.content import load_console_content
from webhooks.console.security import CheckedVisitorDep, VisitorDep
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

router = APIRouter(prefix="/tickets/{ticket_id}")
Text = Annotated[str, Form(max_length=1600)]


async def _visible_ticket(runtime: Runtime, ticket_id: int, user: ConsoleUser) -> HandoffRequest:
    async with runtime.sessions() as db:
        ticket = await db.get(HandoffRequest, ticket_id)
    if ticket is None:
        raise HTTPException(404, "Esa conversación no existe.")
    if not can_see(user, ticket):
        raise HTTPException(403, "Esa conversación es de otra sucursal.")
    return ticket


async def _owned_ticket(runtime: Runtime, ticket_id: int, user: ConsoleUser) -> HandoffRequest:
    ticket = await _visible_ticket(runtime, ticket_id, user)
    if ticket.status != "claimed" or (ticket.assignee_id != user.id and not user.is_supervisor):
        raise HTTPException(403, "Solo quien tomó la conversación puede hacer esto.")
    return ticket


async def _context(runtime: Runtime, ticket: HandoffRequest, user: ConsoleUser, csrf: str) -> dict[str, Any]:
    now = utcnow()
    async with runtime.sessions() as db:
        conversation = await db.get(Conversation, ticket.conversation_id)
        assert conversation is not None
        contact = await db.get(Contact, conversation.contact_id)
        assert contact is not None
        entries = await transcript(db, conversation_id=ticket.conversation_id)
        colleagues = [u for u in await users.active_users(db) if u.id != user.id and u.role == "consultant"]
    return {"user": user, "csrf": csrf, "ticket": ticket, "conversation": conversation, "contact": contact,
            "entries": entries, "window": window_state(contact, conversation.channel, now), "now": now,
            "colleagues": colleagues, "mine": ticket.status == "claimed" and ticket.assignee_id == user.id,
            "content": load_console_content(runtime.settings.data_dir)}  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def conversation_page(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: VisitorDep
) -> Response:
    ticket = await _visible_ticket(runtime, ticket_id, visitor.user)
    context = await _context(runtime, ticket, visitor.user, visitor.session.csrf)
    return templates().TemplateResponse(request, "conversation.html", context)


@router.get("/mensajes", response_class=HTMLResponse)
async def transcript_rows(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: VisitorDep
) -> Response:
    ticket = await _visible_ticket(runtime, ticket_id, visitor.user)
    context = await _context(runtime, ticket, visitor.user, visitor.session.csrf)
    return templates().TemplateResponse(request, "_transcript.html", context)


@router.post("/vista-previa", response_class=HTMLResponse)
async def preview(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, texto: Text = ""
) -> Response:
    """What an SMS would look like: folded to GSM-7 with the segment count (bot/gsm7.py's rules)."""
    await _visible_ticket(runtime, ticket_id, visitor.user)
    folded = fold_to_gsm7(texto)
    size = sms_size(folded)
    context = {"folded": folded, "size": size, "changed": folded != texto, "empty": not texto.strip()}
    return templates().TemplateResponse(request, "_preview.html", context)


@router.post("/responder")
async def reply(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, texto: Text = ""
) -> Response:
    await _owned_ticket(runtime, ticket_id, visitor.user)
    if not texto.strip():
        raise HTTPException(422, "Escriba un mensaje antes de enviar.")
    outcome = await consultant_reply(
        runtime, ticket_id=ticket_id, user=visitor.user, text=texto.strip(), at=utcnow()
    )
    if outcome.result == "refused":
        raise HTTPException(409, outcome.reason or "No se pudo enviar.")
    return _back(request, ticket_id)


@router.post("/notas")
async def note(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, nota: Text = ""
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor.user)
    if nota.strip():
        async with runtime.sessions() as db, db.begin():
            await add_note(db, ticket_id=ticket_id, user=visitor.user, body=nota.strip(), at=utcnow())
    return _back(request, ticket_id)


@router.post("/devolver")
async def give_back(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep
) -> Response:
    await _owned_ticket(runtime, ticket_id, visitor.user)
    await hand_back(runtime, ticket_id=ticket_id, user=visitor.user, at=utcnow())
    return _back(request, None)


@router.post("/cerrar")
async def close(
    request: Request,
    ticket_id: int,
    runtime: RuntimeDep,
    visitor: CheckedVisitorDep,
    resultado: Annotated[str, Form()] = "",
) -> Response:
    await _owned_ticket(runtime, ticket_id, visitor.user)
    if resultado not in load_console_content(runtime.settings.data_dir).outcomes:
        raise HTTPException(422, "Elija cómo terminó la conversación.")
    await close_ticket(runtime, ticket_id=ticket_id, user=visitor.user, outcome=resultado, at=utcnow())
    return _back(request, None)


@router.post("/transferir")
async def hand_over(
    request: Request,
    ticket_id: int,
    runtime: RuntimeDep,
    visitor: CheckedVisitorDep,
    a: Annotated[int, Form()] = 0,
) -> Response:
    ticket = await _owned_ticket(runtime, ticket_id, visitor.user)
    async with runtime.sessions() as db, db.begin():
        target = await users.user_by_id(db, user_id=a)
        if target is None or not target.active:
            raise HTTPException(422, "Elija a quién transferir.")
        if target.role == "consultant" and target.branch != ticket.branch and not visitor.user.is_supervisor:
            raise HTTPException(403, "Esa persona es de otra sucursal.")
        await transfer(db, ticket_id=ticket_id, user=visitor.user, to_user_id=a, at=utcnow())
    return _back(request, None)


def _back(request: Request, ticket_id: int | None) -> Response:
    target = f"/console/tickets/{ticket_id}" if ticket_id else "/console/cola"
    if "hx-request" in request.headers:
        return Response(status_code=204, headers={"HX-Redirect": target} if ticket_id is None else {})
    return RedirectResponse(target, status_code=303)
