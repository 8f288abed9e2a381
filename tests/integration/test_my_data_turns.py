"""'¿Qué datos tienen míos?' lists what we hold (Ley 1581 art. 8): the answers in Rasa's tracker and
in the stored results, the cédula masked; the essentials within 2 SMS, the full list on WhatsApp (real
database and Redis; Rasa stood in over HTTP)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import conversations, prequal
from bot.db.models import Consent, Message, utcnow
from bot.my_data.gather import held_data
from bot.my_data.listing import whatsapp_listing
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from tests.integration.test_keyword_turns import _say
from tests.prequal_payloads import payload

PHONE = "+573004445566"
# What the person answered so far in this conversation (the form is still running).
IN_PROGRESS: dict[str, Any] = {
    "canal": "sms", "session_started_metadata": {"channel": "sms"}, "requested_slot": "sector",
    "nombre": "Yurani Osorio Gil", "edad": 29, "tipo_documento": "cc", "numero_documento": "43987654",
    "municipio": "05088", "sector": None,
}  # fmt: skip


async def held_list(runtime: Runtime, session: AsyncSession, *, contact_id: int) -> str:
    """The full list (as WhatsApp shows it) of what the database holds, without Rasa's answers."""
    held = await held_data(session, contact_id=contact_id, rasa_answers=[])
    assert held is not None
    return whatsapp_listing(held, runtime.consent.my_data, runtime.prequal, contact=runtime.consent.contact)


class TrackerRasa:
    """Rasa answering "mis datos" with the my_data command; its tracker holds the answers so far."""

    def __init__(self) -> None:
        self.trackers_read: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[{"recipient_id": "x", "custom": {"famibot_command": "my_data"}}])
        if request.url.path.endswith("/tracker"):
            self.trackers_read.append(request.url.path.split("/")[2])
            return httpx.Response(200, json={"slots": IN_PROGRESS, "events": None})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def _ask(runtime: Runtime, channel: str, rasa: TrackerRasa, *, earlier_result: bool) -> list[Message]:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel=channel, profile_name="Yura"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )
        session.add(
            Consent(
                contact_id=contact_id,
                conversation_id=conversation_id,
                accepted=True,
                channel=channel,
                message_sid="SM" + uuid.uuid4().hex,
                text_version="a" * 64,
                purposes=["x"],
                answered_at=utcnow(),
            )
        )
        if earlier_result:  # a form finished weeks ago: the tracker no longer has its other answers
            await prequal.record_evaluation(
                session,
                conversation_id=conversation_id,
                contact_id=contact_id,
                message_id=None,
                payload=payload(),
                at=utcnow(),
            )
    say = "q datos tienen mios"
    return await _say(runtime, say, rasa, phone=PHONE, channel=channel, profile_name="Yura")  # type: ignore[arg-type]


@pytest.mark.parametrize("earlier_result", [False, True])
async def test_on_sms_the_essentials_fit_two_segments_with_the_cedula_masked(
    runtime: Runtime, earlier_result: bool
) -> None:
    rasa = TrackerRasa()
    [reply] = await _ask(runtime, "sms", rasa, earlier_result=earlier_result)
    assert reply.segments is not None and reply.segments <= 2 and reply.encoding == "GSM-7"
    for said in ("Yurani Osorio Gil", "29 años", "cédula que termina en 654", "Bello"):
        assert said in reply.body, (said, reply.body)
    assert "43987654" not in reply.body and "987654" not in reply.body
    assert "WhatsApp" in reply.body and "ASESOR" in reply.body and "BORRAR MIS DATOS" in reply.body
    assert rasa.trackers_read  # the answers in progress came from Rasa


async def test_on_whatsapp_the_full_list_joins_the_tracker_and_the_stored_result(runtime: Runtime) -> None:
    [reply] = await _ask(runtime, "whatsapp", TrackerRasa(), earlier_result=True)
    body = reply.body
    # The tracker's answers win (this conversation, now); the stored result fills what it lacks.
    for said in (
        "Nombre: Yurani Osorio Gil", "Nombre en WhatsApp: Yura", "Edad: 29 años",
        "Documento: cédula que termina en 654", "Municipio del negocio: Bello", "Actividad: Comercio",
        "Tiempo del negocio: 24 meses", "Ventas al mes: $3.000.000", "comprar mercancia",
        "Monto pedido: $2.000.000", "Deudas con pagos atrasados: No", "terminado en 5566",
        "1 mensaje, 0 archivos y 1 resultado de precalificación", "aceptó el uso de sus datos",
        "BORRAR MIS DATOS",
    ):  # fmt: skip
        assert said in body, (said, body)
    assert "43987654" not in body and "1036123456" not in body and "Luz Dary" not in body
    assert json.dumps(body).count("termina en") == 1
