"""Business sectors (data/sectors.yml) and matching what people say they do to one of them."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz, process

from bot.prequal.municipalities import sounds_like
from bot.text import normalise

FUZZY_SCORE = 85.0  # a misspelt word ("peluqeria", "micelanea") counts from this similarity
MIN_FUZZY_CHARS = 5  # shorter words must be spelt right
MAX_WORDS = 4  # the longest alias, in words


class Sector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=1, max_length=24)  # a WhatsApp list row
    aliases: tuple[str, ...] = ()

    @field_validator("aliases")
    @classmethod
    def _normalised(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        words = tuple(normalise(alias) for alias in aliases)
        if not all(words) or any(len(alias.split()) > MAX_WORDS for alias in words):
            raise ValueError(f"aliases must be 1 to {MAX_WORDS} words")
        return words

    @property
    def keys(self) -> tuple[str, ...]:
        """Its id, its label and its aliases, normalised ("manufactura produccion", "taller", …)."""
        return tuple(dict.fromkeys((normalise(self.id), normalise(self.label), *self.aliases)))


class SectorCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sectors: tuple[Sector, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SectorCatalogue:
        ids = [sector.id for sector in self.sectors]
        if len(set(ids)) != len(ids):
            raise ValueError("each sector id may appear only once")
        if "otro" not in ids:
            raise ValueError('a sector "otro" is needed for businesses that fit no other')
        owner: dict[str, str] = {}
        for sector in self.sectors:
            for key in sector.keys:
                if owner.setdefault(key, sector.id) != sector.id:
                    raise ValueError(f"{key!r} is an alias of both {owner[key]} and {sector.id}")
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sector.id for sector in self.sectors)

    def by_id(self, sector_id: str) -> Sector | None:
        return next((sector for sector in self.sectors if sector.id == sector_id), None)

    def owner_of(self, key: str) -> Sector | None:
        return next((sector for sector in self.sectors if key in sector.keys), None)


def match_sector(text: str, catalogue: SectorCatalogue, *, spelling: bool = True) -> Sector | None:
    """The sector a message describes ("tengo una peluqueria" → belleza), or None to ask with the menu.

    Whole words first, the longest alias winning ("taller de confeccion" over "taller"); then, unless
    ``spelling`` is off (a long message said for another reason), close spellings of single words or
    phrases. Two different sectors equally good → None.
    """
    tokens = normalise(text).split()
    sizes = range(min(MAX_WORDS, len(tokens)), 0, -1)
    for size in sizes:
        found = {
            s.id: s for phrase in _phrases(tokens, size) if (s := catalogue.owner_of(phrase)) is not None
        }
        if found:
            return found.popitem()[1] if len(found) == 1 else None
    if not spelling:
        return None
    return _closest([phrase for size in sizes for phrase in _phrases(tokens, size)], catalogue)


def _phrases(tokens: list[str], size: int) -> list[str]:
    return [" ".join(tokens[start : start + size]) for start in range(len(tokens) - size + 1)]


def _closest(phrases: list[str], catalogue: SectorCatalogue) -> Sector | None:
    keys = [key for sector in catalogue.sectors for key in sector.keys if len(key) >= MIN_FUZZY_CHARS]
    sounds = [sounds_like(key) for key in keys]
    best: dict[str, float] = {}
    for phrase in (p for p in phrases if len(p) >= MIN_FUZZY_CHARS):
        for query, choices in ((phrase, keys), (sounds_like(phrase), sounds)):
            for _, score, index in process.extract(
                query, choices, scorer=fuzz.ratio, limit=None, score_cutoff=FUZZY_SCORE
            ):
                sector = catalogue.owner_of(keys[index])
                if sector is not None and score > best.get(sector.id, 0.0):
                    best[sector.id] = score
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return catalogue.by_id(ranked[0][0])


def load_sectors(path: Path) -> SectorCatalogue:
    return SectorCatalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
