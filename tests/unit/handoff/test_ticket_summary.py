"""A ticket's summary is built from what we store: profile, consent, pre-qualification, last messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.handoff.rules import load_handoff_rules
from bot.handoff.summary import LAST_MESSAGES, MessageFact, SummaryFacts, build_summary
from tests.prequal_payloads import NAME, NUMBER, payload

RULES = load_handoff_rules(Path(__file__).resolve().parents[3] / "data")
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _evaluated(**changes: Any) -> dict[str, Any]:
    command = payload(**changes)
    answers = {
        k: v
        for k, v in command["answers"].items()
        if k not in ("nombre", "numero_documento", "tipo_documento")
    }
    return {
        "prequal_name": NAME,
        "prequal_answers": answers,
        "evaluation": command["evaluation"],
        "evaluated_at": T0,
    }


def _messages(count: int) -> list[MessageFact]:
    return [
        MessageFact(
            i,
            "in" if i % 2 else "out",
            f"mensaje número {i} " + "x" * 100 * (i == count),
            T0 + timedelta(minutes=i),
        )
        for i in range(1, count + 1)
    ]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (  # nothing but the contact: the WhatsApp profile name
            SummaryFacts(channel="whatsapp", profile_name="Lucho"),
            {"name": "Lucho", "municipality": None, "activity": None, "consent": None, "prequal": None},
        ),
        (  # the dialogue's answers (a hand-off before the form ended): name, municipality by name
            SummaryFacts(channel="sms", profile_name=None, request_answers={"nombre": "Ana", "municipio": "Bello"}),
            {"name": "Ana", "municipality": {"code": "05088", "name": "Bello"}, "activity": None},
        ),
        (  # pre-qualified: the evaluation's name, municipality, sector label; every rule passed
            SummaryFacts(channel="sms", profile_name="x", consent=(True, T0), **_evaluated()),
            {
                "name": NAME,
                "municipality": {"code": "05001", "name": "Medellín"},
                "activity": "Comercio",
                "consent": {"accepted": True, "at": T0.isoformat()},
                "prequal": {
                    "outcome": "prequalified", "product": "credito_digital_rapido",
                    "indicative_range": [300000, 5000000], "decided_by": None, "failed_rules": [],
                    "rules_version": "2025-06-ejemplo-1", "at": T0.isoformat(),
                },
            },
        ),
        (  # not yet: the rule that decided, and the rules that failed
            SummaryFacts(channel="sms", profile_name=None, consent=(False, T0), **_evaluated(mora=True)),
            {
                "consent": {"accepted": False, "at": T0.isoformat()},
                "prequal": {
                    "outcome": "not_yet", "product": None, "indicative_range": None, "decided_by": "no_arrears",
                    "failed_rules": ["no_arrears"], "rules_version": "2025-06-ejemplo-1", "at": T0.isoformat(),
                },
            },
        ),
    ],
)  # fmt: skip
def test_summary(facts: SummaryFacts, expected: dict[str, Any]) -> None:
    summary = build_summary(facts, RULES)
    assert {key: summary[key] for key in expected} == expected


def test_no_document_number_and_only_the_last_five_short_previews() -> None:
    facts = SummaryFacts(
        channel="sms",
        profile_name=None,
        request_answers={"numero_documento": NUMBER, "tipo_documento": "cc", "edad": 35},
        messages=_messages(8),
        **_evaluated(),
    )
    summary = build_summary(facts, RULES)
    assert NUMBER not in repr(summary) and "tipo_documento" not in summary["answers"]
    assert summary["answers"]["edad"] == 35 and summary["answers"]["monto"] == 2_000_000
    previews = summary["last_messages"]
    assert [p["id"] for p in previews] == [4, 5, 6, 7, 8] and len(previews) == LAST_MESSAGES
    assert [p["direction"] for p in previews] == ["out", "in", "out", "in", "out"]
    assert previews[0]["preview"] == "mensaje número 4"
    assert len(previews[-1]["preview"]) == 60 and previews[-1]["preview"].endswith("…")
    assert not any("mensaje número 3" in repr(value) for value in summary.values())
