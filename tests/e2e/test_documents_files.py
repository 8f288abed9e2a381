"""Documents with real files through the whole stack (issue 11): the signed webhook, the worker, the trained
model, the action server and the fake Twilio API serving Pillow/pypdf files. A WhatsApp applicant sends the
whole checklist (one dark photo sent again); an SMS applicant's relative sends it from another phone.
"""

from __future__ import annotations

import asyncio
import base64
import re
import stat
import time
import uuid
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import (
    Contact,
    Conversation,
    DocumentFile,
    DocumentItem,
    DocumentRequest,
    HandoffRequest,
)
from bot.settings import to_async_url
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_documents_dialogue import folded, prequalify, say
from tests.e2e.test_prequal import HAPPY_PATH_SMS
from tests.integration.documents_setup import DOCUMENTS, TEXTS, a_pdf, ask, dark_photo, photo

pytestmark = pytest.mark.e2e
JPEG, PDF = "image/jpeg", "application/pdf"
WAIT_S = 30
ITEMS = ["cedula_frente", "cedula_reverso", "recibo_servicio", "foto_negocio"]  # no RUT in either test
ACCEPT_SENSITIVE = '/documents_sensitive_consent{"accepted":"si"}'
NOT_FORMAL = '/documents_formal{"formal":"no"}'


async def send_files(
    live: Stack, phone: str, files: list[tuple[bytes, str]], expect: str, *, channel: str = "whatsapp"
) -> tuple[str, list[str]]:
    """One inbound message carrying ``files`` (registered as Twilio media of that message); waits until
    the bot's new messages contain ``expect``; returns them joined and the media SIDs at the fake."""
    sid = "MM" + uuid.uuid4().hex
    form: dict[str, str] = {"NumMedia": str(len(files))}
    media_sids = []
    for index, (content, content_type) in enumerate(files):
        registered = await live.http.post(
            "/fake-twilio/_control/media",
            json={
                "content_type": content_type,
                "data_b64": base64.b64encode(content).decode(),
                "message_sid": sid,
            },
        )
        assert registered.status_code == 201, registered.text
        form[f"MediaUrl{index}"] = registered.json()["url"]
        form[f"MediaContentType{index}"] = content_type
        media_sids.append(registered.json()["sid"])
    before = len(await live.outbound(phone, channel=channel))
    assert (await live.send(phone, "", channel=channel, sid=sid, **form)).status_code == 200
    return await _said_after(live, phone, before, expect, f"{len(files)} file(s)", channel), media_sids


async def tap(live: Stack, phone: str, title: str, payload: str, expect: str) -> str:
    """A tapped WhatsApp button (its payload, as Twilio posts it)."""
    before = len(await live.outbound(phone, channel="whatsapp"))
    response = await live.send(phone, title, channel="whatsapp", ButtonPayload=payload, ButtonText=title)
    assert response.status_code == 200
    return await _said_after(live, phone, before, expect, title, "whatsapp")


async def _said_after(live: Stack, phone: str, before: int, expect: str, what: str, channel: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while True:
        said = "\n".join(m["body"] for m in (await live.outbound(phone, channel=channel))[before:])
        if folded(expect) in folded(said):
            await asyncio.sleep(0.5)  # the rest of the turn
            return "\n".join(m["body"] for m in (await live.outbound(phone, channel=channel))[before:])
        assert time.monotonic() < deadline, f"after {what}: no {expect!r} in {said!r}\n{live.worker.tail()}"
        await asyncio.sleep(0.1)


async def all_said(live: Stack, phone: str, channel: str) -> str:
    return "\n".join(m["body"] for m in await live.outbound(phone, channel=channel))


async def stored(database_url: str, phone: str) -> dict[str, Any]:
    """The person's document request, its items and files, and the conversation's tickets."""
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
            assert contact is not None
            conversation = await session.scalar(
                select(Conversation).where(Conversation.contact_id == contact.id)
            )
            assert conversation is not None
            request = await session.scalar(
                select(DocumentRequest).where(DocumentRequest.contact_id == contact.id)
            )
            assert request is not None
            items = (
                await session.scalars(
                    select(DocumentItem)
                    .where(DocumentItem.request_id == request.id)
                    .order_by(DocumentItem.position)
                )
            ).all()
            files = (
                await session.scalars(
                    select(DocumentFile)
                    .where(DocumentFile.request_id == request.id)
                    .order_by(DocumentFile.id)
                )
            ).all()
            tickets = (
                await session.scalars(
                    select(HandoffRequest).where(HandoffRequest.conversation_id == conversation.id)
                )
            ).all()
            return {"request": request, "items": items, "files": files, "tickets": tickets}
    finally:
        await engine.dispose()


async def copies_at_twilio(live: Stack, sids: list[str]) -> set[str]:
    """Which of these media SIDs the fake Twilio API still holds (waits a little for the deletions)."""
    deadline = time.monotonic() + 10
    while True:
        held = {m["sid"] for m in (await live.http.get("/fake-twilio/_control/media")).json()["media"]}
        left = held & set(sids)
        if not left or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.2)


def check_kept_files(live: Stack, files: list[DocumentFile]) -> None:
    """On disk, owner-only under owner-only folders, random names, images without EXIF."""
    media_dir = live.logs / "media"
    for row in files:
        path = media_dir / row.storage_key
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, row.storage_key
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, row.storage_key
        assert row.sha256 not in row.storage_key
        if row.kind == "image":
            with Image.open(path) as image:
                assert image.format == "JPEG"
                assert dict(image.getexif()) == {} and "exif" not in image.info  # no GPS, no phone make
        else:
            assert path.read_bytes().startswith(b"%PDF-")


# test_prequal.py's answers, with sales and an amount that lead to the microcredit (its RUT item is asked
# for only when the business is formal: the formal question comes first).
MICROCREDIT = [
    (text.replace("4 millones", "5 millones").replace("2 millones", "10 millones"), expected)
    for text, expected in HAPPY_PATH_SMS
]


async def test_whatsapp_checklist_with_real_photos_and_a_dark_one_sent_again(live: Stack) -> None:
    phone = new_phone()
    for text, expected in MICROCREDIT:
        result = await say(live, phone, text, expected, channel="whatsapp")
    assert "Microcrédito Empresarial" in result
    await asyncio.sleep(1)
    opened = await all_said(live, phone, "whatsapp")
    assert TEXTS.listing in opened and "- Cédula por delante" in opened and "- Foto del negocio" in opened
    assert TEXTS.formal_question in opened and TEXTS.sensitive_consent not in opened  # one question
    informal = await tap(live, phone, TEXTS.formal_no_title, NOT_FORMAL, TEXTS.formal_no)
    assert TEXTS.sensitive_consent in informal  # then the ID-photo question
    accepted = await tap(
        live, phone, TEXTS.sensitive_accept_title, ACCEPT_SENSITIVE, TEXTS.sensitive_accepted
    )
    assert accepted.endswith(ask("cedula_frente"))

    sids: list[str] = []
    said, sent = await send_files(live, phone, [(dark_photo(), JPEG)], ask("cedula_frente"))
    assert said.startswith(DOCUMENTS.refusal_text("too_dark")) and said.endswith(ask("cedula_frente"))
    sids += sent
    said, sent = await send_files(live, phone, [(photo(31), JPEG)], ask("cedula_reverso"))
    assert said.startswith(TEXTS.received.format(title="Cédula por delante"))
    assert said.endswith(ask("cedula_reverso"))
    sids += sent
    said, sent = await send_files(  # several files in one message: the back of the cédula and the bill
        live, phone, [(photo(32), JPEG), (a_pdf(2), PDF)], ask("foto_negocio")
    )
    assert "Recibimos: Cédula por detrás." in said and "Recibimos: Recibo de servicios." in said
    sids += sent
    said, sent = await send_files(live, phone, [(photo(33), JPEG)], "no es la aprobación")
    sids += sent
    assert said.startswith(TEXTS.received.format(title="Foto del negocio"))
    assert "Recibimos todos sus documentos" in said and "Un asesor los va a revisar" in said

    state = await stored(live.database_url, phone)
    assert state["request"].status == "complete" and state["request"].completed_at is not None
    assert (state["request"].product_id, state["request"].formal) == ("microcredito_empresarial", False)
    assert [(row.item_id, row.status) for row in state["items"]] == [(i, "received") for i in ITEMS]
    files = state["files"]
    assert [row.kind for row in files] == ["image", "image", "pdf", "image"]  # the dark photo not kept
    assert {row.file_id for row in state["items"]} == {row.id for row in files}
    check_kept_files(live, files)
    [ticket] = state["tickets"]  # the prequalified ticket, now asking for the documents' review
    assert ticket.reason == "documents_review"
    assert await copies_at_twilio(live, sids) == set()  # every copy deleted, the refused one too


async def test_sms_applicant_gets_the_files_from_a_relatives_whatsapp(live: Stack) -> None:
    phone, relative = new_phone(), new_phone()
    await prequalify(live, phone, "sms")
    routes = await say(live, phone, "no tengo como mandar fotos", "WhatsApp de familiar", channel="sms")
    number = re.search(r"(\d)\. WhatsApp de familiar", routes)
    assert number, routes
    coded = await say(live, phone, number.group(1), "FAMI-", channel="sms")
    code = re.search(r"FAMI-[A-Z0-9]{6}", coded)
    assert code, coded
    # the owner authorises the ID photos (on SMS) before the relative sends them
    yes = re.search(r"(\d)\. " + re.escape(folded(TEXTS.sensitive_accept_title)), folded(coded))
    assert "autoriza" in folded(coded) and yes, coded
    await say(live, phone, yes.group(1), TEXTS.sensitive_accepted, channel="sms")

    linked = await say(live, relative, code.group(0), "Envíe aquí las fotos", channel="whatsapp")
    assert TEXTS.relative_linked.format(name="Luz") in linked and ask("cedula_frente") in linked
    said, sids = await send_files(
        live,
        relative,
        [(photo(41), JPEG), (photo(42), JPEG), (a_pdf(1), PDF), (photo(43), JPEG)],
        "no es la aprobación",
    )
    for title in ("Cédula por delante", "Cédula por detrás", "Recibo de servicios", "Foto del negocio"):
        assert TEXTS.received.format(title=title) in said

    state = await stored(live.database_url, phone)  # the request is the SMS applicant's own
    assert state["request"].status == "complete"
    assert [(row.item_id, row.status) for row in state["items"]] == [(i, "received") for i in ITEMS]
    check_kept_files(live, list(state["files"]))
    assert len(state["files"]) == 4
    [ticket] = state["tickets"]
    assert ticket.reason == "documents_review"
    assert await copies_at_twilio(live, sids) == set()
