"""A wave of proactive messages ready to send, as the repayment reminders' dispatcher leaves it: one
outbox row of purpose "repayment_reminder" ("pending") per person, each in their own conversation,
people with consent, on SMS or on WhatsApp inside the 24 h window; then each conversation's drain job
is enqueued. Used by the worker test of the send rate and by ``python -m bench --only wave``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.consent import load_consent
from bot.db.models import Consent, Contact, Conversation, Message, utcnow
from bot.gsm7 import sms_size
from bot.queue import enqueue_drain
from bot.runtime import Runtime
from tests.conftest import ROOT

PURPOSE = "repayment_reminder"
BODY = "Hola. Su cuota de $150.000 vence el jueves 3 de diciembre. Responda 1 para ver como pagar."
CONSENT = load_consent(ROOT / "data" / "consent.yml")
BATCH = 500


@dataclass(frozen=True, slots=True)
class WaveRow:
    message_id: int
    conversation_id: int
    channel: str
    to: str  # the Twilio "To" address


def phone(n: int) -> str:
    return f"+5731{n:08d}"


async def add_wave(runtime: Runtime, channels: Sequence[str]) -> list[WaveRow]:
    """One person, conversation and pending reminder per entry of ``channels`` ("sms" / "whatsapp")."""
    now = utcnow()
    size = sms_size(BODY)
    assert size.encoding == "GSM-7" and size.segments == 1  # an SMS reminder fits one segment
    rows: list[WaveRow] = []
    for start in range(0, len(channels), BATCH):
        async with runtime.sessions() as session, session.begin():
            batch = list(enumerate(channels))[start : start + BATCH]
            contacts = [
                Contact(
                    phone_e164=phone(n),
                    last_inbound_at=now - timedelta(hours=2),
                    last_whatsapp_inbound_at=now - timedelta(hours=2) if channel == "whatsapp" else None,
                )
                for n, channel in batch
            ]
            session.add_all(contacts)
            await session.flush()
            chats = [
                Conversation(rasa_sender_id=uuid.uuid4().hex, contact_id=contact.id, channel=channel)
                for contact, (_, channel) in zip(contacts, batch, strict=True)
            ]
            session.add_all(chats)
            await session.flush()
            session.add_all(_consent(chat, now) for chat in chats)
            outbox = [_reminder(chat, now) for chat in chats]
            session.add_all(outbox)
            await session.flush()
            for row, chat, contact in zip(outbox, chats, contacts, strict=True):
                to = f"whatsapp:{contact.phone_e164}" if chat.channel == "whatsapp" else contact.phone_e164
                rows.append(WaveRow(row.id, chat.id, chat.channel, to))
    return rows


def _consent(chat: Conversation, now: datetime) -> Consent:
    return Consent(
        contact_id=chat.contact_id, conversation_id=chat.id, accepted=True, channel=chat.channel,
        text_version=CONSENT.version, purposes=list(CONSENT.purposes), answered_at=now,
    )  # fmt: skip


def _reminder(chat: Conversation, now: datetime) -> Message:
    sms = chat.channel == "sms"
    return Message(
        conversation_id=chat.id, direction="out", body=BODY, media=[], status="pending", position=0,
        encoding="GSM-7" if sms else None, segments=1 if sms else None, purpose=PURPOSE,
        created_at=now, updated_at=now, attempts=0,
    )  # fmt: skip


async def enqueue_wave(runtime: Runtime, rows: Sequence[WaveRow]) -> None:
    """What the dispatcher does after storing the rows: each conversation's drain, all at once."""
    for row in rows:
        await enqueue_drain(
            runtime.redis, conversation_id=row.conversation_id, reason=f"wave-{row.message_id}"
        )
