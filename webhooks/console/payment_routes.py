"""The credit panel's two buttons: a payment claim verified ("Pago verificado") or not found ("No
aparece el pago"). CSRF-checked like every console form; who may is bot/payments/claims.py's rule;
someone who may not see the ticket gets 404."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.documents.review import ACCESS_REFUSALS
from bot.payments.claims import ClaimOutcome, Resolution, resolve_claim
from bot.runtime import Runtime
from webhooks.console.security import CheckedVisitorDep, Visitor
from webhooks.console.sessions import set_notice
from webhooks.deps import RuntimeDep

router = APIRouter(prefix="/tickets/{ticket_id}/credito")
NOT_FOUND = "No encontramos este reporte de pago."


@router.post("/reportes/{claim_id}/verificado")
async def confirmed(
    request: Request, ticket_id: int, claim_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep
) -> Response:
    return await _resolve(request, runtime, visitor, ticket_id, claim_id, "confirmed")


@router.post("/reportes/{claim_id}/no-aparece")
async def rejected(
    request: Request, ticket_id: int, claim_id: int, runtime: RuntimeDep, visitor: CheckedVisitorDep
) -> Response:
    return await _resolve(request, runtime, visitor, ticket_id, claim_id, "rejected")


async def _resolve(
    request: Request, runtime: Runtime, visitor: Visitor, ticket_id: int, claim_id: int, status: Resolution
) -> Response:
    outcome: ClaimOutcome = await resolve_claim(
        runtime, ticket_id=ticket_id, claim_id=claim_id, status=status, user=visitor.user,
        at=runtime.clock(),
    )  # fmt: skip
    if outcome.code in ACCESS_REFUSALS:
        raise HTTPException(404, NOT_FOUND)
    await set_notice(
        runtime.redis, sid=visitor.session.sid, text=str(getattr(runtime.consultant.notices, outcome.code))
    )
    target = f"/console/tickets/{ticket_id}#credito"
    if "hx-request" in request.headers:
        return Response(status_code=204 if outcome.ok else 409, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
