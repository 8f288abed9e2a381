"""What a question about loan terms asks, read from its text: rate, terms, fees or an instalment.

``read_question("cuanto pagaria al mes por 2 millones a 12 meses")`` → instalment, 2 000 000, 12.
The amount is read by ``bot.prequal.money.parse_money`` once the months are taken out of the text
("2 palos a un año": "un año" is the term, "2 palos" the amount). Words decide the rest, in this order:
an amount and months → instalment; months alone → instalment (the amount may be known already);
plazo/cuántos meses → terms; cuota/mensual/pagaría → instalment; seguro/comisión (not with "interés")
→ fees; an amount alone → instalment; else the rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.prequal.answers import Parsed, parse_months
from bot.prequal.money import parse_money, parse_whole_number
from bot.text import fold_accents, normalise

Kind = Literal["rate", "terms", "fees", "instalment"]
MIN_LOAN_PESOS: Final = 50_000  # below this a number is not a loan amount ("de 6 a 12 meses", "2 %")
MAX_LOAN_MONTHS: Final = 120

# "12 meses", "un año", "año y medio", "dos y medio años", "6 cuotas", "treinta y seis meses".
_DURATION: Final = re.compile(
    r"\b(?:(?P<count>\d{1,3}|[a-z]+(?: y [a-z]+)?) +)?"
    r"(?P<unit>meses|mes|cuotas|cuota|anos|ano|anios|anio)\b(?P<half> y medi[oa]\b)?"
)
_HALVES: Final = frozenset({"medio", "media"})
_TERM_WORDS: Final = re.compile(
    r"\b(?:plazos?|cuantos meses|cuantas cuotas|cuantos anos|cuanto tiempo|que tiempo|meses|anos)\b"
)
_INSTALMENT_WORDS: Final = re.compile(
    r"\b(?:cuotas?|cuotica|mensual|mensualmente|mensualidad|al mes|por mes|cada mes|pagaria|pagar|pago|"
    r"tocaria|quedaria|saldria|sale)\b"
)
_FEE_WORDS: Final = re.compile(
    r"\b(?:seguros?|comision|comisiones|cobros?|costos?|gastos?|papeleria|estudio|descuentan|adicional(?:es)?|"
    r"aparte|algo mas)\b"
)
_RATE_WORDS: Final = re.compile(r"\b(?:interes|intereses|tasa|porcentaje)\b")


@dataclass(frozen=True)
class TermsQuestion:
    kind: Kind
    amount: int | None = None  # pesos, when the text says an amount
    months: int | None = None  # when the text says a term


def read_question(text: str) -> TermsQuestion:
    """The kind of question and the amount and months it mentions."""
    months, rest = find_months(text)
    amount = parse_money(rest)
    if amount is not None and amount < MIN_LOAN_PESOS:
        amount = None
    words = normalise(text)
    kind: Kind
    if months is not None:
        kind = "instalment"
    elif _TERM_WORDS.search(words):
        kind = "terms"
    elif _INSTALMENT_WORDS.search(words):
        kind = "instalment"
    elif _FEE_WORDS.search(words) and not _RATE_WORDS.search(words):
        kind = "fees"
    elif amount is not None:
        kind = "instalment"
    else:
        kind = "rate"
    return TermsQuestion(kind, amount, months)


def find_months(text: str) -> tuple[int | None, str]:
    """(the term in months, the text without it) — the last duration the text names, if any.

    "a 12 meses" → 12, "en 6 cuotas" → 6, "a un año" → 12, "año y medio" → 18. "al mes", "cada mes",
    "cuántos meses" name no term. The text comes back in lower case without accents.
    """
    text = fold_accents(text).lower()
    found: tuple[int, tuple[int, int]] | None = None
    for match in _DURATION.finditer(text):
        months = _duration(match)
        if months is not None:
            found = (months, match.span())
    if found is None:
        return None, text
    months, (start, end) = found
    return months, f"{text[:start]} {text[end:]}"


def _duration(match: re.Match[str]) -> int | None:
    count, unit, half = match.group("count"), match.group("unit"), match.group("half")
    if count is not None and not _is_count(count):
        count = None
    if count is None and not half:
        return None  # "al mes", "cuantos meses", "la cuota": no number of months
    unit_word = "anos" if unit.startswith("an") else "meses"
    if count is None or count in ("un", "una", "uno"):
        unit_word = unit_word[:-1]  # "un año", "año y medio"
    phrase = " ".join(part for part in (count, unit_word, half) if part)
    result = parse_months(phrase)
    if not isinstance(result, Parsed) or not 0 < result.value <= MAX_LOAN_MONTHS:
        return None
    return result.value


def _is_count(words: str) -> bool:
    return words.isdigit() or bool(_HALVES & set(words.split())) or parse_whole_number(words) is not None
