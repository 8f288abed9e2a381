"""Who is asking, and may they: the console's login check, CSRF check and role/branch checks.

Every console route depends on ``current_user``: without a valid session a page request is redirected
to the login page and anything else (htmx fragments, form posts) gets 401. Every state-changing route
also depends on ``csrf_checked``: the token from the session must come back in the ``csrf_token``
form field or the ``X-CSRF-Token`` header (htmx sends it on every request), else 403.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from bot.accounts import ConsoleUser, console_user
from bot.runtime import Runtime
from webhooks.console.sessions import COOKIE, ConsoleSession, load_session
from webhooks.deps import RuntimeDep

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """Raised by ``current_user``; the app's handler redirects pages and answers 401 otherwise."""

    def __init__(self, next_path: str, is_page: bool) -> None:
        self.next_path = next_path
        self.is_page = is_page


@dataclass(frozen=True, slots=True)
class Visitor:
    user: ConsoleUser
    session: ConsoleSession


def session_ttl_s(runtime: Runtime) -> int:
    return int(runtime.settings.console_session_hours * 3600)


async def current_visitor(request: Request, runtime: RuntimeDep) -> Visitor:
    session = await load_session(runtime.redis, sid=request.cookies.get(COOKIE), ttl_s=session_ttl_s(runtime))
    user = None
    if session is not None:
        async with runtime.sessions() as db:
            user = await console_user(db, user_id=session.user_id)
    if session is None or user is None:
        is_page = request.method == "GET" and "hx-request" not in request.headers
        raise LoginRequired(quote(request.url.path), is_page)
    return Visitor(user, session)


VisitorDep = Annotated[Visitor, Depends(current_visitor)]


async def csrf_checked(request: Request, visitor: VisitorDep) -> Visitor:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not given or not hmac.compare_digest(given.encode(), visitor.session.csrf.encode()):
        raise HTTPException(403, "Falta el código de seguridad del formulario. Recargue la página.")
    return visitor


CheckedVisitorDep = Annotated[Visitor, Depends(csrf_checked)]


async def supervisor_only(visitor: VisitorDep) -> Visitor:
    if not visitor.user.is_supervisor:
        raise HTTPException(403, "Esta página es solo para supervisores.")
    return visitor


SupervisorDep = Annotated[Visitor, Depends(supervisor_only)]


# A refusal of bot.handoff.access that is about who asks (not about the ticket's state) is an HTTP error.
ACCESS_STATUS = {"not_found": 404, "other_branch": 403, "not_yours": 403}


def refusal_status(code: str) -> int:
    return ACCESS_STATUS.get(code, 409)
