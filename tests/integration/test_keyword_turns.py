"""Opt-out, opt-in and help run before the bot, with the real database and Redis."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.db import conversations, messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.outbox import SendRetryLater, send_rows
from bot.runtime import Runtime
from bot.turns import take_turn
from tests.integration.claiming import claim_next_inbound
from tests.integration.test_turns import ScriptedRasa


async def _say(
    runtime: Runtime,
    body: str,
    rasa: ScriptedRasa,
    *,
    phone: str = "+573005556677",
    channel: str = "sms",
    profile_name: str | None = None,
) -> list[Message]:
    """Store ``body`` as the contact's next message, claim it as the worker does, take the turn."""
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=phone, seen_at=utcnow(), channel=channel, profile_name=profile_name
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )
        await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + uuid.uuid4().hex,
            body=body,
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
    async with runtime.sessions() as session, session.begin():
        conversation = await session.get(Conversation, conversation_id)
        contact = await session.get(Contact, contact_id)
        claimed = await claim_next_inbound(session, conversation_id=conversation_id)
    assert conversation is not None and contact is not None and claimed is not None
    return await take_turn(runtime, rasa.client(), conversation, contact, claimed[0])


async def _contact(runtime: Runtime) -> Contact:
    async with runtime.sessions() as session:
        return (await session.scalars(select(Contact))).one()


async def test_opt_out_then_silence_then_opt_in(runtime: Runtime) -> None:
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola"}], tracker_events=[])
    [waiting] = await _say(runtime, "hola", rasa)  # a normal turn first, its reply postponed (429)
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=waiting.id, status="pending")
    [confirmation] = await _say(runtime, "Parar.", rasa)
    assert confirmation.purpose == "opt_out_confirmation"
    assert confirmation.body == "Listo, no le enviaremos mas mensajes. Para volver escriba ALTA."  # GSM-7
    assert len(rasa.webhook_calls) == 1  # the keyword never reached Rasa
    contact = await _contact(runtime)
    assert contact.opted_out and contact.opt_out_reason == "keyword"
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [r.status for r in rows if r.direction == "out"] == ["canceled", "sending"]

    assert await _say(runtime, "hola otra vez", rasa) == []  # opted out: no Rasa, no reply
    assert len(rasa.webhook_calls) == 1
    async with runtime.sessions() as session:
        last = (await session.scalars(select(Message).order_by(Message.id.desc()))).first()
    assert last is not None and (last.status, last.error_detail) == ("skipped", "contact opted out")

    [help_reply] = await _say(runtime, "AYUDA", rasa)  # answered even while opted out
    assert help_reply.purpose == "help" and "PARAR" in help_reply.body

    [welcome] = await _say(runtime, "alta", rasa)
    assert welcome.purpose == "opt_in_confirmation"
    assert not (await _contact(runtime)).opted_out
    await _say(runtime, "hola", rasa)
    assert len(rasa.webhook_calls) == 2  # back to the bot


async def test_the_opt_out_confirmation_is_sent_and_nothing_else(runtime: Runtime) -> None:
    """The send policy lets the confirmation through to an opted-out contact and refuses the rest."""
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola"}], tracker_events=[])
    [confirmation] = await _say(runtime, "STOP", rasa)
    contact = await _contact(runtime)
    async with runtime.sessions() as session, session.begin():
        late = await messages.add_outbound(
            session, conversation_id=confirmation.conversation_id, reply_to_id=None, position=0, body="Tarde"
        )
    # Twilio is unreachable in this test (port 9): the confirmation is attempted, the late reply refused.
    with pytest.raises(SendRetryLater):
        await send_rows(runtime, [confirmation], contact, "sms", fresh=True)
    await send_rows(runtime, [late], contact, "sms", fresh=True)
    async with runtime.sessions() as session:
        refused = await session.get(Message, late.id)
        retried = await session.get(Message, confirmation.id)
    assert refused is not None and (refused.status, refused.error_detail) == ("refused", "contact opted out")
    assert retried is not None and retried.status == "pending"  # 429/refused connection: retried later


async def test_an_opted_out_contact_comes_back_in_plain_words_without_rasa(runtime: Runtime) -> None:
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola"}], tracker_events=[])
    await _say(runtime, "PARAR", rasa)
    assert await _say(runtime, "ya no quiero volver a recibir mensajes", rasa) == []  # still out
    assert (await _contact(runtime)).opted_out
    [welcome] = await _say(runtime, "hola, ya kiero volver a resibir los mensajes", rasa)
    assert welcome.purpose == "opt_in_confirmation" and welcome.body.startswith("Listo, de nuevo")
    assert not (await _contact(runtime)).opted_out
    assert rasa.webhook_calls == []  # matched by the gateway: Rasa never saw any of it
    await _say(runtime, "quiero volver a recibir mensajes", rasa)  # subscribed now: the bot reads it
    assert len(rasa.webhook_calls) == 1
