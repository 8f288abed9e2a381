"""Operational commands: ``python -m bot.cli migrate``, ``wait-ready``, ``dead-letters``, ``create-user``,
``import-loans``, ``plan-reminders``, ``send-reminders --demo-now …``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import httpx

from bot.account_cli import add_create_user_parser, run_create_user
from bot.db.migrate import upgrade_to_head
from bot.dead_letters import dead_letter_lines
from bot.loans.cli import add_import_loans_parser, run_import_loans
from bot.reminders.cli_args import add_reminder_parsers
from bot.settings import Settings


def wait_ready(url: str, timeout_s: float) -> bool:
    """Poll /readyz until every part is ready; print what is still missing now and then."""
    deadline = time.monotonic() + timeout_s
    last_report = 0.0
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=3.0)
            if response.status_code == 200:
                return True
            waiting = [name for name, state in response.json().get("checks", {}).items() if state != "ok"]
        except (httpx.HTTPError, ValueError):
            waiting = ["web"]
        if time.monotonic() - last_report > 10:
            sys.stderr.write(f"waiting for: {', '.join(waiting)}\n")
            last_report = time.monotonic()
        time.sleep(1.0)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database to the latest schema")
    ready = commands.add_parser("wait-ready", help="wait until /readyz is green")
    ready.add_argument("--url", default="http://127.0.0.1:8000/readyz")
    ready.add_argument("--timeout", type=float, default=180.0)
    dead = commands.add_parser("dead-letters", help="list the messages the bot gave up on (no contents)")
    dead.add_argument("--limit", type=int, default=100)
    add_create_user_parser(commands)
    add_import_loans_parser(commands)
    add_reminder_parsers(commands)
    args = parser.parse_args(argv)
    if args.command == "import-loans":
        return run_import_loans(args)
    if args.command in ("plan-reminders", "send-reminders"):
        from bot.reminders.cli import demo_command, plan_command  # the runtime: only these need it

        settings = Settings()
        run = plan_command(settings) if args.command == "plan-reminders" else demo_command(settings, args)
        sys.stdout.write("\n".join(asyncio.run(run)) + "\n")
        return 0
    if args.command == "create-user":
        return run_create_user(args)
    if args.command == "dead-letters":
        lines = asyncio.run(dead_letter_lines(Settings(), limit=args.limit))
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
    if args.command == "migrate":
        settings = Settings()
        upgrade_to_head(settings)
        sys.stdout.write(f"database migrated ({settings.sync_database_url.split('://')[0]})\n")
        return 0
    if wait_ready(args.url, args.timeout):
        return 0
    sys.stderr.write(f"not ready after {args.timeout:.0f} s: {args.url}\n")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
