"""The words of the "what we hold" answer (the ``my_data`` section of data/consent.yml)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

SmsItem = Literal["name", "age", "document", "municipality", "answers", "phone", "messages", "courses"]
Label = Literal[
    "name", "profile_name", "age", "document", "municipality", "sector", "business_months",
    "monthly_sales", "purpose", "amount", "arrears", "phone", "stored", "consent", "courses",
]  # fmt: skip
Value = Literal[
    "age", "document", "business_months", "phone", "answers", "answer_yes", "answer_no",
    "consent_accepted", "consent_declined", "consent_missing", "course",
]  # fmt: skip
CourseStatus = Literal["active", "paused", "finished", "left"]
Count = Literal["messages", "files", "results"]


class MyDataTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sms_intro: str = Field(min_length=3)
    sms_items: tuple[SmsItem, ...] = Field(min_length=1)
    sms_closing: str = Field(min_length=10)
    whatsapp_intro: str = Field(min_length=3)
    whatsapp_closing: str = Field(min_length=10)
    # Keys checked by _complete (each Literal's values, no more needed).
    labels: dict[str, str]
    values: dict[str, str]
    document_kinds: dict[str, str]
    counts: dict[str, tuple[str, str]]  # (one, many), with {n}
    course_statuses: dict[str, str]  # a micro-lesson enrolment's status, in words

    @model_validator(mode="after")
    def _complete(self) -> MyDataTexts:
        for name, given, expected in (
            ("labels", self.labels, Label),
            ("values", self.values, Value),
            ("counts", self.counts, Count),
            ("document_kinds", self.document_kinds, Literal["cc", "ce", "ppt"]),
            ("course_statuses", self.course_statuses, CourseStatus),
        ):
            missing = set(get_args(expected)) - set(given)
            if missing:
                raise ValueError(f"my_data.{name} misses {sorted(missing)}")
        return self

    def count(self, kind: Count, number: int) -> str:
        one, many = self.counts[kind]
        return (one if number == 1 else many).format(n=number)
