"""Every "not yet" result, as a person reads it on SMS: within the turn's budget, and honest.

Each rule's explanation and next step from data/prequal_rules.yml is rendered through the real result
text and the SMS renderer, with every placeholder at its longest (the longest first name the greeting
uses, the rule's threshold from the data, a two-digit wait).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.dialogue.prequal_texts import FIRST_NAME_MAX, question_for, result_message, with_advisor_offer
from bot.gsm7 import sms_size
from bot.prequal.data import load_prequal_data
from bot.prequal.rules import Decision, Evaluation, Wait
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
DATA = load_prequal_data(ROOT / "data")
BUDGET = Settings(app_env="test").sms_segment_budget
LONGEST_FIRST_NAME = "M" * FIRST_NAME_MAX
THRESHOLDS = {
    "min_age": DATA.rules.limits.min_age,
    "max_age": DATA.rules.limits.max_age,
    "min_business_months": DATA.rules.limits.min_business_months,
}
LONGEST_WAIT = {"min_age": Wait(99, "years"), "min_business_months": Wait(99, "months")}
# Things the product does not do (yet): telling people later. (Lessons are sent since issue 13.)
PROMISES = re.compile(r"le avisa(?:mos|remos)", re.IGNORECASE)


def _not_yet(rule_id: str) -> Evaluation:
    text = next(rule for rule in DATA.rules.rules if rule.id == rule_id)
    wait = LONGEST_WAIT.get(rule_id)
    values = {"threshold": THRESHOLDS.get(rule_id, ""), "wait": wait.text if wait else ""}
    decision = Decision(rule_id, text.explanation.format(**values), text.next_step.format(**values), wait)  # type: ignore[arg-type]
    return Evaluation("not_yet", (), DATA.rules.version, decision=decision)


@pytest.mark.parametrize("rule_id", [rule.id for rule in DATA.rules.rules])
@pytest.mark.parametrize("name", [f"{LONGEST_FIRST_NAME} Restrepo", "M" * 40, None])
def test_every_not_yet_result_fits_the_sms_budget(rule_id: str, name: str | None) -> None:
    text = result_message(_not_yet(rule_id), name)
    turn = render_turn([BotReply(text=text)], "sms", sms_segment_budget=BUDGET)
    segments = sum(sms_size(part.body).segments for part in turn.parts)
    assert segments <= BUDGET, f"{rule_id}: {segments} segments: {[part.body for part in turn.parts]}"
    assert all(part.encoding == "GSM-7" for part in turn.parts)
    assert "{" not in text and "ASESOR" in text


def test_a_very_long_first_name_is_left_out_of_the_greeting() -> None:
    assert result_message(_not_yet("product_fit"), "M" * 40).startswith("Por ahora no podemos")


def _texts(path: Path) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


WORDING = sorted([*(ROOT / "data").glob("*.yml"), *(ROOT / "nlu" / "domain").glob("*.yml")])


@pytest.mark.parametrize("path", WORDING, ids=[path.name for path in WORDING])
def test_no_text_promises_lessons_or_later_notices(path: Path) -> None:
    promises = [text for text in _texts(path) if PROMISES.search(text)]
    assert promises == [], f"{path.name} promises what the product does not do: {promises}"


def test_the_sector_re_ask_keeps_its_lead_in_right_before_the_menu() -> None:
    slots = {"prequal_reintento": "unknown_sector", "prequal_fallos": {"sector": 2}}
    text = question_for("sector", slots, DATA).text
    assert text == (
        "No reconocí la actividad de su negocio. Si prefiere, escriba ASESOR y una persona le ayuda. "
        "Escoja la más parecida:"
    )
    assert with_advisor_offer("¿Cuántos años tiene?").endswith(
        "Si prefiere, escriba ASESOR y una persona le ayuda."
    )
