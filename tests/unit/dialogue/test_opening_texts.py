"""The start of a form that already has answers from the first message: one SMS turn within budget."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.dialogue.prequal_form import MAX_AMOUNT
from bot.dialogue.prequal_opening import noted
from bot.gsm7 import sms_size
from bot.prequal.data import load_prequal_data
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
DATA = load_prequal_data(ROOT / "data")
BUDGET = Settings(app_env="test").sms_segment_budget
DOMAIN = yaml.safe_load((ROOT / "nlu" / "domain" / "prequal.yml").read_text(encoding="utf-8"))["responses"]


def _text(name: str) -> str:
    [variation] = DOMAIN[name]
    return str(variation["text"])


LONGEST_KEPT = noted(
    {
        "monto": MAX_AMOUNT,
        "sector": max(DATA.sectors.sectors, key=lambda s: len(s.label)).id,
        "municipio": max(DATA.municipalities.municipalities, key=lambda m: len(m.name)).dane_code,
    },
    DATA,
)


@pytest.mark.parametrize("response", ["utter_prequal_start_noted", "utter_prequal_start_noted_plain"])
def test_the_start_with_noted_answers_and_the_longest_question_fit_the_budget(response: str) -> None:
    start = _text(response).format(kept=LONGEST_KEPT, left=9)
    longest_question = max(
        (_text(f"utter_ask_{slot}") for slot in ("nombre", "edad", "numero_documento")), key=len
    )
    turn = render_turn(
        [BotReply(text=start), BotReply(text=longest_question)], "sms", sms_segment_budget=BUDGET
    )
    assert sum(sms_size(part.body).segments for part in turn.parts) <= BUDGET
    assert "{" not in start
