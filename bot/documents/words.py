"""The person-facing replies of the document flow, from data/documents.yml ``conversation:``: pure.

Buttons carry the Rasa intent payloads of the shared contract (``/documents_formal{"formal":"si"}``…);
``/documents_assign{"item": ID}`` is the gateway's own (which item a file is), answered before Rasa.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.documents.content import Item
from bot.documents.steps import (
    AskFormal,
    AskItem,
    AskSensitiveConsent,
    AskSmsRoute,
    Done,
    ItemState,
    SensitiveElsewhere,
    SmsRoute,
    Step,
)
from bot.documents.texts import FlowTexts
from bot.rasa_client import BotReply, Button

ASSIGN_INTENT = "/documents_assign"
START_PREQUAL_PAYLOAD = "/request_loan"
STATUS_PAYLOAD = "/documents_status"


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def assign_payload(item_id: str) -> str:
    return payload("documents_assign", item=item_id)


def assigned_item(text: str | None) -> str | None:
    """The item id of a ``/documents_assign{"item": …}`` payload; ``None`` for anything else."""
    if not text or not text.startswith(ASSIGN_INTENT + "{"):
        return None
    try:
        value = json.loads(text[len(ASSIGN_INTENT) :]).get("item")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Office:
    branch: str
    address: str
    hours: str


@dataclass(frozen=True, slots=True)
class RouteFacts:
    """What the SMS routes' texts name: the relative code, our WhatsApp number, the person's office."""

    code: str | None
    whatsapp: str
    office: Office


def listing(texts: FlowTexts, items: Sequence[Item]) -> BotReply:
    return BotReply(text="\n".join([texts.listing, *(f"- {item.title}" for item in items)]))


def route_text(texts: FlowTexts, route: SmsRoute, facts: RouteFacts) -> str:
    if route == "relative":
        return texts.route_relative.format(code=f"FAMI-{facts.code}", whatsapp=facts.whatsapp)
    if route == "office":
        office = facts.office
        return texts.route_office.format(branch=office.branch, address=office.address, hours=office.hours)
    return texts.route_call


def route_menu(texts: FlowTexts) -> tuple[Button, ...]:
    return (
        Button(texts.route_relative_title, payload("documents_sms_route", route="relative")),
        Button(texts.route_office_title, payload("documents_sms_route", route="office")),
        Button(texts.route_call_title, payload("documents_sms_route", route="call")),
    )


def sensitive_question(texts: FlowTexts) -> BotReply:
    return BotReply(
        text=texts.sensitive_consent,
        buttons=(
            Button(texts.sensitive_accept_title, payload("documents_sensitive_consent", accepted="si")),
            Button(texts.sensitive_decline_title, payload("documents_sensitive_consent", accepted="no")),
        ),
    )


def step_reply(texts: FlowTexts, step: Step, facts: RouteFacts) -> BotReply:
    """The one question or ask that comes next."""
    match step:
        case AskSmsRoute(chosen=None):
            return BotReply(text=texts.sms_routes, buttons=route_menu(texts))
        case AskSmsRoute(chosen=chosen) if chosen is not None:
            return BotReply(text=route_text(texts, chosen, facts))
        case AskFormal():
            return BotReply(
                text=texts.formal_question,
                buttons=(
                    Button(texts.formal_yes_title, payload("documents_formal", formal="si")),
                    Button(texts.formal_no_title, payload("documents_formal", formal="no")),
                ),
            )
        case AskSensitiveConsent():
            return sensitive_question(texts)
        case AskItem(item=item):
            return BotReply(text=texts.ask.format(title=item.title, instruction=item.instruction))
        case SensitiveElsewhere():
            return BotReply(
                text=texts.sensitive_elsewhere,
                buttons=(
                    Button(texts.office_title, payload("documents_sms_route", route="office")),
                    Button(texts.call_title, payload("documents_sms_route", route="call")),
                    Button(texts.authorise_title, payload("documents_sensitive_consent", accepted="si")),
                ),
            )
        case Done():
            return BotReply(text=texts.status_complete)
    raise AssertionError(f"unknown step {step!r}")


def status_lines(texts: FlowTexts, items: Sequence[ItemState], reasons: dict[str, str] | None = None) -> str:
    """The checklist with each item's state in plain words; a rejection says why when its words are
    known (``reasons``: rejection reason id → the sentence for the person)."""
    words = {
        "pending": texts.status_pending,
        "received": texts.status_received,
        "approved": texts.status_approved,
        "rejected": texts.status_rejected,
    }
    lines = [texts.status_header]
    for state in items:
        said = words.get(state.status, texts.status_pending)
        why = (reasons or {}).get(state.rejection_reason or "")
        lines.append(
            f"- {state.item.title}: {said}" + (f": {why}" if state.status == "rejected" and why else "")
        )
    return "\n".join(lines)


def which_item(texts: FlowTexts, candidates: Sequence[Item]) -> BotReply:
    return BotReply(
        text=texts.which_item,
        buttons=tuple(Button(item.title, assign_payload(item.id)) for item in candidates),
    )


def no_request(texts: FlowTexts, *, file_kept: bool) -> list[BotReply]:
    start = BotReply(text=texts.no_request, buttons=(Button(texts.no_request_title, START_PREQUAL_PAYLOAD),))
    return [BotReply(text=texts.file_kept), start] if file_kept else [start]


def sms_pointer(texts: FlowTexts) -> BotReply:
    """After the result on SMS: one option that asks for the checklist and the ways to send it."""
    return BotReply(
        text=texts.sms_after_result, buttons=(Button(texts.sms_after_result_title, STATUS_PAYLOAD),)
    )
