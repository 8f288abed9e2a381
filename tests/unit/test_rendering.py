"""One bot turn rendered per channel."""

from __future__ import annotations

from bot.gsm7 import is_gsm7, sms_size
from bot.menus import numbered_menu
from bot.rasa_client import BotReply, Button, replies_after_message
from bot.rendering import render_turn, split_text

MENU = (
    Button("Crédito", "/request_loan"),
    Button("Pagos", "/ask_payment_info"),
    Button("Asesor", "/request_human"),
)


def test_sms_turn_is_one_gsm7_message_with_a_numbered_menu() -> None:
    turn = render_turn(
        [BotReply(text="¡Hola! Soy el asistente."), BotReply(text="¿En qué le puedo ayudar?", buttons=MENU)],
        "sms",
        sms_segment_budget=2,
    )
    assert len(turn.parts) == 1
    body = turn.parts[0].body
    assert (
        body
        == "¡Hola! Soy el asistente.\n¿En qué le puedo ayudar?\n1. Crédito\n2. Pagos\n3. Asesor\nResponda 1, 2 o 3."
    )
    assert is_gsm7(body) and turn.parts[0].encoding == "GSM-7" and turn.parts[0].segments == 1
    assert turn.menu == MENU


def test_long_sms_is_split_at_sentences_within_the_budget() -> None:
    sentence = "Esta es una frase de prueba bastante larga para el mensaje."
    turn = render_turn([BotReply(text=" ".join([sentence] * 12))], "sms", sms_segment_budget=2)
    assert len(turn.parts) > 1
    for part in turn.parts:
        assert sms_size(part.body).segments <= 2
        assert part.body.endswith(".")
    assert " ".join(part.body for part in turn.parts) == " ".join([sentence] * 12)


def test_whatsapp_keeps_accents_and_attaches_images() -> None:
    turn = render_turn(
        [BotReply(text="Información 👍"), BotReply(image="https://example.org/a.png")],
        "whatsapp",
        sms_segment_budget=2,
    )
    assert [(p.body, p.media_urls) for p in turn.parts] == [
        ("Información 👍", ("https://example.org/a.png",))
    ]


def test_split_never_cuts_a_word() -> None:
    words = " ".join(f"palabra{i}" for i in range(100))
    chunks = split_text(words, lambda chunk: len(chunk) <= 50)
    assert all(len(chunk) <= 50 for chunk in chunks)
    assert " ".join(chunks).split() == words.split()


def test_numbered_menu_prompt() -> None:
    assert numbered_menu(MENU[:2]).endswith("Responda 1 o 2.")
    assert numbered_menu(MENU).endswith("Responda 1, 2 o 3.")


def test_replies_after_message_reads_the_tracker() -> None:
    events = [
        {"event": "user", "text": "hola", "metadata": {"message_sid": "SM1"}},
        {"event": "bot", "text": "Hola", "data": {}},
        {"event": "user", "text": "menu", "metadata": {"message_sid": "SM2"}},
        {"event": "action", "name": "utter_main_menu"},
        {
            "event": "bot",
            "text": "Menú",
            "data": {"buttons": [{"title": "Crédito", "payload": "/request_loan"}]},
        },
    ]
    assert [r.text for r in replies_after_message(events, "SM1") or []] == ["Hola"]
    second = replies_after_message(events, "SM2")
    assert second is not None and second[0].buttons == (Button("Crédito", "/request_loan"),)
    assert replies_after_message(events, "SM3") is None


def test_whatsapp_text_over_1600_characters_is_split_at_sentences() -> None:
    sentence = "Esta es una frase de prueba para un mensaje de WhatsApp bastante largo 👍."
    text = " ".join([sentence] * 40)  # ~3,000 characters
    parts = render_turn([BotReply(text=text)], "whatsapp", sms_segment_budget=2).parts
    assert len(parts) == 2
    assert all(len(part.body) <= 1600 and part.body.endswith("👍.") for part in parts)
    assert " ".join(part.body for part in parts) == text


def test_a_question_and_its_menu_stay_in_one_sms_part() -> None:
    long = "Gracias por contarnos. " + "Un asesor le escribe pronto para ver su caso con calma. " * 4
    question = BotReply(text="¿Quiere ver el curso?", buttons=(Button("Ver el curso", "/x"),))
    turn = render_turn([BotReply(text=long), question], "sms", sms_segment_budget=1)
    assert all(part.segments == 1 for part in turn.parts)
    assert turn.parts[-1].body.endswith("¿Quiere ver el curso?\n1. Ver el curso\nResponda 1.")
    joined = "\n".join(part.body for part in turn.parts)
    assert joined.count("Un asesor le escribe") == 4  # nothing lost
    # without the rule the greedy split would have left "Responda 1." alone
    short = render_turn([BotReply(text="Hola."), question], "sms", sms_segment_budget=1)
    assert len(short.parts) == 1  # a turn that fits one part is unchanged


def test_a_menu_too_long_for_one_part_is_still_split_within_the_budget() -> None:
    many = tuple(Button("Opción con un título largo " + str(n), f"/o{n}") for n in range(1, 8))
    turn = render_turn([BotReply(text="Escoja:", buttons=many)], "sms", sms_segment_budget=1)
    assert len(turn.parts) > 1 and all(part.segments == 1 for part in turn.parts)
