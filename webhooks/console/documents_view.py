"""The documents panel of a conversation: its document request (the open one, else the latest), each
item in the order it is asked for with its state in Spanish, and where its file's thumbnail and whole
file are served (webhooks/console/document_routes.py, behind login and audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import document_review as queries
from webhooks.console.content import ConsoleContent
from webhooks.console.wording import DOCUMENT_REQUEST_WORDS, DOCUMENT_STATUS_WORDS, SMS_ROUTE_WORDS


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int  # the item's row id (what the approve / reject forms post)
    item_id: str
    title: str
    status: str
    status_words: str
    reviewable: bool  # received, in a request that is not closed
    file_id: int | None = None
    file_kind: str | None = None  # image | pdf
    pages: int | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DocumentsPanel:
    request_id: int
    status: str
    status_words: str
    product: str
    rows: list[DocumentRow]
    sms_route: str | None = None
    base_url: str = ""  # /console/tickets/{id}/documentos

    def thumbnail_url(self, row: DocumentRow) -> str:
        return f"{self.base_url}/archivos/{row.file_id}/miniatura"

    def file_url(self, row: DocumentRow) -> str:
        return f"{self.base_url}/archivos/{row.file_id}"


def status_words(status: str, reason: str | None, content: ConsoleContent) -> str:
    words = DOCUMENT_STATUS_WORDS.get(status, status)
    if status == "rejected" and reason:
        words += ": " + content.rejection_reasons.get(reason, reason)
    return words


async def documents_panel(
    session: AsyncSession, *, conversation_id: int, ticket_id: int, content: ConsoleContent
) -> DocumentsPanel | None:
    request = await queries.request_of_conversation(session, conversation_id=conversation_id)
    if request is None:
        return None
    rows = []
    for item, file in await queries.items_with_files(session, request_id=request.id):
        rows.append(
            DocumentRow(
                id=item.id,
                item_id=item.item_id,
                title=content.documents.get(item.item_id, item.item_id),
                status=item.status,
                status_words=status_words(item.status, item.rejection_reason, content),
                reviewable=item.status == "received" and request.status != "closed",
                file_id=file.id if file else None,
                file_kind=file.kind if file else None,
                pages=file.pages if file else None,
                reviewed_at=item.reviewed_at,
            )
        )
    return DocumentsPanel(
        request_id=request.id,
        status=request.status,
        status_words=DOCUMENT_REQUEST_WORDS.get(request.status, request.status),
        product=content.products.get(request.product_id, request.product_id),
        rows=rows,
        sms_route=SMS_ROUTE_WORDS.get(request.sms_route or ""),
        base_url=f"/console/tickets/{ticket_id}/documentos",
    )
