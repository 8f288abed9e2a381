"""The credit panel on the real routes (SQLite and PostgreSQL, real Redis sessions): the person's loans
by phone number with each instalment's state, the payment claims, and the two buttons (CSRF-checked,
the ticket's branch only, each claim resolved once; "no aparece" lifts the pause of the reminders)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlalchemy import select

from bot.db.loan_models import Instalment, Loan, PaymentClaim
from bot.db.models import TicketEvent, utcnow
from tests.webhooks.console.conftest import Console, csrf_of, login

PHONE = "+573001112233"  # the seeded ticket's contact


async def loans(console: Console, *, phone: str = PHONE, ref: str = "CR-2026-000123") -> list[int]:
    """A loan whose first instalment is paid, the second overdue (claimed, reminders paused), the third
    to come; the claims' ids (one open on the second)."""
    today = date.today()
    async with console.runtime.sessions() as db, db.begin():
        loan = Loan(loan_ref=ref, product="Microcrédito", national_id="1036123456", phone_e164=phone,
                    disbursed_on=today - timedelta(days=90))  # fmt: skip
        db.add(loan)
        await db.flush()
        rows = [
            Instalment(loan_id=loan.id, number=1, due_on=today - timedelta(days=40), amount_due=150_000,
                       amount_paid=150_000, status="paid"),
            Instalment(loan_id=loan.id, number=2, due_on=today - timedelta(days=10), amount_due=150_000,
                       amount_paid=50_000, status="pending",
                       reminders_paused_until=utcnow() + timedelta(days=3)),
            Instalment(loan_id=loan.id, number=3, due_on=today + timedelta(days=20), amount_due=150_000,
                       amount_paid=0, status="pending"),
        ]  # fmt: skip
        db.add_all(rows)
        await db.flush()
        claim = PaymentClaim(instalment_id=rows[1].id, conversation_id=console.conversation_id, status="open",
                             claimed_at=utcnow())  # fmt: skip
        db.add(claim)
        await db.flush()
        return [claim.id]


def notice(page: httpx.Response) -> str:
    found = re.search(r'data-testid="aviso">([^<]+)<', page.text)
    return found.group(1) if found else ""


async def test_the_panel_shows_loans_instalments_and_open_claims(console: Console) -> None:
    [claim_id] = await loans(console)
    await loans(console, phone="+573009990000", ref="CR-OTRA-PERSONA")
    async with console.client() as http:
        await login(http, "ana")
        page = (await http.get(f"/console/tickets/{console.ticket_id}")).text
    panel = page[page.index('data-testid="credito"') :]
    assert "CR-2026-000123 · Microcrédito" in panel and "CR-OTRA-PERSONA" not in page
    states = re.findall(r'data-testid="estado-cuota">([^<]+)<', panel)
    assert states == ["Pagada", "Vencida", "Pendiente"]
    assert "(pagó $50.000)" in panel and "recordatorios en pausa hasta" in panel
    assert f'data-testid="reporte-{claim_id}"' in panel and "Por verificar" in panel
    assert "Pago verificado</button>" in panel and "No aparece el pago</button>" in panel


async def test_no_loan_no_panel(console: Console) -> None:
    async with console.client() as http:
        await login(http, "ana")
        page = (await http.get(f"/console/tickets/{console.ticket_id}")).text
    assert 'data-testid="credito"' not in page


async def test_verified_once_with_csrf_and_only_by_the_branch(console: Console) -> None:
    [claim_id] = await loans(console)
    base = f"/console/tickets/{console.ticket_id}/credito/reportes/{claim_id}"
    notices = console.runtime.consultant.notices
    async with console.client() as beto:
        await login(beto, "beto")  # branch "sur": may not see the ticket
        answer = await beto.post(f"{base}/verificado", data={"csrf_token": await csrf_of(beto)})
        assert answer.status_code == 404
    async with console.client() as http:
        await login(http, "ana")
        assert (await http.post(f"{base}/verificado")).status_code == 403  # no CSRF token
        csrf = await csrf_of(http)
        first = await http.post(f"{base}/verificado", data={"csrf_token": csrf})
        assert first.status_code == 303 and first.headers["location"].endswith("#credito")
        page = await http.get(f"/console/tickets/{console.ticket_id}")
        assert notice(page) == notices.claim_confirmed
        assert "Pago verificado</button>" not in page.text and ">Pago verificado</span>" in page.text
        again = await http.post(f"{base}/no-aparece", data={"csrf_token": csrf})
        assert again.status_code == 303
        assert notice(await http.get(f"/console/tickets/{console.ticket_id}")) == notices.claim_not_open
        rows = (await http.get(f"/console/tickets/{console.ticket_id}/mensajes")).text
        assert "Verificó un pago que la persona reportó · Ana Pérez" in rows
    async with console.runtime.sessions() as db:
        claim = await db.get(PaymentClaim, claim_id)
        assert claim is not None and claim.status == "confirmed" and claim.resolved_at is not None
        instalment = await db.get(Instalment, claim.instalment_id)
        assert instalment is not None and instalment.reminders_paused_until is not None  # kept
        kinds = (await db.scalars(select(TicketEvent.kind))).all()
        assert kinds.count("payment_claim_confirmed") == 1 and "payment_claim_rejected" not in kinds


async def test_not_found_resumes_the_reminders(console: Console) -> None:
    [claim_id] = await loans(console)
    async with console.client() as http:
        await login(http, "ana")
        answer = await http.post(
            f"/console/tickets/{console.ticket_id}/credito/reportes/{claim_id}/no-aparece",
            data={"csrf_token": await csrf_of(http)},
        )
        assert answer.status_code == 303
    async with console.runtime.sessions() as db:
        claim = await db.get(PaymentClaim, claim_id)
        assert claim is not None and claim.status == "rejected" and claim.resolved_at is not None
        instalment = await db.get(Instalment, claim.instalment_id)
        assert instalment is not None and instalment.reminders_paused_until is None


async def test_another_persons_claim_is_not_found_through_this_ticket(console: Console) -> None:
    [foreign] = await loans(console, phone="+573009990000", ref="CR-OTRA-PERSONA")
    async with console.client() as http:
        await login(http, "ana")
        answer = await http.post(
            f"/console/tickets/{console.ticket_id}/credito/reportes/{foreign}/verificado",
            data={"csrf_token": await csrf_of(http)},
        )
        assert answer.status_code == 303
        assert notice(await http.get(f"/console/tickets/{console.ticket_id}")) == (
            console.runtime.consultant.notices.claim_not_open
        )
    async with console.runtime.sessions() as db:
        claim = await db.get(PaymentClaim, foreign)
        assert claim is not None and claim.status == "open"
