"""A console app with three accounts and one waiting ticket, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from bot.accounts import create_account
from bot.db.models import Contact, Conversation, HandoffRequest, utcnow
from bot.runtime import Runtime
from bot.settings import Settings
from tests.contact_clock import open_now
from webhooks.app import create_app

PASSWORD = "una-clave-larga-1"
BRANCHES = {"norte": "Norte", "sur": "Sur"}


@dataclass
class Console:
    app: object
    runtime: Runtime
    ticket_id: int
    conversation_id: int
    ids: dict[str, int]

    def client(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))  # type: ignore[arg-type]
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def seed(runtime: Runtime) -> tuple[int, int, dict[str, int]]:
    ids = {}
    async with runtime.sessions() as db, db.begin():
        for username, name, role, branch in [
            ("ana", "Ana Pérez", "consultant", "norte"),
            ("beto", "Beto Ruiz", "consultant", "sur"),
            ("sara", "Sara Gómez", "supervisor", None),
        ]:
            user = await create_account(db, username=username, display_name=name, role=role, branch=branch,
                                        password=PASSWORD, branches=BRANCHES)  # fmt: skip
            ids[username] = user.id
        contact = Contact(phone_e164="+573001112233", profile_name="Marta")
        db.add(contact)
        await db.flush()
        conversation = Conversation(rasa_sender_id="c-test-1", contact_id=contact.id, channel="sms")
        db.add(conversation)
        await db.flush()
        ticket = HandoffRequest(conversation_id=conversation.id, reason="user_asked", status="open",
                                branch="norte", priority=20, requested_at=utcnow() - timedelta(minutes=7))  # fmt: skip
        db.add(ticket)
        await db.flush()
        return ticket.id, conversation.id, ids


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Console]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        runtime.contact_hours = open_now(runtime.contact_hours)  # the reopen template goes at any hour
        ticket_id, conversation_id, ids = await seed(runtime)
        yield Console(app, runtime, ticket_id, conversation_id, ids)


async def login(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return await http.post(
        "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/console/cola",
        },
    )


async def csrf_of(http: httpx.AsyncClient) -> str:
    page = await http.get("/console/cola")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)
