"""Document-flow turns for the integration tests: people with consent, a scripted Rasa (commands as the
action server sends them), and inbound messages whose media the fake Twilio API serves (real files
made with Pillow and pypdf)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from bot.consent import load_consent
from bot.db import conversations, messages
from bot.db.models import Consent, Conversation, DocumentFile, DocumentItem, DocumentRequest, Message, utcnow
from bot.documents.content import load_documents
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from bot.turns import take_turn
from tests.conftest import ROOT
from tests.integration.claiming import claim_next_inbound
from tests.integration.fake_twilio_app import FakeTwilio
from tests.prequal_payloads import payload
from tests.unit.documents.files import darker, document, jpeg, pdf, with_noise

CONSENT = load_consent(ROOT / "data" / "consent.yml")
DOCUMENTS = load_documents(ROOT / "data")
TEXTS = DOCUMENTS.conversation
RESULT = "¡Buenas noticias, Luz! Es una precalificación, no la aprobación."
GPS_IFD = 0x8825


def photo(seed: int = 1, *, gps: bool = True) -> bytes:
    """A sharp document photo (JPEG) carrying EXIF with a GPS position and the phone's make."""
    image = with_noise(document(1600, 1200, seed=seed), 4)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (6.0, 15.0, 7.0), 3: "W", 4: (75.0, 34.0, 12.0)}
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def a_pdf(pages: int = 1) -> bytes:
    return pdf(pages)


def dark_photo() -> bytes:
    return jpeg(darker(document(seed=3), 0.1))


@dataclass
class Dialogue:
    """Rasa as the tests script it: each user message gets the next answer (replies and commands)."""

    answers: list[list[dict[str, Any]]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def then(self, *replies: dict[str, Any]) -> Dialogue:
        self.answers.append(list(replies))
        return self

    def command(self, name: str, **values: Any) -> Dialogue:
        return self.then({"custom": {"famibot_command": name, **values}})

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            self.calls.append(json.loads(request.content))
            answer = self.answers.pop(0) if self.answers else [{"text": "¿En qué le ayudo?"}]
            return httpx.Response(200, json=answer)
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"events": []})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def person(runtime: Runtime, *, phone: str, channel: str = "whatsapp", consent: bool = True) -> int:
    """A contact and conversation (with the general consent accepted); the conversation's id."""
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=phone, seen_at=utcnow(), channel=channel
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )
        if consent:
            session.add(
                Consent(
                    contact_id=contact_id,
                    conversation_id=conversation_id,
                    accepted=True,
                    channel=channel,
                    message_sid=None,
                    text_version=CONSENT.version,
                    purposes=list(CONSENT.purposes),
                    answered_at=utcnow(),
                )
            )
    return conversation_id


async def say(
    runtime: Runtime,
    dialogue: Dialogue,
    fake: FakeTwilio,
    conversation_id: int,
    *,
    body: str = "",
    files: tuple[tuple[bytes, str], ...] = (),
    button: str | None = None,
    urls: tuple[tuple[str, str], ...] = (),
) -> str:
    """One inbound message (text and/or files served by the fake Twilio API, and/or media ``urls`` as
    given: (url, content type)) through ``take_turn``; the reply rows' bodies, joined."""
    sid = ("MM" if files or urls else "SM") + uuid.uuid4().hex
    media = [
        {"url": await fake.register_media(sid, content, content_type), "content_type": content_type}
        for content, content_type in files
    ] + [{"url": url, "content_type": content_type} for url, content_type in urls]
    async with runtime.sessions() as session, session.begin():
        await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid=sid,
            body=body,
            media=media,
            button_payload=button,
            received_at=utcnow(),
        )
    async with runtime.sessions() as session, session.begin():
        conversation = await session.get(Conversation, conversation_id)
        contact = await conversations.contact_for_conversation(session, conversation_id=conversation_id)
        claimed = await claim_next_inbound(session, conversation_id=conversation_id)
    assert conversation is not None and contact is not None and claimed is not None
    rows = await take_turn(runtime, dialogue.client(), conversation, contact, claimed[0])
    return "\n\n".join(row.body or json.dumps(row.content_variables) for row in rows)


FORMAL_PRODUCT = {"monto": 10_000_000, "ventas_mensuales": 5_000_000}  # microcrédito: RUT if formal


async def prequalify(
    runtime: Runtime, dialogue: Dialogue, fake: FakeTwilio, conversation_id: int, **answers: Any
) -> str:
    """A "prequalified" result; by default for the digital credit (no RUT, no formal question)."""
    dialogue.then({"text": RESULT}, {"custom": payload(**answers)})
    return await say(runtime, dialogue, fake, conversation_id, body="si")


async def the_request(runtime: Runtime, conversation_id: int) -> DocumentRequest:
    async with runtime.sessions() as session:
        found = await session.scalar(
            select(DocumentRequest).where(DocumentRequest.conversation_id == conversation_id)
        )
    assert found is not None
    return found


async def items(runtime: Runtime, request_id: int) -> dict[str, DocumentItem]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(DocumentItem).where(DocumentItem.request_id == request_id).order_by(DocumentItem.position)
        )
        return {row.item_id: row for row in rows}


async def files(runtime: Runtime) -> list[DocumentFile]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(DocumentFile).order_by(DocumentFile.id))).all())


async def inbound_media(runtime: Runtime, conversation_id: int) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        last = await session.scalar(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.direction == "in")
            .order_by(Message.id.desc())
            .limit(1)
        )
    assert last is not None
    return last.media


def ask(item_id: str) -> str:
    item = DOCUMENTS.item(item_id)
    return TEXTS.ask.format(title=item.title, instruction=item.instruction)
