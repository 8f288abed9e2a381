"""Amounts of money in informal Colombian Spanish → whole pesos ("medio palo" → 500000).

How a written number is read:

- a ``.``, ``,`` or ``'`` followed by exactly three digits groups thousands: "1.500" is 1500,
  "500,000" is 500000, "1'500.000" is 1500000 (the apostrophe marks the millions, as many Colombians
  write). Dots and commas are never mixed in one number ("1.500,000" is refused);
- a final ``.`` or ``,`` followed by one or two digits is a decimal mark: "1,5 millones" and
  "1.5 millones" are 1500000, "1.200.000,00" is 1200000. The result must be whole pesos, so "1.5" on
  its own is refused; so is "1.500 millones" read as 1.5 millones: it is 1500 millones;
- any other use of separators ("500.5.5", "1.50.000") is refused.

Units: mil, luca(s)/luquita(s) and k are thousands; millón/millones, palo(s), melón/melones, and m/mm
right after digits ("2M", "2 mm") are millions; "medio" before a unit and "y medio" after one add a
half. "un millón quinientos" is read as people mean it: 1500000 (a bare 1–999 after millions counts
thousands). Words other than numbers and units ("como", "unos", "pesos", "COP") are ignored, but the
message must hold exactly one amount: "entre 1 y 2 millones", "500-600 mil" or "2 hijos, 500 mil"
are refused, as are negatives, zero and amounts above 10 000 000 000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Final, TypeAlias

from rapidfuzz.distance import OSA

from bot.text import fold_accents

MAX_PESOS: Final = 10_000_000_000
_THOUSAND: Final = 1_000
_MILLION: Final = 1_000_000
_HALF_VALUE: Final = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class _Num:
    value: Fraction
    place: int  # only words worth less than this may follow ("ciento" 100 → "veinte"); 0 for digits
    digits: bool
    article: bool = False  # "un"/"una"/"uno" standing alone is an article, not an amount


@dataclass(frozen=True, slots=True)
class _Unit:
    size: int
    plural: bool


_Token: TypeAlias = _Num | _Unit | str | None  # str is "y" or "medio"; None ends an amount
_AND: Final = "y"
_HALF: Final = "medio"


def _number_words() -> dict[str, tuple[int, int]]:
    units = {"cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
             "seis": 6, "siete": 7, "ocho": 8, "nueve": 9}  # fmt: skip
    words = {word: (value, 1) for word, value in units.items()}
    teens = ["diez", "once", "doce", "trece", "catorce", "quince"]
    words |= {word: (10 + i, 1) for i, word in enumerate(teens)}
    words |= {"dieci" + word: (10 + units[word], 1) for word in ("seis", "siete", "ocho", "nueve")}
    words |= {"veinti" + word: (20 + value, 1) for word, value in units.items() if value}
    tens = {"veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
            "ochenta": 80, "noventa": 90}  # fmt: skip
    words |= {word: (value, 10) for word, value in tens.items()}
    for ten, ten_value in tens.items():  # "treintaicinco", as some people write it
        words |= {ten[:-1] + "ai" + unit: (ten_value + value, 1) for unit, value in units.items() if value}
    hundreds = {"cien": 100, "ciento": 100, "doscient": 200, "docient": 200, "trescient": 300,
                "trecient": 300, "cuatrocient": 400, "quinient": 500, "seiscient": 600,
                "setecient": 700, "sietecient": 700, "ochocient": 800, "novecient": 900,
                "nuevecient": 900}  # fmt: skip
    for stem, value in hundreds.items():
        forms = [stem] if value == 100 else [stem + "os", stem + "as"]
        words |= {form: (value, 100) for form in forms}
    return words


_WORDS: Final = _number_words()
_ARTICLES: Final = frozenset({"un", "una", "uno"})
_UNITS: Final = {
    **dict.fromkeys(["mil", "luca", "luka", "luquita", "lukita"], _Unit(_THOUSAND, plural=False)),
    **dict.fromkeys(["lucas", "lukas", "luquitas", "lukitas"], _Unit(_THOUSAND, plural=True)),
    **dict.fromkeys(["millon", "milon", "palo", "palito", "melon"], _Unit(_MILLION, plural=False)),
    **dict.fromkeys(["millones", "palos", "palitos", "melones"], _Unit(_MILLION, plural=True)),
}
_UNITS_AFTER_DIGITS: Final = {"k": _UNITS["lucas"], "m": _UNITS["millones"], "mm": _UNITS["millones"]}
_NEVER_NUMBERS: Final = frozenset({"cientos", "cuento", "cuarto", "millos", "novena"})  # words, not typos
_TOO_BIG: Final = frozenset({"billon", "billones", "millardo", "millardos", "trillon", "trillones"})
_FUZZY_VOCABULARY: Final = tuple(word for word in (*_WORDS, *_UNITS) if len(word) >= 6)
_TOKEN: Final = re.compile(r"(?P<minus>-(?=[0-9]))|(?P<num>[0-9](?:[0-9]|[.,'](?=[0-9]))*)|(?P<word>[a-z]+)")
_SPACED_THOUSANDS: Final = re.compile(r"(?<![0-9.,'])([0-9]{1,3})((?: [0-9]{3})+)(?![.,']?[0-9])")
_DECIMAL_TAIL: Final = re.compile(r"(.+)([.,])([0-9]{1,2})")
_APOSTROPHES: Final = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})


def parse_money(text: str) -> int | None:
    """Whole pesos in the message, or None when it holds no amount or more than one."""
    value = _single_amount(text, units=True)
    if value is None or value.denominator != 1 or not 0 < value <= MAX_PESOS:
        return None
    return int(value)


def amount_phrases(text: str) -> list[tuple[str, str, str]]:
    """The runs of number words and units in a longer message, each as (before, amount, after).

    All three are the folded, lower-case text ("necesito unos", "2 palos", "pa comprar un horno"):
    a caller reads the words around an amount to tell a loan amount from monthly sales.
    """
    folded = fold_accents(text.translate(_APOSTROPHES)).lower()
    folded = _SPACED_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), folded)
    runs: list[tuple[int, int]] = []
    previous: _Token = None
    for match in _TOKEN.finditer(folded):
        word = match.group("word")
        token = _word(word, previous) if word else _Num(Fraction(0), 0, digits=True)
        if token is None or match.group("minus") or (token == _AND and previous is None):
            previous = None
            continue
        if previous is not None and not folded[runs[-1][1] : match.start()].strip():
            runs[-1] = (runs[-1][0], match.end())
        else:
            runs.append((match.start(), match.end()))
        previous = token
    runs = [(start, start + len(re.sub(r"(?: y)+$", "", folded[start:end]))) for start, end in runs]
    return [(folded[:start].strip(), folded[start:end], folded[end:].strip()) for start, end in runs]


def parse_whole_number(text: str) -> int | None:
    """The one whole number in the message, in digits or words ("tengo treinta y cinco años" → 35)."""
    value = _single_amount(text, units=False)
    if value is None or value.denominator != 1 or value > MAX_PESOS:
        return None
    return int(value)


def _single_amount(text: str, *, units: bool) -> Fraction | None:
    tokens = _tokenize(text)
    if tokens is None:
        return None
    values: list[Fraction] = []
    for expression in _split(tokens):
        if units and len(expression) == 1 and isinstance(expression[0], _Num) and expression[0].article:
            continue
        value = _evaluate(expression, units=units)
        if value is None:
            return None
        values.append(value)
    return values[0] if len(values) == 1 else None


def _tokenize(text: str) -> list[_Token] | None:
    folded = fold_accents(text.translate(_APOSTROPHES)).lower()
    folded = _SPACED_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), folded)
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(folded):
        if match.group("minus"):
            return None  # a negative amount, or a range such as "500-600"
        numeral = match.group("num")
        if numeral:
            value = _numeral(numeral)
            if value is None:
                return None
            tokens.append(_Num(value, 0, digits=True))
        elif match.group("word") in _TOO_BIG:
            return None
        else:
            tokens.append(_word(match.group("word"), tokens[-1] if tokens else None))
    return tokens


def _numeral(numeral: str) -> Fraction | None:
    if sum(ch.isdigit() for ch in numeral) > 16:
        return None
    integer, decimal_mark, fraction = numeral, "", ""
    tail = _DECIMAL_TAIL.fullmatch(numeral)
    if tail:
        integer, decimal_mark, fraction = tail.groups()
    groups = re.split(r"[.,']", integer)
    separators = set(re.findall(r"[.,']", integer))
    if any(len(group) != 3 for group in groups[1:]) or {".", ","} <= separators or decimal_mark in separators:
        return None
    value = Fraction(int("".join(groups)))
    if fraction:
        value += Fraction(int(fraction), 10 ** len(fraction))
    return value


def _word(word: str, previous: _Token) -> _Token:
    if word in _WORDS:
        value, place = _WORDS[word]
        return _Num(Fraction(value), place, digits=False, article=word in _ARTICLES)
    if word in _UNITS:
        return _UNITS[word]
    if word in _UNITS_AFTER_DIGITS:
        return _UNITS_AFTER_DIGITS[word] if isinstance(previous, _Num) and previous.digits else None
    if word == _AND:
        return _AND
    if word in ("medio", "media"):
        return _HALF
    corrected = _correct(word)
    return _word(corrected, previous) if corrected else None


@lru_cache(maxsize=4096)
def _correct(word: str) -> str | None:
    """A number word or unit one typo away ("trienta", "milones"), if exactly one is."""
    if len(word) < 6 or word in _NEVER_NUMBERS:
        return None
    near = [known for known in _FUZZY_VOCABULARY if OSA.distance(word, known, score_cutoff=1) <= 1]
    meanings = {_WORDS[known] if known in _WORDS else _UNITS[known] for known in near}
    return near[0] if len(meanings) == 1 else None  # "milones": millones or melones, both millions


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    """Cut the tokens into candidate amounts; "y" and "medio" join only where they make sense."""
    expressions: list[list[_Token]] = []
    current: list[_Token] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1 : index + 3]
        if token == _AND and not _joins(current[-1] if current else None, following):
            token = None
        if token == _HALF and not (
            (following and isinstance(following[0], _Unit)) or (current and current[-1] == _AND)
        ):
            token = None
        if token is None:
            if current:
                expressions.append(current)
            current = []
        else:
            current.append(token)
    if current:
        expressions.append(current)
    return expressions


def _joins(previous: _Token, following: list[_Token]) -> bool:
    after = following[0] if following else None
    if isinstance(previous, _Num) and not previous.digits and previous.place == 10:
        return isinstance(after, _Num) and not after.digits and after.value < 10  # treinta y cinco
    if isinstance(previous, _Unit):
        return isinstance(after, _Num) or after == _HALF  # millones y quinientos mil, millón y medio
    if isinstance(previous, _Num) and after == _HALF:
        return len(following) == 2 and isinstance(following[1], _Unit)  # dos y medio millones
    return False


def _evaluate(expression: list[_Token], *, units: bool) -> Fraction | None:
    """The value of one amount, or None when its parts do not fit together ("dos tres", "millones")."""
    total = group = Fraction(0)  # millions and above; thousands and below
    current: Fraction | None = None
    place, digits, last_unit, closed = 0, False, 0, False
    seen_million = seen_thousand = False
    for index, token in enumerate(expression):
        previous = expression[index - 1] if index else None
        if closed:
            return None
        if isinstance(token, _Num):
            if current is None:
                current, place, digits = token.value, token.place, token.digits
            elif digits or token.digits or token.value >= place:
                return None
            else:
                current, place = current + token.value, token.place
        elif isinstance(token, _Unit):
            if not units or (current is None and token.plural and group == 0):
                return None
            if token.size == _MILLION:
                if seen_million:
                    return None
                chunk = group + (current if current is not None else 0)
                total += (chunk or 1) * _MILLION
                group, seen_million, seen_thousand = Fraction(0), True, False
            else:
                if seen_thousand:
                    return None
                group += (current if current is not None else 1) * _THOUSAND
                seen_thousand = True
            current, place, digits, last_unit = None, 0, True, token.size
        elif token == _HALF:
            if previous == _AND and current is None and last_unit:
                if last_unit == _MILLION:
                    total += _HALF_VALUE * _MILLION
                else:
                    group += _HALF_VALUE * _THOUSAND
                closed = True
            elif current is None or previous == _AND:
                current, place, digits = (current or 0) + _HALF_VALUE, 0, True
            else:
                return None
    if current is not None:
        if current.denominator != 1:
            return None  # "1.5" or "medio" without a unit
        if last_unit == _MILLION and group == 0 and current < _THOUSAND:
            current *= _THOUSAND  # "un millón quinientos" is 1 500 000
        group += current
    return total + group
