"""Queries behind the console's documents panel: what a conversation's application holds, the files a
consultant may open, who looked at them (``DocumentView``) and each item's review.

Every file and item is looked up through the conversation it belongs to: an id of another
conversation is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import DocumentFile, DocumentItem, DocumentRequest, DocumentView

OPEN_FIRST = case((DocumentRequest.status != "closed", 0), else_=1)


async def request_of_conversation(session: AsyncSession, *, conversation_id: int) -> DocumentRequest | None:
    """The conversation's open request, else its latest one."""
    return await session.scalar(
        select(DocumentRequest)
        .where(DocumentRequest.conversation_id == conversation_id)
        .order_by(OPEN_FIRST, DocumentRequest.id.desc())
        .limit(1)
    )


async def items_with_files(
    session: AsyncSession, *, request_id: int
) -> Sequence[tuple[DocumentItem, DocumentFile | None]]:
    """The request's items in the order they are asked for, each with the file that serves it now."""
    rows = await session.execute(
        select(DocumentItem, DocumentFile)
        .outerjoin(DocumentFile, DocumentFile.id == DocumentItem.file_id)
        .where(DocumentItem.request_id == request_id)
        .order_by(DocumentItem.position, DocumentItem.id)
    )
    return [(item, file) for item, file in rows.all()]


async def file_of_conversation(
    session: AsyncSession, *, file_id: int, conversation_id: int
) -> DocumentFile | None:
    return await session.scalar(
        select(DocumentFile)
        .join(DocumentRequest, DocumentRequest.id == DocumentFile.request_id)
        .where(DocumentFile.id == file_id, DocumentRequest.conversation_id == conversation_id)
    )


async def add_view(
    session: AsyncSession, *, file_id: int, conversation_id: int, user_id: int, kind: str, at: datetime
) -> DocumentView:
    view = DocumentView(file_id=file_id, conversation_id=conversation_id, user_id=user_id, kind=kind, at=at)
    session.add(view)
    await session.flush()
    return view


async def item_of_conversation(
    session: AsyncSession, *, item_row_id: int, conversation_id: int
) -> tuple[DocumentItem, DocumentRequest] | None:
    """The item (by its row id) and its request, locked for this transaction on PostgreSQL."""
    row = await session.execute(
        select(DocumentItem, DocumentRequest)
        .join(DocumentRequest, DocumentRequest.id == DocumentItem.request_id)
        .where(DocumentItem.id == item_row_id, DocumentRequest.conversation_id == conversation_id)
        .with_for_update()
    )
    found = row.first()
    return (found[0], found[1]) if found else None


async def review_item(
    session: AsyncSession,
    *,
    item: DocumentItem,
    status: str,
    reason: str | None,
    user_id: int,
    at: datetime,
) -> bool:
    """A received item becomes approved or rejected. False when it was no longer "received" (another
    consultant reviewed it first, or a new file came): nothing changes then."""
    result = await session.execute(
        update(DocumentItem)
        .where(DocumentItem.id == item.id, DocumentItem.status == "received")
        .values(status=status, rejection_reason=reason, reviewed_by=user_id, reviewed_at=at, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(item)
    return True


async def all_approved(session: AsyncSession, *, request_id: int) -> bool:
    counts = await session.execute(
        select(func.count(), func.count().filter(DocumentItem.status == "approved")).where(
            DocumentItem.request_id == request_id
        )
    )
    total, approved = counts.one()
    return bool(total) and total == approved


async def set_request_status(
    session: AsyncSession, *, request: DocumentRequest, status: str, at: datetime
) -> None:
    """closed: every item approved; collecting: an item was sent back (it must arrive again)."""
    request.status = status
    request.updated_at = at
    if status == "collecting":
        request.completed_at = None
    await session.flush()
