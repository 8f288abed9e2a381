"""The ``record_prequal`` payload check (bot/db/prequal.py) and what erasure keeps of an evaluation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.db.prequal import MalformedPrequalPayload, parse_payload
from bot.prequal.rules import RULE_IDS
from bot.privacy import erased_evaluation
from tests.prequal_payloads import ANSWERS, NAME, NUMBER, payload


@pytest.mark.parametrize("changes", [{}, {"mora": True}, {"edad": 17}])
def test_real_evaluations_are_accepted_and_identity_is_split_off(changes: dict[str, Any]) -> None:
    command = payload(**changes)
    parsed = parse_payload(command)
    assert parsed.evaluation.outcome == command["evaluation"]["outcome"]
    assert parsed.evaluation.product == command["evaluation"]["product"]
    assert [rule.rule_id for rule in parsed.evaluation.rules] == list(RULE_IDS)
    answers = parsed.answers
    assert (answers.nombre, answers.tipo_documento, answers.numero_documento) == (NAME, "cc", NUMBER)
    assert set(answers.others) == set(ANSWERS) - {"nombre", "tipo_documento", "numero_documento"}
    assert answers.others["mora"] is command["answers"]["mora"]


def test_a_document_number_given_as_a_number_is_kept_as_text() -> None:
    command = payload()
    command["answers"]["numero_documento"] = int(NUMBER)
    assert parse_payload(command).answers.numero_documento == NUMBER


def test_missing_identity_answers_are_allowed() -> None:
    command = payload()
    for key in ("nombre", "tipo_documento", "numero_documento"):
        del command["answers"][key]
    answers = parse_payload(command).answers
    assert (answers.nombre, answers.tipo_documento, answers.numero_documento) == (None, None, None)


def _set(path: str, value: Any) -> Any:
    def edit(command: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = command
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value

    return edit


def _delete(path: str) -> Any:
    def edit(command: dict[str, Any]) -> None:
        parent, last = path.rsplit(".", 1) if "." in path else ("", path)
        target = command[parent] if parent else command
        del target[last]

    return edit


@pytest.mark.parametrize(
    ("label", "edit", "where"),
    [
        ("unknown outcome", _set("evaluation.outcome", "approved"), "evaluation.outcome"),
        ("no outcome", _delete("evaluation.outcome"), "evaluation.outcome"),
        ("no rules", _delete("evaluation.rules"), "evaluation.rules"),
        ("rules not a list", _set("evaluation.rules", {"min_age": True}), "evaluation.rules"),
        ("empty rules", _set("evaluation.rules", []), "evaluation.rules"),
        ("a rule without id", _set("evaluation.rules", [{"passed": True}]), "rule_id"),
        ("passed not a bool", _set("evaluation.rules", [{"rule_id": "min_age", "passed": "si"}]), "passed"),
        ("no rules version", _delete("evaluation.rules_version"), "evaluation.rules_version"),
        ("evaluation not a dict", _set("evaluation", "prequalified"), "evaluation"),
        ("no evaluation", _delete("evaluation"), "evaluation"),
        ("answers a list", _set("answers", [NAME, NUMBER]), "answers"),
        ("no answers", _delete("answers"), "answers"),
        ("name not text", _set("answers.nombre", [NAME]), "answers.nombre"),
        ("number too long", _set("answers.numero_documento", NUMBER * 3), "answers.numero_documento"),
        ("number a bool", _set("answers.numero_documento", True), "answers.numero_documento"),
    ],
)
def test_malformed_payloads_say_where_without_the_values(label: str, edit: Any, where: str) -> None:
    command = payload()
    edit(command)
    with pytest.raises(MalformedPrequalPayload) as raised:
        parse_payload(command)
    reason = str(raised.value)
    assert where in reason, label
    assert NAME not in reason and "Luz" not in reason and NUMBER not in reason, label
    assert (
        raised.value.__cause__ is None and raised.value.__suppress_context__
    )  # no pydantic text with values
    assert isinstance(raised.value, ValueError)


def test_erased_evaluation_keeps_only_outcome_product_version_and_pass_fail() -> None:
    evaluation = payload(edad=17)["evaluation"]
    kept = erased_evaluation(copy.deepcopy(evaluation))
    assert kept == {
        "outcome": "not_yet",
        "rules_version": evaluation["rules_version"],
        "product": None,
        "rules": [{"rule_id": r["rule_id"], "passed": r["passed"]} for r in evaluation["rules"]],
    }
    assert erased_evaluation(kept) == kept  # erasing twice changes nothing
    assert erased_evaluation({}) == {"outcome": None, "rules_version": None, "product": None, "rules": []}
