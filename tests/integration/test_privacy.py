"""Erasing personal data and summarising it, on both databases (real sessions, real files)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.db import conversations, messages
from bot.db.models import Consent, Contact, HandoffRequest, Message, TicketEvent, User, utcnow
from bot.handoff.tickets import request_handoff
from bot.privacy import ERASED, erase_personal_data
from bot.runtime import Runtime
from tests.integration.test_my_data_turns import held_list


async def test_erase_keeps_the_number_and_the_consent_proof(runtime: Runtime, tmp_path: Path) -> None:
    photo = tmp_path / "7" / "cedula.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"jpeg")
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session,
            phone_e164="+573001234567",
            seen_at=utcnow(),
            channel="whatsapp",
            profile_name="Ana",
            whatsapp_id="573001234567",
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="whatsapp", seen_at=utcnow()
        )
        await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="MM" + "1" * 32,
            body="mi cedula",
            media=[{"url": "u", "key": "7/cedula.jpg"}],
            button_payload=None,
            received_at=utcnow(),
        )
        await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=None, position=0, body="Recibido"
        )
        ticket = await request_handoff(
            session,
            conversation_id=conversation_id,
            message_id=None,
            reason="user_asked",
            answers={"nombre": "Ana", "municipio": "05088"},
            at=utcnow(),
            rules=runtime.handoff,
        )
        consultant = User(
            username="marta", display_name="Marta", password_hash="x", role="consultant", branch="bello"
        )
        session.add(consultant)
        await session.flush()
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                conversation_id=conversation_id,
                kind="note",
                actor_id=consultant.id,
                body="Ana vende arepas en Bello; llamar el lunes",
                at=utcnow(),
            )
        )
        session.add(
            Consent(
                contact_id=contact_id,
                conversation_id=conversation_id,
                accepted=True,
                channel="whatsapp",
                message_sid="SM" + "2" * 32,
                text_version="a" * 64,
                purposes=["x"],
                answered_at=utcnow(),
            )
        )
    async with runtime.sessions() as session:
        before = await held_list(runtime, session, contact_id=contact_id)
    assert "terminado en 4567" in before and "2 mensajes y 1 archivo" in before and "aceptó" in before
    async with runtime.sessions() as session:
        request = (await session.scalars(select(HandoffRequest))).one()
    # The summary holds what the person wrote (a preview), their name and their municipality …
    assert request.summary["name"] == "Ana" and request.summary["last_messages"][0]["preview"] == "mi cedula"
    assert (request.branch, request.summary["municipality"]["name"]) == ("bello", "Bello")

    async with runtime.sessions() as session, session.begin():
        erased = await erase_personal_data(session, contact_id=contact_id, media_dir=tmp_path)
    assert erased == 2 and not photo.exists()
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(Message))).all()
        contact = await session.get(Contact, contact_id)
        request = (await session.scalars(select(HandoffRequest))).one()
        notes = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == "note"))).all()
        proof = (await session.scalars(select(Consent))).one()
        after = await held_list(runtime, session, contact_id=contact_id)
    assert {(row.body, len(row.media)) for row in rows} == {(ERASED, 0)}
    assert contact is not None and (contact.phone_e164, contact.profile_name, contact.whatsapp_id) == (
        "+573001234567",
        None,
        None,
    )
    assert request.answers == {} and proof.accepted is True  # the proof of authorisation stays
    # … erased with the rest: the ticket keeps its reason and branch, the note its author and time.
    assert request.summary == {} and (request.reason, request.branch) == ("user_asked", "bello")
    assert [(note.body, note.actor_id is not None) for note in notes] == [(ERASED, True)]
    assert "0 mensajes y 0 archivos" in after
