"""What we hold about a person, in their words: the essentials on SMS (within the turn's segment
budget), the full list on WhatsApp. A cédula is never shown whole: only its last 3 digits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.dialogue.prequal_texts import pesos
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.my_data.content import Label, MyDataTexts
from bot.prequal.data import PrequalData

# The form's answers beyond name, age, document and municipality (SMS counts them, WhatsApp lists them).
OTHER_ANSWERS = ("sector", "meses_negocio", "ventas_mensuales", "destino_credito", "monto", "mora")
SHOWN_DIGITS = 3
ESSENTIAL = frozenset({"name", "age", "document", "municipality"})  # the "at least" on SMS


@dataclass(frozen=True)
class HeldCourse:
    """One micro-lesson enrolment: the course's title, its status, lessons settled of the total."""

    title: str
    status: str  # active | paused | finished | left
    done: int
    total: int


@dataclass(frozen=True)
class Held:
    """Everything we hold about one person (from bot/my_data/gather.py)."""

    phone_e164: str
    profile_name: str | None = None
    messages: int = 0
    files: int = 0
    results: int = 0
    consent: tuple[bool, date] | None = None  # (accepted, the day they answered), the latest answer
    answers: Mapping[str, Any] = field(default_factory=dict)  # the form's slots: nombre, edad, …
    courses: tuple[HeldCourse, ...] = ()  # micro-lessons, newest first


def masked(number: str) -> str:
    """ "1036123456" → "456": all a listing ever shows of a document number."""
    return number[-SHOWN_DIGITS:]


def sms_listing(held: Held, texts: MyDataTexts, data: PrequalData, *, segment_budget: int) -> str:
    """The essentials in one message of at most ``segment_budget`` segments once folded to GSM-7."""
    values = _values(held, texts, data)
    items = [item for item in texts.sms_items if values.get(item)]
    if "answers" in texts.sms_items and (count := _other_answers(held)):
        values["answers"] = texts.values["answers"].format(count=count)
        items = [item for item in texts.sms_items if values.get(item)]
    while True:
        said = ", ".join(values[item] for item in items)
        text = " ".join(part for part in (texts.sms_intro, said + ".", _consent(held, texts)) if part)
        text = f"{text} {texts.sms_closing}"
        if sms_size(fold_to_gsm7(text)).segments <= segment_budget or len(items) <= 1:
            return text
        # Too long: the full list is on WhatsApp. Leave out the last of sms_items first, but shorten a
        # very long name to its first two words before leaving out an essential.
        name = values.get("name", "")
        if items[-1] in ESSENTIAL and len(name.split()) > 2:
            values["name"] = " ".join(name.split()[:2])
        else:
            items.pop()


def whatsapp_listing(held: Held, texts: MyDataTexts, data: PrequalData, *, contact: str) -> str:
    """Every field we hold, one line each, then how to correct or delete them."""
    values = _values(held, texts, data)
    order: tuple[Label, ...] = (
        "name", "profile_name", "age", "document", "municipality", "sector", "business_months",
        "monthly_sales", "purpose", "amount", "arrears", "phone", "stored", "courses",
    )  # fmt: skip
    lines = [f"- {texts.labels[item]}: {values[item]}" for item in order if values.get(item)]
    lines.append(f"- {texts.labels['consent']}: {_consent(held, texts)}")
    closing = texts.whatsapp_closing.format(contact=contact)
    return "\n".join([texts.whatsapp_intro, *lines, "", closing])


def _values(held: Held, texts: MyDataTexts, data: PrequalData) -> dict[str, str]:
    answers = held.answers
    words = texts.values
    found: dict[str, str] = {"phone": words["phone"].format(last4=held.phone_e164[-4:])}
    if answers.get("nombre"):
        found["name"] = str(answers["nombre"])
    if held.profile_name:
        found["profile_name"] = held.profile_name
    if answers.get("edad") is not None:
        found["age"] = words["age"].format(years=answers["edad"])
    if answers.get("numero_documento"):
        kinds = texts.document_kinds
        kind = kinds.get(str(answers.get("tipo_documento") or "cc"), kinds["cc"])
        found["document"] = words["document"].format(
            kind=kind, last3=masked(str(answers["numero_documento"]))
        )
    if answers.get("municipio"):
        municipality = data.municipalities.by_code(str(answers["municipio"]))
        found["municipality"] = municipality.label if municipality else str(answers["municipio"])
    if answers.get("sector"):
        sector = data.sectors.by_id(str(answers["sector"]))
        found["sector"] = sector.label if sector else str(answers["sector"])
    if answers.get("meses_negocio") is not None:
        found["business_months"] = words["business_months"].format(months=answers["meses_negocio"])
    for slot, item in (("ventas_mensuales", "monthly_sales"), ("monto", "amount")):
        if isinstance(answers.get(slot), int | float):
            found[item] = pesos(int(answers[slot]))
    if answers.get("destino_credito"):
        found["purpose"] = str(answers["destino_credito"])
    if isinstance(answers.get("mora"), bool):
        found["arrears"] = words["answer_yes" if answers["mora"] else "answer_no"]
    counts = [texts.count("messages", held.messages), texts.count("files", held.files)]
    found["messages"] = counts[0]
    if held.results:
        counts.append(texts.count("results", held.results))
    found["stored"] = ", ".join(counts[:-1]) + " y " + counts[-1]
    if held.courses:
        found["courses"] = "; ".join(
            words["course"].format(
                title=course.title,
                status=texts.course_statuses.get(course.status, course.status),
                done=course.done,
                total=course.total,
            )
            for course in held.courses
        )
    return found


def _other_answers(held: Held) -> int:
    return sum(1 for slot in OTHER_ANSWERS if held.answers.get(slot) not in (None, ""))


def _consent(held: Held, texts: MyDataTexts) -> str:
    if held.consent is None:
        return texts.values["consent_missing"]
    accepted, day = held.consent
    said = texts.values["consent_accepted" if accepted else "consent_declined"]
    return said.format(day=f"{day:%d/%m/%Y}")
