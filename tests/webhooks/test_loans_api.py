"""POST /api/loans through the real app: the token first, then the body (CSV or JSON rows), its size,
and the import report; production refuses to start with a missing or placeholder token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.db.loan_models import Instalment
from bot.settings import DEV_LOANS_API_TOKEN, REAL_TWILIO_API, Settings
from tests.conftest import make_settings
from tests.databases import create_database
from webhooks.app import create_app

TOKEN = "a1b2c3d4e5f60718293a4b5c"
HEADER = (
    "phone,national_id,loan_id,product,disbursed_on,instalment_number,due_date,amount_due,amount_paid,status"
)
GOOD = "300 123 4567,1.017.234.567,L-1,microcredito_empresarial,2026-01-05,1,05/02/2026,$150.000,0,pendiente"
BAD = "604 123 4567,1017234567,L-2,microcredito_empresarial,2026-01-05,1,2026-02-05,150000,0,"
CSV = f"{HEADER}\n{GOOD}\n{BAD}\n".encode()


@pytest.fixture
async def app_and_client(tmp_path: Path, redis_db: int) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    url, _ = create_database("sqlite", tmp_path)
    settings = make_settings(url, redis_db, loans_api_token=TOKEN, loans_api_max_bytes=4096)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield app, http


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def instalments(app: object) -> int:
    async with app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count()).select_from(Instalment)) or 0)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer wrong-token-0000000000"},
        {"authorization": f"Basic {TOKEN}"},
        auth(DEV_LOANS_API_TOKEN),
    ],
)
async def test_without_the_token_nothing_is_read_or_stored(
    app_and_client: tuple[object, httpx.AsyncClient], headers: dict[str, str]
) -> None:
    app, http = app_and_client
    response = await http.post("/api/loans", content=CSV, headers={**headers, "content-type": "text/csv"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert await instalments(app) == 0


async def test_a_csv_body_answers_the_report_and_a_second_post_changes_nothing(
    app_and_client: tuple[object, httpx.AsyncClient],
) -> None:
    app, http = app_and_client
    response = await http.post(
        "/api/loans", content=CSV, headers={**auth(), "content-type": "text/csv; charset=utf-8"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["inserted"], report["updated"], report["unchanged"]) == (1, 0, 0)
    assert report["rejected"] == [
        {"line": 3, "reason": "phone ********67 is not a valid Colombian number (10 digits, starting with 3)"}
    ]
    assert await instalments(app) == 1
    again = (
        await http.post("/api/loans", content=CSV, headers={**auth(), "content-type": "text/csv"})
    ).json()
    assert (again["inserted"], again["updated"], again["unchanged"], len(again["rejected"])) == (0, 0, 1, 1)


async def test_json_rows_are_imported_like_the_file(app_and_client: tuple[object, httpx.AsyncClient]) -> None:
    app, http = app_and_client
    first = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    rows = [
        first,
        {**first, "instalment_number": 2, "due_date": "2026-03-05", "amount_paid": 150000},
        {**first, "amount_due": "mucho"},
    ]
    response = await http.post("/api/loans", json={"rows": rows}, headers=auth())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["inserted"], report["marked_paid"]) == (2, 0)
    assert report["rejected"] == [{"line": 3, "reason": "amount_due 'mucho' is not an amount in pesos"}]
    assert await instalments(app) == 2


@pytest.mark.parametrize(
    ("content_type", "body", "status", "reason"),
    [
        ("text/csv", b"", 422, "empty"),
        ("text/csv", b"phone,loan_id\n3001234567,L-1\n", 422, "missing columns: national_id"),
        ("application/json", b"{not json", 400, "not JSON"),
        ("application/json", json.dumps([{"phone": "3001234567"}]).encode(), 422, '{"rows"'),
        ("application/json", json.dumps({"rows": "L-1"}).encode(), 422, '{"rows"'),
        ("application/xml", b"<loans/>", 415, "text/csv"),
    ],
)
async def test_an_unreadable_body_says_why(
    app_and_client: tuple[object, httpx.AsyncClient], content_type: str, body: bytes, status: int, reason: str
) -> None:
    app, http = app_and_client
    response = await http.post("/api/loans", content=body, headers={**auth(), "content-type": content_type})
    assert response.status_code == status and reason in response.json()["detail"]
    assert await instalments(app) == 0


async def test_a_body_above_the_limit_is_refused_with_413(
    app_and_client: tuple[object, httpx.AsyncClient],
) -> None:
    app, http = app_and_client
    big = (HEADER + "\n" + "\n".join([GOOD] * 60) + "\n").encode()  # > 4096 bytes
    declared = await http.post("/api/loans", content=big, headers={**auth(), "content-type": "text/csv"})
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    streamed = await http.post("/api/loans", content=chunks(), headers={**auth(), "content-type": "text/csv"})
    assert streamed.status_code == 413
    assert await instalments(app) == 0


def prod_values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "app_env": "prod",
        "rasa_token": "3f1c0d5e8a7b4c2e9d6f1a0b",
        "twilio_account_sid": "AC" + "7" * 32,
        "twilio_auth_token": "0a9b8c7d6e5f4a3b2c1d0e9f",
        "public_base_url": "https://bot.example.org",
        "twilio_api_base_url": REAL_TWILIO_API,
        "ops_token": "c2f9e1d04b7a6e35f8d2c1b0",
        "loans_api_token": TOKEN,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize("token", [DEV_LOANS_API_TOKEN, "", "  "])
def test_prod_refuses_a_missing_or_placeholder_token_at_settings_validation(token: str) -> None:
    assert Settings(**prod_values()).loans_api_token.get_secret_value() == TOKEN  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="LOANS_API_TOKEN is blank or the development placeholder"):
        Settings(**prod_values(loans_api_token=token))  # type: ignore[arg-type]
