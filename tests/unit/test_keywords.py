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
    ("text", "asks_first"), [("CANCELAR", True), ("cancelar.", True), ("PARAR", False), ("baja", False)]
)
def test_cancelar_asks_before_stopping_every_message(text: str, asks_first: bool) -> None:
    assert RULES.match(text) == "opt_out"  # opt-out words all; PARAR and BAJA stop at once
    assert RULES.asks_first(text) is asks_first


def test_a_form_word_must_be_an_opt_out_word() -> None:
    from pydantic import ValidationError

    from bot.keywords import KeywordRule

    with pytest.raises(ValidationError, match="must be among words"):
        KeywordRule(words=("PARAR",), reply="Listo.", ask_first=("CANCELAR",))


# While opted out, a person writes in plain words that they want the messages back. Matched locally
# (Rasa never sees an opted-out contact's messages): case, accents, punctuation and small typos do not
# matter; an opt-OUT sentence, however close in words, never counts.
@pytest.mark.parametrize(
    ("text", "back_in"),
    [
        ("quiero volver a recibir mensajes", True),
        ("Quiero volver a recibir los mensajes!", True),
        ("ya quiero volver", True),
        ("ya kiero volver", True),
        ("kiero resivir mensajes", True),
        ("ya me pueden escribir otra vez", True),
        ("hola ya quiero volver a resibir mensajes porfa", True),
        ("activar de nuevo los mensajes", True),
        ("actibar otra vez los mensajes", True),
        ("vuelvan a mandarme mensajes", True),
        ("me pueden volver a escribir", True),
        ("quiero seguir recibiendo sus mensajes", True),
        ("Buenas tardes, quiero recibir mensajes de nuevo", True),
        ("no quiero recibir mensajes", False),
        ("no quiero volver a recibir mensajes", False),
        ("ya no quiero volver a recibir mensajes", False),
        ("quiero dejar de recibir mensajes", False),
        ("dejen de mandarme mensajes", False),
        ("no me vuelvan a escribir", False),
        ("nunca mas me escriban", False),
        ("quiero cancelar los mensajes", False),
        ("quiero recibir un credito", False),
        ("quiero volver a pedir el credito", False),
        ("hola", False),
        ("", False),
        ("ALTA", False),  # a keyword (RULES.match), not a phrase
    ],
)  # fmt: skip
def test_plain_words_back_in(text: str, back_in: bool) -> None:
    assert RULES.says_back_in(text) is back_in
    if back_in:
        assert RULES.match(text) is None  # phrases are honoured only while opted out (bot/turns.py)


def test_a_phrase_with_a_word_that_means_stop_is_refused() -> None:
    from pydantic import ValidationError

    from bot.keywords import KeywordRule

    with pytest.raises(ValidationError, match="never_with"):
        KeywordRule(words=("ALTA",), reply="Listo.", phrases=("no quiero mensajes",), never_with=("no",))
