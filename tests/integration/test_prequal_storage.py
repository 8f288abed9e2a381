"""Storing each pre-qualification result (audit trail) from Rasa's ``record_prequal`` command, on both
databases with a scripted Rasa: the row, the hand-off for who pre-qualified, a malformed payload, a
recovered turn, and erasure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.db import conversations, messages, prequal
from bot.db.models import DocumentRequest, HandoffRequest, Message, PrequalEvaluation, utcnow
from bot.gsm7 import fold_to_gsm7
from bot.prequal.rules import RULE_IDS
from bot.privacy import erase_personal_data
from bot.runtime import Runtime
from tests.integration.test_my_data_turns import held_list
from tests.integration.test_turns import USER_EVENT, ScriptedRasa, _inbound, _run
from tests.prequal_payloads import ANSWERS, NAME, NUMBER, RULES, payload

RESULT_TEXT = "Luz Dary, su resultado esta listo."


def rasa_with(command: dict[str, Any]) -> ScriptedRasa:
    return ScriptedRasa(webhook_answer=[{"text": RESULT_TEXT}, {"custom": command}], tracker_events=[])


async def _all(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def test_a_prequalified_result_is_stored_with_a_handoff_and_the_reply(runtime: Runtime) -> None:
    command = payload()
    assert command["evaluation"]["outcome"] == "prequalified"  # the scenario is what it claims
    conversation, message = await _inbound(runtime, status="received")
    await _run(runtime, rasa_with(command), conversation, message)

    [row] = await _all(runtime, PrequalEvaluation)
    assert (row.conversation_id, row.contact_id, row.message_id) == (
        conversation.id,
        conversation.contact_id,
        message.id,
    )
    assert (row.outcome, row.product_id, row.rules_version) == (
        "prequalified",
        command["evaluation"]["product"],
        RULES.version,
    )
    assert row.product_id is not None
    assert (row.full_name, row.document_type, row.document_number) == (NAME, "cc", NUMBER)
    others = {k: v for k, v in ANSWERS.items() if k not in ("nombre", "tipo_documento", "numero_documento")}
    assert row.answers == others
    assert row.evaluation == command["evaluation"]
    assert row.created_at.tzinfo is not None

    [request] = await _all(runtime, HandoffRequest)
    assert (request.reason, request.status, request.message_id) == ("prequalified", "open", message.id)
    assert request.answers == ANSWERS  # the consultant sees who asked
    inbound, reply, *more = await _all(runtime, Message)
    assert (inbound.status, reply.status, reply.reply_to_id) == ("answered", "sending", message.id)
    assert reply.body.startswith(RESULT_TEXT)  # then the documents' checklist (bot/documents/)
    assert all(row.reply_to_id == message.id for row in more)
    [documents] = await _all(runtime, DocumentRequest)
    assert (documents.evaluation_id, documents.product_id) == (row.id, row.product_id)


async def test_a_not_yet_result_is_stored_without_a_handoff(runtime: Runtime) -> None:
    command = payload(mora=True)
    conversation, message = await _inbound(runtime, status="received")
    await _run(runtime, rasa_with(command), conversation, message)
    [row] = await _all(runtime, PrequalEvaluation)
    assert (row.outcome, row.product_id, row.message_id) == ("not_yet", None, message.id)
    assert row.evaluation["decision"]["rule_id"] == "no_arrears"
    assert await _all(runtime, HandoffRequest) == []
    # the result, then the course the deciding rule suggests (data/lesson_offers.yml), on SMS
    offer = fold_to_gsm7(runtime.lesson_offers.offers["cuentas_claras"])
    expected = f"{RESULT_TEXT}\n{offer}\n1. Ver el curso\nResponda 1."
    assert [m.body for m in await _all(runtime, Message) if m.direction == "out"] == [expected]


def _bad_outcome(command: dict[str, Any]) -> None:
    command["evaluation"]["outcome"] = "approved"


def _no_rules(command: dict[str, Any]) -> None:
    del command["evaluation"]["rules"]


def _answers_a_list(command: dict[str, Any]) -> None:
    command["answers"] = [NAME, NUMBER]


def _name_not_text_and_number_too_long(command: dict[str, Any]) -> None:
    command["answers"]["nombre"] = [NAME]
    command["answers"]["numero_documento"] = NUMBER * 3


@pytest.mark.parametrize(
    "spoil", [_bad_outcome, _no_rules, _answers_a_list, _name_not_text_and_number_too_long]
)
async def test_a_malformed_payload_stores_only_the_reply_and_logs_no_values(
    runtime: Runtime, spoil: Any
) -> None:
    command = payload()  # prequalified: a valid one would also record a hand-off
    spoil(command)
    conversation, message = await _inbound(runtime, status="received")
    with capture_logs() as logs:
        await _run(runtime, rasa_with(command), conversation, message)
    assert await _all(runtime, PrequalEvaluation) == []
    assert await _all(runtime, HandoffRequest) == []
    inbound, reply = await _all(runtime, Message)
    assert (inbound.status, reply.body, reply.status) == ("answered", RESULT_TEXT, "sending")
    [error] = [entry for entry in logs if entry["log_level"] == "error"]
    assert error["event"] == "pre-qualification not stored" and "record_prequal payload" in error["reason"]
    logged = json.dumps(logs, default=str)
    assert NAME not in logged and "Luz Dary" not in logged and NUMBER not in logged


async def test_a_recovered_turn_stores_the_result_once(runtime: Runtime) -> None:
    command = payload()
    conversation, message = await _inbound(runtime, status="processing")  # an attempt died mid-turn
    events: list[dict[str, Any]] = [
        USER_EVENT,  # Rasa had recorded the message: its replies come from the tracker
        {"event": "bot", "text": RESULT_TEXT, "data": {}},
        {"event": "bot", "text": None, "data": {"custom": command}},
    ]
    rasa = ScriptedRasa(webhook_answer=[], tracker_events=events)
    await _run(runtime, rasa, conversation, message)
    async with runtime.sessions() as session, session.begin():
        # Once more, as if the command were applied again for the same message.
        await messages.set_status(session, message_id=message.id, status="processing")
    await _run(runtime, rasa, conversation, message)
    assert rasa.webhook_calls == []
    [row] = await _all(runtime, PrequalEvaluation)
    assert (row.message_id, row.outcome) == (message.id, "prequalified")
    assert len(await _all(runtime, HandoffRequest)) == 1


async def test_record_evaluation_is_idempotent_on_the_message(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    rows = []
    for _ in range(2):
        async with runtime.sessions() as session, session.begin():
            rows.append(
                await prequal.record_evaluation(
                    session,
                    conversation_id=conversation.id,
                    contact_id=conversation.contact_id,
                    message_id=message.id,
                    payload=payload(),
                    at=utcnow(),
                )
            )
    (first, created), (again, created_again) = rows
    assert created and not created_again and first.id == again.id
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PrequalEvaluation)) == 1


async def test_erasure_keeps_the_outcome_and_which_rules_passed(runtime: Runtime, tmp_path: Path) -> None:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164="+573001234567", seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
        for command in (payload(), payload(mora=True, edad=17)):
            await prequal.record_evaluation(
                session,
                conversation_id=conversation_id,
                contact_id=contact_id,
                message_id=None,
                payload=command,
                at=utcnow(),
            )
    async with runtime.sessions() as session:
        before = await held_list(runtime, session, contact_id=contact_id)
    assert "0 mensajes, 0 archivos y 2 resultados de precalificación" in before
    assert "Luz" in before and f"termina en {NUMBER[-3:]}" in before and NUMBER not in before

    async with runtime.sessions() as session, session.begin():
        await erase_personal_data(session, contact_id=contact_id, media_dir=tmp_path)
    rows = await _all(runtime, PrequalEvaluation)
    assert [(r.outcome, r.full_name, r.document_number, r.answers) for r in rows] == [
        ("prequalified", None, None, {}),
        ("not_yet", None, None, {}),
    ]
    assert rows[0].document_type == "cc" and rows[0].product_id is not None
    for row in rows:
        assert set(row.evaluation) == {"outcome", "rules_version", "product", "rules"}
        assert row.evaluation["rules_version"] == RULES.version
        assert [rule["rule_id"] for rule in row.evaluation["rules"]] == list(RULE_IDS)
        assert all(set(rule) == {"rule_id", "passed"} for rule in row.evaluation["rules"])
    assert [r["passed"] for r in rows[1].evaluation["rules"]][:1] == [False]  # min_age failed at 17
    stored = json.dumps([(r.full_name, r.document_number, r.answers, r.evaluation) for r in rows])
    assert "Luz" not in stored and NUMBER not in stored and "3000000" not in stored and "17" not in stored
    async with runtime.sessions() as session:
        after = await held_list(runtime, session, contact_id=contact_id)
    assert "2 resultados de precalificación" in after  # the outcomes are still held: said honestly
    assert "Luz" not in after and "termina en" not in after
