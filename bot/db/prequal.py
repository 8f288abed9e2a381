"""Pre-qualification results (audit trail): the action server's ``record_prequal`` payload, checked,
then stored once per inbound message.

The payload is ``{"answers": {...}, "evaluation": Evaluation.to_dict()}`` (bot/prequal/rules.py). The
name, document type and number go to their own columns, so that erasing them is a matter of columns;
``answers`` keeps the rest. Error reasons name the field and the problem, never the value given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PrequalEvaluation


class MalformedPrequalPayload(ValueError):
    """The ``record_prequal`` payload does not have the expected shape; nothing was stored."""


class RuleCheck(BaseModel):
    model_config = ConfigDict(extra="allow")

    rule_id: str = Field(min_length=1, max_length=64)
    passed: StrictBool


class EvaluationPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    outcome: Literal["prequalified", "not_yet"]
    rules_version: str = Field(min_length=1, max_length=64)
    rules: list[RuleCheck] = Field(min_length=1)
    product: str | None = Field(default=None, max_length=64)


class Answers(BaseModel):
    """The form's answers: the identity fields typed, every other answer kept as given (extras)."""

    model_config = ConfigDict(extra="allow")

    nombre: str | None = Field(default=None, max_length=200)
    tipo_documento: str | None = Field(default=None, max_length=16)
    # A slot filled from digits may arrive as a number.
    numero_documento: str | None = Field(default=None, max_length=20, coerce_numbers_to_str=True)

    @property
    def others(self) -> dict[str, Any]:
        """Everything but name, document type and number (which have their own columns)."""
        return dict(self.model_extra or {})


class PrequalPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")  # famibot_command itself

    answers: Answers
    evaluation: EvaluationPayload


def parse_payload(payload: Mapping[str, Any]) -> PrequalPayload:
    """The checked payload, or :class:`MalformedPrequalPayload` with where and what (no values)."""
    try:
        return PrequalPayload.model_validate(payload)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'payload'}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        )
        raise MalformedPrequalPayload(f"record_prequal payload: {reasons}") from None


async def record_evaluation(
    session: AsyncSession,
    *,
    conversation_id: int,
    contact_id: int,
    message_id: int | None,
    payload: Mapping[str, Any],
    at: datetime,
) -> tuple[PrequalEvaluation, bool]:
    """Store the evaluation; ``(row, False)`` when this message's evaluation is already stored."""
    parsed = parse_payload(payload)
    if message_id is not None:
        existing = await session.scalar(
            select(PrequalEvaluation).where(PrequalEvaluation.message_id == message_id)
        )
        if existing is not None:
            return existing, False
    raw_evaluation = payload["evaluation"]
    row = PrequalEvaluation(
        conversation_id=conversation_id,
        contact_id=contact_id,
        message_id=message_id,
        outcome=parsed.evaluation.outcome,
        product_id=parsed.evaluation.product,
        rules_version=parsed.evaluation.rules_version,
        full_name=parsed.answers.nombre,
        document_type=parsed.answers.tipo_documento,
        document_number=parsed.answers.numero_documento,
        answers=parsed.answers.others,
        evaluation=dict(raw_evaluation),
        created_at=at,
    )
    session.add(row)
    await session.flush()
    return row, True
