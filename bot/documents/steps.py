"""What comes next in a document request, and which item each received file fills: pure functions.

One question at a time, in this order: on SMS how the photos will come (photos cannot go by SMS);
whether the business is formal (only when the product has an ``only_if: formal`` item); the
sensitive-data consent before the first ID photo (Ley 1581 art. 6); then the first item that is
pending or must be sent again. A person who declined the sensitive consent is not asked for ID photos
here: those go to the office or a consultant's call (``SensitiveElsewhere``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.documents.content import Accepts, Item

OPEN_STATUSES = frozenset({"pending", "rejected"})  # asked for (again)
DONE_STATUSES = frozenset({"received", "approved"})
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_LENGTH = 6
CODE_PREFIX = "FAMI-"
_CODE_IN_TEXT = re.compile(r"^\s*FAMI\s*[-_ ]?\s*([A-Z0-9]{6})\s*[.!]?\s*$", re.IGNORECASE)

SmsRoute = Literal["relative", "office", "call"]
SMS_ROUTES: tuple[SmsRoute, ...] = ("relative", "office", "call")


def as_route(value: object) -> SmsRoute | None:
    return next((route for route in SMS_ROUTES if route == value), None)


@dataclass(frozen=True, slots=True)
class ItemState:
    item: Item
    status: str  # pending | received | approved | rejected
    rejection_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class AskSmsRoute:
    chosen: SmsRoute | None  # already chosen: said again


@dataclass(frozen=True, slots=True)
class AskFormal:
    pass


@dataclass(frozen=True, slots=True)
class AskSensitiveConsent:
    item: Item


@dataclass(frozen=True, slots=True)
class AskItem:
    item: Item


@dataclass(frozen=True, slots=True)
class SensitiveElsewhere:
    """Only ID photos are missing and the person did not authorise them here."""


@dataclass(frozen=True, slots=True)
class Done:
    pass


Step = AskSmsRoute | AskFormal | AskSensitiveConsent | AskItem | SensitiveElsewhere | Done


@dataclass(frozen=True, slots=True)
class Situation:
    items: tuple[ItemState, ...]
    asks_formal: bool  # the product has an ``only_if: formal`` item
    formal: bool | None
    channel: str  # sms | whatsapp
    sms_route: SmsRoute | None
    sensitive: bool | None  # the request owner's latest answer to the sensitive consent (None: never)
    linked: bool = False  # a relative's WhatsApp conversation: the owner answers consents, not them


def next_step(s: Situation) -> Step:
    open_items = [state for state in s.items if state.open]
    if s.channel == "sms":
        if not open_items and not (s.asks_formal and s.formal is None):
            return Done()
        if s.sms_route == "relative" and s.sensitive is None and any(st.item.sensitive for st in open_items):
            return AskSensitiveConsent(next(st.item for st in open_items if st.item.sensitive))
        return AskSmsRoute(s.sms_route)
    if s.asks_formal and s.formal is None:
        return AskFormal()
    if not open_items:
        return Done()
    askable = askable_items(s)
    if not askable:
        return SensitiveElsewhere()
    first = askable[0]
    if first.sensitive and s.sensitive is None and not s.linked:
        return AskSensitiveConsent(first)
    return AskItem(first)


def askable_items(s: Situation) -> list[Item]:
    """The open items that may be sent in this conversation, in order (ID photos need the consent,
    or — in the owner's own conversation — the question about it still to come)."""
    allowed_sensitive = s.sensitive is True or (s.sensitive is None and not s.linked)
    return [st.item for st in s.items if st.open and (allowed_sensitive or not st.item.sensitive)]


def fillable_items(s: Situation) -> list[Item]:
    """Open items a file may fill now: ID photos only with the consent given."""
    return [st.item for st in s.items if st.open and (s.sensitive is True or not st.item.sensitive)]


def assign(kinds: Sequence[Accepts], fillable: Sequence[Item]) -> list[Item | None]:
    """The item each file fills, in order: the first still unfilled item that accepts its kind (an
    image never fills a pdf-only item, nor the reverse); ``None``: it fits no open item."""
    left = list(fillable)
    chosen: list[Item | None] = []
    for kind in kinds:
        item = next((candidate for candidate in left if kind in candidate.accepts), None)
        if item is not None:
            left.remove(item)
        chosen.append(item)
    return chosen


def replaceable_items(s: Situation, kind: Accepts) -> list[Item]:
    """What a file that fit no open item may be (the "which one is it?" buttons): any item not yet
    approved that accepts its kind — open first, then received ones it would replace."""
    allowed = [st for st in s.items if st.status != "approved" and kind in st.item.accepts]
    allowed = [st for st in allowed if s.sensitive is True or not st.item.sensitive]
    return [st.item for st in sorted(allowed, key=lambda st: not st.open)][:10]


def is_complete(items: Sequence[ItemState], *, asks_formal: bool, formal: bool | None) -> bool:
    return (
        bool(items)
        and all(st.status in DONE_STATUSES for st in items)
        and not (asks_formal and formal is None)
    )


def new_relative_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def relative_code_in(text: str) -> str | None:
    """The code a relative typed ("FAMI-ABC234", "fami abc234"), upper case; ``None`` if none."""
    found = _CODE_IN_TEXT.match(text or "")
    if found is None:
        return None
    code = found[1].upper()
    return code if all(char in CODE_ALPHABET for char in code) else None


def first_name(full_name: str | None) -> str | None:
    words = (full_name or "").split()
    return words[0].capitalize() if words and len(words[0]) <= 20 else None
