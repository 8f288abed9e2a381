"""Development-only surfaces: the chat simulator, the fake Twilio API (with its control API and store)
and /docs. Production never mounts this package: the app factory calls ``mount`` only when
``settings.dev_tools_enabled`` (DEV_TOOLS=true and APP_ENV is not prod), and every route answers
clients on this machine only unless DEV_TOOLS_ALLOW_REMOTE (webhooks/access.py).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from bot.logs import get_logger
from bot.settings import Settings
from webhooks.access import local_clients_only

log = get_logger(__name__)


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the dev routers to ``app``; the caller has checked ``settings.dev_tools_enabled``."""
    from webhooks.dev import api_docs, fake_twilio, simulator  # only imported when dev tools are on

    this_machine = [Depends(local_clients_only(allow_remote=settings.dev_tools_allow_remote))]
    for router in (fake_twilio.router, simulator.router, api_docs.router):
        app.include_router(router, dependencies=this_machine)
    if settings.dev_tools_allow_remote:
        log.warning("dev tools answer any client (DEV_TOOLS_ALLOW_REMOTE=true)")
