"""What a first message already says about the loan: amount, purpose, business, municipality, name.

"necesito un prestamito de unos 2 palos pa comprar un horno pa la panaderia en bello" holds the words
that answer four questions of the form: "2 palos", "comprar un horno pa la panaderia", "Alimentos",
"bello". These are phrases, not values: the form's own checks (``bot.dialogue.prequal_form``) read each
one as if it had been typed as the answer, so a value taken from a first message is the value the typed
answer would give. Only what is said plainly is taken; anything doubtful is left for the form to ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.prequal.money import amount_phrases, parse_money
from bot.prequal.municipalities import MunicipalityRegistry
from bot.prequal.sectors import SectorCatalogue, match_sector
from bot.text import normalise

# Asking for a loan in so many words: "credito", "prestamito", "me prestan", "financiacion".
_LOAN_WORDS: Final = re.compile(
    r"\b(?:credit\w*|prestam\w*|prest(?:ar|arme|arnos|en|enme|an|e|a|ara|aran|ado|ada|aditos?)|financ\w*)\b"
)
_NEED: Final = re.compile(r"\b(?:necesito|necesitaria|ocupo|quiero|quisiera|busco|me hace falta)\b")
_MONEY_WORDS: Final = re.compile(r"\b(?:plata|platica|dinero|billete|capital)\b")
MIN_LOAN: Final = 50_000  # an amount someone could ask for (smaller numbers are ages, years, children)

# An amount with these words around it is what the business sells or earns, not what it asks for.
_SALES_BEFORE: Final = re.compile(
    r"\b(?:vend\w*|gan\w*|saco|sacamos|ventas?|ingresos?|me entra\w*|factur\w*)(?: \w+)?(?: \w+)?$"
)
_SALES_AFTER: Final = re.compile(
    r"^(?:pesos )?(?:al mes|mensual\w*|diari\w*|al dia|a la semana|semanal\w*|por (?:dia|semana|mes)"
    r"|cada (?:dia|semana|mes)|en ventas)\b"
)
_NOT_MONEY_BEFORE: Final = re.compile(
    r"\b(?:cedula|cc|documento|celular|numero|telefono|nit|ppt)(?:\W+\w+){0,2}\W*$"
)
_ONLY_DIGITS: Final = re.compile(r"^[\d.,' ]+$")
MAX_BARE_NUMBER: Final = 100_000_000  # digits alone from here up are a phone or a cédula, not pesos

_FOR: Final = frozenset({"pa", "para", "pal", "por"})
_PURPOSE_VERBS: Final = frozenset({
    "comprar", "comprarme", "surtir", "invertir", "arreglar", "ampliar", "montar", "mejorar", "remodelar",
    "adecuar", "abrir", "renovar", "cambiar", "construir", "terminar", "pagar", "poner", "reparar",
    "reponer", "pintar", "equipar", "dotar", "sembrar", "tecnificar", "organizar", "instalar", "agrandar",
})  # fmt: skip
_PURPOSE_NOUNS: Final = frozenset({"mercancia", "mercaderia", "surtido", "insumos", "inventario", "materia"})
_ARTICLES: Final = frozenset({"la", "el", "los", "las", "un", "una", "unos", "unas"})
# Where a purpose ends: the person goes on to say something else ("… y tengo una tienda").
_PURPOSE_ENDS: Final = frozenset({
    "porque", "pq", "xq", "necesito", "quiero", "tengo", "vivo", "soy", "me", "mi", "estoy", "llevo",
    "vendo", "trabajo", "somos", "queda", "cuanto", "como", "cual", "que", "q",
})  # fmt: skip
PURPOSE_MAX_WORDS: Final = 15

_NAME_START: Final = re.compile(
    r"\b(?:me llamo|mi nombre es|mi nombre completo es|mi nombre:|soy la senora|soy el senor)\s+(?P<rest>.+)",
    re.I,
)
_NAME_ENDS: Final = frozenset({
    "y", "e", "necesito", "quiero", "quisiera", "tengo", "vivo", "soy", "estoy", "me", "mi", "les", "le",
    "pa", "para", "pal", "en", "con", "que", "q", "porque", "un", "una", "busco", "ocupo", "desde",
    "necesitaria", "queria", "vendo", "trabajo",
})  # fmt: skip
_NAME_PARTICLES: Final = frozenset({"de", "del", "la", "las", "los"})
NAME_MAX_WORDS: Final = 6
_PLACE_BEFORE: Final = frozenset({"en", "de", "desde"})
PLACE_MAX_WORDS: Final = 5


@dataclass(frozen=True)
class OpeningPhrases:
    """The words of a message that may answer a form question (each still to be checked)."""

    amounts: tuple[str, ...] = ()  # loan amounts ("2 palos"); sales figures are left out
    purpose: str | None = None  # as written, without the "pa"
    sector: str | None = None  # the sector's label ("Alimentos/restaurante")
    municipality: str | None = None  # the name as written ("bello", "el carmen de viboral")
    name: str | None = None


def asks_for_a_loan(text: str) -> bool:
    """The message asks for a loan in so many words, or says it needs money or an amount."""
    words = normalise(text)
    if _LOAN_WORDS.search(words):
        return True
    return bool(_NEED.search(words)) and (bool(_MONEY_WORDS.search(words)) or bool(_loan_amounts(text)))


def find_phrases(text: str, municipalities: MunicipalityRegistry, sectors: SectorCatalogue) -> OpeningPhrases:
    place = _municipality(normalise(text), municipalities)
    sector = match_sector(text, sectors, spelling=False)
    return OpeningPhrases(
        amounts=_loan_amounts(text),
        purpose=_purpose(text, place),
        sector=sector.label if sector else None,
        municipality=place,
        name=_name(text),
    )


def _loan_amounts(text: str) -> tuple[str, ...]:
    amounts = []
    for before, amount, after in amount_phrases(text):
        if _SALES_BEFORE.search(before) or _SALES_AFTER.search(after) or _NOT_MONEY_BEFORE.search(before):
            continue
        value = parse_money(amount)
        bare = _ONLY_DIGITS.match(amount) is not None
        if value is not None and value >= MIN_LOAN and not (bare and value >= MAX_BARE_NUMBER):
            amounts.append(amount)
    return tuple(amounts)


def _municipality(words: str, registry: MunicipalityRegistry) -> str | None:
    """A municipality named after "en", "de" or "desde" ("pa la panaderia en bello"), if only one is."""
    tokens = words.split()
    found: dict[str, str] = {}  # DANE code(s) → the words that named it
    for index, token in enumerate(tokens[:-1]):
        if token not in _PLACE_BEFORE:
            continue
        for size in range(min(PLACE_MAX_WORDS, len(tokens) - index - 1), 0, -1):
            phrase = " ".join(tokens[index + 1 : index + 1 + size])
            named = registry.named(phrase)
            if named:
                found.setdefault(",".join(m.dane_code for m in named), phrase)
                break
    return next(iter(found.values())) if len(found) == 1 else None


def _purpose(text: str, place: str | None) -> str | None:
    """ "pa comprar un horno pa la panaderia" → "comprar un horno pa la panaderia"."""
    written = text.split()
    words = [normalise(word) for word in written]
    place_words = place.split() if place else []
    for index, word in enumerate(words[:-1]):
        start = index + 1
        following = (
            words[start] if words[start] not in _ARTICLES else (words[start + 1 : start + 2] or [""])[0]
        )
        if word not in _FOR or (words[start] not in _PURPOSE_VERBS and following not in _PURPOSE_NOUNS):
            continue
        taken: list[str] = []
        for position in range(start, min(len(written), start + PURPOSE_MAX_WORDS)):
            current = words[position]
            if current in _PURPOSE_ENDS or (
                current in _PLACE_BEFORE
                and place_words
                and words[position + 1 : position + 1 + len(place_words)] == place_words
            ):
                break
            taken.append(written[position])
            if re.search(r"[.,;:!?]$", written[position]):
                break
        while taken and normalise(taken[-1]) in {"y", "e", "o", "pa", "para", "de", "la", "el"}:
            taken.pop()
        purpose = " ".join(taken).strip(" .,;:!?¿¡")
        return purpose or None
    return None


def _name(text: str) -> str | None:
    """ "… me llamo Luz Dary Restrepo y necesito …" → "Luz Dary Restrepo"."""
    match = _NAME_START.search(_fold_for_name(text))
    if match is None:
        return None
    rest = text[match.start("rest") :].split()
    taken: list[str] = []
    for word in rest[:NAME_MAX_WORDS]:
        plain = normalise(word)
        if not plain.isalpha() or plain in _NAME_ENDS:
            break
        taken.append(word.strip(".,;:!?"))
        if re.search(r"[.,;:!?]$", word):
            break
    while taken and normalise(taken[-1]) in _NAME_PARTICLES:
        taken.pop()
    return " ".join(taken) or None


def _fold_for_name(text: str) -> str:
    """Accents off, same length (so a match's position is a position in ``text``)."""
    return "".join(normalise(ch) or ch if ch.isalpha() else ch for ch in text)
