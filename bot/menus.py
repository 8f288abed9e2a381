"""Numbered menus: buttons become "1. …" lines; a numbered reply maps back to the payload.

The last menu shown is remembered per conversation in Redis for 15 minutes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from redis.asyncio import Redis

from bot.rasa_client import Button

MENU_TTL_S = 15 * 60
_NUMBER_WORDS = {"uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8}
_CHOICE = re.compile(r"^\s*(?:la\s+|el\s+|opcion\s+)?(\d{1,2}|[a-z]+)\s*[.)]?\s*$")


def numbered_menu(buttons: Sequence[Button]) -> str:
    lines = [f"{index}. {button.title}" for index, button in enumerate(buttons, start=1)]
    numbers = [str(index) for index in range(1, len(buttons) + 1)]
    prompt = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " o " + numbers[-1]
    return "\n".join(lines) + f"\nResponda {prompt}."


def choice_index(text: str, options: int) -> int | None:
    """0-based option for "1", "1.", "2)", "la 2", "dos"; ``None`` if it is not a choice."""
    match = _CHOICE.match(text.lower())
    if not match:
        return None
    token = match.group(1)
    number = int(token) if token.isdigit() else _NUMBER_WORDS.get(token)
    if number is None or not 1 <= number <= options:
        return None
    return number - 1


def _key(conversation_id: int) -> str:
    return f"famibot:menu:{conversation_id}"


async def remember_menu(redis: Redis, conversation_id: int, buttons: Sequence[Button]) -> None:
    data = json.dumps([{"title": b.title, "payload": b.payload} for b in buttons])
    await redis.set(_key(conversation_id), data, ex=MENU_TTL_S)


async def resolve_choice(redis: Redis, conversation_id: int, text: str) -> str | None:
    raw = await redis.get(_key(conversation_id))
    if not raw:
        return None
    options = json.loads(raw)
    index = choice_index(text, len(options))
    return None if index is None else str(options[index]["payload"])
