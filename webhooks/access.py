"""Who may reach what, beyond Twilio's signed webhooks.

Development tools (simulator, fake Twilio API, /docs) are mounted only when ``dev_tools_enabled``
(DEV_TOOLS=true, never in prod). Even then each request must come straight from this machine: the
peer address is loopback (127.0.0.0/8, ::1) and no proxy header says the request was forwarded — a
tunnel such as ngrok or a reverse proxy on this machine connects from loopback but adds
X-Forwarded-For. The check runs per request, so it holds whatever address uvicorn was told to bind
(0.0.0.0 in the image, a socket handed over by a process manager). DEV_TOOLS_ALLOW_REMOTE=true lifts it
(a browser outside a development VM).

In prod, /metrics and /readyz need ``Authorization: Bearer <OPS_TOKEN>``; elsewhere they are open.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from bot.logs import get_logger
from bot.settings import Settings

log = get_logger(__name__)
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
Guard = Callable[[Request], Awaitable[None]]  # a FastAPI dependency: raises HTTPException to refuse


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ::ffff:127.x; False for names, blanks and every other address."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def comes_from_this_machine(request: Request) -> bool:
    peer = request.client.host if request.client else None
    return is_loopback(peer) and not any(name in request.headers for name in FORWARDING_HEADERS)


def local_clients_only(*, allow_remote: bool) -> Guard:
    """For the dev-tool routers: 403 unless the request comes from this machine."""

    async def check(request: Request) -> None:
        if allow_remote or comes_from_this_machine(request):
            return
        log.warning("dev tool refused a client that is not this machine", path=request.url.path)
        raise HTTPException(
            403, "development tools answer this machine only (loopback, not through a proxy or tunnel)"
        )

    return check


def ops_token_required(settings: Settings) -> Guard:
    """For /metrics and /readyz: in prod, 401 unless the Bearer token is OPS_TOKEN."""
    expected = settings.ops_token.get_secret_value().encode() if settings.app_env == "prod" else None

    async def check(request: Request) -> None:
        if expected is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise HTTPException(401, "Bearer token required", headers={"WWW-Authenticate": "Bearer"})

    return check
