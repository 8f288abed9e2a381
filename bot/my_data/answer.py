"""The gateway's answer to the ``my_data`` command: what we hold, for the channel asked on."""

from __future__ import annotations

from bot.db.models import Contact, Conversation
from bot.my_data.gather import held_data
from bot.my_data.listing import Held, sms_listing, whatsapp_listing
from bot.privacy import rasa_sender_ids
from bot.rasa_client import RasaClient
from bot.runtime import Runtime


async def my_data_reply(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, contact: Contact
) -> str:
    """The essentials on SMS (within the turn's budget), the full list on WhatsApp. The answers in
    progress come from the Rasa trackers of every conversation of the person, this one first."""
    async with runtime.sessions() as session:
        senders = await rasa_sender_ids(session, contact_id=contact.id)
    ordered = [conversation.rasa_sender_id, *(s for s in senders if s != conversation.rasa_sender_id)]
    answers = [await rasa.answers(sender_id=sender) for sender in ordered]
    async with runtime.sessions() as session:
        held = await held_data(
            session, contact_id=contact.id, rasa_answers=answers, courses=runtime.lessons.courses
        )
    held = held or Held(phone_e164=contact.phone_e164)
    texts = runtime.consent.my_data
    if conversation.channel == "sms":
        budget = runtime.settings.sms_segment_budget
        return sms_listing(held, texts, runtime.prequal, segment_budget=budget)
    return whatsapp_listing(held, texts, runtime.prequal, contact=runtime.consent.contact)
