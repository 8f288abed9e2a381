"""A menu number that picks nothing gets the main menu, never a dead end (issue 10): the real worker turn,
database and Redis, with a scripted Rasa that answers as the trained model does."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.runtime import Runtime
from tests.integration.test_keyword_turns import _say as say
from tests.integration.test_turns import ScriptedRasa

MAIN_MENU = {
    "text": "¿En qué le puedo ayudar?",
    "buttons": [
        {"title": "Crédito", "payload": "/request_loan"},
        {"title": "Documentos", "payload": "/document_status"},
        {"title": "Pagos", "payload": "/ask_payment_info"},
        {"title": "Aprender", "payload": "/request_lesson"},
        {"title": "Hablar con un asesor", "payload": "/request_human"},
    ],
}
ANSWERS: dict[str, list[dict[str, Any]]] = {
    "menu": [MAIN_MENU],
    "/show_menu": [MAIN_MENU],
    "/document_status": [
        {
            "text": "Por aquí todavía no puedo ver cómo van sus documentos. Escriba ASESOR y una persona le cuenta."
        },
        {"text": "Escriba MENU para ver las opciones."},
    ],
    "/affirm": [{"text": "Listo."}],
}
CONFIRM = {"text": "¿Quiere dejar de recibir nuestros mensajes?", "buttons": [
    {"title": "Sí", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}  # fmt: skip


class Rasa(ScriptedRasa):
    """Answers as the model would; ``form`` is the loop the tracker reports (None: no form running)."""

    def __init__(self, form: str | None = None) -> None:
        super().__init__(webhook_answer=None, tracker_events=[])
        self.form = form
        self.heard: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            text = json.loads(request.content)["message"]
            self.heard.append(text)
            return httpx.Response(200, json=ANSWERS.get(text, [{"text": "(the model's answer)"}]))
        if request.url.path.endswith("/tracker"):
            loop = {"name": self.form} if self.form else {}
            return httpx.Response(200, json={"events": [], "active_loop": loop})
        return httpx.Response(404)


async def _say(runtime: Runtime, rasa: Rasa, body: str) -> None:
    await say(runtime, body, rasa)


async def test_after_a_sub_menu_answer_a_number_gets_the_main_menu(runtime: Runtime) -> None:
    rasa = Rasa()
    for body in ("menu", "2", "4", "4"):
        await _say(runtime, rasa, body)
    # "2" picked Documentos; its answer has no menu, so the next "4" picks nothing: the main menu,
    # which is remembered again, so the second "4" is Aprender.
    assert rasa.heard == ["menu", "/document_status", "/show_menu", "/request_lesson"]


async def test_a_number_beyond_a_shorter_menu_gets_the_main_menu(runtime: Runtime) -> None:
    rasa = Rasa()
    ANSWERS["no me manden mas"] = [CONFIRM]
    await _say(runtime, rasa, "no me manden mas")
    await _say(runtime, rasa, "5")  # the Sí/No question has two options
    assert rasa.heard[-1] == "/show_menu"


async def test_while_a_form_asks_a_number_is_its_answer(runtime: Runtime) -> None:
    rasa = Rasa(form="prequal_form")
    await _say(runtime, rasa, "4")  # "¿Hace cuánto tiempo tiene su negocio?" — "4" (años)
    await _say(runtime, rasa, "la 2")
    assert rasa.heard == ["4", "la 2"]
