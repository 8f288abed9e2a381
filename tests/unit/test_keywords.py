"""Opt-out / opt-in / help keywords: the data file validates, whole messages match, nothing else does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.keywords import load_keyword_rules

RULES = load_keyword_rules(Path(__file__).resolve().parents[2] / "data" / "keywords.yml")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PARAR", "opt_out"), ("parar", "opt_out"), ("Parar.", "opt_out"), (" detener ", "opt_out"),
        ("Cancelar", "opt_out"), ("SALIR", "opt_out"), ("baja", "opt_out"), ("STOP", "opt_out"),
        ("no mas", "opt_out"), ("No más", "opt_out"), ("NO  MÁS!", "opt_out"), ("desuscribir", "opt_out"),
        ("INICIAR", "opt_in"), ("alta", "opt_in"), ("Volver", "opt_in"), ("start", "opt_in"),
        ("AYUDA", "help"), ("ayuda?", "help"), ("help", "help"),
        ("parar de vender", None), ("quiero salir adelante", None), ("no", None), ("mas", None),
        ("", None), ("   ", None), ("hola", None), ("1", None),
    ],
)  # fmt: skip
def test_whole_message_keywords(text: str, kind: str | None) -> None:
    assert RULES.match(text) == kind


@pytest.mark.parametrize("kind", ["opt_out", "opt_in", "help"])
def test_every_reply_fits_one_gsm7_sms(kind: str) -> None:
    reply = RULES.rule(kind).reply  # type: ignore[arg-type]
    size = sms_size(fold_to_gsm7(reply))
    assert size.encoding == "GSM-7" and size.segments == 1, (kind, size)


def test_opt_out_confirmation_is_the_agreed_text() -> None:
    assert RULES.rule("opt_out").reply == "Listo, no le enviaremos más mensajes. Para volver escriba ALTA."


@pytest.mark.parametrize(
    ("text", "only_stops"), [("CANCELAR", True), ("cancelar.", True), ("PARAR", False), ("baja", False)]
)
def test_cancelar_only_stops_a_running_form(text: str, only_stops: bool) -> None:
    assert RULES.match(text) == "opt_out"  # outside a form every one of them opts out
    assert RULES.only_stops_a_form(text) is only_stops


def test_a_form_word_must_be_an_opt_out_word() -> None:
    from pydantic import ValidationError

    from bot.keywords import KeywordRule

    with pytest.raises(ValidationError, match="must be among words"):
        KeywordRule(words=("PARAR",), reply="Listo.", in_a_form_only_stop_it=("CANCELAR",))
