"""A ticket's summary: what a consultant reads first, built only from what we store.

Profile (name, municipality, activity), consent and its date, the pre-qualification answers and its
evaluation with the rule that decided, and the last messages as short previews. Never a document
number; no message body beyond the last ``LAST_MESSAGES`` previews. Erasure blanks it
(bot/privacy.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.handoff.rules import HandoffRules

LAST_MESSAGES = 5
PREVIEW_CHARS = 60
# Never copied into a summary: the consultant asks for the document when it matters.
LEFT_OUT = frozenset({"numero_documento", "tipo_documento", "nombre"})


@dataclass(frozen=True, slots=True)
class MessageFact:
    id: int
    direction: str  # in | out
    body: str
    at: datetime
    media: int = 0  # how many files came with it


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """What the database holds about the conversation, gathered by ``bot.db.tickets.summary_facts``."""

    channel: str
    profile_name: str | None
    consent: tuple[bool, datetime] | None = None  # the latest answer
    prequal_name: str | None = None
    prequal_answers: Mapping[str, Any] = field(default_factory=dict)
    evaluation: Mapping[str, Any] | None = None
    evaluated_at: datetime | None = None
    request_answers: Mapping[str, Any] = field(default_factory=dict)  # the dialogue's slots
    messages: Sequence[MessageFact] = ()  # newest last


def build_summary(facts: SummaryFacts, rules: HandoffRules) -> dict[str, Any]:
    answers = {**facts.request_answers, **facts.prequal_answers}
    name = facts.prequal_name or _text(facts.request_answers.get("nombre")) or facts.profile_name
    code = rules.municipality_code(_text(answers.get("municipio")))
    place = rules.municipalities.by_code(code) if code else None
    sector = rules.sectors.by_id(str(answers["sector"])) if answers.get("sector") else None
    return {
        "name": name,
        "channel": facts.channel,
        "municipality": {"code": place.dane_code, "name": place.name} if place else None,
        "activity": sector.label if sector else _text(answers.get("sector")),
        "consent": (
            {"accepted": facts.consent[0], "at": facts.consent[1].isoformat()} if facts.consent else None
        ),
        "prequal": _prequal(facts),
        "answers": {key: value for key, value in answers.items() if key not in LEFT_OUT},
        "last_messages": [_preview(message) for message in facts.messages[-LAST_MESSAGES:]],
    }


def _prequal(facts: SummaryFacts) -> dict[str, Any] | None:
    evaluation = facts.evaluation
    if not evaluation:
        return None
    decision = evaluation.get("decision")
    rules = evaluation.get("rules")
    failed = [
        rule.get("rule_id")
        for rule in (rules if isinstance(rules, list) else [])
        if isinstance(rule, dict) and rule.get("passed") is False
    ]
    return {
        "outcome": evaluation.get("outcome"),
        "product": evaluation.get("product"),
        "indicative_range": evaluation.get("indicative_range"),
        # not_yet: the first rule that failed; prequalified: every rule passed (None).
        "decided_by": decision.get("rule_id") if isinstance(decision, dict) else None,
        "failed_rules": failed,
        "rules_version": evaluation.get("rules_version"),
        "at": facts.evaluated_at.isoformat() if facts.evaluated_at else None,
    }


def _preview(message: MessageFact) -> dict[str, Any]:
    body = " ".join(message.body.split())
    preview = body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1].rstrip() + "…"
    return {
        "id": message.id,
        "direction": message.direction,
        "at": message.at.isoformat(),
        "preview": preview,
        "files": message.media,
    }


def _text(value: object) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None
