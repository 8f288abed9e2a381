"""Files that arrive for a document request: fetched, checked, kept or refused, and answered by the
gateway (Rasa is not asked).

Each file is downloaded into memory (never written as it came), checked (bot/documents/check.py),
re-encoded without metadata and written under a random name (bot/documents/storage.py); its copy at
Twilio is deleted once the turn is stored. Accepted files fill the open items in order (an image never
fills a pdf-only item, nor the reverse); a file that fits none is kept aside and the person is asked
which document it is. The file rows, the items, the message's media list and the replies are stored
in one transaction: a crash before it leaves nothing but files without rows (removed on failure).
A photo that would be an ID photo before the sensitive-data consent is not fetched at all.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from bot.db import documents as db
from bot.db import messages
from bot.db.models import Conversation, DocumentFile, Message, utcnow
from bot.documents.check import Accepted, Refused, check_file
from bot.documents.completion import finish_if_complete
from bot.documents.content import Accepts, Refusal
from bot.documents.flow import Target, next_reply, standing
from bot.documents.reminders import schedule_reminder
from bot.documents.steps import assign, fillable_items, replaceable_items
from bot.documents.storage import clean_bytes, remove, write_private
from bot.documents.words import sensitive_question, which_item
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.rasa_client import BotReply
from bot.replies import add_replies
from bot.runtime import Runtime
from bot.twilio_adapter.rest import DownloadedMedia, MediaRejected
from bot.twilio_copies import delete_copies, media_copies, queue_copies, retry_due_deletions

log = get_logger(__name__)

HELD_FOR_SENSITIVE = "no_sensitive_consent"
UNASSIGNED_TTL_S = 7 * 24 * 3600
DOWNLOADS_AT_ONCE = 4  # a message's files in memory at once: at most 4 × the size limit


def unassigned_key(conversation_id: int) -> str:
    return f"famibot:documents-unassigned:{conversation_id}"


@dataclass(slots=True)
class Fetched:
    """One media item after download and check: kept (``key``) or refused (``refusal``)."""

    media: dict[str, Any]
    refusal: Refusal | None = None
    accepted: Accepted | None = None
    key: str | None = None
    size: int = 0

    @property
    def kind(self) -> Accepts:
        return "pdf" if self.accepted is not None and self.accepted.kind == "pdf" else "image"


def todo_media(message: Message) -> list[dict[str, Any]]:
    return [
        item
        for item in message.media or []
        if isinstance(item, dict)
        and not (item.get("key") or item.get("error") or item.get("held"))
        and not item.get("refused")
    ]


async def hold_for_sensitive(runtime: Runtime, conversation: Conversation, message: Message) -> list[Message]:
    """ID photos before the sensitive-data consent: not fetched, deleted at Twilio, the consent asked
    with a sentence saying the photo was not kept (send it again after answering)."""
    texts = runtime.documents.conversation
    todo = todo_media(message)
    media = [{**item, "held": HELD_FOR_SENSITIVE} if item in todo else item for item in message.media or []]
    copies = media_copies(todo)
    told = [BotReply(text=texts.sensitive_held), sensitive_question(texts)]
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message.id, media=media)
        await queue_copies(session, copies, reason="held")
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    message.media = media
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info("media held until the sensitive consent", conversation_id=conversation.id, items=len(todo))
    await _delete(runtime, copies)
    return stored


async def take_files(
    runtime: Runtime, conversation: Conversation, message: Message, target: Target
) -> list[Message]:
    """Fetch, check and keep (or refuse) the message's files; answer what each became and the next ask."""
    todo = todo_media(message)
    downloads = await _download_all(runtime, todo)
    fetched: list[Fetched] = []
    try:
        for item, download in zip(todo, downloads, strict=True):
            fetched.append(await _check(runtime, item, download))
        stored, unassigned = await _store(runtime, conversation, message, target, fetched)
    except BaseException:
        remove(runtime.settings.media_dir, [f.key for f in fetched if f.key])
        raise
    if unassigned:
        await runtime.redis.set(unassigned_key(conversation.id), json.dumps(unassigned), ex=UNASSIGNED_TTL_S)
    await _delete(runtime, media_copies(todo))
    return stored


async def _download_all(runtime: Runtime, todo: list[dict[str, Any]]) -> list[DownloadedMedia | Refusal]:
    """Download the files side by side (at most DOWNLOADS_AT_ONCE): a message whose downloads all hang
    costs one client timeout, not one per file (sequential timeouts would pass the turn's deadline)."""
    gate = asyncio.Semaphore(DOWNLOADS_AT_ONCE)

    async def one(item: dict[str, Any]) -> DownloadedMedia | Refusal:
        async with gate:
            return await _download(runtime, item)

    return list(await asyncio.gather(*(one(item) for item in todo)))


async def _download(runtime: Runtime, item: dict[str, Any]) -> DownloadedMedia | Refusal:
    try:
        return await runtime.twilio.download_media(
            str(item.get("url") or ""),
            limit_bytes=runtime.documents.limits.max_bytes,
        )
    except MediaRejected as exc:  # not Twilio's URL, a failed, cut or too slow download, too large
        log.warning("document not downloaded", reason=str(exc))
        return "too_large" if "too large" in str(exc) else "too_small_bytes"


async def _check(runtime: Runtime, item: dict[str, Any], downloaded: DownloadedMedia | Refusal) -> Fetched:
    """One file checked and kept (or refused); one at a time, as decoding a large photo takes memory."""
    limits = runtime.documents.limits
    if isinstance(downloaded, str):
        return Fetched(item, refusal=downloaded)
    verdict = await asyncio.to_thread(check_file, downloaded.content, downloaded.content_type, limits)
    if isinstance(verdict, Refused):
        log.info("document refused", reason=verdict.reason, detail=verdict.detail, kind=verdict.kind)
        return Fetched(item, refusal=verdict.reason)
    data, extension = await asyncio.to_thread(clean_bytes, verdict, limits)
    key = write_private(runtime.settings.media_dir, data, extension)
    return Fetched(item, accepted=verdict, key=key, size=len(data))


async def _store(
    runtime: Runtime, conversation: Conversation, message: Message, target: Target, fetched: list[Fetched]
) -> tuple[list[Message], list[int]]:
    documents, now = runtime.documents, utcnow()
    texts = documents.conversation
    async with runtime.sessions() as session, session.begin():
        request = await db.request_by_id(session, request_id=target.request.id, for_update=True)
        assert request is not None  # the turn holds the conversation; a closed request: next turn
        target = Target(request, target.linked)
        before = await standing(runtime, session, target, conversation)
        kept: list[tuple[Fetched, DocumentFile]] = []
        for one in fetched:
            if one.accepted is None or one.key is None:
                continue
            row = await db.record_file(session, file=_file_row(request.id, message, one))
            if row is None:
                remove(runtime.settings.media_dir, [one.key])
                one.key, one.refusal = None, "duplicate"
                continue
            kept.append((one, row))
        chosen = assign([one.kind for one, _ in kept], fillable_items(before.situation))
        rows = {row.item_id: row for row in before.rows}
        filled: dict[int, str] = {}
        unassigned: list[int] = []
        for (one, row), item in zip(kept, chosen, strict=True):
            if item is None:
                unassigned.append(row.id)
                continue
            await db.mark_received(session, item=rows[item.id], file_id=row.id, at=now)
            filled[id(one)] = item.title
        told = []
        for one in fetched:
            if one.refusal is not None:
                told.append(BotReply(text=documents.refusal_text(one.refusal)))
            elif id(one) in filled:
                told.append(BotReply(text=texts.received.format(title=filled[id(one)])))
        if filled:
            schedule_reminder(
                request, now, hours=runtime.contact_hours, reminders=runtime.documents.reminders
            )
        after = await standing(runtime, session, target, conversation)
        first_unassigned = next((one for one, row in kept if row.id in unassigned), None)
        candidates = replaceable_items(after.situation, first_unassigned.kind) if first_unassigned else []
        if first_unassigned is not None and candidates:
            told.append(which_item(texts, candidates))
        else:
            if first_unassigned is not None:
                told.append(BotReply(text=texts.fits_none))
                unassigned = []  # nothing it could be: kept with the request for the consultant
            finished = await finish_if_complete(runtime, session, target, conversation, message, at=now)
            told += finished or [await next_reply(runtime, session, after)]
        media = _media_after(message, fetched)
        await messages.set_status(session, message_id=message.id, media=media)
        await queue_copies(session, media_copies([one.media for one in fetched]), reason="downloaded")
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    message.media = media
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info(
        "documents taken",
        conversation_id=conversation.id,
        request_id=request.id,
        kept=len(kept),
        filled=len(filled),
        refused=sum(1 for one in fetched if one.refusal),
        unassigned=len(unassigned),
    )
    return stored, unassigned


def _file_row(request_id: int, message: Message, one: Fetched) -> DocumentFile:
    accepted = one.accepted
    assert accepted is not None and one.key is not None
    return DocumentFile(
        request_id=request_id,
        message_id=message.id,
        storage_key=one.key,
        sha256=accepted.sha256,
        kind=one.kind,
        content_type="application/pdf" if one.kind == "pdf" else "image/jpeg",
        bytes=one.size,
        width=accepted.width,
        height=accepted.height,
        pages=accepted.pages,
        created_at=utcnow(),
    )


def _media_after(message: Message, fetched: list[Fetched]) -> list[dict[str, Any]]:
    """The message's media list with what became of each file (a storage key, or the refusal)."""
    outcome = {id(one.media): one for one in fetched}
    media = []
    for item in message.media or []:
        one = outcome.get(id(item))
        if one is None:
            media.append(item)
        elif one.key:
            media.append({**item, "key": one.key, "document": True})
        else:
            media.append({**item, "refused": one.refusal})
    return media


async def _delete(runtime: Runtime, copies: list[tuple[str, str]]) -> None:
    if copies and await delete_copies(runtime, copies):
        await retry_due_deletions(runtime)
