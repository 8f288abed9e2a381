"""The pre-qualification form's pure parts: reading answers, the words it says, fitting in SMS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.prequal_form import FORM_SLOTS, check_answer, has_arrears, question_instead
from bot.dialogue.prequal_result import MissingAnswers, prequal_outcome
from bot.dialogue.prequal_texts import ADVISOR_OFFER, REASKS, pesos, question_for, start_message
from bot.dialogue.session import session_start_slots
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.prequal.data import PrequalData, load_prequal_data
from bot.rasa_client import BotReply, Button
from bot.rendering import render_turn
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
BUDGET = Settings(app_env="test").sms_segment_budget
BASE: dict[str, Any] = {
    "nombre": "Luz Dary Restrepo", "edad": 38, "numero_documento": "43567890", "tipo_documento": "cc",
    "municipio": "05360", "sector": "comercio", "meses_negocio": 36, "ventas_mensuales": 4_000_000,
    "destino_credito": "surtir la tienda", "monto": 2_000_000, "mora": False,
}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> PrequalData:
    return load_prequal_data(ROOT / "data")


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("nombre", "me llamo maria de los angeles", {"nombre": "Maria de los Angeles"}),
        ("edad", "tengo treinta y cinco", {"edad": 35}),
        ("numero_documento", "1.036.123.456", {"numero_documento": "1036123456", "tipo_documento": "cc"}),
        ("numero_documento", "PPT 1234567", {"numero_documento": "1234567", "tipo_documento": "ppt"}),
        (
            "numero_documento",
            "cedula de extranjeria 987654",
            {"numero_documento": "987654", "tipo_documento": "ce"},
        ),
        ("municipio", "medallo", {"municipio": "05001"}),
        ("municipio", "vivo en itagui", {"municipio": "05360"}),
        ("municipio", "Bello", {"municipio": "05088"}),
        ("sector", "tengo una peluqueria", {"sector": "belleza"}),
        ("sector", "Manufactura/producción", {"sector": "manufactura"}),  # a menu option typed back
        ("meses_negocio", "año y medio", {"meses_negocio": 18}),
        ("ventas_mensuales", "como 800 lucas", {"ventas_mensuales": 800_000}),
        ("ventas_mensuales", "no vendo nada", {"ventas_mensuales": 0}),
        ("destino_credito", "pa comprar mercancia", {"destino_credito": "pa comprar mercancia"}),
        ("monto", "un millon y medio", {"monto": 1_500_000}),
        ("mora", "no tengo deudas atrasadas", {"mora": False}),
        ("mora", "/deny", {"mora": False}),
        ("mora", "si, debo dos cuotas", {"mora": True}),
    ],
)
def test_good_answers(slot: str, text: str, expected: dict[str, Any], data: PrequalData) -> None:
    values = check_answer(slot, text, [], {}, data)
    assert {key: values[key] for key in expected} == expected
    assert values["prequal_reintento"] is None and values["solicitud_pendiente"] is True


@pytest.mark.parametrize(
    ("slot", "text", "reason"),
    [
        ("nombre", "123", "not_a_name"),
        ("nombre", "quiero un credito", "no_name_given"),
        ("nombre", "jajaja q pereza", "no_name_given"),
        ("edad", "15", "under_18"),
        ("numero_documento", "PPT", "document_number_missing"),
        ("numero_documento", "12345", "wrong_length"),
        ("municipio", "zzqqxx", "municipality_not_found"),
        ("sector", "de todo un poco", "unknown_sector"),
        ("meses_negocio", "desde el 2019", "a_year"),
        ("ventas_mensuales", "bastante", "sales_not_an_amount"),
        ("ventas_mensuales", "500", "sales_too_small"),
        ("destino_credito", "x", "purpose_unclear"),
        ("monto", "500", "amount_too_small"),
        ("monto", "5000 millones", "amount_too_big"),
        ("mora", "quien sabe", "not_yes_no"),
    ],
)
def test_wrong_answers_say_why(slot: str, text: str, reason: str, data: PrequalData) -> None:
    values = check_answer(slot, text, [], {"prequal_fallos": {slot: 1}}, data)
    assert values[slot] is None and values["prequal_reintento"] == reason
    assert values["prequal_fallos"][slot] == (1 if reason == "document_number_missing" else 2)


def test_a_doubtful_name_is_confirmed_not_refused(data: PrequalData) -> None:
    asked = check_answer("nombre", "Ana", [], {}, data)
    assert asked["nombre"] is None and asked["nombre_sugerido"] == "Ana"
    assert asked["prequal_reintento"] == "name_confirm" and asked["prequal_fallos"] == {}  # not a failure
    question = question_for("nombre", asked, data)
    assert question.text == "¿Su nombre es Ana?" and [b["payload"] for b in question.buttons] == [
        "/affirm",
        "/deny",
    ]
    for yes in ("si", "/affirm", "sí señor"):
        taken = check_answer("nombre", yes, [], asked, data)
        assert (taken["nombre"], taken["nombre_sugerido"], taken["prequal_reintento"]) == ("Ana", None, None)
    refused = check_answer("nombre", "no", [], asked, data)
    assert (refused["nombre"], refused["nombre_sugerido"], refused["prequal_reintento"]) == (
        None,
        None,
        "name_retry",
    )
    assert question_for("nombre", refused, data).text == data.names.reasks["name_retry"]
    corrected = check_answer("nombre", "Ana Maria Gomez", [], asked, data)  # the full name instead
    assert (corrected["nombre"], corrected["nombre_sugerido"]) == ("Ana Maria Gomez", None)


def test_laughter_for_a_name_gets_a_reask_that_says_why(data: PrequalData) -> None:
    values = check_answer("nombre", "jajaja q pereza", [], {}, data)
    assert values["nombre"] is None and values["prequal_reintento"] == "no_name_given"
    assert question_for("nombre", values, data).text == data.names.reasks["no_name_given"]


def test_a_no_to_the_suggested_municipality_asks_again(data: PrequalData) -> None:
    values = check_answer("municipio", "no", [], {"municipio_sugerido": "05664"}, data)
    assert values["municipio"] is None and values["municipio_sugerido"] is None
    assert values["prequal_reintento"] == "municipality_retry"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no", False),
        ("estoy al dia", False),
        ("ninguna", False),
        ("sí", True),
        ("debo 3 cuotas", True),
        ("mmm", None),
    ],
)
def test_arrears(text: str, expected: bool | None) -> None:
    assert has_arrears(text) is expected


def test_unknown_slot_is_a_programming_error(data: PrequalData) -> None:
    with pytest.raises(ValueError):
        check_answer("color", "azul", [], {}, data)
    with pytest.raises(ValueError):
        question_for("color", {}, data)


def _sms_segments(text: str) -> int:
    folded = fold_to_gsm7(text)
    assert folded.isascii() or all(ch in "ñÑéÉüÜ¿¡" for ch in folded if not ch.isascii())
    return sms_size(folded).segments


@pytest.mark.parametrize("reason", sorted(REASKS))
def test_every_reask_with_the_consultant_offer_is_one_sms(reason: str) -> None:
    assert _sms_segments(f"{REASKS[reason]} {ADVISOR_OFFER}") == 1


CHANGES = [
    {}, {"mora": True}, {"meses_negocio": 2}, {"municipio": "11001"}, {"edad": 17}, {"edad": 80},
    {"monto": 30_000_000}, {"ventas_mensuales": 90_000}, {"ventas_mensuales": 400_000, "monto": 5_000_000},
    {"sector": "agro", "meses_negocio": 8}, {"tipo_documento": "pa"}, {"monto": 100_000},
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=[str(c) for c in CHANGES])
def test_every_result_fits_the_sms_budget_and_never_says_rejected(
    change: dict[str, Any], data: PrequalData
) -> None:
    outcome = prequal_outcome({**BASE, **change}, data)
    assert _sms_segments(outcome.text) <= BUDGET
    assert "rechaz" not in outcome.text.lower()
    evaluation = outcome.command["evaluation"]
    if evaluation["outcome"] == "prequalified":
        low, high = evaluation["indicative_range"]
        assert pesos(low) in outcome.text and pesos(high) in outcome.text
        assert f"de {pesos(low)} a {pesos(high)}" in outcome.text or (
            low == high and f"por {pesos(low)}" in outcome.text
        )
    else:
        assert evaluation["decision"]["explanation"] in outcome.text


def test_result_needs_every_answer(data: PrequalData) -> None:
    with pytest.raises(MissingAnswers, match="monto"):
        prequal_outcome({**BASE, "monto": None}, data)


def test_start_and_resume_messages() -> None:
    assert "10 preguntas" in start_message({})
    assert "ya tengo 3 de 10" in start_message({"nombre": "a", "edad": 30, "municipio": "05001"})
    assert "solo falta una pregunta" in start_message({slot: 1 for slot in FORM_SLOTS[:-1]})


def test_a_new_session_keeps_the_answers_but_not_the_form_state() -> None:
    slots = {
        "nombre": "Luz",
        "requested_slot": "edad",
        "prequal_reintento": "not_a_number",
        "prequal_fallos": {"edad": 1},
        "nombre_sugerido": "Luz",
    }
    values = session_start_slots(slots, {"channel": "sms"}, carry_over=True)
    assert values == {"nombre": "Luz", "canal": "sms"}


def test_pesos() -> None:
    assert pesos(2_500_000) == "$2.500.000" and pesos(300_000) == "$300.000"


@pytest.mark.parametrize(
    ("slot", "slots"),
    [
        ("sector", {"prequal_reintento": "unknown_sector", "prequal_fallos": {"sector": 2}}),
        ("mora", {"prequal_reintento": "not_yes_no", "prequal_fallos": {"mora": 2}}),
        ("municipio", {"municipio_sugerido": "05664"}),
        ("nombre", {"nombre_sugerido": "Maria Fernanda de los Angeles Restrepo Gomez Ospina Villa"}),
    ],
)
def test_re_asks_with_a_menu_fit_one_sms_turn(slot: str, slots: dict[str, Any], data: PrequalData) -> None:
    utterance = question_for(slot, slots, data)
    buttons = tuple(Button(b["title"], b["payload"]) for b in utterance.buttons)
    turn = render_turn(
        [BotReply(text=utterance.text or "", buttons=buttons)], "sms", sms_segment_budget=BUDGET
    )
    assert len(turn.parts) == 1 and turn.parts[0].encoding == "GSM-7"
    assert (turn.parts[0].segments or 0) <= BUDGET
    assert [b.payload for b in turn.menu] == [b.payload for b in buttons]  # "3" maps back to the option


@pytest.mark.parametrize(
    ("values", "intent", "expected"),
    [
        (
            {"prequal_reintento": "not_a_number"},
            {"name": "ask_payment_info", "confidence": 0.77},
            "utter_payment_info_after_questions",
        ),
        (
            {"prequal_reintento": "not_a_number"},
            {"name": "ask_payment_info", "confidence": 0.5},
            None,
        ),  # unsure: re-ask
        ({"prequal_reintento": "not_a_number"}, {"name": "inform", "confidence": 0.99}, None),
        (
            {"prequal_reintento": None},
            {"name": "report_payment", "confidence": 0.99},
            None,
        ),  # it parsed: an answer
    ],
)
def test_question_instead(values: dict[str, Any], intent: dict[str, Any], expected: str | None) -> None:
    assert question_instead(values, intent) == expected


def test_a_prequalified_result_remembers_the_credit_for_questions_about_its_cuota(data: PrequalData) -> None:
    offered = prequal_outcome(BASE, data).reset["credito_precalificado"]
    assert offered == {"producto": "credito_digital_rapido", "monto": 2_000_000}
    # 30 millones asked, the range stops lower: the amount remembered is the top of the range
    big = prequal_outcome({**BASE, "monto": 30_000_000}, data).reset["credito_precalificado"]
    assert big == {"producto": "microcredito_empresarial", "monto": 12_000_000}  # 3 × 4 millones of sales
    assert prequal_outcome({**BASE, "mora": True}, data).reset["credito_precalificado"] is None
