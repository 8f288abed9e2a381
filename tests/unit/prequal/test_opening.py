"""What a first message already says, read with the form's own checks (issue 10, first words)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.prequal_opening import answers_in, answers_in_messages, noted, request_texts
from bot.prequal.data import PrequalData, load_prequal_data
from bot.prequal.opening import asks_for_a_loan

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data() -> PrequalData:
    return load_prequal_data(ROOT / "data")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "necesito un prestamito de unos 2 palos pa comprar un horno pa la panaderia en bello",
            {"monto": 2_000_000, "destino_credito": "comprar un horno pa la panaderia", "sector": "alimentos",
             "municipio": "05088"},
        ),
        (
            "buenas mi nombre es luz dary restrepo y necesito 3 millones para surtir la tienda, vivo en itagui",
            {"nombre": "Luz Dary Restrepo", "monto": 3_000_000, "destino_credito": "surtir la tienda",
             "sector": "comercio", "municipio": "05360"},
        ),
        (  # voice to text: no punctuation, the name in the middle
            "hola me llamo maria de los angeles perez tengo un salon de belleza en envigado y quiero un credito "
            "de 1.500.000",
            {"nombre": "Maria de los Angeles Perez", "sector": "belleza", "municipio": "05266",
             "monto": 1_500_000},
        ),
        (  # what the business sells a month is not what it asks for
            "vendo como 3 millones al mes en mi tienda y necesito un millon pa mercancia",
            {"monto": 1_000_000, "destino_credito": "mercancia", "sector": "comercio"},
        ),
        ("parce me prestan 800 lucas pal surtido del granero", {"monto": 800_000, "destino_credito": "surtido del granero",
                                                                "sector": "comercio"}),
        ("necesito plata pa la finca en el carmen de viboral", {"sector": "agro", "municipio": "05148"}),
        ("quiero un credito pa mi negocio de venta de minutos", {"sector": "comercio"}),
        # nothing said plainly: nothing taken, the form asks
        ("q? no entiendo yo lo q quiero es un credito", {}),
        ("necesito entre 1 y 2 millones", {}),  # two amounts: the form asks which
        ("necesito 500 pa surtir", {"destino_credito": "surtir"}),  # 500 what? the form asks
        ("mi cedula es 1036123456 y quiero un credito", {}),  # a cédula is not pesos
        ("1.036.123.456", {}),  # nor is one written with dots
        ("tengo 35 años y 2 hijos, quiero un prestamo", {}),
    ],
)  # fmt: skip
def test_answers_in_a_first_message(text: str, expected: dict[str, Any], data: PrequalData) -> None:
    assert answers_in(text, {}, data) == expected


def test_a_later_message_wins_and_adds(data: PrequalData) -> None:
    found = answers_in_messages(
        ["necesito 2 palos pa surtir", "q? no entiendo, yo lo q quiero es un credito de 3 millones en bello"],
        {},
        data,
    )
    assert found == {"monto": 3_000_000, "destino_credito": "surtir", "municipio": "05088"}
    assert noted(found, data) == "$3.000.000, Bello"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("mija necesito un prestamito de unos 2 palos pa comprar una plancha nueva pa las arepas", True),
        ("q? no entiendo yo lo q quiero es un credito", True),
        ("me pueden prestar pa la finca", True),
        ("ocupo 2 palos pa surtir", True),
        ("necesito platica", True),
        ("vivo en bello", False),
        ("tengo una tienda hace 3 años", False),
        ("me llamo carlos", False),
    ],
)
def test_asks_for_a_loan_in_so_many_words(text: str, asks: bool) -> None:
    assert asks_for_a_loan(text) is asks


def _user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def test_request_texts_are_the_persons_words_since_the_form_last_ran() -> None:
    events = [
        {"event": "action", "name": "action_session_start"},
        _user("me llamo Ana", "inform"),  # an answer to the earlier form
        {"event": "active_loop", "name": None},  # that form ended here
        _user("hola", "greet"),
        _user("necesito 2 palos pa surtir", "request_loan"),
        {"event": "action", "name": "utter_ask_consent"},
        _user("q? no entiendo yo quiero es un credito", "nlu_fallback"),
        _user("/affirm", "affirm"),
    ]
    assert request_texts(events) == ["necesito 2 palos pa surtir", "q? no entiendo yo quiero es un credito"]
    declined = [
        *events[:5],
        {"event": "action", "name": "action_decline_consent"},
        _user("/request_loan", "request_loan"),
    ]
    assert request_texts(declined) == []
