"""A wave of proactive messages through the real worker process (``python -m bot.worker``) and the fake
Twilio API: 60 repayment reminders from one sender number at 20 messages/s reach Twilio over ≈ 3 s,
each once (unpaced, the worker hands them over in a fraction of that). The worker judges the contact
hours as if open (CONTACT_HOURS_OFFSET_S)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import Message
from bot.runtime import build_runtime
from tests.conftest import make_settings
from tests.contact_clock import contact_hours_offset_s
from tests.e2e.processes import Process, child_env, free_port
from tests.integration.wave_setup import PURPOSE, add_wave, enqueue_wave
from tests.integration.web_server import serving

ROWS = 60
RATE_PER_S = 20


async def test_a_wave_keeps_to_the_send_rate_and_each_row_goes_once(
    database_url: str, redis_db: int, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url, redis_db, media_dir=tmp_path / "media", public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio",
    )  # fmt: skip
    async with serving(settings, port):
        runtime = await build_runtime(settings)
        try:
            rows = await add_wave(runtime, ["sms"] * ROWS)
            await enqueue_wave(runtime, rows)
            env = child_env(
                {
                    "APP_ENV": "test",
                    "DATABASE_URL": settings.database_url,
                    "REDIS_URL": settings.redis_url,
                    "QUEUE_NAME": settings.queue_name,
                    "RASA_URL": "http://127.0.0.1:9",
                    "ACTIONS_URL": "http://127.0.0.1:9",
                    "TWILIO_API_BASE_URL": settings.twilio_api_base_url,
                    "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
                    "TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value(),
                    "PUBLIC_BASE_URL": base,
                    "MEDIA_DIR": str(tmp_path / "media"),
                    "CONTACT_HOURS_OFFSET_S": str(contact_hours_offset_s(settings)),
                    "SMS_SEND_RATE_PER_S": str(RATE_PER_S),
                }
            )
            worker = Process("worker", [sys.executable, "-m", "bot.worker"], env, tmp_path).start()
            try:
                async with httpx.AsyncClient(base_url=base, timeout=10) as http:

                    async def at_twilio() -> list[dict[str, Any]]:
                        answer = await http.get("/fake-twilio/_control/messages")
                        return list(answer.json()["messages"])

                    deadline = asyncio.get_running_loop().time() + 60
                    while len(await at_twilio()) < ROWS:
                        if asyncio.get_running_loop().time() > deadline:
                            pytest.fail(f"the wave did not reach Twilio\n--- worker ---\n{worker.tail()}")
                        await asyncio.sleep(0.25)
                    await asyncio.sleep(1.0)  # time for a second send of any row, were there one
                    sent = await at_twilio()
            finally:
                worker.stop()
            assert len(sent) == ROWS and len({m["to"] for m in sent}) == ROWS  # each row once
            assert all(m["validity_period_s"] for m in sent)  # none may arrive after the contact hours
            times = sorted(datetime.fromisoformat(m["received_at"]).timestamp() for m in sent)
            span, paced = times[-1] - times[0], (ROWS - 1) / RATE_PER_S  # 2.95 s
            # Unpaced the worker hands the 60 over in well under a second; a busy machine (other tests,
            # two cores) sends late, not early, so the upper bound is loose.
            assert paced * 0.9 <= span <= paced * 3, span
            async with runtime.sessions() as session:
                with_sid = await session.scalar(
                    select(func.count()).where(Message.purpose == PURPOSE, Message.twilio_sid.is_not(None))
                )
            assert with_sid == ROWS
        finally:
            await runtime.close()
