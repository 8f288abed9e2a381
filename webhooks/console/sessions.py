"""Console sessions, kept in Redis: the cookie holds only a random id, Redis holds who and the CSRF token.

The Redis key is the SHA-256 of the id (a copy of Redis does not give working cookies). A session
lasts ``ttl_s`` after the last request (sliding), and logout deletes it at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

COOKIE = "famibot_console"
LOGIN_COOKIE = "famibot_console_login"  # the CSRF token of the login form (before any session)


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    sid: str
    user_id: int
    csrf: str


def _key(sid: str) -> str:
    return "famibot:console:session:" + hashlib.sha256(sid.encode()).hexdigest()


async def open_session(redis: Redis, *, user_id: int, ttl_s: int) -> ConsoleSession:
    session = ConsoleSession(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32))
    value = json.dumps({"user_id": user_id, "csrf": session.csrf})
    await redis.set(_key(session.sid), value, ex=ttl_s)
    return session


async def load_session(redis: Redis, *, sid: str | None, ttl_s: int) -> ConsoleSession | None:
    if not sid or len(sid) > 100:
        return None
    value = await redis.getex(_key(sid), ex=ttl_s)  # read and slide the expiry in one call
    if not value:
        return None
    stored = json.loads(value)
    return ConsoleSession(sid, int(stored["user_id"]), str(stored["csrf"]))


async def end_session(redis: Redis, *, sid: str | None) -> None:
    if sid:
        await redis.delete(_key(sid))


def _notice_key(sid: str) -> str:
    return "famibot:console:notice:" + hashlib.sha256(sid.encode()).hexdigest()


async def set_notice(redis: Redis, *, sid: str, text: str) -> None:
    """What the next page shows once (e.g. "Mensaje enviado." after a reply), kept for a minute."""
    await redis.set(_notice_key(sid), text, ex=60)


async def pop_notice(redis: Redis, *, sid: str) -> str | None:
    value = await redis.getdel(_notice_key(sid))
    return value.decode() if isinstance(value, bytes) else value
