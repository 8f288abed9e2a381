"""What we hold, in the person's words: essentials within 2 SMS, the full list on WhatsApp, the cédula
masked (Ley 1581 art. 8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.consent import load_consent
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.my_data.listing import Held, HeldCourse, sms_listing, whatsapp_listing
from bot.prequal.data import load_prequal_data

ROOT = Path(__file__).resolve().parents[2]
CONSENT = load_consent(ROOT / "data" / "consent.yml")
TEXTS = CONSENT.my_data
DATA = load_prequal_data(ROOT / "data")
ANSWERS = {
    "nombre": "Ana Lucía Mejía", "edad": 31, "tipo_documento": "cc", "numero_documento": "1036123456",
    "municipio": "05360", "sector": "comercio", "meses_negocio": 36, "ventas_mensuales": 4_000_000,
    "destino_credito": "surtir la tienda", "monto": 2_000_000, "mora": False,
}  # fmt: skip
HELD = Held(
    phone_e164="+573001234567",
    profile_name="Ana M.",
    messages=14,
    files=1,
    results=1,
    consent=(True, date(2025, 5, 3)),
    answers=ANSWERS,
)
# Everything as long as the form lets it be: an 80-letter name, the longest document kind and municipality.
LONGEST_MUNICIPALITY = max(DATA.municipalities.municipalities, key=lambda m: len(m.label))
WORST = Held(
    phone_e164="+573001234567",
    messages=1234,
    files=56,
    results=12,
    consent=(False, date(2025, 12, 31)),
    answers={
        **ANSWERS,
        "nombre": "Maria Fernanda de los Angeles Restrepo Gomez Ospina Villa Arango Betancur Cardona"[:80],
        "tipo_documento": "ce",
        "municipio": LONGEST_MUNICIPALITY.dane_code,
    },
    courses=(
        HeldCourse("Costos y precios", "finished", 5, 5),
        HeldCourse("M" * 20, "paused", 2, 5),  # the longest course title
    ),
)


def test_sms_says_the_essentials_masked_and_how_to_see_correct_and_delete_them() -> None:
    text = sms_listing(HELD, TEXTS, DATA, segment_budget=2)
    for said in ("Ana Lucía Mejía", "31 años", "cédula que termina en 456", "Itagüí", "03/05/2025"):
        assert said in text, said
    assert "1036123456" not in text and "123456" not in text  # only the last 3 digits
    assert "WhatsApp" in text and "ASESOR" in text and "BORRAR MIS DATOS" in text
    assert sms_size(fold_to_gsm7(text)).segments <= 2


@pytest.mark.parametrize("held", [HELD, WORST, Held(phone_e164="+573001234567")])
def test_sms_never_needs_more_than_two_segments(held: Held) -> None:
    text = fold_to_gsm7(sms_listing(held, TEXTS, DATA, segment_budget=2))
    assert sms_size(text).encoding == "GSM-7" and sms_size(text).segments <= 2, text
    assert "BORRAR MIS DATOS" in text  # what is left out is never how to correct or delete
    if held.answers.get("numero_documento"):  # a long name is shortened before an essential is left out
        assert "termina en 456" in text and "años" in text


def test_with_nothing_but_the_number_sms_says_so() -> None:
    text = sms_listing(Held(phone_e164="+573001234567", messages=2), TEXTS, DATA, segment_budget=2)
    assert "terminado en 4567" in text and "2 mensajes" in text and "No nos ha dado autorización" in text


def test_whatsapp_lists_every_answer_masked() -> None:
    text = whatsapp_listing(HELD, TEXTS, DATA, contact=CONSENT.contact)
    for said in (
        "Nombre: Ana Lucía Mejía", "Nombre en WhatsApp: Ana M.", "Edad: 31 años",
        "Documento: cédula que termina en 456", "Municipio del negocio: Itagüí", "Actividad: Comercio",
        "Tiempo del negocio: 36 meses", "Ventas al mes: $4.000.000", "surtir la tienda",
        "Monto pedido: $2.000.000", "Deudas con pagos atrasados: No", "Número: terminado en 4567",
        "14 mensajes, 1 archivo y 1 resultado de precalificación", "aceptó el uso de sus datos el 03/05/2025",
        CONSENT.contact, "BORRAR MIS DATOS",
    ):  # fmt: skip
        assert said in text, said
    assert "1036123456" not in text and "123456" not in text


COURSES = (HeldCourse("Cuentas claras", "active", 2, 5), HeldCourse("Vender más", "finished", 5, 5))


def test_whatsapp_lists_the_courses_with_their_progress() -> None:
    held = Held(phone_e164="+573001234567", messages=3, courses=COURSES)
    text = whatsapp_listing(held, TEXTS, DATA, contact=CONSENT.contact)
    assert (
        "- Cursos: curso Cuentas claras (en curso, 2 de 5 lecciones); curso Vender más (terminado, 5 de 5 "
        "lecciones)" in text
    )


def test_sms_says_the_courses_when_they_fit_and_leaves_them_out_first() -> None:
    held = Held(phone_e164="+573001234567", messages=3, courses=COURSES[:1])
    text = sms_listing(held, TEXTS, DATA, segment_budget=2)
    assert "curso Cuentas claras (en curso, 2 de 5 lecciones)" in text
    assert sms_size(fold_to_gsm7(text)).segments <= 2
    crowded = sms_listing(WORST, TEXTS, DATA, segment_budget=2)  # the full list is on WhatsApp
    assert "termina en 456" in crowded and "BORRAR MIS DATOS" in crowded
