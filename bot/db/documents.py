"""Document requests, their items and files (issue 11). Keyword-only functions over the caller's
session; they flush and let the caller commit.

One request that is not closed per conversation (partial unique index); one file per (request,
SHA-256) — the same file sent twice is found, not stored again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, DocumentFile, DocumentItem, DocumentRequest, DocumentView
from bot.documents.content import Item

NOT_CLOSED = ("collecting", "complete")


async def open_request(
    session: AsyncSession,
    *,
    conversation_id: int,
    contact_id: int,
    evaluation_id: int | None,
    product_id: str,
    items: Sequence[Item],
    at: datetime,
    next_reminder_at: datetime | None = None,
) -> DocumentRequest:
    """The conversation's request for this product: a new one (items pending, in order), or the one
    already open (a second pre-qualification for another product closes the old one first)."""
    existing = await request_of(session, conversation_id=conversation_id)
    if existing is not None and existing.product_id == product_id:
        return existing
    if existing is not None:
        existing.status, existing.updated_at = "closed", at
        await session.flush()
    request = DocumentRequest(
        conversation_id=conversation_id,
        contact_id=contact_id,
        evaluation_id=evaluation_id,
        product_id=product_id,
        status="collecting",
        next_reminder_at=next_reminder_at,
        created_at=at,
        updated_at=at,
    )
    session.add(request)
    await session.flush()
    for position, item in enumerate(items):
        session.add(DocumentItem(request_id=request.id, item_id=item.id, position=position, updated_at=at))
    await session.flush()
    return request


async def request_of(session: AsyncSession, *, conversation_id: int) -> DocumentRequest | None:
    """The conversation's request that is not closed, if any."""
    return await session.scalar(
        select(DocumentRequest)
        .where(DocumentRequest.conversation_id == conversation_id, DocumentRequest.status.in_(NOT_CLOSED))
        .execution_options(populate_existing=True)
    )


async def request_by_id(
    session: AsyncSession, *, request_id: int, for_update: bool = False
) -> DocumentRequest | None:
    """The request if it is not closed; ``for_update`` locks its row (PostgreSQL) so that the owner's
    turn and a relative's turn fill its items one after the other (SQLite serialises writers itself)."""
    request = await session.get(
        DocumentRequest, request_id, populate_existing=True, with_for_update=for_update
    )
    return request if request is not None and request.status in NOT_CLOSED else None


async def request_by_code(session: AsyncSession, *, code: str) -> DocumentRequest | None:
    """The request a live relative code names (its request not closed)."""
    return await session.scalar(
        select(DocumentRequest).where(
            DocumentRequest.relative_code == code, DocumentRequest.status.in_(NOT_CLOSED)
        )
    )


async def items_of(session: AsyncSession, *, request_id: int) -> list[DocumentItem]:
    found = await session.scalars(
        select(DocumentItem)
        .where(DocumentItem.request_id == request_id)
        .order_by(DocumentItem.position, DocumentItem.id)
        .execution_options(populate_existing=True)
    )
    return list(found.all())


def next_item(items: Sequence[DocumentItem]) -> DocumentItem | None:
    """The first item pending or to be sent again, in order."""
    return next((item for item in items if item.status in ("pending", "rejected")), None)


async def mark_received(session: AsyncSession, *, item: DocumentItem, file_id: int, at: datetime) -> None:
    item.status, item.file_id, item.rejection_reason, item.updated_at = "received", file_id, None, at
    await session.flush()


async def file_with_sha(session: AsyncSession, *, request_id: int, sha256: str) -> DocumentFile | None:
    return await session.scalar(
        select(DocumentFile).where(DocumentFile.request_id == request_id, DocumentFile.sha256 == sha256)
    )


async def record_file(session: AsyncSession, *, file: DocumentFile) -> DocumentFile | None:
    """Store the file's row; ``None`` when the request already has a file with its SHA-256."""
    if await file_with_sha(session, request_id=file.request_id, sha256=file.sha256) is not None:
        return None
    try:
        async with session.begin_nested():
            session.add(file)
            await session.flush()
    except IntegrityError:  # the same file in a concurrent turn (a relative's phone and the owner's)
        return None
    return file


async def set_formal(
    session: AsyncSession,
    *,
    request: DocumentRequest,
    formal: bool,
    formal_items: Sequence[Item],
    at: datetime,
) -> None:
    """Record the answer; a formal business needs its ``only_if: formal`` items (added in their order),
    an informal one does not (removed while still pending)."""
    request.formal, request.updated_at = formal, at
    items = await items_of(session, request_id=request.id)
    have = {item.item_id: item for item in items}
    if formal:
        last = max((item.position for item in items), default=-1)
        for offset, item in enumerate(it for it in formal_items if it.id not in have):
            session.add(
                DocumentItem(
                    request_id=request.id, item_id=item.id, position=last + 1 + offset, updated_at=at
                )
            )
    else:
        pending = [have[it.id].id for it in formal_items if it.id in have and have[it.id].status == "pending"]
        if pending:
            await session.execute(delete(DocumentItem).where(DocumentItem.id.in_(pending)))
    await session.flush()


async def set_sms_route(
    session: AsyncSession, *, request: DocumentRequest, route: str, code: str | None, at: datetime
) -> None:
    request.sms_route, request.updated_at = route, at
    if code and not request.relative_code:
        request.relative_code = code
    await session.flush()


async def code_taken(session: AsyncSession, *, code: str) -> bool:
    return (
        await session.scalar(select(DocumentRequest.id).where(DocumentRequest.relative_code == code))
        is not None
    )


async def complete(session: AsyncSession, *, request: DocumentRequest, at: datetime) -> None:
    request.status, request.completed_at, request.updated_at = "complete", at, at
    request.next_reminder_at = None
    await session.flush()


async def storage_keys_of_contact(session: AsyncSession, *, contact_id: int) -> list[str]:
    """Every stored document file of the contact's requests (for erasure)."""
    found = await session.scalars(
        select(DocumentFile.storage_key)
        .join(DocumentRequest, DocumentRequest.id == DocumentFile.request_id)
        .where(DocumentRequest.contact_id == contact_id)
    )
    return list(found.all())


async def delete_for_contact(session: AsyncSession, *, contact_id: int) -> int:
    """Delete the contact's requests with their items and files (rows); views keep who and when
    (their file_id becomes NULL). Returns the requests deleted."""
    requests = select(DocumentRequest.id).where(DocumentRequest.contact_id == contact_id)
    files = select(DocumentFile.id).where(DocumentFile.request_id.in_(requests))
    await session.execute(  # explicit: SQLite enforces ON DELETE only with its foreign-key pragma
        update(DocumentView).where(DocumentView.file_id.in_(files)).values(file_id=None)
    )
    await session.execute(delete(DocumentItem).where(DocumentItem.request_id.in_(requests)))
    await session.execute(delete(DocumentFile).where(DocumentFile.request_id.in_(requests)))
    result = await session.execute(delete(DocumentRequest).where(DocumentRequest.contact_id == contact_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def conversation_of(session: AsyncSession, *, request: DocumentRequest) -> Conversation | None:
    return await session.get(Conversation, request.conversation_id)
