"""Rasa's trackers in Redis, from the gateway's side: deleted when a person erases their data.

famibot's tracker store (nlu/famibot_store/, docs/TRACKER_STORE.md) keeps a conversation under
``famibot:tracker:<sender_id>:log`` (every event) and ``famibot:tracker:<sender_id>:head``; Rasa 3.6's
own RedisTrackerStore used ``famibot:tracker:<sender_id>`` (moved to the new keys on first read).
Neither deletes on request, so the gateway deletes all three in Rasa's Redis database
(RASA_TRACKER_REDIS_URL, by default REDIS_URL: scripts/run_rasa.sh gives Rasa the same REDIS_URL).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from bot.runtime import Runtime

TRACKER_KEY_PREFIX = "famibot:tracker:"


def tracker_keys(sender_id: str) -> list[str]:
    """Every key that holds this conversation's tracker: the log, its head, the old format."""
    key = TRACKER_KEY_PREFIX + sender_id
    return [f"{key}:log", f"{key}:head", key]


async def delete_trackers(runtime: Runtime, sender_ids: Sequence[str]) -> int:
    """Delete these conversations' trackers now; return how many keys existed."""
    if not sender_ids:
        return 0
    keys = [key for sender_id in sender_ids for key in tracker_keys(sender_id)]
    settings = runtime.settings
    if settings.rasa_redis_url == settings.redis_url:
        return int(await runtime.redis.delete(*keys))
    client = Redis.from_url(settings.rasa_redis_url)  # erasures are rare: no pool kept for them
    try:
        return int(await client.delete(*keys))
    finally:
        await client.aclose()
