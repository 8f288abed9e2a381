"""Console accounts: who may log in, with which role and branch.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile); only the
hash is stored. A consultant belongs to one branch (data/branches.yml) and sees its tickets; a
supervisor has no branch and sees all. Queries live in bot/db/users.py.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import users
from bot.db.models import User

ROLES = ("consultant", "supervisor")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 10


class AccountError(ValueError):
    """A create-user request that cannot be honoured (the message says why, for the operator)."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """What the console needs to know about the logged-in person (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    branch: str | None
    active: bool = True

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @classmethod
    def of(cls, user: User) -> ConsoleUser:
        return cls(user.id, user.username, user.display_name, user.role, user.branch, user.active)


def password_hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id; parameters are stored in each hash


def check_new_account(
    *,
    username: str,
    display_name: str,
    role: str,
    branch: str | None,
    password: str,
    branches: dict[str, str],
) -> None:
    if not USERNAME.match(username):
        raise AccountError("username: 2-64 characters, lower-case letters, digits, '.', '_' or '-'")
    if not display_name.strip():
        raise AccountError("name must not be blank")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == "consultant" and not branch:
        raise AccountError("a consultant needs --branch")
    if role == "supervisor" and branch:
        raise AccountError("a supervisor sees every branch: leave --branch out")
    if branch and branches and branch not in branches:
        raise AccountError(f"unknown branch {branch!r}; known: {', '.join(sorted(branches))}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"password must have at least {MIN_PASSWORD_CHARS} characters")


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: str,
    branch: str | None,
    password: str,
    branches: dict[str, str],
) -> ConsoleUser:
    check_new_account(
        username=username,
        display_name=display_name,
        role=role,
        branch=branch,
        password=password,
        branches=branches,
    )
    if await users.user_by_username(session, username=username) is not None:
        raise AccountError(f"username {username!r} is taken")
    user = await users.add_user(
        session,
        username=username,
        display_name=display_name.strip(),
        password_hash=password_hasher().hash(password),
        role=role,
        branch=branch,
    )
    return ConsoleUser.of(user)


# Verified when the username is unknown, so that a wrong username costs as long as a wrong password.
_DUMMY_HASH: list[str] = []


async def authenticate(
    session: AsyncSession, *, username: str, password: str, at: datetime
) -> ConsoleUser | None:
    """The active user with this username and password, or None (same time either way)."""
    hasher = password_hasher()
    user = await users.user_by_username(session, username=username.strip().lower())
    if user is None or not user.active:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher.hash("not-a-password-anyone-has"))
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH[0], password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        await users.set_password_hash(session, user_id=user.id, password_hash=hasher.hash(password))
    await users.record_login(session, user_id=user.id, at=at)
    return ConsoleUser.of(user)


async def console_user(session: AsyncSession, *, user_id: int) -> ConsoleUser | None:
    user = await users.user_by_id(session, user_id=user_id)
    return ConsoleUser.of(user) if user is not None and user.active else None
