"""'Verificar código': a consultant types a course's completion code and sees whose it is (the course,
the learner's masked number and profile name, when they finished, each quiz's result). A read, so a
GET without CSRF; any signed-in consultant may (codes are given to be shown). An unknown code gets
"Código no encontrado", with no hint about other codes. Each lookup is logged: who, the code, found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.logs import get_logger
from webhooks.console.content import console_content
from webhooks.console.lessons_view import verify_code
from webhooks.console.security import VisitorDep
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

log = get_logger(__name__)
router = APIRouter(prefix="/cursos")
NOT_FOUND = "Código no encontrado."


@router.get("/verificar", response_class=HTMLResponse)
async def verify(
    request: Request,
    runtime: RuntimeDep,
    visitor: VisitorDep,
    codigo: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    code = codigo.strip()
    verified = None
    if code:
        async with runtime.sessions() as session:
            verified = await verify_code(session, code=code, courses=runtime.lessons.courses)
        log.info("completion code looked up", user_id=visitor.user.id, code=code, found=verified is not None)
    context = {
        "user": visitor.user, "csrf": visitor.session.csrf, "content": console_content(runtime),
        "code": code, "verified": verified, "not_found": NOT_FOUND if code and verified is None else None,
    }  # fmt: skip
    return templates().TemplateResponse(request, "cursos_verificar.html", context)
