"""In prod the session cookie is Secure too; the console is mounted, the dev package is not."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.settings import REAL_TWILIO_API
from tests.conftest import make_settings
from tests.prod_data import real_data_dir
from tests.webhooks.console.conftest import Console, login, seed
from webhooks.app import create_app


async def test_prod_cookie_is_secure(tmp_path: Path, redis_db: int) -> None:
    from tests.databases import create_database

    url, _ = create_database("sqlite", tmp_path)
    settings = make_settings(url, redis_db, app_env="prod", dev_tools=False, rasa_token="3f1c0d5e8a7b4c2e9d6f1a0b",
                             twilio_api_base_url=REAL_TWILIO_API, ops_token="c2f9e1d04b7a6e35f8d2c1b0",
                             loans_api_token="9d8e7f6a5b4c3d2e1f0a9b8c",
                             data_dir=real_data_dir(tmp_path))  # fmt: skip
    sys.modules.pop("webhooks.dev", None)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        ticket_id, conversation_id, ids = await seed(app.state.runtime)
        async with Console(app, app.state.runtime, ticket_id, conversation_id, ids).client() as http:
            response = await login(http, "ana")
            flags = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
            assert {"secure", "httponly", "samesite=lax"} <= flags
            assert (await http.get("/simulator")).status_code == 404
    assert "webhooks.dev" not in sys.modules  # production never imports the dev package
