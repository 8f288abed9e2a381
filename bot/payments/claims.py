"""A consultant resolves a payment claim from the console's credit panel: "Pago verificado"
(confirmed) or "No aparece el pago" (rejected: the instalment's reminders resume at once).

Who may: whoever may review the ticket's documents (its branch, or its assignee once claimed, or a
supervisor: bot/documents/review.py ``refusal_to_review``). The claim must be on a loan of the
ticket's person (by phone number); an open claim is resolved once (one conditional UPDATE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.db import consultant as ticket_queries
from bot.db import payments as db
from bot.db.loan_models import Instalment, PaymentClaim
from bot.db.models import Contact, Conversation
from bot.documents.review import refusal_to_review
from bot.handoff.access import Actor
from bot.logs import get_logger
from bot.runtime import Runtime

log = get_logger(__name__)
Resolution = Literal["confirmed", "rejected"]
CLAIM_EVENTS = {
    "confirmed": "payment_claim_confirmed",
    "rejected": "payment_claim_rejected",
}  # TicketEvent.kind


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """``code`` names a notice of data/handoff.yml (``notices``)."""

    ok: bool
    code: str


async def resolve_claim(
    runtime: Runtime, *, ticket_id: int, claim_id: int, status: Resolution, user: Actor, at: datetime
) -> ClaimOutcome:
    async with runtime.sessions() as session, session.begin():
        ticket = await ticket_queries.ticket_for_update(session, ticket_id=ticket_id)
        if (refusal := refusal_to_review(ticket, user)) is not None or ticket is None:
            return ClaimOutcome(False, refusal or "not_found")
        conversation = await session.get(Conversation, ticket.conversation_id)
        contact = await session.get(Contact, conversation.contact_id) if conversation else None
        if contact is None:
            return ClaimOutcome(False, "not_found")
        if not await db.resolve_claim(
            session, claim_id=claim_id, phone_e164=contact.phone_e164, status=status, at=at
        ):
            return ClaimOutcome(False, "claim_not_open")
        claim = await session.get(PaymentClaim, claim_id)
        assert claim is not None  # just updated
        if status == "rejected":  # not found in the core system: the reminders go on
            instalment = await session.get(Instalment, claim.instalment_id)
            if instalment is not None:
                instalment.reminders_paused_until = None
        await ticket_queries.add_event(
            session, ticket=ticket, kind=CLAIM_EVENTS[status], actor_id=user.id, at=at,
            detail={"claim_id": claim_id, "status": status},
        )  # fmt: skip
    log.info("payment claim resolved", ticket_id=ticket_id, claim_id=claim_id, status=status, user_id=user.id)
    return ClaimOutcome(True, "claim_confirmed" if status == "confirmed" else "claim_rejected")
