"""The course offers (data/lesson_offers.yml): the shipped file, broken copies refused at load, which
rule decided a "not yet", and the offer after each result as a person reads it on SMS (within the
turn's budget, nothing cut, the button a numbered option that enrols)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.lessons.content import load_courses
from bot.lessons.delivery import enrol_payload, parse_enrol_payload
from bot.lessons.offers import OFFERS_FILE, LessonOffersError, deciding_rule, load_lesson_offers
from bot.prequal.data import load_prequal_data
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.settings import Settings
from tests.unit.dialogue.test_result_texts import LONGEST_FIRST_NAME, _not_yet

DATA = Path(__file__).resolve().parents[3] / "data"
COURSES = load_courses(DATA)
RULES = [rule.id for rule in load_prequal_data(DATA).rules.rules]
BUDGET = Settings(app_env="test").sms_segment_budget
Change = Callable[[dict[str, Any]], None]


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / OFFERS_FILE).read_text(encoding="utf-8"))
    return data


def load(data_dir: Path = DATA) -> Any:
    return load_lesson_offers(data_dir, courses=COURSES, rule_ids=RULES)


OFFERS = load()


def test_the_shipped_offers_load_and_name_real_courses_and_rules() -> None:
    course_ids = {course.id for course in COURSES}
    assert set(OFFERS.after_prequal) <= set(RULES)
    assert set(OFFERS.after_prequal.values()) <= course_ids
    assert OFFERS.after_cannot_pay is not None and OFFERS.after_cannot_pay.course == "cuentas_claras"
    # no course helps with age or where we work: no offer there
    for rule in ("min_age", "max_age", "municipality_served"):
        assert OFFERS.course_after_prequal(rule) is None


def test_the_offer_is_one_sentence_and_a_button_that_enrols() -> None:
    [reply] = OFFERS.replies("cuentas_claras")
    assert "Cuentas claras" in reply.text
    [button] = reply.buttons
    assert button.title == "Ver el curso"
    assert button.payload == enrol_payload("cuentas_claras")
    assert parse_enrol_payload(button.payload) == "cuentas_claras"


def _set(path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _with_sentence(path: str, course_id: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        _set(path, course_id)(data)
        data["offers"][course_id] = "Mientras tanto, puede hacer aquí un curso corto."

    return change


def _drop_offer(data: dict[str, Any]) -> None:
    del data["offers"]["vender_mas"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("after_prequal.edad_minima", "cuentas_claras"), "'edad_minima' is not a rule"),
        (_set("after_prequal.product_fit", "contabilidad"), "no sentence for contabilidad"),
        (
            _with_sentence("after_prequal.product_fit", "ahorro"),
            "after_prequal.product_fit: 'ahorro' is not a course",
        ),
        (
            _with_sentence("after_cannot_pay.course", "ahorro"),
            "after_cannot_pay.course: 'ahorro' is not a course",
        ),
        (_set("offers.ahorro", "Mientras tanto, puede hacer aquí el curso Ahorro."), "offers.ahorro"),
        (_drop_offer, "no sentence for vender_mas"),
        (_set("offers.vender_mas", "Mientras tanto, puede hacer aquí el curso Vender más. " * 3), "SMS"),
        (_set("offers.vender_mas", "Mientras tanto, haga el curso {title}."), "placeholders"),
        (_set("button", "Ver el curso completo ya"), "button"),
        (_set("after_cannot_pay.reminded_within_days", 0), "reminded_within_days"),
        (_set("ofertas", {}), "ofertas"),  # a misspelt key is refused, not ignored
    ],
)
def test_a_broken_offers_file_stops_the_start(tmp_path: Path, change: Change, reason: str) -> None:
    data = shipped()
    change(data)
    (tmp_path / OFFERS_FILE).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LessonOffersError) as refused:
        load(tmp_path)
    assert reason in str(refused.value) and OFFERS_FILE in str(refused.value)


RULES_TABLE = [
    ("decision", {"outcome": "not_yet", "decision": {"rule_id": "no_arrears"}, "rules": []}, "no_arrears"),
    (
        "first failed rule without a decision",
        {
            "outcome": "not_yet",
            "rules": [
                {"rule_id": "min_age", "passed": True},
                {"rule_id": "product_fit", "passed": False},
                {"rule_id": "sales_capacity", "passed": False},
            ],
        },
        "product_fit",
    ),
    ("prequalified", {"outcome": "prequalified", "decision": None, "rules": []}, None),
    (
        "erased evaluation keeps rules",
        {"outcome": "not_yet", "rules": [{"rule_id": "no_arrears", "passed": False}]},
        "no_arrears",
    ),
    ("nothing to go by", {"outcome": "not_yet", "rules": "?"}, None),
]


@pytest.mark.parametrize(
    ("label", "evaluation", "expected"), RULES_TABLE, ids=[row[0] for row in RULES_TABLE]
)
def test_the_deciding_rule(label: str, evaluation: dict[str, Any], expected: str | None) -> None:
    assert deciding_rule(evaluation) == expected


OFFERED_RULES = sorted(OFFERS.after_prequal)


@pytest.mark.parametrize("rule_id", OFFERED_RULES)
@pytest.mark.parametrize("name", [f"{LONGEST_FIRST_NAME} Restrepo", None])
def test_the_result_then_the_offer_on_sms_nothing_cut(rule_id: str, name: str | None) -> None:
    from bot.dialogue.prequal_texts import result_message

    result = result_message(_not_yet(rule_id), name)
    offer = OFFERS.replies(OFFERS.after_prequal[rule_id])
    turn = render_turn([BotReply(text=result), *offer], "sms", sms_segment_budget=BUDGET)
    assert all(sms_size(part.body).segments <= BUDGET and part.encoding == "GSM-7" for part in turn.parts)
    assert len(turn.parts) <= 2  # the result as before; the offer at worst its own message
    sent = "\n".join(part.body for part in turn.parts)
    assert " ".join(fold_to_gsm7(result).split()) in " ".join(sent.split())  # the result whole
    assert sent.endswith(fold_to_gsm7(offer[0].text) + "\n1. Ver el curso\nResponda 1.")  # the offer whole
    assert turn.menu == offer[0].buttons  # "1" enrols (bot/menus.py remembers this menu)
