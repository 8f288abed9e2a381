"""GSM-7 folding and segment counting: table cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gsm7 import GSM7_BASIC, GSM7_EXTENSION, fold_to_gsm7, is_gsm7, sms_size


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("información", "informacion"),
        ("Árbol, Íngrid, Óscar, Úrsula", "Arbol, Ingrid, Oscar, Ursula"),
        ("¿Señor, qué tal? ¡Güero!", "¿Señor, qué tal? ¡Güero!"),
        ("“hola” ‘tú’ — listo…", "\"hola\" 'tu' - listo..."),
        ("Gracias 🙏 por todo 👍", "Gracias por todo "),
        ("crédito", "crédito"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold_to_gsm7(text) == folded


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
    ],
)
def test_segments(text: str, encoding: str, segments: int) -> None:
    size = sms_size(text)
    assert (size.encoding, size.segments) == (encoding, segments)


@given(st.text())
def test_folded_text_is_always_gsm7(text: str) -> None:
    assert is_gsm7(fold_to_gsm7(text))


@given(st.text(alphabet=sorted(GSM7_BASIC - {" "})))
def test_folding_never_changes_pure_gsm7(text: str) -> None:
    assert fold_to_gsm7(text) == text


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION)))
def test_gsm7_segment_rule(text: str) -> None:
    units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    expected = 1 if units <= 160 else -(-units // 153)
    assert sms_size(text).segments == expected
