"""``action_answer_loan_terms`` as a plain async call: where the question came decides the answer's end."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.loan_terms import ActionAnswerLoanTerms


def tracker(text: str, *, slots: dict[str, Any] | None = None, loop: str | None = None,
            before: str = "utter_greet") -> Tracker:  # fmt: skip
    message = {"text": text, "intent": {"name": "ask_loan_terms", "confidence": 0.98}, "entities": []}
    events = [
        {"event": "action", "name": before},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message},
    ]
    active = {"name": loop} if loop else {}
    return Tracker("c1", slots or {}, message, events, False, None, active, "action_listen")


async def answer(t: Tracker) -> str:
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerLoanTerms().run(dispatcher, t, {}) == []
    [message] = dispatcher.messages
    return str(message["text"])


async def test_the_estimate_with_the_right_figure() -> None:
    text = await answer(tracker("cuanto pagaria al mes por 2 millones a 12 meses"))
    assert "$194.974 al mes" in text and "aproximada" in text


async def test_free_question_ends_with_how_to_get_an_estimate_but_not_at_consent_or_in_the_form() -> None:
    assert (await answer(tracker("cuanto es el interes"))).endswith("cuota de 2 millones a 12 meses.")
    at_consent = await answer(tracker("cuanto es el interes", before="utter_ask_consent"))
    in_form = await answer(tracker("cuanto es el interes", loop="prequal_form", before="action_ask_sector"))
    assert "Por ejemplo" not in at_consent and "Por ejemplo" not in in_form
    assert "2,2 % mes vencido" in at_consent


async def test_the_amount_already_given_in_the_form_is_used() -> None:
    text = await answer(
        tracker("y a 6 meses de cuanto seria la cuota", slots={"monto": 1_000_000}, loop="prequal_form")
    )
    assert text.startswith("Por $1.000.000 a 6 meses: cuota de unos")
