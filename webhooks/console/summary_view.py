"""A ticket's summary (bot/handoff/summary.py's JSON) as the lines the conversation page shows.

Pure: the summary and the loan products' names in, (label, value) rows and message previews out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from webhooks.console.views import local_time
from webhooks.console.wording import ANSWER_WORDS, PREQUAL_OUTCOME_WORDS, RULE_WORDS


@dataclass(frozen=True, slots=True)
class SummaryView:
    rows: list[tuple[str, str]]
    answers: list[tuple[str, str]] = field(default_factory=list)
    last_messages: list[dict[str, Any]] = field(default_factory=list)  # direction, at, preview, files


def pesos(amount: object) -> str:
    """500000 -> "$500.000" (Colombian thousands separator)."""
    try:
        return "$" + f"{int(str(amount)):,}".replace(",", ".")
    except ValueError:
        return str(amount)


def _when(iso: str | None) -> str:
    return local_time(datetime.fromisoformat(iso)) if iso else ""


def consent_line(consent: Mapping[str, Any] | None) -> str:
    if not consent:
        return "Todavía no respondió"
    answer = "Sí autorizó" if consent.get("accepted") else "No autorizó"
    return f"{answer}, el {_when(consent.get('at'))}"


def prequal_lines(prequal: Mapping[str, Any] | None, products: Mapping[str, str]) -> list[tuple[str, str]]:
    if not prequal:
        return [("Pre-aprobación", "No la hizo")]
    outcome = str(prequal.get("outcome") or "")
    lines = [
        ("Pre-aprobación", f"{PREQUAL_OUTCOME_WORDS.get(outcome, outcome)}, el {_when(prequal.get('at'))}")
    ]
    if outcome == "prequalified":
        product = str(prequal.get("product") or "")
        offer = products.get(product, product) or "un crédito"
        span = prequal.get("indicative_range")
        if isinstance(span, list) and len(span) == 2:
            offer += f", de {pesos(span[0])} a {pesos(span[1])}"
        lines.append(("Crédito", offer))
        lines.append(("Regla que decidió", "cumplió todas las reglas"))
    else:
        rule = str(prequal.get("decided_by") or "")
        lines.append(("Regla que decidió", f"no cumple: {RULE_WORDS.get(rule, rule)}" if rule else "—"))
        others = [RULE_WORDS.get(r, r) for r in prequal.get("failed_rules") or [] if r != rule]
        if others:
            lines.append(("Tampoco cumple", ", ".join(others)))
    return lines


def summary_view(summary: Mapping[str, Any] | None, *, products: Mapping[str, str]) -> SummaryView:
    summary = summary or {}
    place = summary.get("municipality") or {}
    rows = [
        ("Nombre", summary.get("name") or "No lo sabemos"),
        ("Municipio", place.get("name") or "No lo sabemos"),
        ("Actividad", summary.get("activity") or "No la sabemos"),
        ("Autorización de datos", consent_line(summary.get("consent"))),
        *prequal_lines(summary.get("prequal"), products),
    ]
    given = summary.get("answers") or {}
    answers = [  # the pre-qualification's questions only: other slots are the dialogue's bookkeeping
        (label, _answer(key, given[key]))
        for key, label in ANSWER_WORDS.items()
        if given.get(key) not in (None, "")
    ]
    messages = [{**message, "at": _when(message.get("at"))} for message in summary.get("last_messages") or []]
    return SummaryView([(label, str(value)) for label, value in rows], answers, messages)


def _answer(key: str, value: object) -> str:
    if key in ("ventas_mensuales", "monto") and str(value).isdigit():
        return pesos(value)
    if isinstance(value, bool):
        return "Sí" if value else "No"
    return str(value)
