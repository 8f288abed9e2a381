"""The consultant console (/console): login, the queue, conversations, the supervisor page.

Server-rendered Jinja2 with htmx (vendored in static/) polling small fragments; no build step, no CDN.
Every route needs a session (webhooks/console/security.py); every state change needs the CSRF token.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webhooks.console import (
    auth_routes,
    conversation_routes,
    document_routes,
    lesson_routes,
    payment_routes,
    queue_routes,
    supervisor_routes,
)
from webhooks.console.security import LoginRequired
from webhooks.console.views import HERE

STATIC_PATH = "/static/console"  # outside /console: CSS and htmx only, nothing about anyone
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if exc.is_page:
        return RedirectResponse(f"/console/login?next={exc.next_path}", status_code=303)
    return JSONResponse(
        {"detail": "Inicie sesión."}, status_code=401, headers={"HX-Redirect": "/console/login"}
    )


def mount(app: FastAPI) -> None:
    for module in (
        auth_routes,
        queue_routes,
        conversation_routes,
        document_routes,
        payment_routes,
        lesson_routes,
        supervisor_routes,
    ):
        app.include_router(module.router, prefix="/console", include_in_schema=False)
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_middleware(ConsoleHeaders)


class ConsoleHeaders:
    """Security headers on every /console response. Plain ASGI: other paths (the Twilio webhooks)
    pass straight through, with none of the cost of Starlette's ``BaseHTTPMiddleware``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/console"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
