"""One conversation: transcript (polled), summary, notes, the reply box and what ends or moves it.

Who may see and act is decided by bot/handoff/access.py (asked here before showing a page, and again
by each action inside its transaction); what the consultant is told comes from the actions' notices
(data/handoff.yml), shown once on the next page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.db import consultant as consultant_queries
from bot.db import tickets as ticket_queries
from bot.db import users
from bot.db.models import Contact, Conversation, HandoffRequest, utcnow
from bot.documents.review import refusal_to_review
from bot.handoff.access import ActionResult, may_transfer_to, refusal_to_act, refusal_to_see
from bot.handoff.closing import close_ticket, hand_back
from bot.handoff.consultant import consultant_reply
from bot.handoff.ticket_actions import add_note, transfer
from bot.handoff.transcript import transcript
from bot.handoff.window import preview, window_state
from bot.runtime import Runtime
from webhooks.console.content import console_content
from webhooks.console.documents_view import documents_panel
from webhooks.console.lessons_view import lessons_panel
from webhooks.console.payments_view import credit_panel
from webhooks.console.security import CheckedVisitorDep, Visitor, VisitorDep, refusal_status
from webhooks.console.sessions import pop_notice, set_notice
from webhooks.console.summary_view import summary_view
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

router = APIRouter(prefix="/tickets/{ticket_id}")
Text = Annotated[str, Form(max_length=2000)]


async def _visible_ticket(runtime: Runtime, ticket_id: int, visitor: Visitor) -> HandoffRequest:
    async with runtime.sessions() as db:
        ticket = await db.get(HandoffRequest, ticket_id)
    if (refusal := refusal_to_see(ticket, visitor.user)) is not None or ticket is None:
        code = refusal or "not_found"
        raise HTTPException(refusal_status(code), getattr(runtime.consultant.notices, code))
    return ticket


async def _context(
    runtime: Runtime, ticket: HandoffRequest, visitor: Visitor, *, with_documents: bool = True
) -> dict[str, Any]:
    now, user = utcnow(), visitor.user
    async with runtime.sessions() as db:
        conversation = await db.get(Conversation, ticket.conversation_id)
        assert conversation is not None
        contact = await db.get(Contact, conversation.contact_id)
        assert contact is not None
        entries = await transcript(db, conversation_id=ticket.conversation_id)
        window = window_state(contact, conversation.channel, now)
        template_waiting = not window.open and await consultant_queries.template_waiting(
            db, conversation_id=conversation.id, since=contact.last_whatsapp_inbound_at
        )
        assignee = await ticket_queries.assignee_name(db, ticket_id=ticket.id)
        content = console_content(runtime)
        documents = (
            await documents_panel(db, conversation_id=conversation.id, ticket_id=ticket.id, content=content)
            if with_documents
            else None
        )
        credit = (
            await credit_panel(
                db,
                phone_e164=contact.phone_e164,
                ticket_id=ticket.id,
                today=now.astimezone(runtime.contact_hours.zone).date(),
            )
            if with_documents
            else None
        )
        lessons = (
            await lessons_panel(db, contact_id=contact.id, courses=runtime.lessons.courses)
            if with_documents
            else []
        )
        colleagues = [
            u for u in await users.active_users(db)
            if u.id not in (user.id, ticket.assignee_id) and may_transfer_to(user, u, ticket)
        ]  # fmt: skip
    return {"user": user, "csrf": visitor.session.csrf, "ticket": ticket, "conversation": conversation,
            "contact": contact, "entries": entries, "window": window, "template_waiting": template_waiting,
            "now": now, "colleagues": colleagues, "assignee": assignee, "content": content,
            "may_act": refusal_to_act(ticket, user) is None,
            "may_close": refusal_to_act(ticket, user, open_ok=True) is None,
            "summary": summary_view(ticket.summary, products=content.products),
            "documents": documents, "credit": credit, "lessons": lessons,
            "may_review": refusal_to_review(ticket, user) is None}  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def conversation_page(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: VisitorDep
) -> Response:
    ticket = await _visible_ticket(runtime, ticket_id, visitor)
    context = await _context(runtime, ticket, visitor)
    context["notice"] = await pop_notice(runtime.redis, sid=visitor.session.sid)
    return templates().TemplateResponse(request, "conversation.html", context)


@router.get("/mensajes", response_class=HTMLResponse)
async def transcript_rows(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: VisitorDep
) -> Response:
    ticket = await _visible_ticket(runtime, ticket_id, visitor)
    context = await _context(runtime, ticket, visitor, with_documents=False)  # polled every 2 s
    return templates().TemplateResponse(request, "_transcript.html", context)


@router.post("/vista-previa", response_class=HTMLResponse)
async def reply_preview(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, texto: Text = ""
) -> Response:
    """What an SMS would look like: folded to GSM-7 with the segment count (the rules of the send)."""
    await _visible_ticket(runtime, ticket_id, visitor)
    shown = preview(texto, "sms")
    context = {"preview": shown, "changed": shown.text != texto.strip(), "empty": not texto.strip()}
    return templates().TemplateResponse(request, "_preview.html", context)


@router.post("/responder")
async def reply(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, texto: Text = ""
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor)
    outcome = await consultant_reply(runtime, ticket_id=ticket_id, user=visitor.user, text=texto, at=utcnow())
    await set_notice(runtime.redis, sid=visitor.session.sid, text=outcome.notice)
    return _back(request, ticket_id, status=409 if outcome.kind == "refused" else 303)


@router.post("/notas")
async def note(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep, nota: Text = ""
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor)
    async with runtime.sessions() as db, db.begin():
        result = await add_note(db, ticket_id=ticket_id, user=visitor.user, body=nota, at=utcnow())
    return await _after(request, runtime, visitor, result, ticket_id, stay=True)


@router.post("/devolver")
async def give_back(
    request: Request, ticket_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor)
    result = await hand_back(runtime, ticket_id=ticket_id, user=visitor.user, at=utcnow())
    return await _after(request, runtime, visitor, result, ticket_id)


@router.post("/cerrar")
async def close(
    request: Request,
    ticket_id: int,
    runtime: RuntimeDep,
    visitor: CheckedVisitorDep,
    resultado: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor)
    result = await close_ticket(
        runtime, ticket_id=ticket_id, user=visitor.user, outcome=resultado, at=utcnow()
    )
    return await _after(request, runtime, visitor, result, ticket_id)


@router.post("/transferir")
async def hand_over(
    request: Request,
    ticket_id: int,
    runtime: RuntimeDep,
    visitor: CheckedVisitorDep,
    a: Annotated[int, Form()] = 0,
) -> Response:
    await _visible_ticket(runtime, ticket_id, visitor)
    async with runtime.sessions() as db, db.begin():
        result = await transfer(db, ticket_id=ticket_id, user=visitor.user, to_user_id=a, at=utcnow())
    return await _after(request, runtime, visitor, result, ticket_id)


async def _after(
    request: Request, runtime: Runtime, visitor: Visitor, result: ActionResult, ticket_id: int,
    *, stay: bool = False,
) -> Response:  # fmt: skip
    """The notice shows once on the next page: the conversation after a refusal or a note, else the
    queue (the conversation left the consultant's hands)."""
    if not result.ok and result.code in ("not_found", "other_branch", "not_yours"):
        raise HTTPException(refusal_status(result.code), result.notice(runtime.consultant.notices))
    await set_notice(runtime.redis, sid=visitor.session.sid, text=result.notice(runtime.consultant.notices))
    if not result.ok:
        return _back(request, ticket_id, status=409)
    return _back(request, ticket_id if stay else None)


def _back(request: Request, ticket_id: int | None, *, status: int = 303) -> Response:
    """To the conversation (or the queue). A refusal keeps its 409 for htmx and scripts; a browser's
    plain form post is sent back to the page, where the notice says why."""
    target = f"/console/tickets/{ticket_id}" if ticket_id else "/console/cola"
    if "hx-request" in request.headers:
        return Response(status_code=204 if status < 400 else status, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
