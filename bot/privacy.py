"""The person's data rights (Ley 1581 de 2012): what we hold about them, and erasing it.

Erasing keeps only what the law and their own choices require: the phone number (to honour an
opt-out), the consent records (the proof of authorisation) and message metadata without content.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Consent, Contact, Conversation, HandoffRequest, Message

ERASED = "[borrado]"
BOGOTA = ZoneInfo("America/Bogota")


async def erase_personal_data(session: AsyncSession, *, contact_id: int, media_dir: Path) -> int:
    """Erase message contents, media files, profile and hand-off answers; return messages erased."""
    conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
    rows = await session.execute(
        select(Message.media).where(Message.conversation_id.in_(conversations), Message.direction == "in")
    )
    for (media,) in rows:
        for item in media or []:
            key = item.get("key") if isinstance(item, dict) else None
            if key:
                (media_dir / key).unlink(missing_ok=True)  # ID photos are sensitive: gone, not hidden
    result = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversations), Message.body != ERASED)
        .values(body=ERASED, media=[], button_payload=None, content_variables=None)
    )
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(profile_name=None, whatsapp_id=None)
    )
    await session.execute(
        update(HandoffRequest).where(HandoffRequest.conversation_id.in_(conversations)).values(answers={})
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def data_summary(session: AsyncSession, *, contact_id: int) -> str:
    """A short, plain-Spanish summary of what is stored about the person."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return "No tenemos datos suyos."
    conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
    messages = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id.in_(conversations), Message.body != ERASED)
    )
    media = await session.scalars(
        select(Message.media).where(Message.conversation_id.in_(conversations), Message.direction == "in")
    )
    files = sum(len(items or []) for items in media)
    consent = await session.scalar(
        select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.answered_at.desc()).limit(1)
    )
    if consent is None:
        consent_text = "no nos ha dado autorización"
    else:
        answer = "aceptó" if consent.accepted else "no aceptó"
        day = consent.answered_at.astimezone(BOGOTA)
        consent_text = f"{answer} el uso de sus datos el {day:%d/%m/%Y}"
    stored = f"{messages or 0} mensajes y {files} archivos"
    return (
        f"Tenemos su número terminado en {contact.phone_e164[-4:]}, {stored}. "
        f"Usted {consent_text}. Para borrarlos escriba BORRAR MIS DATOS."
    )
