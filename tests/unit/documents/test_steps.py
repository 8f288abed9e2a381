"""The document flow's pure parts: what comes next, which item each file fills, the relative code, and
the replies built from data/documents.yml ``conversation:`` (one SMS each, buttons within 20 chars)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.documents.content import load_documents
from bot.documents.steps import (
    CODE_ALPHABET,
    AskFormal,
    AskItem,
    AskSensitiveConsent,
    AskSmsRoute,
    Done,
    ItemState,
    SensitiveElsewhere,
    Situation,
    assign,
    fillable_items,
    first_name,
    is_complete,
    new_relative_code,
    next_step,
    relative_code_in,
    replaceable_items,
)
from bot.documents.texts import TITLE_MAX, FlowTexts
from bot.documents.words import (
    Office,
    RouteFacts,
    assign_payload,
    assigned_item,
    no_request,
    status_lines,
    step_reply,
    which_item,
)
from bot.gsm7 import fold_to_gsm7, sms_size

DATA = Path(__file__).resolve().parents[3] / "data"
DOCUMENTS = load_documents(DATA)
TEXTS = DOCUMENTS.conversation
ITEMS = DOCUMENTS.checklist("microcredito_empresarial", formal=True)
FACTS = RouteFacts("ABC234", "+14155238886", Office("Bello", "Carrera 50 # 51-20", "lunes a viernes"))


def situation(statuses: str, **changes: object) -> Situation:
    """``statuses``: one letter per item of the formal checklist (p pending, r received, a approved,
    x rejected); a "-" drops the item (not asked, e.g. the RUT of an informal business)."""
    names = {"p": "pending", "r": "received", "a": "approved", "x": "rejected"}
    states = tuple(
        ItemState(item, names[code]) for item, code in zip(ITEMS, statuses, strict=True) if code != "-"
    )
    values: dict[str, object] = {
        "items": states, "asks_formal": True, "formal": True, "channel": "whatsapp", "sms_route": None,
        "sensitive": True, "linked": False,
    }  # fmt: skip
    values.update(changes)
    return Situation(**values)  # type: ignore[arg-type]


CEDULA, REVERSO, RECIBO, NEGOCIO, RUT = ITEMS

STEPS = [
    ("formal unknown: asked first", situation("pppp-", formal=None), AskFormal()),
    ("ID photo next, consent never answered", situation("ppppp", sensitive=None), AskSensitiveConsent(CEDULA)),
    ("consent given: the first pending item", situation("ppppp"), AskItem(CEDULA)),
    ("a rejected item is asked again first", situation("rxrpp"), AskItem(REVERSO)),
    ("consent declined: ID photos skipped", situation("ppppp", sensitive=False), AskItem(RECIBO)),
    ("declined and only ID photos left", situation("pprrr", sensitive=False), SensitiveElsewhere()),
    ("a relative's phone never asks the owner's consent", situation("ppppp", sensitive=None, linked=True),
     AskItem(RECIBO)),
    ("all in", situation("rraar"), Done()),
    ("informal, all in", situation("rrrr-", formal=False), Done()),
    ("SMS: how will the photos come", situation("ppppp", channel="sms"), AskSmsRoute(None)),
    ("SMS: the route chosen is said again", situation("ppppp", channel="sms", sms_route="office"),
     AskSmsRoute("office")),
    ("SMS relative: the owner's consent first", situation("ppppp", channel="sms", sms_route="relative",
     sensitive=None), AskSensitiveConsent(CEDULA)),
    ("SMS, all in", situation("rrrrr", channel="sms", sms_route="relative"), Done()),
]  # fmt: skip


@pytest.mark.parametrize(("label", "given", "expected"), STEPS, ids=[case[0] for case in STEPS])
def test_next_step(label: str, given: Situation, expected: object) -> None:
    assert next_step(given) == expected


ASSIGNMENTS = [
    ("two photos fill the two sides in order", "ppppp", ["image", "image"], [CEDULA, REVERSO]),
    ("a PDF skips the image-only ID items", "ppppp", ["pdf"], [RECIBO]),
    ("a PDF after the bill: the RUT", "rrrpp", ["pdf", "pdf"], [RUT, None]),
    ("nothing open: fits nothing", "rrrrr", ["image"], [None]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "statuses", "kinds", "expected"), ASSIGNMENTS, ids=[c[0] for c in ASSIGNMENTS]
)
def test_files_fill_open_items_of_their_kind_in_order(
    label: str, statuses: str, kinds: list[str], expected: list[object]
) -> None:
    assert assign(kinds, fillable_items(situation(statuses))) == expected  # type: ignore[arg-type]


def test_id_photos_are_filled_only_with_the_sensitive_consent() -> None:
    assert assign(["image"], fillable_items(situation("ppppp", sensitive=None))) == [RECIBO]
    assert CEDULA not in replaceable_items(situation("ppppp", sensitive=False), "image")


def test_which_item_offers_open_items_first_then_received_ones_never_approved() -> None:
    offered = replaceable_items(situation("arrpp"), "image")
    assert offered == [NEGOCIO, RUT, REVERSO, RECIBO]  # open ones first; the approved front is not offered
    assert replaceable_items(situation("rrrrr"), "pdf") == [RECIBO, RUT]


def test_complete_needs_every_item_in_and_the_formal_answer() -> None:
    assert is_complete(situation("rrara").items, asks_formal=True, formal=True)
    assert not is_complete(situation("rrarp").items, asks_formal=True, formal=True)
    assert not is_complete(situation("rrrr-").items, asks_formal=True, formal=None)
    assert not is_complete((), asks_formal=False, formal=None)


def test_relative_codes_are_unambiguous_and_read_back_as_typed() -> None:
    codes = {new_relative_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01IO") & set(CODE_ALPHABET)
    for typed in ("FAMI-ABC234", "fami-abc234", " Fami abc234 ", "FAMIABC234", "fami_abc234."):
        assert relative_code_in(typed) == "ABC234", typed
    for other in ("ABC234", "FAMI-ABC10O", "hola FAMI-ABC234 ya", "FAMI-ABC2345", ""):
        assert relative_code_in(other) is None, other


def test_first_name() -> None:
    assert first_name("luz dary restrepo") == "Luz"
    assert first_name(None) is None and first_name("  ") is None


def test_assign_payload_round_trips_and_ignores_other_payloads() -> None:
    assert assigned_item(assign_payload("rut")) == "rut"
    for other in (None, "/documents_status", '/documents_assign{"item": 3}', "/documents_assign{", "rut"):
        assert assigned_item(other) is None


def test_each_step_is_one_question_with_its_contract_payloads() -> None:
    formal = step_reply(TEXTS, AskFormal(), FACTS)
    assert [b.payload for b in formal.buttons] == [
        '/documents_formal{"formal":"si"}',
        '/documents_formal{"formal":"no"}',
    ]
    consent = step_reply(TEXTS, AskSensitiveConsent(CEDULA), FACTS)
    assert consent.text == TEXTS.sensitive_consent and "1581" in consent.text and "art. 6" in consent.text
    assert [b.payload for b in consent.buttons][1] == '/documents_sensitive_consent{"accepted":"no"}'
    routes = step_reply(TEXTS, AskSmsRoute(None), FACTS)
    assert [b.payload for b in routes.buttons] == [
        f'/documents_sms_route{{"route":"{route}"}}' for route in ("relative", "office", "call")
    ]
    relative = step_reply(TEXTS, AskSmsRoute("relative"), FACTS).text
    assert "FAMI-ABC234" in relative and "+14155238886" in relative
    office = step_reply(TEXTS, AskSmsRoute("office"), FACTS).text
    assert "Bello" in office and "Carrera 50 # 51-20" in office and "lunes a viernes" in office
    ask = step_reply(TEXTS, AskItem(RECIBO), FACTS).text
    assert RECIBO.title in ask and RECIBO.instruction in ask
    elsewhere = step_reply(TEXTS, SensitiveElsewhere(), FACTS)
    assert len(elsewhere.buttons) == 3  # the office, a call, or authorising after all: no dead end


def test_status_says_each_state_in_plain_words() -> None:
    text = status_lines(TEXTS, situation("rxapp").items, reasons={"illegible": "no se lee bien"})
    lines = text.splitlines()
    assert lines[0] == TEXTS.status_header
    assert lines[1] == f"- {CEDULA.title}: recibido"
    assert lines[2] == f"- {REVERSO.title}: hay que enviarlo de nuevo"
    assert lines[4] == f"- {NEGOCIO.title}: falta"
    rejected = status_lines(
        TEXTS, (ItemState(REVERSO, "rejected", "illegible"),), reasons={"illegible": "no se lee bien"}
    )
    assert rejected.endswith("hay que enviarlo de nuevo: no se lee bien")


def test_without_a_request_a_prequalification_is_offered() -> None:
    [start] = no_request(TEXTS, file_kept=False)
    assert start.buttons[0].payload == "/request_loan"
    kept, _ = no_request(TEXTS, file_kept=True)
    assert kept.text == TEXTS.file_kept


def test_which_item_buttons_are_the_titles() -> None:
    reply = which_item(TEXTS, [RECIBO, RUT])
    assert [b.title for b in reply.buttons] == [RECIBO.title, RUT.title]


SHORT = [name for name in FlowTexts.model_fields if name not in ("sensitive_consent", "complete", "ask")]


@pytest.mark.parametrize("name", SHORT)
def test_every_flow_text_fits_one_sms(name: str) -> None:
    text = getattr(TEXTS, name)
    if name.endswith("_title"):
        assert len(text) <= TITLE_MAX
    size = sms_size(fold_to_gsm7(text.format(code="FAMI-ABC234", whatsapp="+14155238886", name="Maria",
                                             branch="Medellín Centro", address="Carrera 50 # 52-36, Centro",
                                             hours="lunes a viernes de 8:00 a. m. a 5:00 p. m.", title="Recibo de servicios")))  # fmt: skip
    assert (size.encoding, size.segments) == ("GSM-7", 1), (name, size)
    assert "rechaz" not in text.lower()


def test_the_sensitive_consent_version_is_the_hash_of_what_is_shown() -> None:
    changed = TEXTS.model_copy(update={"sensitive_consent": TEXTS.sensitive_consent + " ¿Sí?"})
    assert len(TEXTS.sensitive_version) == 64 and changed.sensitive_version != TEXTS.sensitive_version
