"""The documents of a conversation: each kept file (a thumbnail or the whole file) and the review of
each item (approve, or send back with a reason).

A file is served only to a logged-in user who may see the ticket (its branch's consultants, any
supervisor), only if it belongs to the ticket's conversation and is still on disk, with
``Cache-Control: no-store``, ``Content-Disposition: inline`` and the type its bytes show. Every other
case — unknown ids, another branch's ticket, another conversation's file, an erased file — is a 404
(the answer does not tell whether it exists). Each file served is recorded (``DocumentView``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.db import document_review as queries
from bot.db.models import HandoffRequest, utcnow
from bot.documents.review import ACCESS_REFUSALS, ReviewOutcome, approve_item, reject_item
from bot.documents.stored import served_type, stored_path, thumbnail_jpeg
from bot.handoff.access import refusal_to_see
from bot.logs import get_logger
from bot.runtime import Runtime
from webhooks.console.security import CheckedVisitorDep, Visitor, VisitorDep
from webhooks.console.sessions import set_notice
from webhooks.deps import RuntimeDep

log = get_logger(__name__)
router = APIRouter(prefix="/tickets/{ticket_id}/documentos")
NOT_FOUND = "No encontramos este documento."
FILE_HEADERS = {"Cache-Control": "no-store", "Content-Disposition": "inline"}
ViewKind = Literal["thumbnail", "full"]


async def _seen_ticket(runtime: Runtime, ticket_id: int, visitor: Visitor) -> HandoffRequest:
    async with runtime.sessions() as db:
        ticket = await db.get(HandoffRequest, ticket_id)
    if ticket is None or refusal_to_see(ticket, visitor.user) is not None:
        raise HTTPException(404, NOT_FOUND)
    return ticket


async def _serve(
    runtime: Runtime, ticket_id: int, file_id: int, visitor: Visitor, kind: ViewKind
) -> Response:
    ticket = await _seen_ticket(runtime, ticket_id, visitor)
    conversation_id = ticket.conversation_id
    async with runtime.sessions() as db:
        found = await queries.file_of_conversation(db, file_id=file_id, conversation_id=conversation_id)
    path = stored_path(runtime.settings.media_dir, found.storage_key) if found else None
    if path is None:
        raise HTTPException(404, NOT_FOUND)
    data = await asyncio.to_thread(path.read_bytes)
    content_type = served_type(data)
    if kind == "thumbnail":
        limit = runtime.documents.limits.max_pixels
        thumbnail = await asyncio.to_thread(thumbnail_jpeg, data, max_pixels=limit)
        data, content_type = (thumbnail, "image/jpeg") if thumbnail else (b"", None)
    if content_type is None:
        raise HTTPException(404, NOT_FOUND)
    async with runtime.sessions() as db, db.begin():  # recorded before a byte is sent
        await queries.add_view(db, file_id=file_id, conversation_id=conversation_id,
                               user_id=visitor.user.id, kind=kind, at=utcnow())  # fmt: skip
    log.info("document served", ticket_id=ticket_id, file_id=file_id, kind=kind, user_id=visitor.user.id)
    return Response(data, media_type=content_type, headers=FILE_HEADERS)


@router.get("/archivos/{file_id}/miniatura")
async def thumbnail(ticket_id: int, file_id: int, runtime: RuntimeDep, visitor: VisitorDep) -> Response:
    return await _serve(runtime, ticket_id, file_id, visitor, "thumbnail")


@router.get("/archivos/{file_id}")
async def whole_file(ticket_id: int, file_id: int, runtime: RuntimeDep, visitor: VisitorDep) -> Response:
    return await _serve(runtime, ticket_id, file_id, visitor, "full")


@router.post("/items/{item_row_id}/aprobar")
async def approve(
    request: Request, ticket_id: int, item_row_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep
) -> Response:
    outcome = await approve_item(
        runtime, ticket_id=ticket_id, item_row_id=item_row_id, user=visitor.user, at=utcnow()
    )
    return await _after(request, runtime, visitor, outcome, ticket_id)


@router.post("/items/{item_row_id}/rechazar")
async def reject(
    request: Request,
    ticket_id: int,
    item_row_id: int,
    runtime: RuntimeDep,
    visitor: CheckedVisitorDep,
    motivo: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    outcome = await reject_item(
        runtime, ticket_id=ticket_id, item_row_id=item_row_id, reason=motivo, user=visitor.user, at=utcnow()
    )
    return await _after(request, runtime, visitor, outcome, ticket_id)


async def _after(
    request: Request, runtime: Runtime, visitor: Visitor, outcome: ReviewOutcome, ticket_id: int
) -> Response:
    """Back to the conversation's documents, where the notice says what happened (a refusal keeps
    409 for htmx and scripts); someone who may not see the ticket gets 404."""
    if outcome.code in ACCESS_REFUSALS:
        raise HTTPException(404, NOT_FOUND)
    notice = str(getattr(runtime.consultant.notices, outcome.code)).format(**outcome.params)
    await set_notice(runtime.redis, sid=visitor.session.sid, text=notice)
    target = f"/console/tickets/{ticket_id}#documentos"
    if "hx-request" in request.headers:
        status = 204 if outcome.ok else 409
        return Response(status_code=status, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
