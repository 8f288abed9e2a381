"""``python -m bot.cli create-user``: a console account. The password comes from a prompt or stdin,
never from the command line (it would land in shell history and in the process list)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime

from bot.accounts import ROLES, AccountError, ConsoleUser, create_account
from bot.db.engine import make_engine, make_session_factory
from bot.handoff.rules import load_branches
from bot.settings import Settings


def add_create_user_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = commands.add_parser("create-user", help="create a console account (consultant or supervisor)")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True, help="the name consultants and supervisors see")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--branch", help="branch id from data/branches.yml (consultants only)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise AccountError("the two passwords differ")
    return first


async def create_user_command(settings: Settings, args: argparse.Namespace) -> ConsoleUser:
    password = read_password(args.password_stdin)
    engine = make_engine(settings)
    try:
        async with make_session_factory(engine)() as session:
            user = await create_account(
                session,
                username=args.username.strip().lower(),
                display_name=args.name,
                role=args.role,
                branch=args.branch,
                password=password,
                branches={b.id: b.name for b in load_branches(settings.data_dir).branches},
            )
            await session.commit()
    finally:
        await engine.dispose()
    return user


def run_create_user(args: argparse.Namespace) -> int:
    try:
        user = asyncio.run(create_user_command(Settings(), args))
    except AccountError as error:
        sys.stderr.write(f"create-user: {error}\n")
        return 2
    where = f"branch {user.branch}" if user.branch else "all branches"
    sys.stdout.write(f"created {user.role} {user.username} ({where}) at {datetime.now(UTC):%Y-%m-%d %H:%M}\n")
    return 0
