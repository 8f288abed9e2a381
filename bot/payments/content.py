"""The payments' words (data/payments.yml) and where to pay (data/payment_channels.yml), validated at
start: unknown or missing placeholders, or characters an SMS cannot carry, stop the process."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.gsm7 import fold_to_gsm7
from bot.handoff.hours import HandoffReplies

PAYMENTS_FILE = "payments.yml"
CHANNELS_FILE = "payment_channels.yml"

# placeholders each text may use (a text need not use them all)
_ALLOWED: dict[str, set[str]] = {
    "due": {"amount", "date", "left"},
    "overdue": {"amount", "date", "left"},
    "due_line": {"loan_ref", "amount", "date", "left"},
    "overdue_line": {"loan_ref", "amount", "date", "left"},
    "paid_up_line": {"loan_ref"},
    "claim_recorded": {"amount", "date", "days"},
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _foldable(text: str) -> str:
    """SMS folds text to GSM-7 and drops what has no GSM-7 form (emoji…): such a character is refused."""
    lost = sorted({c for c in text if not c.isspace() and not fold_to_gsm7(c)})
    if lost:
        raise ValueError(f"{text!r} has characters an SMS cannot carry: {lost}")
    return text


class PaymentWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    due: str
    overdue: str
    several: str
    due_line: str
    overdue_line: str
    paid_up_line: str
    paid_up: str
    where: str
    where_sms: str
    reference_several: str
    after_info: str
    no_loan: str
    claim_recorded: str
    nothing_to_claim: str
    cannot_pay: str
    cannot_pay_no_loan: str
    cannot_pay_wait: HandoffReplies

    @model_validator(mode="after")
    def _placeholders(self) -> PaymentWords:
        for name in type(self).model_fields:
            value = getattr(self, name)
            texts = [value.open, value.closed] if isinstance(value, HandoffReplies) else [value]
            for text in texts:
                _foldable(text)
                allowed = {"when"} if name == "cannot_pay_wait" else _ALLOWED.get(name, set())
                unknown = placeholders(text) - allowed
                if unknown:
                    raise ValueError(f"{name}: unknown placeholders {sorted(unknown)}")
        return self


class PaymentsData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pause_days_after_claim: int = Field(ge=1, le=30)
    claim_days_ahead: int = Field(ge=0, le=31)
    words: PaymentWords


class PaymentChannel(BaseModel):
    """One way to pay. ``text`` (WhatsApp) and ``sms`` may use the channel's own fields and {loan_ref}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    kind: Literal["bank_deposit", "agents", "pse"]
    bank: str | None = None
    account_type: str | None = None
    account: str | None = None
    holder: str | None = None
    agents: str | None = None
    agreement: str | None = None
    url: str | None = None
    text: str = Field(min_length=1, max_length=300)
    sms: str = Field(min_length=1, max_length=100)

    @field_validator("text", "sms")
    @classmethod
    def _sms_safe(cls, text: str) -> str:
        return _foldable(text)

    @model_validator(mode="after")
    def _complete(self) -> PaymentChannel:
        needed = {
            "bank_deposit": {"bank", "account_type", "account", "holder"},
            "agents": {"agents", "agreement"},
            "pse": {"url"},
        }[self.kind]
        missing = sorted(name for name in needed if not getattr(self, name))
        if missing:
            raise ValueError(f"{self.id}: a {self.kind} channel needs {missing}")
        for text in (self.text, self.sms):
            unknown = placeholders(text) - needed - {"loan_ref"}
            if unknown:
                raise ValueError(f"{self.id}: unknown placeholders {sorted(unknown)}")
        return self

    def fill(self, template: str, *, loan_ref: str) -> str:
        values = {name: getattr(self, name) for name in placeholders(template) if name != "loan_ref"}
        return template.format(loan_ref=loan_ref, **values)


class PaymentChannels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The shipped values are examples: production refuses them (refuse_example_channels).
    example_values: bool = False
    channels: tuple[PaymentChannel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PaymentChannels:
        ids = [channel.id for channel in self.channels]
        if len(set(ids)) != len(ids):
            raise ValueError("payment channel ids must be unique")
        return self


class Payments(BaseModel):
    model_config = ConfigDict(frozen=True)

    data: PaymentsData
    channels: PaymentChannels


def load_payments(data_dir: Path) -> Payments:
    return Payments(
        data=PaymentsData.model_validate(_yaml(data_dir / PAYMENTS_FILE)),
        channels=PaymentChannels.model_validate(_yaml(data_dir / CHANNELS_FILE)),
    )


def refuse_example_channels(channels: PaymentChannels, *, app_env: str) -> None:
    """Production never tells a borrower to pay into an example account."""
    if app_env == "prod" and channels.example_values:
        raise ValueError(
            "refusing to start in prod: data/payment_channels.yml has example accounts, agreements and "
            "links (example_values: true); set the organisation's real ones, then remove that line"
        )


def _yaml(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
