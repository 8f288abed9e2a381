"""Answers to loan-terms questions: each sub-question, what is missing, out of range, the product chosen,
and every possible answer within the SMS budget where the conversation goes on after it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.consent import load_consent
from bot.gsm7 import fold_to_gsm7, is_gsm7, sms_size
from bot.loan_terms.answer import answer_terms, choose_product, percent, place_of
from bot.prequal.data import load_prequal_data
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.settings import Settings
from bot.text import fold_accents

ROOT = Path(__file__).resolve().parents[3]
DATA = load_prequal_data(ROOT / "data")
RULES, TEXTS = DATA.rules, DATA.loan_terms
BUDGET = Settings(app_env="test").sms_segment_budget


def answer(text: str, place: str = "free", **slots: Any) -> str:
    return fold_accents(answer_terms(text, slots, RULES, TEXTS, place))  # type: ignore[arg-type]


def test_the_rate_is_said_monthly_and_effective_annual_with_the_usury_note() -> None:
    text = answer("y cuanto es el interes?")
    assert "Microcredito Empresarial" in text  # the default product of data/loan_terms.yml
    assert "2,2 % mes vencido" in text and "29,84 % efectivo anual" in text
    assert "tasa de usura" in text
    assert text.endswith("cuota de 2 millones a 12 meses.")  # the next step: how to get an estimate


def test_the_instalment_is_an_estimate_with_the_right_figure() -> None:
    text = answer("cuanto pagaria al mes por 2 millones a 12 meses")
    # 2 000 000 fits the Crédito Digital Rápido first (data order, as the pre-qualification): 2,5 % M.V.
    assert "Por $2.000.000 a 12 meses en el Credito Digital Rapido (tasa 2,5 % mensual)" in text
    assert "unos $194.974 al mes" in text
    assert "aproximada" in text and "sin comision ni seguro" in text and "lo confirma un asesor" in text


def test_terms_and_fees() -> None:
    assert "de 6 a 36 meses" in answer("a cuantos meses?")
    fees = answer("cobran seguro?")
    assert "comision MiPyme de 4,5 % del monto (una vez)" in fees
    assert "seguro de vida deudor de $1.200 al mes por cada millon" in fees


def test_a_missing_amount_or_months_is_asked_for_in_the_last_sentence() -> None:
    months_missing = answer("cuanto pagaria por 3 millones")
    assert months_missing.endswith("Por ejemplo: cuota de $3.000.000 a 12 meses.")
    assert "escriba tambien los meses, de 3 a 12" in months_missing
    amount_missing = answer("a 12 meses cuanto me toca")
    assert "escriba tambien el monto" in amount_missing and amount_missing.endswith("a 12 meses.")
    nothing = answer("cuanto me toca pagar mensual")
    assert "2,2 % mes vencido" in nothing and nothing.endswith("cuota de 2 millones a 12 meses.")


def test_what_the_person_already_said_is_used() -> None:
    # in the form: the amount asked and the activity (agro → Crédito Agro, 1,9 %)
    form_slots = {"monto": 3_000_000, "sector": "agro"}
    assert "Por $3.000.000 a 12 meses en el Credito Agro" in answer("y a 12 meses cuanto seria", **form_slots)
    # in the form, the question follows in the same SMS: the short estimate, still with the right figure
    # (3 000 000 × 0.019 = 57 000; 1.019^-12 = 0.797828; 57 000 / 0.202172 = 281 938.6 → 281 939)
    in_form = answer("y a 12 meses cuanto seria la cuota", "form", **form_slots)
    assert in_form.startswith("Por $3.000.000 a 12 meses: cuota de unos $281.939 al mes, aproximada")
    assert "aproximada" in in_form
    # after a result: the credit it offered
    offered = {"producto": "credito_digital_rapido", "monto": 2_000_000}
    after = answer("cuanto pagaria a 6 meses", credito_precalificado=offered)
    assert "Por $2.000.000 a 6 meses en el Credito Digital Rapido" in after
    # an amount in the question wins over what was said before
    assert "Por $800.000" in answer("y por 800 mil a 6 meses?", monto=3_000_000)


@pytest.mark.parametrize(
    ("question", "said", "estimate"),
    [
        # above every range: the default product's top, 25 millones, and its longest term
        ("cuota de 40 millones a 48 meses", ["Monto: de $1.000.000 a $25.000.000.", "Plazo: de 6 a 36 meses."],
         "Por $25.000.000 a 36 meses"),
        # below every range: the smallest product's floor and its shortest term
        ("cuota de 100 mil a 2 meses", ["Monto: de $300.000 a $5.000.000.", "Plazo: de 3 a 12 meses."],
         "Por $300.000 a 3 meses"),
    ],
)  # fmt: skip
def test_out_of_range_says_the_range_and_estimates_the_nearest(
    question: str, said: list[str], estimate: str
) -> None:
    text = answer(question)
    assert all(part in text for part in said) and estimate in text and "aproximada" in text


def test_the_product_follows_the_data_order_the_sector_and_the_default() -> None:
    default = TEXTS.default_product
    assert choose_product(RULES, default).id == "microcredito_empresarial"
    assert choose_product(RULES, default, amount=2_000_000).id == "credito_digital_rapido"
    assert choose_product(RULES, default, amount=10_000_000).id == "microcredito_empresarial"
    assert choose_product(RULES, default, sector="agro").id == "credito_agro"
    assert choose_product(RULES, default, sector="agro", amount=500_000).id == "credito_digital_rapido"
    assert (
        choose_product(RULES, default, sector="comercio", amount=20_000_000).id == "microcredito_empresarial"
    )
    assert choose_product(RULES, default, product_id="credito_agro").id == "credito_agro"


def test_in_the_form_or_at_consent_no_hint_is_added_the_question_comes_again() -> None:
    assert "Por ejemplo" not in answer("que tasa manejan", "form")
    assert "Por ejemplo" not in answer("a cuantos meses", "consent")
    assert answer("cuanto me toca pagar mensual", "form").endswith("le calculo la cuota.")
    assert place_of("prequal_form", "utter_ask_consent") == "form"
    assert place_of(None, "utter_ask_consent") == "consent"
    assert place_of(None, "utter_greet") == "free"


def test_percent() -> None:
    assert [percent(v) for v in (RULES.products[0].terms.monthly_rate_percent,)] == ["1,9 %"]


# --- the SMS budget ---------------------------------------------------------------------------------

QUESTIONS = [
    "cuanto es el interes", "a cuantos meses", "cobran seguro", "cuanto me toca pagar mensual",
    "cuanto pagaria por 3 millones", "a 12 meses cuanto pagaria", "cuota de 2 millones a 12 meses",
    "cuota de 40 millones a 48 meses", "cuota de 100 mil a 1 mes", "cuota de 40 millones",
    "cuota a 60 meses",
]  # fmt: skip
SLOTS = [{}, {"sector": "agro"}, {"monto": 24_000_000}, {"sector": "agro", "monto": 19_999_999}]


def _domain_text(name: str) -> str:
    for path in (ROOT / "nlu" / "domain").glob("*.yml"):
        responses = yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        if name in responses:
            variations = responses[name]
            sms = [v for v in variations if any(c.get("value") == "sms" for c in v.get("condition") or [])]
            return str((sms or variations)[0]["text"])
    raise KeyError(name)


# What follows the answer in the same turn: the menu hint outside the form, the form's longest question,
# the short consent re-ask (bot/consent_steps.py ask_consent) with its numbered options.
AFTER = {
    "free": BotReply(text=_domain_text("utter_more")),
    "form": BotReply(text=_domain_text("utter_ask_numero_documento")),
    "consent": load_consent(ROOT / "data" / "consent.yml").question(again=True),
}


@pytest.mark.parametrize(("place", "question"), list(itertools.product(AFTER, QUESTIONS)))
def test_every_answer_fits_the_sms_budget_with_what_follows_it(place: str, question: str) -> None:
    for slots in SLOTS:
        text = answer_terms(question, slots, RULES, TEXTS, place)  # type: ignore[arg-type]
        alone = fold_to_gsm7(text)
        turn = render_turn([BotReply(text=text), AFTER[place]], "sms", sms_segment_budget=BUDGET)
        assert all(is_gsm7(part.body) for part in turn.parts)
        assert sms_size(alone).segments <= BUDGET and len(turn.parts) == 1, (slots, turn.parts)
