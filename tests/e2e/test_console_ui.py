"""The consultant console in a real browser (Debian's Chromium driven by Playwright) against the real
stack: a consultant of the ticket's branch (a new contact without a municipality goes to the default
branch of data/branches.yml) sees it appear live with its Spanish reason, claims it, answers (the reply
reaches the fake Twilio API and its status shows), the person's next message shows live with no bot
reply, and after the hand-back the bot answers; then a supervisor opens the supervisor page.
Saves the screenshots linked from the README (docs/screenshots/)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect
from sqlalchemy import func, select

from bot.accounts import create_account
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Contact, Conversation, HandoffRequest
from bot.handoff.rules import load_branches
from bot.settings import Settings
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_simulator_ui import CHROMIUM, FLAGS

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "clave-de-prueba-larga"
DATA = Path(__file__).resolve().parents[2] / "data"


async def _db_call(database_url: str, work):  # type: ignore[no-untyped-def]
    engine = make_engine(Settings(app_env="test", database_url=database_url))
    try:
        async with make_session_factory(engine)() as db, db.begin():
            return await work(db)
    finally:
        await engine.dispose()


async def _waiting_tickets(database_url: str) -> int:
    async def count(db):  # type: ignore[no-untyped-def]
        return await db.scalar(
            select(func.count()).select_from(HandoffRequest).where(HandoffRequest.status == "open")
        )

    return int(await _db_call(database_url, count))


async def _ticket_of(database_url: str, phone: str) -> int | None:
    async def find(db):  # type: ignore[no-untyped-def]
        return await db.scalar(
            select(HandoffRequest.id)
            .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone)
        )

    return await _db_call(database_url, find)


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
async def test_consultant_takes_answers_and_hands_back(live: Stack) -> None:
    branches = load_branches(DATA)
    default = branches.default_branch  # where a contact with no municipality is served

    async def accounts(db):  # type: ignore[no-untyped-def]
        names = {branch.id: branch.name for branch in branches.branches}
        await create_account(db, username="carla", display_name="Carla Ríos", role="consultant",
                             branch=default, password=PASSWORD, branches=names)  # fmt: skip
        await create_account(db, username="sara", display_name="Sara Gómez", role="supervisor", branch=None,
                             password=PASSWORD, branches=names)  # fmt: skip

    await _db_call(live.database_url, accounts)
    phone = new_phone()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 420, "height": 900})  # a phone in the field
        await page.goto(f"{live.web_url}/console/cola")
        await expect(page).to_have_url(re.compile(r"/console/login\?next="))
        await page.fill("input[name=username]", "carla")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page).to_have_url(re.compile(r"/console/cola$"))

        await live.send(phone, "hola")
        await live.wait_outbound(phone, 1)
        await live.send(phone, "quiero hablar con un asesor")
        await live.wait_outbound(phone, 2)
        ticket_id = await _ticket_of(live.database_url, phone)
        assert ticket_id is not None
        row = page.locator(f"li.ticket[data-ticket='{ticket_id}']")
        await expect(row).to_be_visible(timeout=10_000)  # appeared without reloading (htmx polling)
        await expect(row).to_contain_text("Pidió hablar con un asesor")  # data/handoff.yml's label
        await page.screenshot(path=str(SCREENSHOTS / "console-queue.png"), full_page=True)

        await row.get_by_role("button", name="Tomar").click()
        await expect(page).to_have_url(re.compile(rf"/console/tickets/{ticket_id}$"))
        await expect(page.locator("[data-testid=resumen]")).to_contain_text("Autorización de datos")
        await page.fill("textarea[name=texto]", "Hola, soy Carla. ¿Está bien si le ayudo?")
        await expect(page.locator("[data-testid=segmentos]")).to_contain_text(
            "1 parte · 40 caracteres · GSM-7"
        )
        await page.get_by_role("button", name="Enviar").click()
        sent = await live.wait_outbound(phone, 3)
        assert sent[2]["body"] == "Hola, soy Carla. ¿Esta bien si le ayudo?"  # folded to GSM-7, as previewed
        await expect(page.locator("[data-testid=aviso]")).to_have_text("Mensaje enviado.")
        consultant = page.locator("li.asesor").last
        await expect(consultant.locator("[data-testid=estado]")).to_have_text(
            re.compile("enviado|entregado|leído"), timeout=10_000
        )

        await live.send(phone, "Necesito saber cuánto debo")
        await expect(page.locator("li.persona").last).to_contain_text("cuánto debo", timeout=10_000)
        await asyncio.sleep(3)
        assert len(await live.outbound(phone)) == 3  # the bot stays silent while Carla owns it
        await page.screenshot(path=str(SCREENSHOTS / "console-conversation.png"), full_page=True)

        await page.get_by_role("button", name="Devolver al bot").click()
        await expect(page).to_have_url(re.compile(r"/console/cola$"))
        await expect(page.locator("[data-testid=aviso]")).to_have_text("El bot sigue la conversación.")
        await live.send(phone, "hola")
        await live.wait_outbound(phone, 4)  # the bot answers again

        response = await page.goto(f"{live.web_url}/console/supervision")
        assert response is not None and response.status == 403  # a consultant has no supervisor page
        await page.goto(f"{live.web_url}/console/cola")
        await page.get_by_role("button", name="Salir").click()
        await expect(page).to_have_url(re.compile(r"/console/login"))
        await page.fill("input[name=username]", "sara")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page).to_have_url(re.compile(r"/console/cola$"))
        await page.set_viewport_size({"width": 1100, "height": 900})
        await page.goto(f"{live.web_url}/console/supervision")
        await expect(page.locator("h1")).to_have_text("Supervisión")
        # Other e2e tests of this session's stack may have left tickets waiting: the page counts them all.
        waiting = await _waiting_tickets(live.database_url)
        await expect(page.locator("[data-testid=en-espera]")).to_have_text(str(waiting))
        await expect(page.locator("figure.grafico").nth(1)).to_contain_text(
            "Pidió hablar con un"
        )  # cut at 20
        await expect(page.locator("svg").first).to_be_visible()
        await page.screenshot(path=str(SCREENSHOTS / "console-supervisor.png"), full_page=True)
        await browser.close()
