"""The consent question asked again after answering a question the person asked instead (issue 10):
on SMS the short re-ask keeps the turn within its budget and the version shown before stays recorded;
WhatsApp shows the full text again."""

from __future__ import annotations

import pytest

from bot.consent_steps import _consent_key, _consent_recent_key, ask_consent
from bot.db import conversations, messages
from bot.db.models import Conversation, Message, utcnow
from bot.rasa_client import BotReply
from bot.runtime import Runtime

ANSWER = BotReply(
    text="En el Microcrédito Empresarial la tasa es 2,2 % mes vencido (29,84 % efectivo anual). "
    "Nunca supera la tasa de usura certificada por la Superfinanciera."
)


async def _inbound(runtime: Runtime, channel: str, sid: str) -> tuple[Conversation, Message]:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164="+573001114455", seen_at=utcnow(), channel=channel
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )
        message_id = await messages.insert_inbound(
            session, conversation_id=conversation_id, message_sid=sid, body="cuanto es el interes",
            media=[], button_payload=None, received_at=utcnow(),
        )  # fmt: skip
        assert message_id is not None
    async with runtime.sessions() as session:
        conversation, message = (
            await session.get(Conversation, conversation_id),
            await session.get(Message, message_id),
        )
        assert conversation is not None and message is not None
        return conversation, message


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_consent_asked_again_after_an_answer(runtime: Runtime, channel: str) -> None:
    conversation, first = await _inbound(runtime, channel, "SM" + "1" * 32)
    [full] = await ask_consent(runtime, conversation, first, [])
    assert runtime.consent.rendered.split(":")[0] in full.body  # "Antes de pedirle datos"
    await runtime.redis.set(_consent_key(conversation.id), "the-version-shown")
    _, second = await _inbound(runtime, channel, "SM" + "2" * 32)
    again = await ask_consent(runtime, conversation, second, [ANSWER])
    body = "\n".join(part.body for part in again)
    assert "2,2 % mes vencido" in body
    if channel == "sms":
        assert len(again) == 1 and (again[0].segments or 0) <= runtime.settings.sms_segment_budget
        assert "como le conté arriba" in body and "1. Acepto" in body
        assert await runtime.redis.get(_consent_key(conversation.id)) == b"the-version-shown"
    else:
        assert runtime.consent.rendered in body
        assert await runtime.redis.get(_consent_key(conversation.id)) == runtime.consent.version.encode()


async def test_a_reply_that_is_not_an_answer_gets_the_short_re_ask_while_the_text_is_recent_on_sms(
    runtime: Runtime,
) -> None:
    """ "q? no entiendo yo quiero es un credito" right after the consent text: not the same long text again."""
    conversation, first = await _inbound(runtime, "sms", "SM" + "3" * 32)
    [full] = await ask_consent(runtime, conversation, first, [])
    assert runtime.consent.rendered.split(":")[0] in full.body
    _, second = await _inbound(runtime, "sms", "SM" + "4" * 32)
    [short] = await ask_consent(runtime, conversation, second, [])
    assert "como le conté arriba" in short.body and "1. Acepto" in short.body
    assert runtime.consent.rendered.split(":")[0] not in short.body
    assert await runtime.redis.get(_consent_key(conversation.id)) == runtime.consent.version.encode()
    await runtime.redis.delete(_consent_recent_key(conversation.id))  # half an hour later
    _, third = await _inbound(runtime, "sms", "SM" + "5" * 32)
    [full_again] = await ask_consent(runtime, conversation, third, [])
    assert runtime.consent.rendered.split(":")[0] in full_again.body
