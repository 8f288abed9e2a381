"""CANCELAR never stops every message at once while the bot runs the conversation: in the loan
questions it pauses them; said again, it asks first, as "ya no me manden mensajes" does. PARAR and
the other opt-out words still stop everything at once (real database and Redis, Rasa stood in)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from tests.integration.test_keyword_turns import _contact, _say

CONFIRM = {
    "text": "¿Quiere dejar de recibir todos nuestros mensajes?",
    "buttons": [{"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
}


class FormRasa:
    """Rasa in the loan questions until /stop_form; then it answers as the privacy rules do."""

    def __init__(self) -> None:
        self.loop: str | None = "prequal_form"
        self.sent: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"active_loop": {"name": self.loop}, "slots": {}, "events": []})
        if request.url.path != "/webhooks/rest/webhook":
            return httpx.Response(404)
        text = json.loads(request.content)["message"]
        self.sent.append(text)
        answer: dict[str, Any] = {"text": "No le entendí."}
        if text == "/stop_form":
            self.loop = None
            answer = {
                "text": "Listo, dejamos su solicitud en pausa. Para no recibir más mensajes, escriba PARAR."
            }
        elif text == "/opt_out":
            answer = CONFIRM
        elif text in ("/affirm", "si"):  # a tapped or numbered button, or NLU's affirm
            answer = {"custom": {"famibot_command": "opt_out"}}
        elif text in ("/deny", "no"):
            answer = {"text": "Listo, seguimos en contacto. Escriba CREDITO para seguir con su solicitud."}
        return httpx.Response(200, json=[answer])

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


@pytest.mark.parametrize(("answer", "opted_out"), [("1", True), ("si", True), ("2", False), ("no", False)])
async def test_cancelar_twice_asks_before_stopping_every_message(
    runtime: Runtime, answer: str, opted_out: bool
) -> None:
    rasa = FormRasa()
    [paused] = await _say(runtime, "CANCELAR", rasa)  # type: ignore[arg-type]
    assert "PARAR" in paused.body and not (await _contact(runtime)).opted_out
    [question] = await _say(runtime, "cancelar", rasa)  # type: ignore[arg-type]
    assert question.body.startswith("¿Quiere dejar de recibir todos nuestros mensajes?")
    assert question.body.endswith("1. Si\n2. No\nResponda 1 o 2.")  # GSM-7
    assert not (await _contact(runtime)).opted_out  # asked, not done
    [reply] = await _say(runtime, answer, rasa)  # type: ignore[arg-type]
    expected = "/affirm" if opted_out else "/deny"  # the number or the title, mapped back by the menu
    assert rasa.sent == ["/stop_form", "/opt_out", expected]
    contact = await _contact(runtime)
    assert contact.opted_out is opted_out
    if opted_out:
        assert (reply.purpose, contact.opt_out_reason) == ("opt_out_confirmation", "dialogue")
    else:
        assert reply.purpose == "reply" and "CREDITO" in reply.body


async def test_parar_still_stops_everything_at_once(runtime: Runtime) -> None:
    rasa = FormRasa()
    await _say(runtime, "cancelar", rasa)  # type: ignore[arg-type]
    [done] = await _say(runtime, "PARAR", rasa)  # type: ignore[arg-type]
    assert done.purpose == "opt_out_confirmation" and (await _contact(runtime)).opted_out
    assert rasa.sent == ["/stop_form"]
