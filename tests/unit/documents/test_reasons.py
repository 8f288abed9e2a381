"""data/documents.yml ``rejection_reasons``: every reason the console needs, each ``ask`` one GSM-7 SMS
with every item's title, in "usted" and saying what to do; a broken section stops the load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.documents.content import load_documents
from bot.documents.reasons import REQUIRED_REASONS, item_words, load_rejection_reasons
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.text import normalise
from tests.unit.documents.test_content import _broken

DATA = Path(__file__).resolve().parents[3] / "data"
DOCUMENTS = load_documents(DATA)
REASONS = load_rejection_reasons(DOCUMENTS)
PAIRS = [(reason, item.title) for reason in REASONS.root for item in DOCUMENTS.items]


def test_the_reasons_the_console_needs_are_there_with_a_spanish_label() -> None:
    assert set(REASONS.root) >= REQUIRED_REASONS
    assert REASONS.labels()["illegible"] == "No se lee"
    assert len(set(REASONS.labels().values())) == len(REASONS.root)


@pytest.mark.parametrize(("reason", "title"), PAIRS, ids=[f"{r}-{t}" for r, t in PAIRS])
def test_each_ask_is_one_gsm7_sms_naming_the_item_and_saying_what_to_do(reason: str, title: str) -> None:
    text = REASONS.ask_text(reason, title)
    size = sms_size(fold_to_gsm7(text))
    assert (size.encoding, size.segments) == ("GSM-7", 1), (text, size)
    assert item_words(title) in text
    words = normalise(text).split()
    assert "por favor" in normalise(text) and not {"tu", "te", "envia", "toma"} & set(words)  # usted
    assert any(verb in words for verb in ("envie", "enviela", "envielo", "envienos", "tomele", "tomela"))


def test_item_titles_read_as_words_in_a_sentence() -> None:
    assert item_words("Cédula por delante") == "cédula por delante"
    assert item_words("RUT") == "RUT"
    assert REASONS.ask_text("expired", "RUT").startswith("Necesitamos de nuevo: RUT.")


BROKEN = [
    ("a required reason missing", lambda d: d["rejection_reasons"].pop("old_bill"), "missing"),
    ("an unknown placeholder", lambda d: d["rejection_reasons"]["expired"].update(ask="Mande {documento}."),
     "only {item}"),
    ("longer than one SMS", lambda d: d["rejection_reasons"]["expired"].update(ask="Por favor " * 20 + "{item}"),
     "one GSM-7 SMS"),
    ("one SMS with RUT, two with the longest title", lambda d: d["rejection_reasons"]["expired"].update(
        ask="a" * 142 + "{item}"), "with 'Recibo de servicios' it is not one GSM-7 SMS"),
    ("the word rechazado", lambda d: d["rejection_reasons"]["expired"].update(ask="{item} rechazado."),
     "rechazado"),
    ("a reason without its label", lambda d: d["rejection_reasons"]["expired"].pop("label"), "label"),
    ("an unknown key", lambda d: d["rejection_reasons"]["expired"].update(sms="x"), "sms"),
    ("an id with capitals", lambda d: d["rejection_reasons"].update(Borrosa={"label": "x", "ask": "y"}),
     "lower-case"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "message"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_broken_section_stops_the_load(tmp_path: Path, label: str, change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_rejection_reasons(load_documents(_broken(tmp_path, change)))
