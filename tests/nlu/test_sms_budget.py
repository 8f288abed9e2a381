"""Every bot response, rendered for SMS: GSM-7 only, nothing silently dropped, within the budget.

Fails the suite when a new or edited response in nlu/domain would need UCS-2 or more segments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.gsm7 import fold_to_gsm7, is_gsm7, sms_size
from bot.rasa_client import BotReply, Button
from bot.rendering import render_turn
from bot.settings import Settings

NLU = Path(__file__).resolve().parents[2] / "nlu"
BUDGET = Settings(app_env="test").sms_segment_budget


def _responses() -> dict[str, list[dict[str, Any]]]:
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((NLU / "domain").glob("*.yml")):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return responses


RESPONSES = _responses()


def _sms_variation(name: str) -> dict[str, Any]:
    """The variation an SMS conversation (slot canal = sms) gets."""
    variations = RESPONSES[name]
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "canal" and c.get("value") == "sms" for c in conditions):
            return variation
    return next(v for v in variations if not v.get("condition"))


def _reply(variation: dict[str, Any]) -> BotReply:
    buttons = tuple(Button(b["title"], b["payload"]) for b in variation.get("buttons") or [])
    return BotReply(text=variation.get("text") or "", buttons=buttons, custom=variation.get("custom") or {})


VARIATIONS = [(name, index, v) for name, vs in RESPONSES.items() for index, v in enumerate(vs)]


@pytest.mark.parametrize(
    ("name", "index", "variation"), VARIATIONS, ids=[f"{n}[{i}]" for n, i, _ in VARIATIONS]
)
def test_each_response_fits_one_gsm7_sms_and_loses_nothing(
    name: str, index: int, variation: dict[str, Any]
) -> None:
    reply = _reply(variation)
    texts = [reply.text, *(button.title for button in reply.buttons)]
    dropped = [ch for text in texts for ch in text if ch.strip() and not fold_to_gsm7(ch)]
    assert dropped == [], f"{name}: characters SMS cannot carry and folding drops: {dropped}"
    turn = render_turn([reply], "sms", sms_segment_budget=BUDGET)
    for part in turn.parts:
        assert is_gsm7(part.body) and part.encoding == "GSM-7"
        assert sms_size(part.body).segments == 1, f"{name}: {sms_size(part.body).segments} segments"


def _rule_turns() -> list[tuple[str, list[str]]]:
    turns = []
    for path in sorted((NLU / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            # the bot's answer to the rule's last user message
            steps = rule["steps"]
            last_user = max((i for i, step in enumerate(steps) if "intent" in step), default=None)
            if last_user is None:
                continue  # a form's end: its words come from actions (tests/unit/dialogue check them)
            actions = [
                s["action"] for s in steps[last_user + 1 :] if s.get("action", "").startswith("utter_")
            ]
            turns.append((rule["rule"], actions))
    return turns


RULE_TURNS = _rule_turns()


@pytest.mark.parametrize(("rule", "actions"), RULE_TURNS, ids=[rule for rule, _ in RULE_TURNS])
def test_each_rule_answer_is_one_sms_on_the_sms_channel(rule: str, actions: list[str]) -> None:
    replies = [_reply(_sms_variation(action)) for action in actions]
    turn = render_turn(replies, "sms", sms_segment_budget=BUDGET)
    segments = sum(sms_size(part.body).segments for part in turn.parts)
    assert segments <= 1 or rule in TWO_SEGMENT_RULES, (
        f"{rule}: {segments} segments: {[p.body for p in turn.parts]}"
    )
    assert segments <= BUDGET


# Answers allowed a second segment; keep this list short — the mean per bot turn must stay ≤ 1.3.
TWO_SEGMENT_RULES: frozenset[str] = frozenset()
