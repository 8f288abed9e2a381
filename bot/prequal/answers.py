"""The loan pre-qualification form's other answers: age, document, business age, yes/no, name.

Each validator returns ``Parsed(value)`` or ``Invalid(reason)``; ``REASK[reason]`` is the plain-Spanish
question the form asks again. ``parse_yes_no`` and ``parse_document_type`` return None instead (their
re-asks are ``REASK["not_yes_no"]`` and ``REASK["unknown_document_type"]``), as ``parse_money`` does
(``REASK["not_an_amount"]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Generic, Literal, TypeAlias, TypeVar

from rapidfuzz.distance import OSA

from bot.prequal.money import parse_whole_number
from bot.text import fold_accents, normalise

T = TypeVar("T")
Reason = Literal[
    "not_a_number", "under_18", "over_75", "wrong_length", "not_digits", "not_a_duration", "a_year",
    "duration_too_long", "too_short", "not_a_name", "name_too_long", "no_name_given",
]  # fmt: skip
DocumentType = Literal["cc", "ce", "ppt"]


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: Reason


Result: TypeAlias = Parsed[T] | Invalid

REASK: Final[dict[str, str]] = {
    "not_an_amount": "No entendí el valor. ¿Cuánto dinero necesita? Escríbalo así: 500.000 o 2 millones.",
    "not_a_number": "No entendí su edad. ¿Cuántos años tiene? Escriba solo el número, por ejemplo 35.",
    "under_18": "Para pedir un crédito debe ser mayor de 18 años. ¿Qué edad tiene?",
    "over_75": "Este crédito es para personas de hasta 75 años. ¿Me confirma su edad? Escriba el número.",
    "unknown_document_type": "¿Qué documento tiene? Escriba: cédula, cédula de extranjería o PPT "
    "(Permiso por Protección Temporal).",
    "wrong_length": "El número de su documento debe tener de 6 a 10 números. ¿Lo puede escribir otra vez?",
    "not_digits": "Escriba solo los números de su documento, sin letras. Por ejemplo: 1036123456.",
    "not_a_duration": "¿Hace cuánto tiempo tiene su negocio? Escriba, por ejemplo, 8 meses o 2 años.",
    "a_year": "Gracias. En vez del año, dígame cuánto tiempo lleva su negocio, por ejemplo 8 meses o 2 años.",
    "duration_too_long": "Ese tiempo parece muy largo. ¿Cuántos años o meses lleva su negocio?",
    "not_yes_no": "Disculpe, no entendí. Por favor responda sí o no.",
    "too_short": "No alcancé a leer su nombre. ¿Cómo se llama? Escriba su nombre y apellido.",
    "not_a_name": "Escriba su nombre solo con letras, sin números ni símbolos. ¿Cómo se llama?",
    "name_too_long": "Ese nombre es muy largo. Escriba solo su nombre y su primer apellido.",
}

MIN_AGE: Final = 18
MAX_AGE: Final = 75
MAX_MONTHS: Final = 100 * 12
DOCUMENT_DIGITS: Final = range(6, 11)


def parse_age(text: str) -> Result[int]:
    """ "tengo 35 años", "treinta y cinco" → 35; the one whole number in the message, 18 to 75."""
    age = parse_whole_number(text)
    if age is None:
        return Invalid("not_a_number")
    if age < MIN_AGE:
        return Invalid("under_18")
    if age > MAX_AGE:
        return Invalid("over_75")
    return Parsed(age)


# --- documents ---------------------------------------------------------------------------------

_DOCUMENT_WORDS: Final[dict[DocumentType, frozenset[str]]] = {
    "ce": frozenset({"ce", "extranjeria", "extranjero", "extranjera"}),
    "ppt": frozenset({"ppt", "permiso", "proteccion"}),
    "cc": frozenset({"cc", "cedula", "ciudadania"}),
}
_DOCUMENT_FILLER: Final = frozenset(
    {"mi", "el", "la", "es", "de", "del", "numero", "no", "nro", "num", "n", "documento", "identidad",
     "cedula", "cc", "ce", "ppt", "extranjeria", "ciudadania", "permiso", "por",
     "proteccion", "temporal", "seria", "ok", "listo", "aqui", "va", "tome", "este"}
)  # fmt: skip
_DIGIT_RUN: Final = re.compile(r"[0-9](?:[0-9.\s'\-]*[0-9])?")
_INITIALS: Final = re.compile(r"\b(?![aeoy] )([a-z]) (?=[a-z]\b)")  # not "y", "o", "e", "a"


def parse_document_type(text: str) -> DocumentType | None:
    """ "c.c.", "Cédula" → cc; "cedula de extranjeria", "CE" → ce; "permiso", "PPT" → ppt; else None.

    A message naming two types ("no tengo cedula, tengo PPT") or with "no" in it returns None: a menu
    answers it better than a guess.
    """
    words = _INITIALS.sub(r"\1", normalise(text)).split()  # "c.c." → "c c" → "cc"
    if not words or "no" in words:
        return None
    found = {kind for kind, known in _DOCUMENT_WORDS.items() if any(_near(word, known) for word in words)}
    if "ce" in found:
        found.discard("cc")  # "cédula de extranjería" names the cédula too
    return found.pop() if len(found) == 1 else None


def parse_document(doc_type: DocumentType, text: str) -> Result[str]:
    """The document number's digits ("1.036.123.456" → "1036123456"), 6 to 10 of them.

    cc and ce have no check digit. ppt numbers are assumed to be digits only, 6 to 10 of them, like ce:
    a guess to confirm with the lender. Dots, spaces and hyphens between digits are allowed, and so are
    words such as "mi cédula es"; letters next to the digits or two separate numbers are not.
    """
    if doc_type not in _DOCUMENT_WORDS:
        raise ValueError(f"unknown document type {doc_type!r}")
    folded = fold_accents(text).lower()
    runs = _DIGIT_RUN.findall(folded)
    rest = _INITIALS.sub(r"\1", normalise(_DIGIT_RUN.sub(" ", folded))).split()
    if len(runs) != 1 or any(word not in _DOCUMENT_FILLER for word in rest):
        return Invalid("not_digits")
    digits = re.sub(r"[^0-9]", "", runs[0])
    if len(digits) not in DOCUMENT_DIGITS:
        return Invalid("wrong_length")
    return Parsed(digits)


def _near(word: str, known: frozenset[str]) -> bool:
    """Exact, or one typo away for words of five letters or more ("sedula", "extrangeria")."""
    if word in known:
        return True
    return len(word) >= 5 and any(len(k) >= 5 and OSA.distance(word, k, score_cutoff=1) <= 1 for k in known)


# --- business age ------------------------------------------------------------------------------

_DURATION_UNITS: Final = {
    **dict.fromkeys(["ano", "anio", "anyo"], (Fraction(12), False)),
    **dict.fromkeys(["anos", "anios", "anyos"], (Fraction(12), True)),
    "mes": (Fraction(1), False), "meses": (Fraction(1), True),
    "semana": (Fraction(1, 4), False), "semanas": (Fraction(1, 4), True),
    "dia": (Fraction(1, 30), False), "dias": (Fraction(1, 30), True),
}  # fmt: skip
_JUST_STARTED: Final = frozenset(
    {"recien", "empece", "empiezo", "empezando", "empezar", "comence", "comienzo", "comenzando",
     "arrancando", "arranque", "inicie", "iniciando", "nuevo", "nueva"}
)  # fmt: skip
_HALVES: Final = frozenset({"medio", "media"})
_DURATION_TOKEN: Final = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[a-z]+")
_DECIMAL: Final = re.compile(r"([0-9]+)[.,]([0-9]{1,2})")


def parse_months(text: str) -> Result[int]:
    """How long the business has run, in whole months.

    "8 meses" → 8, "2 años" → 24, "año y medio" → 18, "3 años y 2 meses" → 38, a bare "6" → 6 months,
    "recién empecé" → 0. A year ("desde el 2020") is refused with its own reason rather than turned
    into months: that would need today's date.
    """
    tokens = _DURATION_TOKEN.findall(fold_accents(text).lower())
    total, units_seen = Fraction(0), set[Fraction]()
    run: list[str] = []
    loose: list[list[str]] = []
    index = 0
    while index < len(tokens):
        word = tokens[index]
        numberish = word[0].isdigit() or word in _HALVES or parse_whole_number(word) is not None
        if word in _DURATION_UNITS:
            size, plural = _DURATION_UNITS[word]
            count = _count(run, plural=plural)
            if count is None or size in units_seen:
                return Invalid("not_a_duration")
            total, run = total + count * size, []
            units_seen.add(size)
            if tokens[index + 1 : index + 2] == ["y"] and set(tokens[index + 2 : index + 3]) & _HALVES:
                total, index = total + size / 2, index + 2
        elif numberish or (run and word == "y"):
            run.append(word)
        elif run:
            loose, run = [*loose, run], []
        index += 1
    if run:
        loose.append(run)
    months: Fraction | None
    if units_seen:
        months = None if loose else total
    elif len(loose) == 1:
        months = _count(loose[0], plural=True)  # a bare number counts months
        if months is not None and months.denominator != 1:
            months = None
        elif months is not None and 1900 <= months <= 2100:
            return Invalid("a_year")
    else:
        months = Fraction(0) if not loose and _JUST_STARTED & set(tokens) else None
    if months is None:
        return Invalid("not_a_duration")
    if months > MAX_MONTHS:
        return Invalid("duration_too_long")
    return Parsed(int(months))


def _count(run: list[str], *, plural: bool) -> Fraction | None:
    """How many units a run of words before a unit stands for: "" (singular) 1, "medio" ½, "dos y medio"."""
    if not run:
        return None if plural else Fraction(1)
    if run[-1] in _HALVES:
        if len(run) == 1:
            return Fraction(1, 2)
        whole = _count(run[:-2], plural=True) if run[-2] == "y" else None
        return whole + Fraction(1, 2) if whole is not None else None
    decimal = _DECIMAL.fullmatch(run[0]) if len(run) == 1 else None
    if decimal:
        return Fraction(int(decimal.group(1))) + Fraction(int(decimal.group(2)), 10 ** len(decimal.group(2)))
    value = parse_whole_number(" ".join(run))
    return Fraction(value) if value is not None else None


# --- yes / no ----------------------------------------------------------------------------------

_YES: Final = frozenset(
    {"si", "claro", "obvio", "listo", "dale", "ok", "okay", "okey", "vale", "bueno", "correcto", "exacto",
     "sisas", "sip", "sipi", "afirmativo", "perfecto", "hagale", "hagamosle", "yes", "eso", "seguro"}
)  # fmt: skip
_NO: Final = frozenset({"no", "nada", "ninguna", "ninguno", "nop", "nope", "nel", "negativo", "nunca",
                        "jamas", "tampoco"})  # fmt: skip
_YES_PHRASES: Final = frozenset(
    {"de una", "por supuesto", "asi es", "claro que si", "obvio que si", "con gusto", "eso es", "de acuerdo"}
)
_NO_PHRASES: Final = frozenset(
    {"para nada", "todavia no", "aun no", "claro que no", "obvio que no", "por ahora no", "ahorita no"}
)
_AFTER_ANSWER: Final = frozenset({"tengo", "quiero", "acepto", "puedo", "autorizo", "hay", "debo", "soy"})
_POLITE: Final = frozenset({"gracias", "muchas", "pues", "porfa", "senor", "senora", "senorita", "don",
                            "dona", "amigo", "amiga", "vecino", "vecina", "parce"})  # fmt: skip
_REPEATS: Final = re.compile(r"(.)\1+")


def parse_yes_no(text: str) -> bool | None:
    """ "Sí", "claro", "de una", "listo" → True; "no", "nada", "para nada", "no señor" → False; else None.

    Menu numbers ("1", "2") and doubts ("no sé", "tal vez") are None: the menu code handles numbers.
    """
    words = [_squeezed(word) for word in normalise(text).split()]
    phrase = " ".join(words)
    if phrase in _YES_PHRASES:
        return True
    if phrase in _NO_PHRASES:
        return False
    words = [word for word in words if word not in _POLITE]
    for vocabulary, answer in ((_YES, True), (_NO, False)):
        if words and words[0] in vocabulary:
            rest = [word for word in words[1:] if word not in vocabulary]
            if not rest or (len(rest) == 1 and rest[0] in _AFTER_ANSWER and words[1] == rest[0]):
                return answer
    return None


def _squeezed(word: str) -> str:
    """ "siii" → "si", "nooo" → "no"; words known as they are ("correcto") stay."""
    if word in _YES or word in _NO or word in _POLITE:
        return word
    return _REPEATS.sub(r"\1", word)


# --- names -------------------------------------------------------------------------------------

_GREETING: Final = re.compile(r"^\s*(?:hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?)\b[\s,.!¡]*", re.I)
_NAME_PREFIX: Final = re.compile(
    r"^(?:(?:yo\s+)?me\s+llamo|mi\s+nombre\s+es|mi\s+nombre\s+completo\s+es|mi\s+nombre|(?:yo\s+)?soy)\b[\s:,]*",
    re.I,
)
_NAME_SHAPE: Final = re.compile(r"[a-z]+(?:['-][a-z]+)*(?: [a-z]+(?:['-][a-z]+)*)*")
_NOT_NAMES: Final = frozenset(
    {"hola", "buenas", "si", "no", "ok", "gracias", "nada", "listo", "bien", "nombre", "no se", "ninguno"}
)
_PARTICLES: Final = frozenset({"de", "del", "la", "las", "los", "y"})
NAME_LENGTH: Final = range(2, 81)


def parse_name(text: str) -> Result[str]:
    """A person's name, title-cased: "me llamo maría de los ángeles" → "María de los Ángeles"."""
    name = _NAME_PREFIX.sub("", _GREETING.sub("", text.strip()), count=1)
    name = " ".join(name.replace("’", "'").split()).strip(" .,;:!¡?¿")
    if name and (not _NAME_SHAPE.fullmatch(fold_accents(name).lower()) or normalise(name) in _NOT_NAMES):
        return Invalid("not_a_name")
    if len(name) not in NAME_LENGTH:
        return Invalid("too_short" if len(name) < NAME_LENGTH.start else "name_too_long")
    return Parsed(" ".join(_title(word, first=index == 0) for index, word in enumerate(name.split())))


def _title(word: str, *, first: bool) -> str:
    if not first and word.lower() in _PARTICLES:
        return word.lower()
    return "".join(part[:1].upper() + part[1:].lower() for part in re.split(r"([-'])", word))
