"""data/lesson_words.yml: every text fits its SMS budget with the longest values it can be given, and a
broken file stops the start (bot/runtime.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.consent import load_consent
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.lessons.content import BUTTON_TITLE_MAX
from bot.lessons.flow import consent_question, courses_menu, leave_question, rhythm_question
from bot.lessons.words import PLACEHOLDERS, WORDS_FILE, LessonWords, load_lesson_words, load_lessons
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from tests.conftest import ROOT, make_settings

LESSONS = load_lessons(ROOT / "data")
WORDS = LESSONS.words
CONSENT = load_consent(ROOT / "data" / "consent.yml")
# The longest value each placeholder can take.
LONGEST = {
    "course": "C" * BUTTON_TITLE_MAX,
    "lessons": "10",
    "number": "10",
    "right": "10",
    "answered": "10",
    "code": "CL-7K3M9P",
    "time": "12:30 p. m.",
    "asked": "12:30 p. m.",
    "start": "12:30 p. m.",
    "end": "12:30 p. m.",
    "day": "el miércoles 30 de septiembre",
    "organisation": CONSENT.organisation,
    "contact": CONSENT.contact,
}
TWO_SEGMENTS = {"consent_question"}


def _filled(name: str) -> str:
    text: str = getattr(WORDS, name)
    return text.format(**{key: LONGEST[key] for key in PLACEHOLDERS.get(name, ())})


TEXTS = [name for name in LessonWords.model_fields if not name.endswith("_title")]


@pytest.mark.parametrize("name", TEXTS)
def test_every_text_is_gsm7_within_its_segments_with_the_longest_values(name: str) -> None:
    folded = fold_to_gsm7(_filled(name))
    size = sms_size(folded)
    assert size.encoding == "GSM-7", name
    assert size.segments <= (2 if name in TWO_SEGMENTS else 1), f"{name}: {size.units} characters"


@pytest.mark.parametrize(
    "reply",
    [
        courses_menu(WORDS, LESSONS.courses),
        rhythm_question(WORDS),
        leave_question(WORDS, LESSONS.courses.courses[0]),
        consent_question(WORDS, organisation=CONSENT.organisation, contact=CONSENT.contact),
    ],
    ids=["courses", "rhythm", "leave", "consent"],
)
def test_every_question_with_its_numbered_menu_is_one_sms_message(reply: BotReply) -> None:
    turn = render_turn([reply], "sms", sms_segment_budget=2)
    assert len(turn.parts) == 1 and turn.parts[0].encoding == "GSM-7"
    assert turn.parts[0].body.endswith("o 2." if len(reply.buttons) == 2 else f"o {len(reply.buttons)}.")


def test_the_rhythm_question_offers_an_hour_on_sms_too() -> None:
    body = render_turn([rhythm_question(WORDS)], "sms", sms_segment_budget=2).parts[0].body
    assert "por ejemplo 7:30" in body and "4. Cuando yo la pida" in body


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"finished": "¡Felicitaciones! Terminó el curso {course}."}, "finished: placeholders ['course']"),
        ({"paused": "Listo, pausamos el curso {curso}. Escriba SEGUIR."}, "paused: placeholders ['curso']"),
        ({"retry": "No es esa 🙈, intente otra vez."}, "characters an SMS cannot carry"),
        ({"leave_yes_title": "Sí, quiero dejar el curso"}, "at most 20 characters"),
        ({"retyr": "No es esa. Intente otra vez."}, "Extra inputs are not permitted"),
    ],
    ids=["missing-code", "unknown-placeholder", "emoji", "long-button", "misspelt-key"],
)
def test_a_broken_words_file_is_refused(tmp_path: Path, change: dict[str, str], reason: str) -> None:
    data = yaml.safe_load((ROOT / "data" / WORDS_FILE).read_text(encoding="utf-8"))
    data.update(change)
    path = tmp_path / WORDS_FILE
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        load_lesson_words(path)


async def test_a_broken_words_file_stops_the_start(tmp_path: Path) -> None:
    from bot.runtime import build_runtime

    data_dir = tmp_path / "data"
    shutil.copytree(ROOT / "data", data_dir)
    (data_dir / WORDS_FILE).write_text("courses_intro: 'Hola {nombre}'\n", encoding="utf-8")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", 0, data_dir=data_dir)
    with pytest.raises(ValidationError, match=r"LessonWords"):
        await build_runtime(settings)
