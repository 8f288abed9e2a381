"""WhatsApp Content templates: the data file validates; a matching button set is sent as a template."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.rasa_client import BotReply, Button
from bot.rendering import render_turn
from bot.templates import WhatsAppTemplates, load_templates

TEMPLATES = load_templates(Path(__file__).resolve().parents[2] / "data" / "whatsapp_templates.yml")
YES_NO = (Button("Sí", "/affirm"), Button("No", "/deny"))
MENU = tuple(
    Button(title, payload)
    for title, payload in [
        ("Crédito", "/request_loan"), ("Documentos", "/document_status"), ("Pagos", "/ask_payment_info"),
        ("Aprender", "/request_lesson"), ("Hablar con un asesor", "/request_human"),
    ]
)  # fmt: skip


def test_quick_reply_template_carries_the_text_in_variable_1() -> None:
    turn = render_turn(
        [BotReply(text="¿Seguimos?", buttons=YES_NO)], "whatsapp", sms_segment_budget=2, templates=TEMPLATES
    )
    [part] = turn.parts
    assert part.content_sid == "HX0f5c3a9e2d7b4e8a9c1d2e3f4a5b6c7d"
    assert part.content_variables == {"1": "¿Seguimos?"} and part.body == "¿Seguimos?"
    assert turn.menu == YES_NO  # remembered, so a typed "1" or "si" still works


def test_main_menu_is_a_list_picker_with_the_turns_text() -> None:
    replies = [BotReply(text="¡Hola!"), BotReply(text="¿En qué le puedo ayudar?", buttons=MENU)]
    [part] = render_turn(replies, "whatsapp", sms_segment_budget=2, templates=TEMPLATES).parts
    template = TEMPLATES.by_content_sid(part.content_sid or "")
    assert template is not None and template.kind == "list-picker"
    assert part.content_variables == {"1": "¡Hola!\n\n¿En qué le puedo ayudar?"}


def test_without_a_template_the_menu_is_numbered_text() -> None:
    other = (Button("Uno", "/greet"), Button("Dos", "/goodbye"))
    [part] = render_turn(
        [BotReply(text="Escoja", buttons=other)], "whatsapp", sms_segment_budget=2, templates=TEMPLATES
    ).parts
    assert part.content_sid is None and part.body == "Escoja\n\n1. Uno\n2. Dos\nResponda 1 o 2."


def test_sms_never_uses_templates() -> None:
    [part] = render_turn(
        [BotReply(text="¿Seguimos?", buttons=YES_NO)], "sms", sms_segment_budget=2, templates=TEMPLATES
    ).parts
    assert part.content_sid is None and part.body.endswith("1. Si\n2. No\nResponda 1 o 2.")


def test_long_text_goes_first_as_free_text() -> None:
    text = " ".join(["Una frase de prueba para el mensaje."] * 40)  # ~1,500 characters
    parts = render_turn(
        [BotReply(text=text, buttons=YES_NO)], "whatsapp", sms_segment_budget=2, templates=TEMPLATES
    ).parts
    assert [p.content_sid is not None for p in parts] == [False, True]
    assert all(len(p.body) <= 1000 for p in parts)
    assert " ".join(p.body for p in parts) == text


def test_sms_drops_images_and_whatsapp_sends_them() -> None:
    replies = [BotReply(text="Mire esta foto", image="https://example.org/leccion.png")]
    [sms] = render_turn(replies, "sms", sms_segment_budget=2).parts
    [whatsapp] = render_turn(replies, "whatsapp", sms_segment_budget=2).parts
    assert sms.media_urls == () and whatsapp.media_urls == ("https://example.org/leccion.png",)


@pytest.mark.parametrize(
    "template",
    [
        {
            "name": "x",
            "kind": "quick-reply",
            "content_sid": "HX" + "a" * 32,
            "buttons": [{"title": "a", "payload": f"/i{n}"} for n in range(4)],
        },
        {
            "name": "x",
            "kind": "list-picker",
            "content_sid": "HX" + "a" * 32,
            "business_initiated": True,
            "buttons": [{"title": "a", "payload": "/i"}],
        },
        {
            "name": "x",
            "kind": "quick-reply",
            "content_sid": "not-a-sid",
            "buttons": [{"title": "a", "payload": "/i"}],
        },
        {
            "name": "x",
            "kind": "quick-reply",
            "content_sid": "HX" + "a" * 32,
            "buttons": [{"title": "a" * 25, "payload": "/i"}],
        },
    ],
)
def test_invalid_templates_are_refused(template: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WhatsAppTemplates.model_validate({"templates": [template]})
