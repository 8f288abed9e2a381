"""python -m bot.cli create-user: the password comes from stdin (or a prompt), is stored as argon2id,
and a consultant needs a known branch."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.accounts import authenticate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import User
from bot.settings import Settings
from tests.databases import create_database

ROOT = Path(__file__).resolve().parents[2]


def run(url: str, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "DATA_DIR": str(ROOT / "data")}
    return subprocess.run([sys.executable, "-m", "bot.cli", "create-user", *args], input=stdin, env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)  # fmt: skip


async def test_create_user_from_stdin(tmp_path: Path) -> None:
    url, _ = create_database("sqlite", tmp_path)
    created = run(url, "--username", "Ana", "--name", "Ana Pérez", "--role", "supervisor", "--password-stdin",
                  stdin="una-clave-larga-1\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "una-clave" not in created.stdout + created.stderr
    again = run(
        url,
        "--username",
        "ana",
        "--name",
        "Otra",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="otra-clave-larga\n",
    )
    assert again.returncode == 2 and "taken" in again.stderr
    short = run(
        url,
        "--username",
        "beto",
        "--name",
        "Beto",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="corta\n",
    )
    assert short.returncode == 2 and "at least" in short.stderr
    no_branch = run(
        url,
        "--username",
        "caro",
        "--name",
        "Caro",
        "--role",
        "consultant",
        "--password-stdin",
        stdin="una-clave-larga-1\n",
    )
    assert no_branch.returncode == 2 and "--branch" in no_branch.stderr
    engine = make_engine(Settings(app_env="test", database_url=url))
    try:
        async with make_session_factory(engine)() as db:
            user = (await db.execute(User.__table__.select())).one()
            assert user.password_hash.startswith("$argon2id$")
            assert user.username == "ana" and user.branch is None
            now = datetime.now(UTC)
            assert await authenticate(db, username="ana", password="una-clave-larga-1", at=now) is not None
            assert await authenticate(db, username="ana", password="una-clave-larga-2", at=now) is None
            assert await authenticate(db, username="nadie", password="una-clave-larga-1", at=now) is None
    finally:
        await engine.dispose()
