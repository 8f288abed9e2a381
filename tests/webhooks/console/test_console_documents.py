"""The documents panel on the real routes (SQLite and PostgreSQL, real Redis sessions, files made with
Pillow/pypdf in MEDIA_DIR): what the panel shows, files served only to the ticket's branch (404 for
anyone else and for unknown, foreign or erased files), one audit row per file served, and the review:
approve (the request closes when all are approved) and reject (the reason's words to the person
through the outbox, the item asked for again)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import httpx
from PIL import Image
from sqlalchemy import func, select

from bot.db.models import (
    Contact,
    Conversation,
    DocumentItem,
    DocumentRequest,
    DocumentView,
    HandoffRequest,
    Message,
    TicketEvent,
    utcnow,
)
from bot.gsm7 import fold_to_gsm7
from tests.webhooks.console.conftest import Console, csrf_of, login
from tests.webhooks.console.documents_seed import SeededItem, seed_documents

ITEMS = [
    ("cedula_frente", "received", "image"),
    ("cedula_reverso", "rejected", "image"),
    ("recibo_servicio", "received", "pdf"),
    ("foto_negocio", "pending", None),
]


async def seeded(console: Console, items: list[tuple[str, str, str | None]] = ITEMS) -> dict[str, SeededItem]:
    async with console.runtime.sessions() as db, db.begin():
        conversation = await db.get(Conversation, console.conversation_id)
        assert conversation is not None
        found = await seed_documents(db, conversation_id=conversation.id, contact_id=conversation.contact_id,
                                     media_dir=console.runtime.settings.media_dir, items=items)  # fmt: skip
        if "cedula_reverso" in found:
            item = await db.get(DocumentItem, found["cedula_reverso"].row_id)
            assert item is not None
            item.rejection_reason = "illegible"
        return found


def notice(page: httpx.Response) -> str:
    found = re.search(r'data-testid="aviso">([^<]+)<', page.text)
    return found.group(1) if found else ""


def url(
    console: Console, file_id: int | None, *, thumbnail: bool = False, ticket_id: int | None = None
) -> str:
    base = f"/console/tickets/{ticket_id or console.ticket_id}/documentos/archivos/{file_id}"
    return base + "/miniatura" if thumbnail else base


async def views(console: Console) -> list[tuple[int | None, int | None, int | None, str]]:
    async with console.runtime.sessions() as db:
        rows = await db.scalars(select(DocumentView).order_by(DocumentView.id))
        return [(view.file_id, view.conversation_id, view.user_id, view.kind) for view in rows]


async def test_the_panel_lists_items_in_order_with_their_state_thumbnail_and_pdf_link(
    console: Console,
) -> None:
    files = await seeded(console)
    async with console.client() as http:
        await login(http, "ana")
        page = (await http.get(f"/console/tickets/{console.ticket_id}")).text
    panel = page[page.index('data-testid="documentos"') :]
    titles = ["Cédula por delante", "Cédula por detrás", "Recibo de servicios", "Foto del negocio"]
    assert [panel.index(title) for title in titles] == sorted(panel.index(title) for title in titles)
    states = re.findall(r'data-testid="estado-documento">([^<]+)<', panel)
    assert states == ["Recibido", "Rechazado: No se lee", "Recibido", "Falta"]
    assert "Crédito Digital Rápido" in panel and "Completa: por revisar" in panel
    assert f'src="{url(console, files["cedula_frente"].file_id, thumbnail=True)}"' in panel
    assert f'href="{url(console, files["cedula_frente"].file_id)}"' in panel
    assert (
        f'href="{url(console, files["recibo_servicio"].file_id)}"' in panel
        and "Abrir PDF (1 página)" in panel
    )
    assert url(console, files["recibo_servicio"].file_id, thumbnail=True) not in panel  # a PDF: an icon
    # The two received items can be reviewed; the reasons come from data/documents.yml.
    assert panel.count("Aprobar</button>") == 2
    assert f"/items/{files['cedula_frente'].row_id}/rechazar" in panel
    for label in console.runtime.rejection_reasons.labels().values():
        assert label in panel
    assert await views(console) == []  # the page itself opens no file


async def test_files_are_served_to_the_branch_and_each_view_is_recorded(console: Console) -> None:
    files = await seeded(console)
    photo, bill = files["cedula_frente"], files["recibo_servicio"]
    assert photo.path is not None and bill.path is not None
    async with console.client() as http:
        await login(http, "ana")
        thumb = await http.get(url(console, photo.file_id, thumbnail=True))
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        picture = Image.open(BytesIO(thumb.content))
        assert picture.format == "JPEG" and max(picture.size) <= 320 and len(thumb.content) < 40_000
        whole = await http.get(url(console, photo.file_id))
        assert whole.content == photo.path.read_bytes() and whole.headers["content-type"] == "image/jpeg"
        pdf = await http.get(url(console, bill.file_id))
        assert pdf.content == bill.path.read_bytes() and pdf.headers["content-type"] == "application/pdf"
        for response in (thumb, whole, pdf):
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["content-disposition"] == "inline"
            assert response.headers["x-content-type-options"] == "nosniff"
        assert (await http.get(url(console, bill.file_id, thumbnail=True))).status_code == 404  # no PDF thumb
    async with console.client() as http:
        await login(http, "sara")  # a supervisor: every branch
        assert (await http.get(url(console, photo.file_id))).status_code == 200
    ana, sara = console.ids["ana"], console.ids["sara"]
    conversation = console.conversation_id
    assert await views(console) == [
        (photo.file_id, conversation, ana, "thumbnail"),
        (photo.file_id, conversation, ana, "full"),
        (bill.file_id, conversation, ana, "full"),
        (photo.file_id, conversation, sara, "full"),
    ]


async def test_without_login_nothing_is_served(console: Console) -> None:
    files = await seeded(console)
    async with console.client() as http:
        for address in (url(console, files["cedula_frente"].file_id, thumbnail=True),
                        url(console, files["cedula_frente"].file_id)):  # fmt: skip
            page = await http.get(address)
            assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
            assert b"\xff\xd8" not in page.content
            fragment = await http.get(address, headers={"HX-Request": "true"})
            assert fragment.status_code == 401
        static = await http.get("/static/console/" + str(files["cedula_frente"].path).split("/")[-1])
        assert static.status_code == 404  # no static route reaches MEDIA_DIR
    assert await views(console) == []


async def test_another_branch_unknown_foreign_and_erased_files_are_404(console: Console) -> None:
    files = await seeded(console)
    photo = files["cedula_frente"]
    async with console.runtime.sessions() as db, db.begin():  # another person's application, same branch
        contact = Contact(phone_e164="+573009998877", profile_name="Otra")
        db.add(contact)
        await db.flush()
        other = Conversation(rasa_sender_id="c-other", contact_id=contact.id, channel="whatsapp")
        db.add(other)
        await db.flush()
        db.add(
            HandoffRequest(conversation_id=other.id, reason="documents_review", status="open", branch="norte")
        )
        foreign = await seed_documents(db, conversation_id=other.id, contact_id=contact.id,
                                       media_dir=console.runtime.settings.media_dir,
                                       items=[("cedula_frente", "received", "image")], seed=9)  # fmt: skip
    async with console.client() as beto:
        await login(beto, "beto")  # branch "sur"
        for address in (url(console, photo.file_id), url(console, photo.file_id, thumbnail=True)):
            assert (await beto.get(address)).status_code == 404
        approve = f"/console/tickets/{console.ticket_id}/documentos/items/{photo.row_id}/aprobar"
        assert (await beto.post(approve, data={"csrf_token": await csrf_of(beto)})).status_code == 404
    async with console.client() as ana:
        await login(ana, "ana")
        assert (await ana.get(url(console, 999_999))).status_code == 404
        assert (await ana.get(url(console, photo.file_id, ticket_id=999_999))).status_code == 404
        # The other conversation's file, through this ticket: not found.
        assert (await ana.get(url(console, foreign["cedula_frente"].file_id))).status_code == 404
        assert photo.path is not None
        photo.path.unlink()  # erased from disk
        assert (await ana.get(url(console, photo.file_id))).status_code == 404
        assert (await ana.get(url(console, photo.file_id, thumbnail=True))).status_code == 404
    async with console.runtime.sessions() as db:
        item = await db.get(DocumentItem, photo.row_id)
        assert item is not None and item.status == "received"  # Beto's approval changed nothing
    assert await views(console) == []


async def test_approving_every_item_closes_the_request(console: Console) -> None:
    files = await seeded(
        console, [("cedula_frente", "received", "image"), ("recibo_servicio", "received", "pdf")]
    )
    base = f"/console/tickets/{console.ticket_id}/documentos/items"
    notices = console.runtime.consultant.notices
    async with console.client() as http:
        await login(http, "ana")
        csrf = await csrf_of(http)
        refused = await http.post(f"{base}/{files['cedula_frente'].row_id}/aprobar")
        assert refused.status_code == 403  # no CSRF token
        first = await http.post(f"{base}/{files['cedula_frente'].row_id}/aprobar", data={"csrf_token": csrf})
        assert first.status_code == 303 and first.headers["location"].endswith("#documentos")
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        assert notice(page) == notices.document_approved.format(item="Cédula por delante")
        again = await http.post(f"{base}/{files['cedula_frente'].row_id}/aprobar", data={"csrf_token": csrf})
        assert again.status_code == 303
        assert notice(await http.get(f"/console/tickets/{console.ticket_id}")) == (
            notices.document_not_reviewable.format(item="Cédula por delante")
        )
        async with console.runtime.sessions() as db:
            request = await db.scalar(select(DocumentRequest))
            assert request is not None and request.status == "complete"
        await http.post(f"{base}/{files['recibo_servicio'].row_id}/aprobar", data={"csrf_token": csrf})
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        assert notice(page) == notices.documents_approved.format(item="Recibo de servicios")
        assert "Aprobar</button>" not in page.text and "Cerrada" in page.text
        rows = (await http.get(f"/console/tickets/{console.ticket_id}/mensajes")).text
        assert "Aprobó un documento: Cédula por delante · Ana Pérez" in rows
        assert "Todos los documentos quedaron aprobados" in rows
    async with console.runtime.sessions() as db:
        items = (await db.scalars(select(DocumentItem).order_by(DocumentItem.position))).all()
        assert [(item.status, item.reviewed_by) for item in items] == [("approved", console.ids["ana"])] * 2
        assert all(item.reviewed_at is not None for item in items)
        request = await db.scalar(select(DocumentRequest))
        assert request is not None and request.status == "closed"
        kinds = (await db.scalars(select(TicketEvent.kind).order_by(TicketEvent.id))).all()
        assert kinds == ["document_approved", "document_approved", "documents_closed"]
        assert await db.scalar(select(func.count()).select_from(Message)) == 0  # an approval sends nothing


async def test_a_rejection_asks_the_person_again_with_the_reasons_words(console: Console) -> None:
    files = await seeded(console)
    item = files["cedula_frente"]
    reject = f"/console/tickets/{console.ticket_id}/documentos/items/{item.row_id}/rechazar"
    notices = console.runtime.consultant.notices
    async with console.client() as http:
        await login(http, "ana")
        csrf = await csrf_of(http)
        await http.post(reject, data={"csrf_token": csrf, "motivo": "inventado"})
        assert (
            notice(await http.get(f"/console/tickets/{console.ticket_id}"))
            == notices.unknown_rejection_reason
        )
        answer = await http.post(reject, data={"csrf_token": csrf, "motivo": "cut_off"})
        assert answer.status_code == 303
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        assert notice(page) == notices.document_rejected.format(item="Cédula por delante")
        states = re.findall(r'data-testid="estado-documento">([^<]+)<', page.text)
        assert states[0] == "Rechazado: Salió cortado"
        rows = (await http.get(f"/console/tickets/{console.ticket_id}/mensajes")).text
        assert "Pidió de nuevo un documento: Cédula por delante (Salió cortado) · Ana Pérez" in rows
    expected = fold_to_gsm7(console.runtime.rejection_reasons.ask_text("cut_off", "Cédula por delante"))
    assert expected.startswith("Necesitamos de nuevo: cédula por delante. En la foto falta una parte.")
    async with console.runtime.sessions() as db:
        stored = await db.get(DocumentItem, item.row_id)
        assert stored is not None
        assert (stored.status, stored.rejection_reason, stored.reviewed_by) == (
            "rejected",
            "cut_off",
            console.ids["ana"],
        )
        request = await db.scalar(select(DocumentRequest))
        assert request is not None and request.status == "collecting"  # the gateway takes a new file again
        sent = (await db.scalars(select(Message))).all()
        assert [(m.direction, m.purpose, m.status, m.body, m.author_id, m.encoding) for m in sent] == [
            ("out", "document_rejected", "pending", expected, console.ids["ana"], "GSM-7")
        ]
        event = await db.scalar(select(TicketEvent).where(TicketEvent.kind == "document_rejected"))
        assert event is not None and event.detail["message_id"] == sent[0].id
        assert (event.detail["item"], event.detail["reason"], event.actor_id) == (
            "cedula_frente",
            "cut_off",
            console.ids["ana"],
        )


async def test_on_whatsapp_after_the_window_the_rejection_waits_behind_the_template(console: Console) -> None:
    last = utcnow() - timedelta(hours=30)
    async with console.runtime.sessions() as db, db.begin():
        conversation = await db.get(Conversation, console.conversation_id)
        contact = await db.get(Contact, conversation.contact_id) if conversation else None
        assert conversation is not None and contact is not None
        conversation.channel = "whatsapp"
        contact.last_whatsapp_inbound_at = last
    files = await seeded(console)
    reject = (
        f"/console/tickets/{console.ticket_id}/documentos/items/{files['recibo_servicio'].row_id}/rechazar"
    )
    async with console.client() as http:
        await login(http, "ana")
        await http.post(reject, data={"csrf_token": await csrf_of(http), "motivo": "old_bill"})
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        notices = console.runtime.consultant.notices
        assert notice(page) == notices.document_rejected_held.format(item="Recibo de servicios")
    async with console.runtime.sessions() as db:
        sent = (await db.scalars(select(Message).order_by(Message.id))).all()
        assert [(m.purpose, m.status) for m in sent] == [
            ("document_rejected", "held"),
            ("reopen_template", "pending"),
        ]
        assert (
            "recibo de servicios" in sent[0].body and "más de 2 meses" in sent[0].body
        )  # not folded: WhatsApp


async def test_a_ticket_held_by_someone_else_is_reviewed_only_by_them(console: Console) -> None:
    files = await seeded(console)
    async with console.runtime.sessions() as db, db.begin():
        ticket = await db.get(HandoffRequest, console.ticket_id)
        assert ticket is not None
        ticket.status, ticket.assignee_id = "claimed", console.ids["sara"]
    approve = f"/console/tickets/{console.ticket_id}/documentos/items/{files['cedula_frente'].row_id}/aprobar"
    async with console.client() as http:
        await login(http, "ana")
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        assert "Aprobar</button>" not in page.text and "Recibido" in page.text  # she reads, does not act
        await http.post(approve, data={"csrf_token": await csrf_of(http)})
        assert (
            notice(await http.get(f"/console/tickets/{console.ticket_id}"))
            == console.runtime.consultant.notices.not_yours
        )
    async with console.runtime.sessions() as db:
        item = await db.get(DocumentItem, files["cedula_frente"].row_id)
        assert item is not None and item.status == "received"


async def test_an_opted_out_person_is_not_written_to_but_the_item_is_sent_back(console: Console) -> None:
    async with console.runtime.sessions() as db, db.begin():
        conversation = await db.get(Conversation, console.conversation_id)
        contact = await db.get(Contact, conversation.contact_id) if conversation else None
        assert contact is not None
        contact.opted_out_at = utcnow()
    files = await seeded(console)
    reject = f"/console/tickets/{console.ticket_id}/documentos/items/{files['cedula_frente'].row_id}/rechazar"
    async with console.client() as http:
        await login(http, "ana")
        await http.post(reject, data={"csrf_token": await csrf_of(http), "motivo": "expired"})
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        unsent = console.runtime.consultant.notices.document_rejected_unsent
        assert notice(page) == unsent.format(item="Cédula por delante")
    async with console.runtime.sessions() as db:
        assert (await db.scalars(select(Message))).all() == []
        item = await db.get(DocumentItem, files["cedula_frente"].row_id)
        assert item is not None and (item.status, item.rejection_reason) == ("rejected", "expired")
        event = await db.scalar(select(TicketEvent).where(TicketEvent.kind == "document_rejected"))
        assert event is not None and (event.detail["sent"], event.detail["why"]) == (False, "opted_out")
