"""What a full name is: two words or more of letters; laughter, insults, numbers and filler are not
names; a doubtful one (one word, a common noun, very long) is confirmed, not refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.prequal.answers import Invalid, Parsed
from bot.prequal.names import Doubtful, NameRules, load_name_rules, read_name
from tests.unit.prequal.test_answers import _TU_FORMS

RULES = load_name_rules(Path(__file__).resolve().parents[3] / "data" / "names.yml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me llamo Luz Dary Restrepo", Parsed("Luz Dary Restrepo")),
        ("Jhon Fredy Gomez", Parsed("Jhon Fredy Gomez")),
        ("maria de los angeles ospina", Parsed("Maria de los Angeles Ospina")),
        ("Hola, soy Iñaki Núñez", Parsed("Iñaki Núñez")),
        ("maría-josé o'neil", Parsed("María-José O'Neil")),
        ("yo soy la señora Gladys Zapata", Parsed("Gladys Zapata")),
        ("LUZ MARINA", Parsed("Luz Marina")),
        ("Ana", Doubtful("Ana", "one_word")),
        ("soy ana", Doubtful("Ana", "one_word")),
        ("Soledad", Doubtful("Soledad", "one_word")),
        ("tienda rosita", Doubtful("Tienda Rosita", "common_word")),
        ("arepas doña rosa", Doubtful("Arepas Doña Rosa", "common_word")),
        (
            "maria fernanda de los angeles restrepo gomez ospina villa",
            Doubtful("Maria Fernanda de los Angeles Restrepo Gomez Ospina Villa", "long"),
        ),
        ("jajaja q pereza", Invalid("no_name_given")),
        ("jajajaja", Invalid("no_name_given")),
        ("JAJAJA ana", Invalid("no_name_given")),
        ("jsjsjs", Invalid("no_name_given")),
        ("kkkkk", Invalid("no_name_given")),
        ("jejeje pues", Invalid("no_name_given")),
        ("hahaha", Invalid("no_name_given")),
        ("xd", Invalid("no_name_given")),
        ("no se", Invalid("no_name_given")),
        ("nose", Invalid("no_name_given")),
        ("q pereza", Invalid("no_name_given")),
        ("que pereza", Invalid("no_name_given")),
        ("para que", Invalid("no_name_given")),
        ("pa q quiere saber", Invalid("no_name_given")),
        ("ninguno", Invalid("no_name_given")),
        ("que le importa", Invalid("no_name_given")),
        ("malparido hp", Invalid("no_name_given")),
        ("gonorrea", Invalid("no_name_given")),
        ("quiero un credito", Invalid("no_name_given")),
        ("aaaaaa", Invalid("no_name_given")),
        ("sdfg", Invalid("no_name_given")),
        ("juan123", Invalid("not_a_name")),
        ("1036123456", Invalid("not_a_name")),
        ("juan@correo.com", Invalid("not_a_name")),
        ("", Invalid("too_short")),
        (("ana maria " * 9).strip(), Invalid("name_too_long")),
    ],
)
def test_name(text: str, expected: Parsed[str] | Doubtful | Invalid) -> None:
    assert read_name(text, RULES) == expected


def test_the_confirmation_and_the_reasks_are_short_plain_sms_with_usted() -> None:
    longest = "Maria Fernanda de los Angeles Restrepo Gomez Ospina Villa Arango Betancur Cardona"[:80]
    texts = [RULES.confirm.format(name=longest), *RULES.reasks.values()]
    for text in texts:
        assert sms_size(fold_to_gsm7(text)).segments == 1, text
        assert not _TU_FORMS.search(text), "speak with usted"


def test_word_lists_are_checked_when_loaded() -> None:
    with pytest.raises(ValidationError, match="laughter"):
        NameRules.model_validate({**RULES.model_dump(), "laughter": ["(unclosed"]})


@given(st.text())
def test_reading_a_name_never_raises(text: str) -> None:
    assert isinstance(read_name(text, RULES), Parsed | Doubtful | Invalid)
