"""The conversation page on the real ticket functions: the summary, the WhatsApp window and the
template (the reply held, in the transcript), the actions' Spanish notices, and who may act."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select

from bot.accounts import create_account
from bot.db.models import Contact, Conversation, HandoffRequest, Message, utcnow
from bot.handoff.summary import SummaryFacts, build_summary
from tests.prequal_payloads import NAME, payload
from tests.webhooks.console.conftest import BRANCHES, PASSWORD, Console, csrf_of, login


async def whatsapp_ticket(console: Console, *, hours_since_last_message: float) -> int:
    """A WhatsApp ticket of branch "norte" whose summary comes from a real pre-qualification."""
    runtime = console.runtime
    last = utcnow() - timedelta(hours=hours_since_last_message)
    command = payload()
    facts = SummaryFacts(channel="whatsapp", profile_name="Luz", consent=(True, last), prequal_name=NAME,
                         prequal_answers=command["answers"], evaluation=command["evaluation"],
                         evaluated_at=last)  # fmt: skip
    async with runtime.sessions() as db, db.begin():
        contact = Contact(phone_e164="+573005556677", profile_name="Luz", last_inbound_at=last,
                          last_whatsapp_inbound_at=last)  # fmt: skip
        db.add(contact)
        await db.flush()
        conversation = Conversation(rasa_sender_id="c-wa-1", contact_id=contact.id, channel="whatsapp")
        db.add(conversation)
        await db.flush()
        ticket = HandoffRequest(conversation_id=conversation.id, reason="prequalified", status="open",
                                branch="norte", priority=20, requested_at=last,
                                summary=build_summary(facts, runtime.handoff))  # fmt: skip
        db.add(ticket)
        await db.flush()
        return ticket.id


def notice(page: httpx.Response) -> str:
    found = re.search(r'data-testid="aviso">([^<]+)<', page.text)
    return found.group(1) if found else ""


async def test_summary_and_the_closed_window_send_the_template_and_hold_the_reply(console: Console) -> None:
    ticket_id = await whatsapp_ticket(console, hours_since_last_message=30)
    notices = console.runtime.consultant.notices
    async with console.client() as http:
        await login(http, "ana")
        csrf = await csrf_of(http)
        queue = (await http.get("/console/cola")).text
        assert "Precalificado para un crédito" in queue  # the reason's label from data/handoff.yml
        await http.post(f"/console/tickets/{ticket_id}/tomar", data={"csrf_token": csrf})
        page = (await http.get(f"/console/tickets/{ticket_id}")).text
        for line in [NAME, "Medellín", "Comercio", "Sí autorizó", "Pre-aprobado", "Crédito Digital Rápido",
                     "cumplió todas las reglas", "Primero enviamos la plantilla aprobada",
                     "Su respuesta sale cuando la persona conteste"]:  # fmt: skip
            assert line in page, line
        first = await http.post(f"/console/tickets/{ticket_id}/responder",
                                data={"csrf_token": csrf, "texto": "Luz, ya revisé su solicitud."})  # fmt: skip
        assert first.status_code == 303
        page_after = await http.get(f"/console/tickets/{ticket_id}")
        assert notice(page_after) == notices.template_sent
        assert "ya enviamos la plantilla" in page_after.text  # the box now says the reply will wait
        rows = (await http.get(f"/console/tickets/{ticket_id}/mensajes")).text
        assert "plantilla de WhatsApp" in rows and "Luz, ya revisé su solicitud." in rows
        assert "en espera: sale cuando la persona responda la plantilla" in rows
        await http.post(f"/console/tickets/{ticket_id}/responder",
                        data={"csrf_token": csrf, "texto": "Le explico cuando conteste."})  # fmt: skip
        assert notice(await http.get(f"/console/tickets/{ticket_id}")) == notices.held
    async with console.runtime.sessions() as db:
        rows_out = (await db.scalars(select(Message).order_by(Message.id))).all()
        assert [(m.purpose, m.status) for m in rows_out] == [
            ("consultant_reply", "held"), ("reopen_template", "pending"), ("consultant_reply", "held")
        ]  # fmt: skip


async def test_open_window_says_so_and_a_reply_is_sent(console: Console) -> None:
    ticket_id = await whatsapp_ticket(console, hours_since_last_message=1)
    async with console.client() as http:
        await login(http, "ana")
        csrf = await csrf_of(http)
        await http.post(f"/console/tickets/{ticket_id}/tomar", data={"csrf_token": csrf})
        assert "Ventana de WhatsApp abierta hasta" in (await http.get(f"/console/tickets/{ticket_id}")).text
        await http.post(f"/console/tickets/{ticket_id}/responder", data={"csrf_token": csrf, "texto": "Hola"})
        page = await http.get(f"/console/tickets/{ticket_id}")
        assert notice(page) == console.runtime.consultant.notices.sent


async def test_a_colleague_of_the_branch_reads_and_notes_but_does_not_act(console: Console) -> None:
    async with console.runtime.sessions() as db, db.begin():
        await create_account(db, username="carla", display_name="Carla Ríos", role="consultant",
                             branch="norte", password=PASSWORD, branches=BRANCHES)  # fmt: skip
    ticket = f"/console/tickets/{console.ticket_id}"
    notices = console.runtime.consultant.notices
    async with console.client() as ana, console.client() as carla:
        await login(ana, "ana")
        await ana.post(f"{ticket}/tomar", data={"csrf_token": await csrf_of(ana)})
        await login(carla, "carla")
        csrf = await csrf_of(carla)
        page = (await carla.get(ticket)).text
        assert "La atiende Ana Pérez" in page and "Devolver al bot" not in page
        refused = await carla.post(f"{ticket}/responder", data={"csrf_token": csrf, "texto": "Hola"})
        assert refused.status_code == 303 and notice(await carla.get(ticket)) == notices.not_yours
        assert (await carla.post(f"{ticket}/devolver", data={"csrf_token": csrf})).status_code == 403
        await carla.post(
            f"{ticket}/notas", data={"csrf_token": csrf, "nota": "Conozco a Marta: paga puntual."}
        )
        assert notice(await carla.get(ticket)) == notices.note_saved
        assert "Conozco a Marta: paga puntual." in (await ana.get(f"{ticket}/mensajes")).text
        handed = await ana.post(f"{ticket}/devolver", data={"csrf_token": await csrf_of(ana)})
        assert handed.headers["location"] == "/console/cola"
        assert notice(await ana.get("/console/cola")) == notices.handed_back
    async with console.runtime.sessions() as db:
        assert (await db.scalars(select(Message))).all() == []  # Carla's reply stored nothing
        closed = await db.get(HandoffRequest, console.ticket_id)
        assert closed is not None and (closed.status, closed.outcome) == ("closed", "handed_back")


async def test_a_supervisor_closes_an_unclaimed_ticket_with_an_outcome(console: Console) -> None:
    ticket = f"/console/tickets/{console.ticket_id}"
    async with console.client() as http:
        await login(http, "sara")
        csrf = await csrf_of(http)
        page = (await http.get(ticket)).text
        assert "Número equivocado" in page  # outcomes from data/handoff.yml
        await http.post(f"{ticket}/cerrar", data={"csrf_token": csrf, "resultado": "inventado"})
        assert notice(await http.get(ticket)) == console.runtime.consultant.notices.unknown_outcome
        await http.post(f"{ticket}/cerrar", data={"csrf_token": csrf, "resultado": "wrong_number"})
        assert notice(await http.get("/console/cola")) == console.runtime.consultant.notices.ticket_closed
        rows = (await http.get(f"{ticket}/mensajes")).text
        assert "Cerró la conversación: Número equivocado · Sara Gómez" in rows
