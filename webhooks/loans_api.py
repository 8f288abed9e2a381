"""``POST /api/loans``: the core banking system sends its schedule; the answer is the import report.

Bearer ``LOANS_API_TOKEN`` (compared in constant time; checked before the body is read), a body of at
most ``LOANS_API_MAX_BYTES`` (413 beyond), ``text/csv`` (the file of docs/LOANS.md) or
``application/json`` ``{"rows": [{column: value, …}]}``. 200 with ``{"inserted", "updated",
"unchanged", "rejected": [{"line", "reason"}], …}`` even when some rows are rejected; 400/422 with the
reason when the body as a whole cannot be read.
"""

from __future__ import annotations

import asyncio
import hmac
import json

from fastapi import APIRouter, HTTPException, Request

from bot.loans.csv_file import ParsedRows, UnreadableFile, read_csv, read_json_rows
from bot.loans.importer import import_parsed
from bot.settings import Settings
from webhooks.access import Guard
from webhooks.deps import RuntimeDep

router = APIRouter(prefix="/api", include_in_schema=False)
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
JSON_TYPES = frozenset({"application/json"})


def loans_token_required(settings: Settings) -> Guard:
    """401 unless ``Authorization: Bearer <LOANS_API_TOKEN>``, in every environment."""
    expected = settings.loans_api_token.get_secret_value().strip().encode()

    async def check(request: Request) -> None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if (
            not expected
            or scheme.lower() != "bearer"
            or not hmac.compare_digest(given.strip().encode(), expected)
        ):
            raise HTTPException(401, "Bearer token required", headers={"WWW-Authenticate": "Bearer"})

    return check


class BadBody(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is larger than {limit} bytes: send the file in parts")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the body is larger than {limit} bytes: send the file in parts")
    return bytes(body)


def parse_body(media_type: str, body: bytes) -> ParsedRows:
    if media_type in CSV_TYPES:
        try:
            return read_csv(body)
        except UnreadableFile as error:
            raise BadBody(422, str(error)) from None
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadBody(400, f"the body is not JSON: {error}") from None
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise BadBody(422, 'expected a JSON object {"rows": [{...}, ...]}')
    return read_json_rows(rows)


@router.post("/loans")
async def post_loans(request: Request, runtime: RuntimeDep) -> dict[str, object]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in CSV_TYPES | JSON_TYPES:
        raise HTTPException(415, 'send text/csv (the loans file) or application/json ({"rows": [...]})')
    body = await read_limited(request, runtime.settings.loans_api_max_bytes)
    try:
        # Parsing a large file takes a moment of CPU: off the event loop, which keeps answering Twilio.
        parsed = await asyncio.to_thread(parse_body, media_type, body)
    except BadBody as error:
        raise HTTPException(error.status, str(error)) from None
    async with runtime.sessions() as session, session.begin():
        report = await import_parsed(session, parsed, now=runtime.clock(), source="api")
    return report.as_json()
