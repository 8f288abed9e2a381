"""Console accounts: the queries (bot/accounts.py holds the rules: hashing, roles, branches)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User


async def add_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password_hash: str,
    role: str,
    branch: str | None,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        role=role,
        branch=branch,
        active=True,
    )
    session.add(user)
    await session.flush()
    return user


async def user_by_username(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def user_by_id(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def active_users(session: AsyncSession) -> Sequence[User]:
    return (
        await session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name))
    ).all()


async def set_password_hash(session: AsyncSession, *, user_id: int, password_hash: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


async def record_login(session: AsyncSession, *, user_id: int, at: datetime) -> None:
    await session.execute(update(User).where(User.id == user_id).values(last_login_at=at))
