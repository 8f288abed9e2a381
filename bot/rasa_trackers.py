"""Rasa's trackers in Redis, from the gateway's side: deleted when a person erases their data.

Rasa 3.6's RedisTrackerStore stores a conversation under ``<key_prefix>:tracker:<sender_id>`` when
``key_prefix`` is alphanumeric (``famibot`` in nlu/endpoints.yml), else under ``tracker:<sender_id>``.
It has no delete of its own, so the gateway deletes the key in Rasa's Redis database
(RASA_TRACKER_REDIS_URL, by default REDIS_URL: scripts/run_rasa.sh gives Rasa the same REDIS_URL).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from bot.runtime import Runtime

TRACKER_KEY_PREFIX = "famibot:tracker:"


def tracker_key(sender_id: str) -> str:
    return TRACKER_KEY_PREFIX + sender_id


async def delete_trackers(runtime: Runtime, sender_ids: Sequence[str]) -> int:
    """Delete these conversations' trackers now; return how many existed."""
    if not sender_ids:
        return 0
    keys = [tracker_key(sender_id) for sender_id in sender_ids]
    settings = runtime.settings
    if settings.rasa_redis_url == settings.redis_url:
        return int(await runtime.redis.delete(*keys))
    client = Redis.from_url(settings.rasa_redis_url)  # erasures are rare: no pool kept for them
    try:
        return int(await client.delete(*keys))
    finally:
        await client.aclose()
