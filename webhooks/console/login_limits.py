"""Login attempts are limited per username and per client address (Redis counters with a TTL).

Only failures count; a success clears the username's counter. The client address is the TCP peer:
X-Forwarded-For is never trusted (anyone can send it).
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

WINDOW_S = 15 * 60
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


def _keys(username: str, address: str) -> tuple[str, str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"famibot:console:login:user:{name}", f"famibot:console:login:addr:{address}"


async def is_blocked(redis: Redis, *, username: str, address: str) -> bool:
    user_key, address_key = _keys(username, address)
    user_count, address_count = await redis.mget(user_key, address_key)
    return (
        int(user_count or 0) >= MAX_FAILURES_PER_USERNAME
        or int(address_count or 0) >= MAX_FAILURES_PER_ADDRESS
    )


async def record_failure(redis: Redis, *, username: str, address: str) -> None:
    for key in _keys(username, address):
        count = await redis.incr(key)
        if count == 1:
            await redis.expire(key, WINDOW_S)


async def record_success(redis: Redis, *, username: str, address: str) -> None:
    await redis.delete(_keys(username, address)[0])
