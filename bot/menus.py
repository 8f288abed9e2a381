"""Numbered menus: buttons become "1. …" lines; a reply naming an option maps back to its payload.

The last menu shown is remembered per conversation in Redis for an hour, so "1", "la primera" or
"credito" reach Rasa as the button's payload, before NLU has to guess. A menu number that picks
nothing (the menu was forgotten, or has fewer options) gets the main menu, unless a form is asking:
then "4" is an answer ("¿hace cuántos años?"). A typed "sí, tengo RUT" or "no acepto" answers a menu
whose two buttons are the yes and the no of one question (the gateway's documents questions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from rapidfuzz import fuzz
from redis.asyncio import Redis

from bot.prequal.answers import parse_yes_no
from bot.rasa_client import Button, RasaClient
from bot.text import normalise

# As long as Rasa's session remembers the question (session_expiration_time: 60 in nlu/domain/core.yml):
# on SMS people answer "1" to the consent question an hour later, and must not get the main menu.
MENU_TTL_S = 60 * 60
_NUMBER_WORDS = {
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
_ORDINALS = {
    "primera": 1, "primero": 1, "segunda": 2, "segundo": 2, "tercera": 3, "tercero": 3,
    "cuarta": 4, "cuarto": 4, "quinta": 5, "quinto": 5, "sexta": 6, "sexto": 6,
    "septima": 7, "septimo": 7, "octava": 8, "octavo": 8, "novena": 9, "noveno": 9,
    "decima": 10, "decimo": 10,
}  # fmt: skip
_LEADING_WORDS = frozenset({"la", "el", "opcion", "numero", "nro"})
TYPO_SCORE = 85  # rapidfuzz ratio (0–100) above which a reply is taken as a misspelt button title
MAX_OPTIONS = 10  # a menu never has more (WhatsApp's list picker)
SHOW_MENU_PAYLOAD = "/show_menu"
_PAYLOAD = re.compile(r"/(?P<intent>\w+)(?P<entities>\{.*\})?", re.DOTALL)
_LEADING_YES = frozenset({"si", "sii", "sip", "sisas", "claro", "acepto", "autorizo", "dale", "listo", "ok"})
_LEADING_NO = frozenset({"no", "nop", "nope", "nel"})
# "no sé", "no entiendo", "no hay problema", "no importa": not a no
_AFTER_NO_NOT_AN_ANSWER = frozenset(
    {"se", "sabria", "estoy", "entiendo", "entendi", "hay", "importa", "recuerdo"}
)
_MIXED = frozenset({"pero", "aunque", "o", "depende", "problema"})  # "no tengo problema" is not a no


def numbered_menu(buttons: Sequence[Button]) -> str:
    lines = [f"{index}. {button.title}" for index, button in enumerate(buttons, start=1)]
    numbers = [str(index) for index in range(1, len(buttons) + 1)]
    prompt = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " o " + numbers[-1]
    return "\n".join(lines) + f"\nResponda {prompt}."


def choice_index(text: str, titles: Sequence[str]) -> int | None:
    """0-based option the reply picks, or ``None`` (then the text goes to Rasa as it is).

    "1", "1.", "2)", "la 2", "dos", "la primera", "opción 3", the title ("credito" for "Crédito"),
    a misspelt title ("credto"), or a word of a longer title that no other title has ("asesor").
    """
    words = normalise(text).split()
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    if len(words) == 1:
        number = _number(words[0])
        if number is not None:
            return number - 1 if 1 <= number <= len(titles) else None
    return _title_index(" ".join(words), [normalise(title) for title in titles])


def menu_number(text: str) -> int | None:
    """The option number a reply names on its own ("4", "la 4", "opción cuatro"), or ``None``."""
    words = normalise(text).split()
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    number = _number(words[0]) if len(words) == 1 else None
    return number if number is not None and 1 <= number <= MAX_OPTIONS else None


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2:
        return int(word)
    return _NUMBER_WORDS.get(word) or _ORDINALS.get(word)


def _title_index(reply: str, titles: list[str]) -> int | None:
    if not reply:
        return None
    if reply in titles:
        return titles.index(reply)
    if len(reply) < 4:
        return None
    containing = [i for i, title in enumerate(titles) if f" {reply} " in f" {title} "]
    if len(containing) == 1:
        return containing[0]
    scored = sorted(((fuzz.ratio(reply, title), i) for i, title in enumerate(titles)), reverse=True)
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= TYPO_SCORE and best_score - runner_up >= 10:
        return best
    return None


def _key(conversation_id: int) -> str:
    return f"famibot:menu:{conversation_id}"


async def remember_menu(redis: Redis, conversation_id: int, buttons: Sequence[Button]) -> None:
    """Remember the menu of the turn just sent; a turn without one forgets the last (a "6" answering
    "how many months?" must not pick option 6 of a menu sent two questions earlier)."""
    if not buttons:
        await redis.delete(_key(conversation_id))
        return
    data = json.dumps([{"title": b.title, "payload": b.payload} for b in buttons])
    await redis.set(_key(conversation_id), data, ex=MENU_TTL_S)


async def remembered_menu(redis: Redis, conversation_id: int) -> tuple[Button, ...]:
    """The last menu shown in the conversation (for an hour), or ``()``."""
    raw = await redis.get(_key(conversation_id))
    if not raw:
        return ()
    return tuple(Button(title=str(item["title"]), payload=str(item["payload"])) for item in json.loads(raw))


async def resolve_choice(redis: Redis, conversation_id: int, text: str) -> str | None:
    raw = await redis.get(_key(conversation_id))
    if not raw:
        return None
    options = json.loads(raw)
    index = choice_index(text, [str(option["title"]) for option in options])
    if index is None:
        index = yes_no_option(text, [str(option["payload"]) for option in options])
    return None if index is None else str(options[index]["payload"])


def yes_no_option(reply: str, payloads: Sequence[str]) -> int | None:
    """0-based option a typed yes or no picks when the menu's two buttons are the yes and the no of one
    question, told by their payloads (``/documents_formal{"formal":"si"}`` and ``{"formal":"no"}``):
    "sí, tengo RUT" picks the first, "no, es informal" the second.

    Menus of ``/affirm`` and ``/deny`` are left to Rasa: there "no, en Itagüí" answers the form.
    """
    if len(payloads) != 2:
        return None
    first, second = (_yes_no_payload(payload) for payload in payloads)
    if first is None or second is None or first[0] != second[0] or first[1] == second[1]:
        return None
    answer = leading_yes_no(reply)
    if answer is None:
        return None
    return 0 if first[1] == answer else 1


def _yes_no_payload(payload: str) -> tuple[str, bool] | None:
    """("documents_formal", True) for ``/documents_formal{"formal":"si"}``; None for other payloads."""
    match = _PAYLOAD.fullmatch(payload)
    if not match or not match["entities"]:
        return None
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    if not isinstance(entities, dict) or len(entities) != 1:
        return None
    value = normalise(str(next(iter(entities.values()))))
    answer = {"si": True, "no": False}.get(value)
    return None if answer is None else (match["intent"], answer)


def leading_yes_no(reply: str) -> bool | None:
    """A reply that starts with its answer: "sí tengo RUT", "acepto" → True; "no, es informal",
    "no acepto" → False; doubts and mixed replies ("no sé", "sí pero no", "no hay problema") → None."""
    answer = parse_yes_no(reply)
    if answer is not None:
        return answer
    words = normalise(reply).split()
    if not words or any(word in _MIXED for word in words[1:]):
        return None
    if words[0] in _LEADING_YES:
        return None if "no" in words[1:] else True
    if words[0] in _LEADING_NO:
        return None if len(words) > 1 and words[1] in _AFTER_NO_NOT_AN_ANSWER else False
    return None


async def payload_for(
    redis: Redis, rasa: RasaClient, conversation_id: int, sender_id: str, text: str
) -> str | None:
    """What the reply means as a button payload, or ``None`` (the text then goes to Rasa as it is)."""
    choice = await resolve_choice(redis, conversation_id, text)
    if choice is not None or menu_number(text) is None:
        return choice
    if await rasa.active_loop(sender_id=sender_id) is not None:
        return None  # a number answering the form's question
    return SHOW_MENU_PAYLOAD
