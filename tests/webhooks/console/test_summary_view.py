"""The conversation page's summary lines, from a summary built the way tickets build it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.handoff.rules import load_handoff_rules
from bot.handoff.summary import SummaryFacts, build_summary
from tests.prequal_payloads import NAME, NUMBER, RULES, payload
from webhooks.console.summary_view import pesos, summary_view

HANDOFF = load_handoff_rules(Path(__file__).resolve().parents[3] / "data")
PRODUCTS = {product.id: product.name for product in RULES.products}
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá


def _summary(consent: bool | None, **changes: object) -> dict[str, object]:
    command = payload(**changes)
    facts = SummaryFacts(
        channel="whatsapp",
        profile_name="Luz",
        consent=(consent, T0) if consent is not None else None,
        prequal_name=NAME,
        prequal_answers=command["answers"],
        evaluation=command["evaluation"],
        evaluated_at=T0,
    )
    return build_summary(facts, HANDOFF)


def test_prequalified_summary_lines() -> None:
    view = summary_view(_summary(True), products=PRODUCTS)
    rows = dict(view.rows)
    assert rows["Nombre"] == NAME and rows["Municipio"] == "Medellín" and rows["Actividad"] == "Comercio"
    assert rows["Autorización de datos"] == "Sí autorizó, el 23/11 10:00"
    assert rows["Pre-aprobación"] == "Pre-aprobado, el 23/11 10:00"
    assert rows["Crédito"] == "Crédito Digital Rápido, de $300.000 a $5.000.000"
    assert rows["Regla que decidió"] == "cumplió todas las reglas"
    answers = dict(view.answers)
    assert answers["Monto que pide"] == "$2.000.000" and answers["Deudas atrasadas"] == "No"
    assert NUMBER not in repr(view)


def test_not_yet_names_the_deciding_rule_and_no_consent_yet() -> None:
    rows = dict(summary_view(_summary(None, mora=True), products=PRODUCTS).rows)
    assert rows["Pre-aprobación"].startswith("Todavía no")
    assert rows["Regla que decidió"] == "no cumple: sin deudas atrasadas"
    assert rows["Autorización de datos"] == "Todavía no respondió"


def test_an_empty_summary_says_what_we_do_not_know() -> None:
    rows = dict(summary_view(None, products=PRODUCTS).rows)
    assert rows["Nombre"] == "No lo sabemos" and rows["Pre-aprobación"] == "No la hizo"
    assert pesos(1500000) == "$1.500.000"


def test_only_the_pre_qualification_questions_are_listed_as_answers() -> None:
    summary = {"answers": {"consentimiento": False, "solicitud_pendiente": False, "edad": 41}}
    assert summary_view(summary, products=PRODUCTS).answers == [("Edad", "41")]
