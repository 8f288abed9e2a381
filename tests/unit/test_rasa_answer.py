"""famibot's REST channel reports the errors Rasa met in a turn; with none, no health probe is made."""

from __future__ import annotations

from typing import Any

import httpx

from bot.rasa_client import RasaClient, parse_answer


def _client(answer: list[dict[str, Any]], *, actions_up: bool) -> tuple[RasaClient, list[str]]:
    probes: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "actions":
            probes.append(request.url.path)
            return httpx.Response(200 if actions_up else 503)
        return httpx.Response(200, json=answer)

    client = RasaClient(
        base_url="http://rasa",
        token="tok",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        timeout_s=5,
        actions_url="http://actions",
    )
    return client, probes


def _report(errors: Any) -> dict[str, Any]:
    return {"custom": {"famibot_turn": {"errors": errors}}}


def test_the_report_is_not_a_reply() -> None:
    answer = parse_answer([{"text": "Hola"}, {"text": "¿Empezamos?", "buttons": []}, _report(0)])
    assert [reply.text for reply in answer.replies] == ["Hola", "¿Empezamos?"]
    assert answer.errors == 0
    assert parse_answer([{"text": "Hola"}]).errors is None  # Rasa's own channel says nothing
    assert parse_answer([_report("x")]).errors == 1  # an unreadable report is not "no errors"
    assert parse_answer([_report(-3)]).errors == 1


async def test_a_turn_without_errors_needs_no_probe() -> None:
    rasa, probes = _client([{"text": "Hola"}, _report(0)], actions_up=False)
    answer = await rasa.answer(sender_id="s", message="hola", metadata={})
    assert await rasa.actions_healthy(answer) is True
    assert probes == []


async def test_errors_or_no_report_ask_the_action_server() -> None:
    rasa, probes = _client([{"text": "Hola"}, _report(2)], actions_up=False)
    answer = await rasa.answer(sender_id="s", message="hola", metadata={})
    assert answer.errors == 2
    assert await rasa.actions_healthy(answer) is False
    assert probes == ["/health"]
    rasa, probes = _client([{"text": "Hola"}], actions_up=True)
    answer = await rasa.answer(sender_id="s", message="hola", metadata={})
    assert await rasa.actions_healthy(answer) is True
    assert probes == ["/health"]
