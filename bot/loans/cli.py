"""``python -m bot.cli import-loans FILE.csv``: load a loans file and print what happened.

Prints the counts and each rejected line (line number + reason; reasons show phones and cédulas
masked). Exit codes: 0 the file was read and rows loaded (some may be rejected); 1 the file is
unreadable (missing, empty, no header, missing columns) or every row was rejected; 2 usage (argparse),
or ``--shift-to-today`` in production.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from zoneinfo import ZoneInfo

from bot.contact_hours import LEY_2300_TIMEZONE
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import utcnow
from bot.loans.csv_file import ParsedRows, UnreadableFile, read_csv
from bot.loans.importer import ImportReport, import_parsed
from bot.loans.shift import shifted
from bot.logs import configure_logging
from bot.settings import Settings


def add_import_loans_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "import-loans", help="load loans and instalments from a CSV file (docs/LOANS.md)"
    )
    command.add_argument("file", help="CSV file with the columns of docs/LOANS.md")
    command.add_argument(
        "--shift-to-today",
        action="store_true",
        help="development only: move every date so the file's anchor (median due date) is today",
    )
    command.add_argument(
        "--anchor", type=date.fromisoformat, help="with --shift-to-today: the date to move to today"
    )


async def import_file(settings: Settings, parsed: ParsedRows, source: str) -> ImportReport:
    engine = make_engine(settings)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            return await import_parsed(session, parsed, now=utcnow(), source=source)
    finally:
        await engine.dispose()


def run_import_loans(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings)
    if (args.shift_to_today or args.anchor) and settings.app_env == "prod":
        sys.stderr.write("import-loans: --shift-to-today is for development and tests only (APP_ENV=prod)\n")
        return 2
    if args.anchor and not args.shift_to_today:
        sys.stderr.write("import-loans: --anchor goes with --shift-to-today\n")
        return 2
    try:
        with open(args.file, "rb") as handle:
            parsed = read_csv(handle.read())
    except OSError as error:
        sys.stderr.write(f"import-loans: cannot read {args.file}: {error.strerror}\n")
        return 1
    except UnreadableFile as error:
        sys.stderr.write(f"import-loans: {args.file}: {error}\n")
        return 1
    if args.shift_to_today:
        today = colombian_today()
        parsed, days = shifted(parsed, today, args.anchor)
        sys.stdout.write(f"dates moved by {days} days (anchor -> {today.isoformat()})\n")
    report = asyncio.run(import_file(settings, parsed, source="cli"))
    sys.stdout.write(f"{args.file}: {report.summary()}\n")
    for rejection in report.rejected:
        sys.stdout.write(f"  line {rejection.line}: {rejection.reason}\n")
    if report.rejected and not report.accepted:
        sys.stderr.write("import-loans: no row could be loaded\n")
        return 1
    return 0


def colombian_today() -> date:
    return utcnow().astimezone(ZoneInfo(LEY_2300_TIMEZONE)).date()
