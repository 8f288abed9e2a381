"""/console/login and /console/logout."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.accounts import authenticate
from bot.db.models import utcnow
from webhooks.console import login_limits
from webhooks.console.security import VisitorDep, csrf_checked, session_ttl_s
from webhooks.console.sessions import COOKIE, LOGIN_COOKIE, end_session, open_session
from webhooks.console.views import templates
from webhooks.deps import RuntimeDep

router = APIRouter()
TOO_MANY = "Demasiados intentos. Espere 15 minutos y vuelva a intentarlo."
WRONG = "El usuario o la contraseña no son correctos."


def _safe_next(next_path: str | None) -> str:
    return (
        next_path
        if next_path and next_path.startswith("/console/") and "//" not in next_path
        else "/console/cola"
    )


def _login_page(
    request: Request, *, secure: bool, error: str | None, next_path: str, status: int
) -> Response:
    token = secrets.token_urlsafe(24)
    context = {"csrf": token, "error": error, "next": next_path, "user": None}
    response = templates().TemplateResponse(request, "login.html", context, status_code=status)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, secure=secure, samesite="lax", path="/console")
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, runtime: RuntimeDep, next: str | None = None) -> Response:
    return _login_page(request, secure=runtime.settings.app_env == "prod", error=None,
                       next_path=_safe_next(next), status=200)  # fmt: skip


@router.post("/login")
async def login(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    secure = runtime.settings.app_env == "prod"
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_page(request, secure=secure, error="La página expiró. Intente de nuevo.",
                           next_path=_safe_next(next), status=403)  # fmt: skip
    address = request.client.host if request.client else "unknown"
    if await login_limits.is_blocked(runtime.redis, username=username, address=address):
        return _login_page(request, secure=secure, error=TOO_MANY, next_path=_safe_next(next), status=429)
    async with runtime.sessions() as db, db.begin():
        user = await authenticate(db, username=username, password=password, at=utcnow())
    if user is None:
        await login_limits.record_failure(runtime.redis, username=username, address=address)
        return _login_page(request, secure=secure, error=WRONG, next_path=_safe_next(next), status=401)
    await login_limits.record_success(runtime.redis, username=username, address=address)
    session = await open_session(runtime.redis, user_id=user.id, ttl_s=session_ttl_s(runtime))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, session.sid, httponly=True, secure=secure, samesite="lax", path="/console")
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/logout")
async def logout(request: Request, runtime: RuntimeDep, visitor: VisitorDep) -> Response:
    await csrf_checked(request, visitor)
    await end_session(runtime.redis, sid=visitor.session.sid)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
