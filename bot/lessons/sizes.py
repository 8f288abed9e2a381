"""What a lesson costs on SMS: each text folded to GSM-7 as the renderer sends it, then counted.

The quiz goes out as the renderer sends any question with buttons (bot/rendering.py): the question,
then the numbered menu of its options ("1. …", "Responda 1, 2 o 3."), folded and counted as one text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.gsm7 import SmsSize, fold_to_gsm7, sms_size
from bot.menus import numbered_menu
from bot.rasa_client import Button

MESSAGE_SEGMENTS: Final = 1  # each message of a lesson
QUIZ_SEGMENTS: Final = 2  # the question with its numbered options
FEEDBACK_SEGMENTS: Final = 1  # feedback_right, feedback_wrong


def sms_text_size(text: str) -> SmsSize:
    """The size of ``text`` once folded to GSM-7, as it goes out by SMS."""
    return sms_size(fold_to_gsm7(text))


def quiz_sms_text(question: str, option_titles: Sequence[str]) -> str:
    """The quiz as one SMS text: the question, then the numbered options."""
    buttons = [Button(title=title, payload=str(number)) for number, title in enumerate(option_titles, 1)]
    return f"{question.strip()}\n{numbered_menu(buttons)}"


def over_budget(what: str, text: str, budget: int) -> str | None:
    """The reason ``text`` does not fit ``budget`` SMS segments after folding, or ``None``."""
    size = sms_text_size(text)
    if size.segments <= budget:
        return None
    unit = "segment" if budget == 1 else "segments"
    return (
        f"{what} takes {size.segments} SMS segments ({size.units} characters after GSM-7 folding); "
        f"the limit is {budget} {unit} ({160 if budget == 1 else 153 * budget} characters)"
    )
