"""A consultant reviews documents in a real browser (Debian's Chromium driven by Playwright) against the
real stack: the person wrote on WhatsApp, their application's files (real Pillow photos and a pypdf PDF
in MEDIA_DIR) wait in the documents panel; the thumbnails load only for the logged-in consultant,
each load is audited; the consultant approves one item and sends another back with a reason, and the
person's WhatsApp conversation receives the reason's words through the worker and the fake Twilio API.
Saves docs/screenshots/console-documents.png."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect
from sqlalchemy import func, select

from bot.accounts import create_account
from bot.db.models import Contact, Conversation, DocumentItem, DocumentView, HandoffRequest
from bot.documents.content import load_documents
from bot.documents.reasons import load_rejection_reasons
from bot.handoff.rules import load_branches
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_console_ui import PASSWORD, SCREENSHOTS, _db_call
from tests.e2e.test_lesson_schedule import shifted  # noqa: F401  (the fixture, used by name below)
from tests.e2e.test_simulator_ui import CHROMIUM, FLAGS
from tests.webhooks.console.documents_seed import seed_documents

pytestmark = pytest.mark.e2e
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("shifted")  # the re-ask is proactive: the worker judges now a weekday at 10:00
async def test_consultant_sends_a_document_back_and_the_person_is_asked_again(live: Stack) -> None:
    branches = load_branches(DATA)
    branch = branches.default_branch
    phone = new_phone()
    await live.send(phone, "hola", channel="whatsapp")
    greeting = await live.wait_outbound(phone, 1, channel="whatsapp")

    async def setup(db):  # type: ignore[no-untyped-def]
        names = {b.id: b.name for b in branches.branches}
        await create_account(db, username="dora", display_name="Dora Díaz", role="consultant", branch=branch,
                             password=PASSWORD, branches=names)  # fmt: skip
        conversation = await db.scalar(
            select(Conversation).join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone, Conversation.channel == "whatsapp")
        )  # fmt: skip
        ticket = HandoffRequest(conversation_id=conversation.id, reason="documents_review", status="open",
                                branch=branch, priority=40)  # fmt: skip
        db.add(ticket)
        await db.flush()
        items = await seed_documents(
            db, conversation_id=conversation.id, contact_id=conversation.contact_id,
            media_dir=Path(live.env["MEDIA_DIR"]),
            items=[("cedula_frente", "received", "image"), ("cedula_reverso", "received", "image"),
                   ("recibo_servicio", "received", "pdf"), ("foto_negocio", "pending", None)],
        )  # fmt: skip
        return ticket.id, items

    ticket_id, items = await _db_call(live.database_url, setup)
    thumbnail = f"/console/tickets/{ticket_id}/documentos/archivos/{items['cedula_frente'].file_id}/miniatura"
    async with httpx.AsyncClient(base_url=live.web_url) as anonymous:
        refused = await anonymous.get(thumbnail)
        assert refused.status_code == 303 and "/console/login" in refused.headers["location"]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 1000})
        await page.goto(f"{live.web_url}/console/tickets/{ticket_id}")
        await expect(page).to_have_url(re.compile(r"/console/login\?next="))
        await page.fill("input[name=username]", "dora")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.goto(f"{live.web_url}/console/tickets/{ticket_id}")
        panel = page.locator("[data-testid=documentos]")
        front = panel.locator("[data-testid=documento-cedula_frente]")
        back = panel.locator("[data-testid=documento-cedula_reverso]")
        await expect(front.locator("[data-testid=estado-documento]")).to_have_text("Recibido")
        await expect(panel.locator("[data-testid=documento-foto_negocio]")).to_contain_text("Falta")
        await expect(panel.locator("[data-testid=documento-recibo_servicio]")).to_contain_text("Abrir PDF")
        image = front.locator("img.miniatura")
        await expect(image).to_be_visible()
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await image.element_handle()
        )
        assert await image.evaluate("img => img.naturalWidth") <= 320
        await page.screenshot(path=str(SCREENSHOTS / "console-documents.png"), full_page=True)

        async with page.expect_popup() as opened:  # the whole photo, on a click
            await front.locator("[data-testid=abrir]").click()
        full = await opened.value
        await full.wait_for_load_state()
        await full.close()

        await front.get_by_role("button", name="Aprobar").click()
        await expect(page.locator("[data-testid=aviso]")).to_have_text(
            "Documento aprobado: Cédula por delante."
        )
        await expect(front.locator("[data-testid=estado-documento]")).to_have_text("Aprobado")

        await back.locator("select[name=motivo]").select_option(label="No se lee")
        await back.get_by_role("button", name="Pedir de nuevo").click()
        await expect(page.locator("[data-testid=aviso]")).to_have_text(
            "Le pedimos a la persona que envíe de nuevo: Cédula por detrás."
        )
        await expect(back.locator("[data-testid=estado-documento]")).to_have_text("Rechazado: No se lee")
        ask = load_rejection_reasons(load_documents(DATA)).ask_text("illegible", "Cédula por detrás")
        assert ask.startswith("Necesitamos de nuevo: cédula por detrás. No se alcanza a leer.")
        sent = await live.wait_outbound(phone, len(greeting) + 1, channel="whatsapp")
        for _ in range(100):  # the bot's greeting may still have had parts on their way
            if ask in [message["body"] for message in sent]:
                break
            await asyncio.sleep(0.1)
            sent = await live.outbound(phone, channel="whatsapp")
        assert [message["body"] for message in sent].count(ask) == 1
        await expect(page.locator("li.asesor").last).to_contain_text("Necesitamos de nuevo", timeout=10_000)
        await browser.close()

    async def audit(db):  # type: ignore[no-untyped-def]
        photos = [items["cedula_frente"].file_id, items["cedula_reverso"].file_id]
        kinds = (await db.scalars(select(DocumentView.kind).where(DocumentView.file_id.in_(photos)))).all()
        rejected = await db.get(DocumentItem, items["cedula_reverso"].row_id)
        pdf_views = await db.scalar(
            select(func.count())
            .select_from(DocumentView)
            .where(DocumentView.file_id == items["recibo_servicio"].file_id)
        )
        return list(kinds), rejected.status, rejected.rejection_reason, pdf_views

    kinds, status, reason, pdf_views = await _db_call(live.database_url, audit)
    assert kinds.count("full") == 1 and kinds.count("thumbnail") >= 2  # two photos, shown on each page load
    assert (status, reason, pdf_views) == ("rejected", "illegible", 0)
