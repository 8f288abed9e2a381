"""DANE municipalities (data/municipalities.csv) and matching what people write to one of them.

``match_municipality`` answers with how sure it is, so the dialogue knows what to say:

- ``Exact``: the message (minus fillers such as "vivo en" or a trailing "Antioquia") is a name or alias.
- ``Likely``: a close spelling ("envigao"), or a name found inside a longer message; take it but say
  "Entiendo que es Envigado."
- ``Unsure``: up to 3 candidates to confirm ("¿Es San Pedro de los Milagros o San Pedro de Urabá?").
- ``NotFound``: ask again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from rapidfuzz import fuzz, process

from bot.text import normalise

LIKELY_SCORE = 85.0  # a single close spelling at or above this is taken ("Entiendo que es …")
LIKELY_MARGIN = 8.0  # … but only if the runner-up is at least this far behind
UNSURE_SCORE = 75.0  # candidates at or above this are offered for confirmation
UNSURE_SPREAD = 10.0  # … if within this distance of the best
MIN_FUZZY_CHARS = 4  # shorter messages must match a name or alias exactly
SHORT_FORM_SCORE = 90.0  # every word of the message is a word of the name ("carmen", "san pedro")

# What people put before the name: "vivo en …", "soy de …", "queda en el municipio de …".
_FILLERS = (
    "yo", "vivo", "vivimos", "soy", "somos", "queda", "mi negocio", "el negocio", "esta", "estoy", "trabajo",
    "el municipio", "del municipio", "municipio", "la ciudad", "ciudad", "en", "de", "desde", "aqui", "aca",
)  # fmt: skip
_LEADING = re.compile(r"^(?:(?:" + "|".join(sorted(_FILLERS, key=len, reverse=True)) + r") )+")
_TRAILING_WORDS = ("de", "del", "en", "colombia")
_GENERIC_WORDS = frozenset({"el", "la", "los", "las", "de", "del", "san", "santa", "santo"})
_DEPARTMENT_ALIASES = {"ant": "antioquia", "antioq": "antioquia", "valle": "valle del cauca"}


class Municipality(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dane_code: str = Field(pattern=r"^\d{5}$")
    name: str = Field(min_length=1)
    department: str = Field(min_length=1)
    served: bool
    aliases: tuple[str, ...] = ()

    @field_validator("aliases")
    @classmethod
    def _normalised(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise(alias) for alias in aliases if normalise(alias)))

    @property
    def label(self) -> str:
        """For telling two of the same name apart: "Armenia (Quindío)"."""
        return f"{self.name} ({self.department})"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every normalised way of writing it: the name, then its aliases."""
        return tuple(dict.fromkeys((normalise(self.name), *self.aliases)))


class MunicipalityRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    municipalities: tuple[Municipality, ...] = Field(min_length=1)
    _by_key: dict[str, tuple[Municipality, ...]] = PrivateAttr(default_factory=dict)
    _departments: dict[str, str] = PrivateAttr(default_factory=dict)
    _sounds: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> MunicipalityRegistry:
        codes = [m.dane_code for m in self.municipalities]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate DANE codes: {', '.join(duplicates)}")
        prefixes: dict[str, set[str]] = {}
        for m in self.municipalities:
            prefixes.setdefault(m.department, set()).add(m.dane_code[:2])
        for department, found in prefixes.items():
            if len(found) != 1:
                raise ValueError(f"{department}: DANE codes start with different departments {sorted(found)}")
        owners = [next(iter(found)) for found in prefixes.values()]
        if len(set(owners)) != len(owners):
            raise ValueError("two departments share a DANE department code")
        named: dict[str, set[str]] = {}
        for m in self.municipalities:
            for key in m.keys:
                named.setdefault(key, set()).add(m.name)
        for m in self.municipalities:
            clashes = sorted(o for alias in m.aliases for o in named[alias] if o != m.name)
            if clashes:
                raise ValueError(f"an alias of {m.name} is also {clashes[0]}")
        return self

    def model_post_init(self, context: object, /) -> None:
        for m in self.municipalities:
            for key in m.keys:
                self._by_key[key] = (*self._by_key.get(key, ()), m)
                heard = sounds_like(key)
                self._sounds[heard] = tuple(dict.fromkeys((*self._sounds.get(heard, ()), key)))
            self._departments[normalise(m.department)] = m.department
        for alias, department in _DEPARTMENT_ALIASES.items():
            if department in self._departments:
                self._departments[alias] = self._departments[department]

    def by_code(self, dane_code: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.dane_code == dane_code), None)

    def named(self, key: str) -> tuple[Municipality, ...]:
        """The municipalities whose normalised name or alias is exactly ``key``."""
        return self._by_key.get(key, ())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    @property
    def sounds(self) -> dict[str, tuple[str, ...]]:
        """Sound keys (``sounds_like``) → the names and aliases that sound so."""
        return self._sounds

    def department_named(self, words: str) -> str | None:
        return self._departments.get(words)


@dataclass(frozen=True)
class Exact:
    municipality: Municipality


@dataclass(frozen=True)
class Likely:
    municipality: Municipality
    score: float  # 0–100; 100 when an exact name was found inside a longer message


@dataclass(frozen=True)
class Unsure:
    candidates: tuple[Municipality, ...]  # 2–3, best first


@dataclass(frozen=True)
class NotFound:
    pass


MunicipalityMatch = Exact | Likely | Unsure | NotFound


def match_municipality(text: str, registry: MunicipalityRegistry) -> MunicipalityMatch:
    """Which municipality a message names, and how sure we are (see the module docstring)."""
    words = normalise(text)
    if not words:
        return NotFound()
    query, department = _strip(words, registry)
    for candidate in dict.fromkeys((words, query)):
        found = _in_department(registry.named(candidate), department)
        if found:
            return Exact(found[0]) if len(found) == 1 else Unsure(found[:3])
    if registry.department_named(query) is not None:
        return NotFound()  # only a department ("Antioquia"): the dialogue asks which municipality
    inside = _in_department(_names_inside(query.split(), registry), department)
    if len(inside) == 1:
        return Likely(inside[0], 100.0)
    if inside:
        return Unsure(inside[:3])
    return _fuzzy(query, registry, department)


def _strip(words: str, registry: MunicipalityRegistry) -> tuple[str, str | None]:
    """Remove leading fillers and a trailing department ("bello antioquia" → "bello", Antioquia)."""
    query = _LEADING.sub("", words)
    department: str | None = None
    tokens = _without_trailing(query.split())
    for size in range(min(4, len(tokens) - 1), 0, -1):
        named = registry.department_named(" ".join(tokens[-size:]))
        if named is not None:
            department, tokens = named, _without_trailing(tokens[:-size])
            break
    return " ".join(tokens), department


def _without_trailing(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and tokens[-1] in _TRAILING_WORDS:
        tokens = tokens[:-1]
    return tokens


def _in_department(found: Sequence[Municipality], department: str | None) -> tuple[Municipality, ...]:
    """Keep those in the department the person named, unless that leaves none."""
    inside = tuple(m for m in found if m.department == department)
    return inside if department is not None and inside else tuple(found)


def _names_inside(tokens: list[str], registry: MunicipalityRegistry) -> tuple[Municipality, ...]:
    """Names written inside a longer message, longest first, without overlaps ("barrio belén de medellín")."""
    taken: set[int] = set()
    found: list[Municipality] = []
    for size in range(min(6, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            span = set(range(start, start + size))
            hits = registry.named(" ".join(tokens[start : start + size]))
            if hits and not span & taken:
                taken |= span
                found.extend(m for m in hits if m not in found)
    return tuple(found)


def _fuzzy(query: str, registry: MunicipalityRegistry, department: str | None) -> MunicipalityMatch:
    if len(query.replace(" ", "")) < MIN_FUZZY_CHARS:
        return NotFound()
    best: dict[str, tuple[float, Municipality]] = {}
    for key, score in _scores(query, registry):
        for m in registry.named(key):
            if m.dane_code not in best or score > best[m.dane_code][0]:
                best[m.dane_code] = (score, m)
    ranked = _ranked(best.values(), department)
    if not ranked:
        return NotFound()
    top_score, top = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if top_score >= LIKELY_SCORE and top_score - runner_up >= LIKELY_MARGIN:
        return Likely(top, round(top_score, 1))
    # Too close to call, or not close enough to take: ask ("¿Es Bello?", "¿Es Bello o Belmira?").
    return Unsure(tuple(m for score, m in ranked if score >= top_score - UNSURE_SPREAD)[:3])


def _scores(query: str, registry: MunicipalityRegistry) -> Iterable[tuple[str, float]]:
    """(key, 0–100) for keys that look like the query: spelt alike, sounding alike, or a shorter form."""
    yield from _close(query, registry.keys, UNSURE_SCORE)
    for heard, score in _close(
        sounds_like(query), tuple(registry.sounds), LIKELY_SCORE
    ):  # by ear: only close
        yield from ((key, score) for key in registry.sounds[heard])
    tokens = query.split()
    if len(tokens) > 1:  # a misspelt name inside a longer message: only close spellings count
        for window in _windows(tokens):
            yield from _close(window, registry.keys, LIKELY_SCORE)
    if set(tokens) - _GENERIC_WORDS:  # "san pedro" → San Pedro de los Milagros, San Pedro de Urabá
        yield from ((key, SHORT_FORM_SCORE) for key in registry.keys if set(tokens) <= set(key.split()))


def _close(query: str, choices: Sequence[str], cutoff: float) -> Iterable[tuple[str, float]]:
    for choice, score, _ in process.extract(
        query, choices, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff
    ):
        yield choice, score


def sounds_like(words: str) -> str:
    """A rough Spanish sound key for normalised text: "kaukasia" for both "caucasia" and "caucacia"."""
    key = words.replace("ll", "y").replace("ch", "ç").replace("h", "")
    key = re.sub(r"qu(?=[ei])", "k", key)
    key = re.sub(r"c(?=[ei])", "s", key)
    key = re.sub(r"g(?=[ei])", "j", key)
    key = key.replace("c", "k").replace("z", "s").replace("v", "b").replace("ç", "ch")
    return re.sub(r"(\w)\1+", r"\1", key)


def _windows(tokens: list[str]) -> Iterable[str]:
    for size in range(1, min(4, len(tokens)) + 1):
        for start in range(len(tokens) - size + 1):
            window = " ".join(tokens[start : start + size])
            if len(window) > MIN_FUZZY_CHARS:
                yield window


def _ranked(
    scored: Iterable[tuple[float, Municipality]], department: str | None
) -> list[tuple[float, Municipality]]:
    """Best first; ties go to served municipalities, then to DANE order. A named department filters."""
    items = list(scored)
    if department is not None and any(m.department == department for _, m in items):
        items = [(s, m) for s, m in items if m.department == department]
    return sorted(items, key=lambda item: (-item[0], not item[1].served, item[1].dane_code))


def load_municipalities(path: Path) -> MunicipalityRegistry:
    """Read the CSV (dane_code,name,department,served,aliases with aliases separated by "|")."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = ["dane_code", "name", "department", "served", "aliases"]
        if reader.fieldnames != expected:
            raise ValueError(f"{path.name}: columns must be {','.join(expected)}, got {reader.fieldnames}")
        rows = [
            {**row, "aliases": tuple(a.strip() for a in (row["aliases"] or "").split("|") if a.strip())}
            for row in reader
        ]
    for row in rows:
        if row["served"] not in ("true", "false"):
            raise ValueError(f"{path.name}: {row['dane_code']}: served must be true or false")
    return MunicipalityRegistry.model_validate({"municipalities": rows})
