"""The consent text (data/consent.yml): complete, within 2 GSM-7 SMS, versioned by its exact words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.consent import ConsentText, load_consent, refuse_placeholders
from bot.gsm7 import is_gsm7
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.text import normalise

CONSENT = load_consent(Path(__file__).resolve().parents[2] / "data" / "consent.yml")


def test_the_text_says_who_why_the_rights_and_where_the_policy_is() -> None:
    text = normalise(CONSENT.rendered)
    assert normalise(CONSENT.organisation) in text  # who is responsible
    assert all(normalise(purpose) in text for purpose in CONSENT.purposes)  # what for
    assert "consultarlos" in text and "corregirlos" in text and "borremos" in text  # rights
    assert CONSENT.contact in CONSENT.rendered and CONSENT.policy_url in CONSENT.rendered


def test_the_question_fits_two_gsm7_sms_with_its_options() -> None:
    [part] = render_turn([CONSENT.question()], "sms", sms_segment_budget=2).parts
    assert is_gsm7(part.body) and part.segments is not None and part.segments <= 2
    assert part.body.endswith("1. Acepto\n2. No acepto\nResponda 1 o 2.")


def test_the_version_is_the_hash_of_exactly_what_is_shown() -> None:
    same = ConsentText.model_validate(CONSENT.model_dump())
    assert same.version == CONSENT.version and len(CONSENT.version) == 64
    changed = ConsentText.model_validate(
        {**CONSENT.model_dump(), "purposes": [*CONSENT.purposes, "otra cosa"]}
    )
    assert changed.version != CONSENT.version
    retitled = ConsentText.model_validate({**CONSENT.model_dump(), "accept_title": "Sí acepto"})
    assert retitled.version != CONSENT.version


def test_the_erasure_confirmation_and_the_held_media_notice_fit_one_sms_turn_each() -> None:
    for text in (CONSENT.erased, CONSENT.media_held):
        [part] = render_turn([BotReply(text=text)], "sms", sms_segment_budget=2).parts
        assert is_gsm7(part.body) and part.segments is not None and part.segments <= 2
    assert "pedimos" in CONSENT.erased and "borrar sus copias" in CONSENT.erased  # true even if Twilio fails


def test_the_shipped_text_has_placeholders_that_prod_refuses() -> None:
    assert CONSENT.placeholder_fields() == ("organisation", "contact", "policy_url")
    with pytest.raises(ValueError, match=r"refusing to start in prod: data/consent\.yml") as caught:
        refuse_placeholders(CONSENT, app_env="prod")
    assert "organisation" in str(caught.value) and "Fundación Ejemplo" in str(caught.value)
    refuse_placeholders(CONSENT, app_env="dev")  # development and tests keep working
    refuse_placeholders(CONSENT, app_env="test")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organisation", "Fundación Ejemplo"),
        ("organisation", "Example Foundation"),
        ("contact", "datos@example.com"),
        ("policy_url", "https://www.ejemplo.org/privacidad"),
    ],
)
def test_any_example_value_is_a_placeholder(field: str, value: str) -> None:
    real = ConsentText.model_validate({**CONSENT.model_dump(), **REAL})
    assert real.placeholder_fields() == ()
    refuse_placeholders(real, app_env="prod")
    assert ConsentText.model_validate({**real.model_dump(), field: value}).placeholder_fields() == (field,)


REAL = {
    "organisation": "Corporación Manos que Emprenden",
    "contact": "datos@manosqueemprenden.co",
    "policy_url": "manosqueemprenden.co/datos",
}
