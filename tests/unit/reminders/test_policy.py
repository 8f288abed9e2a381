"""data/repayment_reminders.yml: validated at start; every SMS fits one GSM-7 segment; the words a
borrower reads on each channel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.consent import load_consent
from bot.gsm7 import sms_size
from bot.reminders.message import reminder_message
from bot.reminders.policy import (
    LONGEST_AMOUNT,
    LONGEST_DATE,
    POLICY_FILE,
    ReminderPolicy,
    check_policy,
    load_policy,
)
from bot.reminders.words import format_amount, format_due_date
from bot.templates import load_templates

DATA = Path(__file__).resolve().parents[3] / "data"
POLICY = load_policy(DATA / POLICY_FILE)
TEMPLATES = load_templates(DATA / "whatsapp_templates.yml")
RAW = yaml.safe_load((DATA / POLICY_FILE).read_text(encoding="utf-8"))


def test_the_default_steps() -> None:
    assert [(step.id, step.days, step.opens_ticket) for step in POLICY.steps] == [
        ("before_3", -3, False), ("due", 0, False), ("after_1", 1, False), ("after_7", 7, True),
    ]  # fmt: skip
    assert POLICY.pause_days_after_claim == 3
    assert POLICY.consent_purpose == "enviarle recordatorios"
    check_policy(POLICY, templates=TEMPLATES, consent=load_consent(DATA / "consent.yml"))


@pytest.mark.parametrize(
    ("pesos", "words"), [(350_000, "$350.000"), (9_999_000, "$9.999.000"), (800, "$800")]
)
def test_amounts(pesos: int, words: str) -> None:
    assert format_amount(pesos) == words


@pytest.mark.parametrize(
    ("day", "words"),
    [("2026-12-03", "jueves 3 de diciembre"), ("2026-09-30", "miércoles 30 de septiembre"),
     ("2027-01-01", "viernes 1 de enero")],
)  # fmt: skip
def test_dates(day: str, words: str) -> None:
    assert format_due_date(date.fromisoformat(day)) == words


@pytest.mark.parametrize("step", [step.id for step in POLICY.steps])
def test_every_sms_fits_one_gsm7_segment_with_the_longest_amount_and_date(step: str) -> None:
    found = POLICY.step(step)
    assert found is not None
    text = found.sms_text(amount=LONGEST_AMOUNT, due_on=LONGEST_DATE)
    size = sms_size(text)
    assert (size.encoding, size.segments) == ("GSM-7", 1), (size.units, text)
    assert "$9.999.000" in text and "miércoles 30 de septiembre" in text  # é is GSM-7: kept


def _with(change: Any) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(RAW))
    change(data)
    return data


@pytest.mark.parametrize(
    ("label", "change", "error"),
    [
        ("an SMS of two segments", lambda d: d["steps"][0].update(sms=d["steps"][0]["sms"] + " Gracias por su pago puntual."), "one GSM-7 segment"),
        ("a text without the amount", lambda d: d["steps"][2].update(whatsapp="Hola, su cuota vence el {fecha}."), "monto"),
        ("an unknown placeholder", lambda d: d["steps"][2].update(sms="Hola {nombre}: {monto} {fecha}"), "only"),
        ("steps out of order", lambda d: d["steps"].reverse(), "order"),
        ("two steps with one id", lambda d: d["steps"][1].update(id="before_3"), "unique"),
        ("an unknown key", lambda d: d.update(max_reminders=9), "max_reminders"),
    ],
)  # fmt: skip
def test_a_bad_policy_stops_the_load(label: str, change: Any, error: str) -> None:
    data = _with(change)
    with pytest.raises(ValidationError, match=error):
        ReminderPolicy.model_validate(data)


def test_an_emoji_is_folded_away_and_the_sms_stays_gsm7() -> None:
    policy = ReminderPolicy.model_validate(
        _with(lambda d: d["steps"][1].update(sms="Hola {monto} {fecha} \U0001f600"))
    )
    step = policy.step("due")
    assert step is not None and sms_size(step.sms_text(amount=1, due_on=LONGEST_DATE)).encoding == "GSM-7"


def test_the_template_must_exist_and_open_a_conversation() -> None:
    other = POLICY.model_copy(update={"template": "si_no"})
    with pytest.raises(ValueError, match="business-initiated text template"):
        check_policy(other, templates=TEMPLATES, consent=load_consent(DATA / "consent.yml"))


def test_the_consent_purpose_must_be_one_the_person_can_accept() -> None:
    other = POLICY.model_copy(update={"consent_purpose": "llamarle a medianoche"})
    with pytest.raises(ValueError, match="consent purpose"):
        check_policy(other, templates=TEMPLATES, consent=load_consent(DATA / "consent.yml"))


def _message(step: str, channel: str, window_open: bool, name: str | None = "Ana María") -> Any:
    found = POLICY.step(step)
    assert found is not None
    return reminder_message(
        POLICY, TEMPLATES, found, channel=channel, window_open=window_open, amount=350_000,
        due_on=date(2026, 12, 3), profile_name=name,
    )  # fmt: skip


def test_sms_before_the_due_date() -> None:
    message = _message("before_3", "sms", True)
    assert message.body == (
        "Hola, su cuota de $350.000 vence el jueves 3 de diciembre. Si ya pago, no tenga en cuenta "
        "este mensaje. Responda PAGOS para ver donde pagar."
    )
    assert message.content_sid is None


def test_whatsapp_inside_the_window_is_free_text() -> None:
    message = _message("before_3", "whatsapp", True)
    assert message.body == (
        "Hola, le recordamos que su cuota de $350.000 vence el jueves 3 de diciembre. Si ya pagó, no "
        "tenga en cuenta este mensaje. Responda PAGOS para ver dónde pagar."
    )
    assert message.content_sid is None


@pytest.mark.parametrize(
    ("name", "persona"), [("Ana María", "Ana"), (None, "emprendedor(a)"), ("  ", "emprendedor(a)")]
)
def test_whatsapp_outside_the_window_is_the_template(name: str | None, persona: str) -> None:
    message = _message("after_1", "whatsapp", False, name)
    template = TEMPLATES.by_name("recordar_cuota")
    assert template is not None and template.business_initiated
    assert message.content_sid == template.content_sid
    assert message.content_variables == {"1": persona, "2": "$350.000", "3": "jueves 3 de diciembre"}
    assert message.body.startswith(
        f"Hola {persona}, le recordamos su cuota de $350.000 con fecha de pago el jueves"
    )
