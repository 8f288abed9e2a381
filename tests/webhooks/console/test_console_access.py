"""Nothing under /console without login; the wrong branch or role is refused; every change needs the
CSRF token; logins are rate-limited; the session cookie's flags."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import HandoffRequest, Message, TicketEvent
from tests.webhooks.console.conftest import Console, csrf_of, login

STATE_CHANGES = ["tomar", "responder", "vista-previa", "notas", "devolver", "cerrar", "transferir"]


def pages(c: Console) -> list[str]:
    t = c.ticket_id
    return ["/console", "/console/cola", "/console/cola/filas", f"/console/tickets/{t}",
            f"/console/tickets/{t}/mensajes", "/console/supervision"]  # fmt: skip


async def test_without_login_pages_redirect_and_the_rest_is_401(console: Console) -> None:
    async with console.client() as http:
        for path in pages(console):
            page = await http.get(path)
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/console/login?next=")
            fragment = await http.get(path, headers={"HX-Request": "true"})
            assert fragment.status_code == 401, path
        for action in [*STATE_CHANGES, "../../logout"]:
            refused = await http.post(
                f"/console/tickets/{console.ticket_id}/{action}", data={"texto": "hola"}
            )
            assert refused.status_code in (401, 404), action
            if action != "../../logout":
                assert refused.status_code == 401
        assert (
            "Marta"
            not in (await http.get(f"/console/tickets/{console.ticket_id}", follow_redirects=True)).text
        )


async def test_consultant_of_another_branch_and_supervisor_page(console: Console) -> None:
    async with console.client() as http:
        assert (await login(http, "beto")).status_code == 303
        csrf = await csrf_of(http)
        assert "Marta" not in (await http.get("/console/cola")).text  # the queue shows their branch only
        assert (await http.get(f"/console/tickets/{console.ticket_id}")).status_code == 403
        assert (await http.get(f"/console/tickets/{console.ticket_id}/mensajes")).status_code == 403
        taken = await http.post(f"/console/tickets/{console.ticket_id}/tomar", data={"csrf_token": csrf})
        assert taken.status_code == 403
        assert (await http.get("/console/supervision")).status_code == 403
    async with console.client() as http:
        await login(http, "sara")
        assert "Marta" in (await http.get("/console/cola")).text
        assert (await http.get("/console/supervision")).status_code == 200
    async with console.runtime.sessions() as db:
        ticket = await db.get(HandoffRequest, console.ticket_id)
        assert ticket is not None and ticket.status == "open"


async def test_every_state_change_without_csrf_is_403(console: Console) -> None:
    async with console.client() as http:
        await login(http, "ana")
        csrf = await csrf_of(http)
        for action in STATE_CHANGES:
            missing = await http.post(
                f"/console/tickets/{console.ticket_id}/{action}", data={"texto": "hola"}
            )
            wrong = await http.post(
                f"/console/tickets/{console.ticket_id}/{action}", data={"texto": "hola"},
                headers={"X-CSRF-Token": csrf[:-2] + "xx"},
            )  # fmt: skip
            assert (missing.status_code, wrong.status_code) == (403, 403), action
        assert (await http.post("/console/logout")).status_code == 403
        async with console.runtime.sessions() as db:
            ticket = await db.get(HandoffRequest, console.ticket_id)
            assert ticket is not None and ticket.status == "open"
            assert (await db.scalars(select(Message))).all() == []
        # With the token (form field or header) the same requests go through.
        assert (
            await http.post(f"/console/tickets/{console.ticket_id}/tomar", data={"csrf_token": csrf})
        ).status_code == 303
        sent = await http.post(f"/console/tickets/{console.ticket_id}/responder", data={"texto": "Buenos días, Marta"},
                               headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert sent.status_code == 303
        async with console.runtime.sessions() as db:
            row = (await db.scalars(select(Message))).one()
            assert (row.direction, row.author_id, row.body) == (
                "out",
                console.ids["ana"],
                "Buenos dias, Marta",
            )


async def test_claim_twice_tells_who_took_it(console: Console) -> None:
    async with console.client() as ana, console.client() as sara:
        await login(ana, "ana")
        await login(sara, "sara")
        first = await ana.post(
            f"/console/tickets/{console.ticket_id}/tomar", data={"csrf_token": await csrf_of(ana)}
        )
        second = await sara.post(
            f"/console/tickets/{console.ticket_id}/tomar",
            headers={"X-CSRF-Token": await csrf_of(sara), "HX-Request": "true"},
        )
        assert first.status_code == 303
        assert "Ya la tomó Ana Pérez" in second.text
        assert "Marta" in (await ana.get("/console/cola")).text  # under "Mis conversaciones"
    async with console.runtime.sessions() as db:
        kinds = (await db.scalars(select(TicketEvent.kind))).all()
        assert kinds == ["claimed"]


async def test_login_is_rate_limited_per_username_and_per_address(console: Console) -> None:
    async with console.client() as http:
        for _ in range(5):
            wrong = await login(http, "ana", "no-es-la-clave")
            assert wrong.status_code == 401
            assert "no son correctos" in wrong.text
        blocked = await login(http, "ana")  # the right password, too late
        assert blocked.status_code == 429
        assert "Demasiados intentos" in blocked.text
        assert "famibot_console=" not in blocked.headers.get("set-cookie", "")
    async with console.client("10.1.2.3") as http:  # another address, another user: fine
        assert (await login(http, "sara")).status_code == 303
    async with console.client("10.9.9.9") as http:
        for attempt in range(20):
            await login(http, f"nadie{attempt}", "x")
        assert (await login(http, "beto")).status_code == 429


async def test_session_cookie_flags_and_logout(console: Console) -> None:
    async with console.client() as http:
        response = await login(http, "ana")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("famibot_console=")
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=lax", "path=/console"} <= flags
        assert "secure" not in flags  # only in prod (test_console_prod.py)
        sid = http.cookies["famibot_console"]
        assert sid not in str(await console.runtime.redis.keys("famibot:console:session:*"))
        assert (await http.get("/console/cola")).status_code == 200
        await http.post("/console/logout", data={"csrf_token": await csrf_of(http)})
        http.cookies.set("famibot_console", sid, path="/console")
        assert (await http.get("/console/cola")).status_code == 303


@pytest.mark.parametrize(("text", "expected"), [("Hola, ¿cómo está?", "1 parte"), ("á" * 200, "2 partes")])
async def test_sms_preview_folds_and_counts(console: Console, text: str, expected: str) -> None:
    async with console.client() as http:
        await login(http, "ana")
        preview = await http.post(
            f"/console/tickets/{console.ticket_id}/vista-previa", data={"texto": text},
            headers={"X-CSRF-Token": await csrf_of(http)},
        )  # fmt: skip
        assert preview.status_code == 200
        assert expected in preview.text and "GSM-7" in preview.text
