"""The console's micro-lessons on the real routes (SQLite and PostgreSQL, real Redis sessions): the
"Cursos" panel of a conversation, and "Verificar código" (typed loosely; an unknown code says only
"Código no encontrado"; signed-in consultants only; each lookup logged)."""

from __future__ import annotations

import re

from structlog.testing import capture_logs

from tests.integration.test_lesson_records import CODE, learner
from tests.webhooks.console.conftest import Console, login

PHONE = "+573001112233"  # the seeded ticket's contact (learner() renames her Dora)


def texts(page: str, testid: str) -> list[str]:
    return [" ".join(found.split()) for found in re.findall(rf'data-testid="{testid}">([^<]+)<', page)]


async def test_the_conversation_shows_the_persons_courses(console: Console) -> None:
    await learner(console.runtime, PHONE)
    await learner(console.runtime, "+573009990000", code="CL-OTRA22")  # someone else's
    async with console.client() as http:
        await login(http, "ana")
        page = (await http.get(f"/console/tickets/{console.ticket_id}")).text
    panel = page[page.index('data-testid="cursos"') :]
    assert 'data-testid="curso-cuentas_claras"' in panel and 'data-testid="curso-costos_y_precios"' in panel
    assert texts(panel, "estado-curso") == ["En curso", "Terminado"]  # newest first
    assert "Lección 5 de 5 · preguntas: 3 al primer intento, 1 al segundo, 1 sin acertar" in panel
    assert (
        "Lección 2 de 5 · preguntas: 1 al primer intento, 0 al segundo, 0 sin acertar, 1 sin responder"
        in panel
    )
    assert texts(panel, "codigo-curso") == [CODE] and "CL-OTRA22" not in page


async def test_no_course_no_panel(console: Console) -> None:
    async with console.client() as http:
        await login(http, "ana")
        page = (await http.get(f"/console/tickets/{console.ticket_id}")).text
    assert 'data-testid="cursos"' not in page and "Verificar código</a>" in page  # the link is always there


async def test_a_completion_code_typed_loosely_shows_who_finished_what(console: Console) -> None:
    await learner(console.runtime, PHONE)
    async with console.client() as http:
        await login(http, "beto")  # another branch: codes are shown to any consultant
        with capture_logs() as logs:
            page = (await http.get("/console/cursos/verificar", params={"codigo": " cl 7k3m-9p "})).text
    assert texts(page, "codigo") == [CODE]
    assert "<h2>Cuentas claras" in page and "Terminado" in page
    assert texts(page, "persona") == ["Dora · número terminado en 2233"] and PHONE not in page
    assert texts(page, "termino") != [""]
    assert texts(page, "resumen-preguntas") == ["3 al primer intento, 1 al segundo, 1 sin acertar"]
    assert texts(page, "resultado") == [
        "Acertó al primer intento", "Acertó al primer intento", "Acertó al segundo intento", "No acertó",
        "Acertó al primer intento",
    ]  # fmt: skip
    [lookup] = [entry for entry in logs if entry["event"] == "completion code looked up"]
    assert lookup["found"] is True and lookup["user_id"] == console.ids["beto"]


async def test_an_unknown_code_says_only_not_found(console: Console) -> None:
    await learner(console.runtime, PHONE)
    async with console.client() as http:
        await login(http, "ana")
        form = (await http.get("/console/cursos/verificar")).text
        page = (await http.get("/console/cursos/verificar", params={"codigo": "CL-7K3M9Q"})).text
    assert 'data-testid="verificar"' in form and "no-encontrado" not in form
    assert texts(page, "no-encontrado") == ["Código no encontrado."]
    assert 'data-testid="verificado"' not in page and CODE not in page and "Cuentas claras" not in page


async def test_verifying_needs_a_signed_in_consultant(console: Console) -> None:
    await learner(console.runtime, PHONE)
    async with console.client() as http:
        answer = await http.get("/console/cursos/verificar", params={"codigo": CODE})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    assert "Cuentas claras" not in answer.text
