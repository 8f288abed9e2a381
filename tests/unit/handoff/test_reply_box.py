"""What the reply box shows (window, fold, segments) and the consultant's data files, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.db.models import Contact
from bot.handoff.content import ConsultantContent, load_consultant_content
from bot.handoff.window import preview, window_state
from bot.templates import ContentTemplate, load_templates

DATA = Path(__file__).resolve().parents[3] / "data"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _contact(last: timedelta | None, closed: timedelta | None = None) -> Contact:
    return Contact(
        phone_e164="+573001112233",
        last_whatsapp_inbound_at=None if last is None else NOW - last,
        whatsapp_window_closed_at=None if closed is None else NOW - closed,
    )


@pytest.mark.parametrize(
    ("channel", "last", "closed", "open_", "closes_in"),
    [
        ("sms", None, None, True, None),  # SMS has no window
        ("whatsapp", None, None, False, None),  # never wrote on WhatsApp
        ("whatsapp", timedelta(hours=23), None, True, timedelta(hours=1)),
        ("whatsapp", timedelta(hours=24, seconds=1), None, False, None),
        ("whatsapp", timedelta(hours=2), timedelta(hours=1), False, None),  # Twilio said 63016 since
        ("whatsapp", timedelta(hours=2), timedelta(hours=3), True, timedelta(hours=22)),  # 63016 was before
    ],
)
def test_window_state(
    channel: str, last: timedelta | None, closed: timedelta | None, open_: bool, closes_in: timedelta | None
) -> None:
    state = window_state(_contact(last, closed), channel, NOW)
    assert state.open is open_
    assert state.closes_at == (None if closes_in is None else NOW + closes_in)


@pytest.mark.parametrize(
    ("text", "channel", "shown", "encoding", "segments"),
    [
        ("  Sí, mañana le escribo.  ", "sms", "Si, mañana le escribo.", "GSM-7", 1),
        ("Claro 😊 “ya” está", "sms", 'Claro "ya" esta', "GSM-7", 1),
        ("a" * 161, "sms", "a" * 161, "GSM-7", 2),
        ("Sí, mañana le escribo 😊", "whatsapp", "Sí, mañana le escribo 😊", None, None),
    ],
)
def test_preview(text: str, channel: str, shown: str, encoding: str | None, segments: int | None) -> None:
    result = preview(text, channel)
    assert (result.text, result.encoding, result.segments, result.too_long) == (
        shown,
        encoding,
        segments,
        False,
    )


def test_preview_says_when_it_is_too_long() -> None:
    assert preview("a" * 1601, "sms").too_long and not preview("a" * 1600, "whatsapp").too_long


def test_the_reopen_template_fills_its_body() -> None:
    templates = load_templates(DATA / "whatsapp_templates.yml")
    template = templates.by_name("retomar_conversacion")
    assert template is not None and template.business_initiated and template.kind == "text"
    variables = template.content_variables({"persona": "Ana", "asesor": "Carla"})
    assert variables == {"1": "Ana", "2": "Carla"}
    assert template.text_for(variables).startswith("Hola Ana, soy Carla de Interactuar.")
    assert template.content_variables({"persona": " ", "asesor": "Carla"})["1"] == "emprendedor(a)"
    with pytest.raises(ValueError, match="asesor"):
        template.content_variables({"persona": "Ana", "asesor": ""})  # no fallback for the consultant


@pytest.mark.parametrize(
    "template",
    [
        {
            "name": "t",
            "kind": "text",
            "content_sid": "HX" + "a" * 32,
            "body": "Hola {{2}}",
            "variables": [{"name": "a"}],
        },
        {"name": "t", "kind": "text", "content_sid": "HX" + "a" * 32},  # no body
        {
            "name": "t",
            "kind": "text",
            "content_sid": "HX" + "a" * 32,
            "body": "Hola",
            "buttons": [{"title": "a", "payload": "/i"}],
        },
        {"name": "t", "kind": "quick-reply", "content_sid": "HX" + "a" * 32},  # no buttons
    ],
)
def test_invalid_text_templates_are_refused(template: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ContentTemplate.model_validate(template)


def test_the_data_file_loads_and_tolerates_the_other_sections() -> None:
    templates = load_templates(DATA / "whatsapp_templates.yml")
    content = load_consultant_content(DATA / "handoff.yml", templates)
    assert 8 <= len(content.canned_replies) <= 10 and content.outcome("resolved") is not None
    raw = yaml.safe_load((DATA / "handoff.yml").read_text(encoding="utf-8"))
    raw["reasons"] = {"user_asked": {"priority": 10, "label": "Pidió un asesor"}}  # the queue's section
    assert ConsultantContent.model_validate(raw).outcomes == content.outcomes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["canned_replies"].append({"id": "emoji", "label": "x", "text": "Hola 😊"}),
            "lost on SMS",
        ),
        (lambda raw: raw["canned_replies"].append({"id": "long", "label": "x", "text": "a " * 170}), "2 SMS"),
        (lambda raw: raw["outcomes"].append({"id": "handed_back", "label": "x"}), "hand-back"),
        (lambda raw: raw["outcomes"].append(dict(raw["outcomes"][0])), "unique"),
        (lambda raw: raw["notices"].update(too_long="Muy largo."), "{max}"),
    ],
)
def test_broken_consultant_content_is_refused(change: object, message: str) -> None:
    raw = yaml.safe_load((DATA / "handoff.yml").read_text(encoding="utf-8"))
    change(raw)  # type: ignore[operator]
    with pytest.raises(ValidationError, match=message.replace("{", r"\{").replace("}", r"\}")):
        ConsultantContent.model_validate(raw)


def test_the_reopen_template_must_be_business_initiated() -> None:
    templates = load_templates(DATA / "whatsapp_templates.yml")
    raw = yaml.safe_load((DATA / "handoff.yml").read_text(encoding="utf-8"))
    raw["reopen_template"] = "si_no"  # exists, but WhatsApp would refuse it outside the window
    with pytest.raises(ValueError, match="business-initiated"):
        ConsultantContent.model_validate(raw).check_template(templates)
