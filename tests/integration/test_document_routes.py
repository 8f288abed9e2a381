"""Document collection beyond one WhatsApp chat: SMS users' ways (a relative's WhatsApp with a code,
the office, a call), coming back to the checklist, a consultant's rejection asked again, erasure, and
files from someone with no request. Real database and Redis, the fake Twilio API serving real files."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.db.models import (
    Consent,
    DocumentFile,
    DocumentItem,
    DocumentRequest,
    DocumentView,
    Message,
    TicketEvent,
    utcnow,
)
from bot.gsm7 import fold_to_gsm7
from bot.privacy import erase_personal_data
from bot.runtime import Runtime
from bot.turns import MEDIA_ONLY_PAYLOAD
from tests.integration.documents_setup import (
    TEXTS,
    Dialogue,
    a_pdf,
    ask,
    files,
    inbound_media,
    items,
    person,
    photo,
    prequalify,
    say,
    the_request,
)
from tests.integration.fake_twilio_app import attach_fake_twilio, media_files

JPEG, PDF = "image/jpeg", "application/pdf"


def flat(text: str) -> str:
    """SMS parts joined, whitespace collapsed: sentences split across parts compare whole."""
    return " ".join(text.split())


def sms(text: str) -> str:
    return flat(fold_to_gsm7(text))


async def test_sms_routes_and_a_relatives_whatsapp_filling_the_same_checklist(runtime: Runtime) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    owner = await person(runtime, phone="+573001000010", channel="sms")
    opened = await prequalify(runtime, dialogue, fake, owner)
    assert "\n\n" not in opened  # one SMS message: the result fills the turn, a one-option pointer follows
    pointer = f"{sms(TEXTS.sms_after_result)} 1. {sms(TEXTS.sms_after_result_title)} Responda 1."
    assert flat(opened).endswith(pointer)
    said = flat(await say(runtime, dialogue.command("documents_status"), fake, owner, body="1"))
    assert dialogue.calls[-1]["message"] == "/documents_status"  # the remembered option, for Rasa
    assert sms("- Cédula por delante: falta") in said and sms(TEXTS.sms_routes) in said
    assert "1. WhatsApp de familiar" in said and "Responda 1, 2 o 3" in said
    assert sms(TEXTS.sensitive_consent) not in said  # photos cannot come by SMS: the ways first

    said = flat(
        await say(runtime, dialogue.command("documents_sms_route", route="relative"), fake, owner, body="1")
    )
    request = await the_request(runtime, owner)
    assert request.sms_route == "relative" and request.relative_code and len(request.relative_code) == 6
    assert f"FAMI-{request.relative_code}" in said and "+14155238886" in said
    assert sms(TEXTS.sensitive_consent) in said  # the owner authorises the ID photos, on SMS
    said = flat(
        await say(
            runtime, dialogue.command("documents_sensitive_consent", accepted=True), fake, owner, body="1"
        )
    )
    assert sms(TEXTS.sensitive_accepted) in said and f"FAMI-{request.relative_code}" in said

    relative = await person(runtime, phone="+573009999999", consent=False)  # any number, no consent of theirs
    calls = len(dialogue.calls)
    said = await say(runtime, dialogue, fake, relative, body=f" fami-{request.relative_code.lower()} ")
    assert said == TEXTS.relative_linked.format(name="Luz") + "\n\n" + ask("cedula_frente")
    assert len(dialogue.calls) == calls  # the gateway answered the code: Rasa never saw it
    said = await say(runtime, dialogue, fake, relative, files=((photo(31), JPEG), (photo(32), JPEG)))
    assert "Recibimos: Cédula por delante." in said and said.endswith(ask("recibo_servicio"))
    owned = await items(runtime, request.id)
    assert owned["cedula_frente"].status == owned["cedula_reverso"].status == "received"
    assert {f.request_id for f in await files(runtime)} == {request.id}

    said = await say(runtime, dialogue, fake, relative, files=((a_pdf(), PDF), (photo(33), JPEG)))
    assert "Un asesor los va a revisar" in said and (await the_request(runtime, owner)).status == "complete"
    async with runtime.sessions() as session:  # the owner, on SMS, gets the summary too
        [summary] = (
            await session.scalars(select(Message).where(Message.purpose == "documents_complete"))
        ).all()
    assert (summary.conversation_id, summary.status) == (owner, "pending")
    assert summary.body.startswith(fold_to_gsm7("Recibimos todos sus documentos"))
    assert await runtime.redis.exists(f"arq:job:drain:documents-complete:{owner}")

    stranger = await person(runtime, phone="+573008888888")
    await say(runtime, dialogue, fake, stranger, body="FAMI-ZZZZZZ")  # no such code: an ordinary message
    assert dialogue.calls[-1]["message"] == "FAMI-ZZZZZZ"

    said = flat(
        await say(runtime, dialogue.command("documents_sms_route", route="office"), fake, owner, body="2")
    )
    assert "Medellin Centro" in said and "Carrera 50 # 52-36" in said and "lunes a viernes" in said
    said = flat(
        await say(runtime, dialogue.command("documents_sms_route", route="call"), fake, owner, body="3")
    )
    assert sms(TEXTS.route_call) in said
    assert (await the_request(runtime, owner)).sms_route == "call"
    async with runtime.sessions() as session:
        events = [(e.kind, e.detail.get("reason")) for e in await session.scalars(select(TicketEvent))]
    assert events[-1] == ("requested_again", "documents_call")  # the conversation's one ticket, updated


async def test_coming_back_the_checklist_is_there_and_a_rejected_item_is_asked_again(
    runtime: Runtime,
) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573001000011")
    await prequalify(runtime, dialogue, fake, conversation_id)
    await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=True),
        fake,
        conversation_id,
        body="si",
    )
    await say(runtime, dialogue, fake, conversation_id, files=((photo(41), JPEG),))

    said = await say(
        runtime, dialogue.command("documents_status"), fake, conversation_id, body="que me falta"
    )
    assert said.startswith(TEXTS.status_header)
    assert "- Cédula por delante: recibido" in said and "- Recibo de servicios: falta" in said
    assert said.endswith(ask("cedula_reverso"))

    request = await the_request(runtime, conversation_id)
    async with runtime.sessions() as session, session.begin():  # as the console records a rejection
        await session.execute(
            update(DocumentItem)
            .where(DocumentItem.request_id == request.id, DocumentItem.item_id == "cedula_frente")
            .values(status="rejected", rejection_reason="illegible")
        )
    said = await say(runtime, dialogue.command("documents_status"), fake, conversation_id, body="como voy")
    # Why, in the consultant's reason's words (data/documents.yml rejection_reasons.illegible.label)
    assert "- Cédula por delante: hay que enviarlo de nuevo: no se lee" in said
    assert said.endswith(ask("cedula_frente"))
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(42), JPEG),))
    assert said.startswith("Recibimos: Cédula por delante.")
    front = (await items(runtime, request.id))["cedula_frente"]
    assert front.status == "received" and front.rejection_reason is None


async def test_erasure_removes_the_files_and_rows_and_keeps_who_looked(runtime: Runtime) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573001000012")
    await prequalify(runtime, dialogue, fake, conversation_id)
    await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=True),
        fake,
        conversation_id,
        body="si",
    )
    await say(
        runtime, dialogue, fake, conversation_id, files=((photo(51), JPEG), (photo(52), JPEG), (a_pdf(), PDF))
    )
    kept = await files(runtime)
    assert len(kept) == 3 and len(media_files(runtime.settings.media_dir)) == 3
    request = await the_request(runtime, conversation_id)
    async with runtime.sessions() as session, session.begin():
        session.add(
            DocumentView(file_id=kept[0].id, conversation_id=conversation_id, kind="full", at=utcnow())
        )
    async with runtime.sessions() as session, session.begin():
        await erase_personal_data(
            session, contact_id=request.contact_id, media_dir=runtime.settings.media_dir
        )
    assert media_files(runtime.settings.media_dir) == []
    async with runtime.sessions() as session:
        for model in (DocumentRequest, DocumentItem, DocumentFile):
            assert (await session.scalars(select(model))).all() == [], model
        [view] = (await session.scalars(select(DocumentView))).all()
        consents = (await session.scalars(select(Consent))).all()
    assert (view.file_id, view.kind, view.conversation_id) == (None, "full", conversation_id)
    assert {c.kind for c in consents} == {"general", "sensitive"}  # the proofs stay


async def test_a_file_without_a_request_is_kept_as_before_and_a_prequalification_offered(
    runtime: Runtime,
) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573001000013")
    said = await say(
        runtime, dialogue.command("documents_status"), fake, conversation_id, files=((photo(61), JPEG),)
    )
    assert said.startswith(TEXTS.file_kept) and TEXTS.no_request in said and "1. Empezar" in said
    [call] = dialogue.calls
    [item] = await inbound_media(runtime, conversation_id)
    assert call["message"] == MEDIA_ONLY_PAYLOAD and call["metadata"]["media"] == [item["key"]]
    assert not item.get("document") and await files(runtime) == []  # stored as media, no request
    assert fake.media_sids() == set()
