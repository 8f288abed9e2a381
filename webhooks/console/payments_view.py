"""The credit panel of a conversation: the person's loans (by phone number), each instalment with its
state in Spanish, and the payment claims with the two buttons that resolve an open one
(webhooks/console/payment_routes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import payments as queries
from bot.db.loan_models import Instalment
from bot.payments.choice import is_unpaid
from bot.payments.words import pesos
from webhooks.console.wording import CLAIM_WORDS, INSTALMENT_WORDS


@dataclass(frozen=True, slots=True)
class InstalmentRow:
    number: int
    due_on: date
    amount: str  # "$150.000" (what is due; a part paid shows in ``paid``)
    paid: str | None
    state: str  # paid | pending | overdue | canceled
    state_words: str
    paused_until: datetime | None


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    loan_ref: str
    instalment: int
    claimed_at: datetime
    status: str
    status_words: str
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoanRow:
    loan_ref: str
    product: str
    instalments: list[InstalmentRow]


@dataclass(frozen=True, slots=True)
class CreditPanel:
    loans: list[LoanRow]
    claims: list[ClaimRow]
    base_url: str  # /console/tickets/{id}/credito

    def resolve_url(self, claim: ClaimRow, verdict: str) -> str:
        return f"{self.base_url}/reportes/{claim.id}/{verdict}"


def instalment_state(instalment: Instalment, today: date) -> str:
    if instalment.status == "canceled":
        return "canceled"
    if not is_unpaid(instalment):
        return "paid"
    return "overdue" if instalment.due_on < today else "pending"


async def credit_panel(
    session: AsyncSession, *, phone_e164: str, ticket_id: int, today: date
) -> CreditPanel | None:
    """None when this phone number has no loan."""
    loans = await queries.loans_of_phone(session, phone_e164=phone_e164)
    if not loans:
        return None
    refs: dict[int, tuple[str, int]] = {}  # instalment id -> (loan ref, number)
    rows = []
    for loan, instalments in loans:
        shown = []
        for instalment in instalments:
            refs[instalment.id] = (loan.loan_ref, instalment.number)
            state = instalment_state(instalment, today)
            shown.append(
                InstalmentRow(
                    number=instalment.number,
                    due_on=instalment.due_on,
                    amount=pesos(instalment.amount_due),
                    paid=pesos(instalment.amount_paid)
                    if 0 < instalment.amount_paid < instalment.amount_due
                    else None,
                    state=state,
                    state_words=INSTALMENT_WORDS[state],
                    paused_until=instalment.reminders_paused_until,
                )
            )
        rows.append(LoanRow(loan_ref=loan.loan_ref, product=loan.product, instalments=shown))
    claims = [
        ClaimRow(
            id=claim.id,
            loan_ref=refs[claim.instalment_id][0],
            instalment=refs[claim.instalment_id][1],
            claimed_at=claim.claimed_at,
            status=claim.status,
            status_words=CLAIM_WORDS.get(claim.status, claim.status),
            resolved_at=claim.resolved_at,
        )
        for claim in await queries.claims_of_phone(session, phone_e164=phone_e164)
        if claim.instalment_id in refs
    ]
    return CreditPanel(loans=rows, claims=claims, base_url=f"/console/tickets/{ticket_id}/credito")
