"""``python -m bot.cli dead-letters``: the messages the bot gave up on, for an operator.

Shows ids, times, tries and the reason, never the words (they may hold a cédula number).
"""

from __future__ import annotations

from bot.db import messages
from bot.db.engine import make_engine, make_session_factory
from bot.settings import Settings

HEADER = "message  conversation  received (UTC)     tries  reason"


async def dead_letter_lines(settings: Settings, *, limit: int) -> list[str]:
    engine = make_engine(settings)
    try:
        async with make_session_factory(engine)() as session:
            rows = await messages.dead_letters(session, limit=limit)
    finally:
        await engine.dispose()
    return [HEADER] + [
        f"{row.id:>7}  {row.conversation_id:>12}  {row.created_at:%Y-%m-%d %H:%M:%S}  {row.attempts:>5}  "
        f"{row.error_detail or ''}"
        for row in rows
    ]
