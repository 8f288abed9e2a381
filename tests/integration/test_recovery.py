"""The worker's recovery sweep finds work that has no job (e.g. Redis was down at enqueue time)."""

from __future__ import annotations

from datetime import timedelta

from bot.db import conversations, messages
from bot.db.models import utcnow
from bot.runtime import Runtime
from bot.worker import recover_stalled


async def test_sweep_reenqueues_stalled_inbound_and_unsent_outbound(runtime: Runtime) -> None:
    old = utcnow() - timedelta(minutes=5)
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164="+573009998877", seen_at=old, channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=old
        )
        stalled = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + "c" * 32,
            body="hola",
            media=[],
            button_payload=None,
            received_at=old,
        )
        fresh = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + "e" * 32,
            body="otra",
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
        outbound = await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=stalled, position=0, body="Hola"
        )
        await messages.set_status(session, message_id=outbound.id, updated_at=old)
    assert fresh is not None
    count = await recover_stalled({"runtime": runtime})
    assert count == 2
    jobs = await runtime.redis.queued_jobs(queue_name=runtime.settings.queue_name)
    assert sorted(job.job_id or "" for job in jobs) == [f"drain:sweep:{conversation_id}", f"turn:{stalled}"]
    assert await recover_stalled({"runtime": runtime}) == 2  # idempotent: same job ids, no new jobs
    assert len(await runtime.redis.queued_jobs(queue_name=runtime.settings.queue_name)) == 2
