"""Rasa's replies may carry gateway commands as custom payloads ``{"famibot_command": NAME, …}``
(bot/dialogue/consent.py names the key): which ones, and the replies that are words."""

from __future__ import annotations

from bot.dialogue.consent import COMMAND_KEY
from bot.rasa_client import BotReply


def commands_in(replies: list[BotReply]) -> dict[str, dict[str, object]]:
    """Command name → its payload, for the commands among Rasa's replies."""
    return {str(r.custom[COMMAND_KEY]): r.custom for r in replies if COMMAND_KEY in r.custom}


def without_commands(replies: list[BotReply]) -> list[BotReply]:
    """The replies that are words for the person (the commands are for the gateway)."""
    return [reply for reply in replies if COMMAND_KEY not in reply.custom]
