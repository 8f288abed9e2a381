"""The pre-qualification form's other answers: table cases, properties and the re-ask texts."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gsm7 import fold_to_gsm7, is_gsm7
from bot.prequal.answers import (
    REASK,
    DocumentType,
    Invalid,
    Parsed,
    Reason,
    parse_age,
    parse_document,
    parse_document_type,
    parse_months,
    parse_name,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("35", Parsed(35)),
        ("tengo 35 años", Parsed(35)),
        ("35 anos", Parsed(35)),
        ("treinta y cinco", Parsed(35)),
        ("Tengo treinta y cinco años.", Parsed(35)),
        ("18", Parsed(18)),
        ("75", Parsed(75)),
        ("17", Invalid("under_18")),
        ("cero", Invalid("under_18")),
        ("76", Invalid("over_75")),
        ("ochenta", Invalid("over_75")),
        ("", Invalid("not_a_number")),
        ("no le digo", Invalid("not_a_number")),
        ("35.5", Invalid("not_a_number")),
        ("35 o 36", Invalid("not_a_number")),
        ("tengo 35 años y 2 hijos", Invalid("not_a_number")),
        ("-40", Invalid("not_a_number")),
        ("35 mil", Invalid("not_a_number")),
    ],
)
def test_age(text: str, expected: Parsed[int] | Invalid) -> None:
    assert parse_age(text) == expected


@given(st.integers(min_value=18, max_value=75))
def test_any_adult_age_parses_to_itself(age: int) -> None:
    assert parse_age(str(age)) == Parsed(age)
    assert parse_age(f"tengo {age} años") == Parsed(age)


@given(st.integers(min_value=0, max_value=17))
def test_minors_are_refused(age: int) -> None:
    assert parse_age(str(age)) == Invalid("under_18")


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [
        ("cedula", "cc"),
        ("Cédula", "cc"),
        ("cc", "cc"),
        ("CC", "cc"),
        ("c.c.", "cc"),
        ("C.C", "cc"),
        ("mi c.c.", "cc"),
        ("cédula de ciudadanía", "cc"),
        ("la cedula", "cc"),
        ("sedula", "cc"),
        ("extranjeria", "ce"),
        ("ce", "ce"),
        ("C.E.", "ce"),
        ("cedula de extranjeria", "ce"),
        ("Cédula de extranjería", "ce"),
        ("extrangeria", "ce"),
        ("ppt", "ppt"),
        ("PPT", "ppt"),
        ("P.P.T.", "ppt"),
        ("permiso", "ppt"),
        ("permiso por proteccion temporal", "ppt"),
        ("Permiso por Protección Temporal", "ppt"),
        ("", None),
        ("pasaporte", None),
        ("tarjeta de identidad", None),
        ("1", None),
        ("no tengo cedula", None),
        ("cedula o ppt", None),
    ],
)
def test_document_type(text: str, doc_type: DocumentType | None) -> None:
    assert parse_document_type(text) == doc_type


@pytest.mark.parametrize(
    ("doc_type", "text", "expected"),
    [
        ("cc", "1.036.123.456", Parsed("1036123456")),
        ("cc", "1036123456", Parsed("1036123456")),
        ("cc", "1036 123 456", Parsed("1036123456")),
        ("cc", "mi cédula es 1.036.123.456", Parsed("1036123456")),
        ("cc", "43.123.456.", Parsed("43123456")),
        ("cc", "123456", Parsed("123456")),
        ("cc", "12345", Invalid("wrong_length")),
        ("cc", "12345678901", Invalid("wrong_length")),
        ("cc", "", Invalid("not_digits")),
        ("cc", "no la tengo", Invalid("not_digits")),
        ("cc", "1036123456a", Invalid("not_digits")),
        ("cc", "1036 y 1234", Invalid("not_digits")),
        ("ce", "ce 654321", Parsed("654321")),
        ("ce", "E-654321", Invalid("not_digits")),
        ("ce", "98765432101", Invalid("wrong_length")),
        ("ppt", "1234567", Parsed("1234567")),
        ("ppt", "PPT 1234567", Parsed("1234567")),
        ("ppt", "V-12345678", Invalid("not_digits")),
        ("ppt", "12 34", Invalid("wrong_length")),
    ],
)
def test_document(doc_type: DocumentType, text: str, expected: Parsed[str] | Invalid) -> None:
    assert parse_document(doc_type, text) == expected


def test_document_refuses_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="pasaporte"):
        parse_document("pasaporte", "123456")  # type: ignore[arg-type]


@given(st.sampled_from(["cc", "ce", "ppt"]), st.integers(min_value=100_000, max_value=9_999_999_999))
def test_dotted_document_numbers_keep_their_digits(doc_type: DocumentType, number: int) -> None:
    assert parse_document(doc_type, f"{number:,}".replace(",", ".")) == Parsed(str(number))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 meses", Parsed(8)),
        ("ocho meses", Parsed(8)),
        ("2 años", Parsed(24)),
        ("2 anos", Parsed(24)),
        ("dos años", Parsed(24)),
        ("año y medio", Parsed(18)),
        ("un año y medio", Parsed(18)),
        ("2 años y medio", Parsed(30)),
        ("dos y medio años", Parsed(30)),
        ("1.5 años", Parsed(18)),
        ("medio año", Parsed(6)),
        ("un año", Parsed(12)),
        ("3 años y 2 meses", Parsed(38)),
        ("1 año 6 meses", Parsed(18)),
        ("como 5 años", Parsed(60)),
        ("6", Parsed(6)),
        ("seis", Parsed(6)),
        ("0", Parsed(0)),
        ("recien empece", Parsed(0)),
        ("Recién empecé", Parsed(0)),
        ("apenas empiezo", Parsed(0)),
        ("recién empecé, hace 2 meses", Parsed(2)),
        ("3 semanas", Parsed(0)),
        ("desde el 2020", Invalid("a_year")),
        ("2019", Invalid("a_year")),
        ("", Invalid("not_a_duration")),
        ("hace rato", Invalid("not_a_duration")),
        ("años", Invalid("not_a_duration")),
        ("2 o 3 años", Invalid("not_a_duration")),
        ("2 años y 3 años", Invalid("not_a_duration")),
        ("1.5", Invalid("not_a_duration")),
        ("200 años", Invalid("duration_too_long")),
    ],
)
def test_months(text: str, expected: Parsed[int] | Invalid) -> None:
    assert parse_months(text) == expected


@given(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=11))
def test_years_and_months_add_up(years: int, months: int) -> None:
    assert parse_months(f"{years} años y {months} meses") == Parsed(years * 12 + months)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("si", True),
        ("sí", True),
        ("Sí.", True),
        ("SIII", True),
        ("claro", True),
        ("claro que sí", True),
        ("de una", True),
        ("obvio", True),
        ("listo", True),
        ("sí señor", True),
        ("si, tengo", True),
        ("no", False),
        ("NO", False),
        ("nooo", False),
        ("nada", False),
        ("ninguna", False),
        ("no señor", False),
        ("No, señora", False),
        ("para nada", False),
        ("no gracias", False),
        ("no tengo", False),
        ("1", None),
        ("2", None),
        ("", None),
        ("no sé", None),
        ("tal vez", None),
        ("sí y no", None),
        ("no, sí", None),
        ("depende", None),
    ],
)
def test_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maría", Parsed("María")),
        ("Me llamo Juan Pérez", Parsed("Juan Pérez")),
        ("soy ana", Parsed("Ana")),
        ("mi nombre es JOSÉ PÉREZ", Parsed("José Pérez")),
        ("Hola, soy Luz Dary", Parsed("Luz Dary")),
        ("Buenas tardes, mi nombre es luz  dary.", Parsed("Luz Dary")),
        ("maría de los ángeles", Parsed("María de los Ángeles")),
        ("Iñaki Núñez", Parsed("Iñaki Núñez")),
        ("maría-josé o’neil", Parsed("María-José O'Neil")),
        ("Soledad", Parsed("Soledad")),
        ("Al", Parsed("Al")),
        ("", Invalid("too_short")),
        ("a", Invalid("too_short")),
        ("me llamo", Invalid("too_short")),
        ("hola", Invalid("too_short")),
        ("juan123", Invalid("not_a_name")),
        ("1036123456", Invalid("not_a_name")),
        ("juan@correo.com", Invalid("not_a_name")),
        ("🙂", Invalid("not_a_name")),
        ("-", Invalid("not_a_name")),
        ("si", Invalid("not_a_name")),
        ("x" * 81, Invalid("name_too_long")),
    ],
)
def test_name(text: str, expected: Parsed[str] | Invalid) -> None:
    assert parse_name(text) == expected


@given(st.text())
def test_validators_never_raise(text: str) -> None:
    for result in (parse_age(text), parse_months(text), parse_name(text), parse_document("cc", text)):
        assert isinstance(result, Parsed | Invalid)
    assert parse_yes_no(text) in (True, False, None)
    assert parse_document_type(text) in ("cc", "ce", "ppt", None)


def test_every_reason_has_a_reask() -> None:
    extra = {"not_an_amount", "not_yes_no", "unknown_document_type"}
    in_data = {"no_name_given"}  # its re-ask is in data/names.yml (tests/unit/prequal/test_names.py)
    assert set(REASK) == (set(get_args(Reason)) - in_data) | extra


_TU_FORMS = re.compile(r"\b(tú|tu|tienes|eres|quieres|necesitas|puedes|escribe|dime|cuéntame|te)\b", re.I)


@pytest.mark.parametrize(("reason", "text"), sorted(REASK.items()))
def test_reask_is_a_short_plain_sms(reason: str, text: str) -> None:
    assert len(text) <= 140
    folded = fold_to_gsm7(text)
    assert is_gsm7(folded) and len(folded) == len(text)  # folding only drops accents
    assert not _TU_FORMS.search(text), "speak with usted"
    assert text.rstrip().endswith((".", "?"))
