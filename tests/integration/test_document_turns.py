"""Document collection through whole turns (issue 11): real database (SQLite and PostgreSQL), real
Redis, the fake Twilio API serving real Pillow/pypdf files, Rasa scripted with the contract's commands.
"""

from __future__ import annotations

import stat

from PIL import Image
from sqlalchemy import select

from bot.db.models import Consent, HandoffRequest, TicketEvent
from bot.runtime import Runtime
from tests.integration.documents_setup import (
    DOCUMENTS,
    FORMAL_PRODUCT,
    RESULT,
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
from tests.integration.fake_twilio_app import FakeTwilio, attach_fake_twilio, media_files

JPEG, PDF = "image/jpeg", "application/pdf"


async def test_a_full_checklist_on_whatsapp(runtime: Runtime) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573001000001")

    opened = await prequalify(runtime, dialogue, fake, conversation_id, **FORMAL_PRODUCT)
    assert opened.startswith(RESULT)
    assert TEXTS.listing in opened and "- Cédula por delante" in opened and "- Foto del negocio" in opened
    assert "- RUT" not in opened and TEXTS.formal_question in opened  # formal unknown: asked first
    request = await the_request(runtime, conversation_id)
    assert (request.status, request.product_id, request.formal) == (
        "collecting",
        "microcredito_empresarial",
        None,
    )
    assert request.next_reminder_at is not None and request.evaluation_id is not None
    assert list(await items(runtime, request.id)) == [
        "cedula_frente",
        "cedula_reverso",
        "recibo_servicio",
        "foto_negocio",
    ]

    said = await say(
        runtime, dialogue.command("documents_formal", formal=True), fake, conversation_id, body="si"
    )
    assert TEXTS.formal_yes in said and TEXTS.sensitive_consent in said  # the RUT added; ID consent next
    assert list(await items(runtime, request.id))[-1] == "rut"

    said = await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=True),
        fake,
        conversation_id,
        body="si",
    )
    assert TEXTS.sensitive_accepted in said and ask("cedula_frente") in said
    async with runtime.sessions() as session:
        [proof] = (await session.scalars(select(Consent).where(Consent.kind == "sensitive"))).all()
    assert (proof.accepted, proof.channel, proof.text_version) == (True, "whatsapp", TEXTS.sensitive_version)
    assert proof.message_sid and proof.message_sid.startswith("SM")

    calls = len(dialogue.calls)
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(1), JPEG),))
    assert said == TEXTS.received.format(title="Cédula por delante") + "\n\n" + ask("cedula_reverso")
    assert len(dialogue.calls) == calls  # the gateway answered a file; Rasa was not asked

    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(2), JPEG), (a_pdf(), PDF)))
    assert "Recibimos: Cédula por detrás." in said and "Recibimos: Recibo de servicios." in said
    assert said.endswith(ask("foto_negocio"))
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(3), JPEG),))
    assert said.endswith(ask("rut"))
    said = await say(runtime, dialogue, fake, conversation_id, files=((a_pdf(2), PDF),))

    assert (
        "Recibimos: RUT." in said and "Un asesor los va a revisar" in said and "no es la aprobación" in said
    )
    request = await the_request(runtime, conversation_id)
    assert (request.status, request.completed_at is not None) == ("complete", True)
    assert {row.status for row in (await items(runtime, request.id)).values()} == {"received"}
    async with runtime.sessions() as session:
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
        events = [(e.kind, e.detail.get("reason")) for e in await session.scalars(select(TicketEvent))]
    assert ticket.reason == "documents_review" and ticket.status == "open"  # the prequalified one, updated
    assert events == [("created", "prequalified"), ("requested_again", "documents_review")]

    kept = await files(runtime)
    assert len(kept) == 5 and {f.kind for f in kept} == {"image", "pdf"}
    assert fake.media_sids() == set()  # every copy at Twilio deleted
    paths = media_files(runtime.settings.media_dir)
    assert sorted(str(p.relative_to(runtime.settings.media_dir)) for p in paths) == sorted(
        f.storage_key for f in kept
    )
    for path in paths:
        assert (
            stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        )
        assert path.name.split(".")[0] not in {f.sha256 for f in kept} and len(path.stem) == 24  # random
        if path.suffix == ".jpg":
            with Image.open(path) as image:
                assert dict(image.getexif()) == {} and "exif" not in image.info  # no GPS, no phone make
    assert all(
        item.get("document") and item.get("key") for item in await inbound_media(runtime, conversation_id)
    )


async def _asked_for_the_front(runtime: Runtime, phone: str) -> tuple[Dialogue, int, FakeTwilio]:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone=phone)
    opened = await prequalify(runtime, dialogue, fake, conversation_id)
    assert TEXTS.sensitive_consent in opened and TEXTS.formal_question not in opened  # no RUT here
    said = await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=True),
        fake,
        conversation_id,
        body="si",
    )
    assert said.endswith(ask("cedula_frente"))
    return dialogue, conversation_id, fake


async def test_each_bad_file_gets_its_own_sentence_and_the_same_ask_again(runtime: Runtime) -> None:
    from tests.integration.documents_setup import dark_photo
    from tests.unit.documents.files import blurred, document, encode, jpeg, png_header

    dialogue, conversation_id, fake = await _asked_for_the_front(runtime, "+573001000002")
    blank = jpeg(Image.new("RGB", (1600, 1200), (240, 240, 240)))
    cases = [
        ("too_dark", dark_photo(), JPEG),
        ("blank", blank, JPEG),
        ("blurred", jpeg(blurred(document(seed=5), 6)), JPEG),
        ("too_small_image", jpeg(document(400, 300, seed=6)), JPEG),
        ("unreadable", photo(7)[:5000], JPEG),  # a cut download
        ("unsupported_type", b"GIF89a" + bytes(4000), "image/gif"),
        ("too_many_pixels", png_header(9000, 9000), "image/png"),
        ("pdf_too_many_pages", a_pdf(DOCUMENTS.limits.pdf_max_pages + 1), PDF),
        ("too_small_bytes", encode(Image.new("RGB", (8, 8)), "PNG"), "image/png"),
    ]
    for reason, content, content_type in cases:
        said = await say(runtime, dialogue, fake, conversation_id, files=((content, content_type),))
        assert said == DOCUMENTS.refusal_text(reason) + "\n\n" + ask("cedula_frente"), reason  # type: ignore[arg-type]
        [item] = await inbound_media(runtime, conversation_id)
        assert item["refused"] == reason and "key" not in item
    assert await files(runtime) == [] and media_files(runtime.settings.media_dir) == []
    assert fake.media_sids() == set()  # refused files are deleted at Twilio too


async def test_the_same_file_twice_is_recognised(runtime: Runtime) -> None:
    dialogue, conversation_id, fake = await _asked_for_the_front(runtime, "+573001000003")
    same = photo(11)
    await say(runtime, dialogue, fake, conversation_id, files=((same, JPEG),))
    said = await say(runtime, dialogue, fake, conversation_id, files=((same, JPEG),))
    assert said == DOCUMENTS.refusal_text("duplicate") + "\n\n" + ask("cedula_reverso")
    assert len(await files(runtime)) == 1 and len(media_files(runtime.settings.media_dir)) == 1
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(12), JPEG), (photo(12), JPEG)))
    assert said.startswith("Recibimos: Cédula por detrás.") and DOCUMENTS.refusal_text("duplicate") in said


async def test_a_file_that_fits_no_open_item_is_asked_about_and_filed_by_the_answer(runtime: Runtime) -> None:
    dialogue, conversation_id, fake = await _asked_for_the_front(runtime, "+573001000004")
    request = await the_request(runtime, conversation_id)
    await say(runtime, dialogue, fake, conversation_id, files=((a_pdf(1), PDF),))  # fills the bill
    assert (await items(runtime, request.id))["recibo_servicio"].status == "received"
    said = await say(runtime, dialogue, fake, conversation_id, files=((a_pdf(3), PDF),))  # only photos open
    assert TEXTS.which_item in said and "Recibo de servicios" in said
    second = (await files(runtime))[-1]
    assert (await items(runtime, request.id))["recibo_servicio"].file_id != second.id
    said = await say(runtime, dialogue, fake, conversation_id, body="1")  # the numbered option
    assert said.startswith(TEXTS.assigned.format(title="Recibo de servicios")) and said.endswith(
        ask("cedula_frente")
    )
    assert (await items(runtime, request.id))["recibo_servicio"].file_id == second.id


async def test_an_id_photo_before_the_sensitive_consent_is_not_kept(runtime: Runtime) -> None:
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573001000005")
    said = await prequalify(runtime, dialogue, fake, conversation_id)
    assert TEXTS.sensitive_consent in said
    fake.requests.clear()
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(21), JPEG),))
    assert said.startswith(TEXTS.sensitive_held) and TEXTS.sensitive_consent in said
    assert [method for method, _ in fake.requests] == ["DELETE"]  # never downloaded
    assert fake.media_sids() == set() and media_files(runtime.settings.media_dir) == []
    assert [item["held"] for item in await inbound_media(runtime, conversation_id)] == [
        "no_sensitive_consent"
    ]

    said = await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=False),
        fake,
        conversation_id,
        body="no",
    )
    assert TEXTS.sensitive_declined in said and "Medellín Centro" in said  # the office of Medellín (05001)
    assert said.endswith(ask("recibo_servicio"))  # ID photos skipped: the bill comes next
    said = await say(runtime, dialogue, fake, conversation_id, files=((photo(22), JPEG), (photo(23), JPEG)))
    assert "Recibimos: Recibo de servicios." in said and "Recibimos: Foto del negocio." in said
    assert TEXTS.sensitive_elsewhere in said  # only the ID is missing: the other ways, no dead end
