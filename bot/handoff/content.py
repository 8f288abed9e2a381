"""What a consultant works with, from data/handoff.yml: outcomes, canned replies, notices.

The file is shared: other sections (e.g. ``reasons:`` of the ticket queue) are read by their own
loaders and ignored here. Validated at start-up (``bot.runtime``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.templates import WhatsAppTemplates

HANDED_BACK = "handed_back"  # the outcome "devolver al bot" records; not one a consultant picks
CANNED_MAX_SMS_SEGMENTS = 2


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    label: str = Field(min_length=1, max_length=60)


class CannedReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    label: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=400)

    @field_validator("text")
    @classmethod
    def _folds_to_gsm7(cls, text: str) -> str:
        """Every character survives the SMS fold (only accents go), and it fits in two SMS."""
        folded = fold_to_gsm7(text)
        if len(folded) != len(text):
            raise ValueError(f"{text[:30]!r}…: a character would be lost on SMS (emoji, symbol)")
        if sms_size(folded).segments > CANNED_MAX_SMS_SEGMENTS:
            raise ValueError(f"{text[:30]!r}…: longer than {CANNED_MAX_SMS_SEGMENTS} SMS")
        return text


class Notices(BaseModel):
    """What the console tells the consultant (Spanish, "usted")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    not_found: str
    other_branch: str
    not_yours: str
    not_claimed: str
    closed: str
    opted_out: str
    empty: str
    too_long: str
    sent: str
    template_sent: str
    held: str
    # Outside the contact hours (Ley 2300 de 2023) to someone silent for over 24 h: {when} it goes.
    sent_after_hours: str
    template_after_hours: str
    unknown_outcome: str
    handed_back: str
    ticket_closed: str
    transfer_target: str
    transfer_same: str
    transferred: str
    note_empty: str
    note_saved: str
    # The documents panel (bot/documents/review.py): each names the document with {item}.
    document_approved: str
    documents_approved: str
    document_rejected: str
    document_rejected_held: str
    document_rejected_unsent: str
    document_not_reviewable: str
    unknown_rejection_reason: str
    # The credit panel (bot/payments/claims.py): a payment claim verified, not found, or already resolved.
    claim_confirmed: str
    claim_rejected: str
    claim_not_open: str

    @model_validator(mode="after")
    def _placeholders(self) -> Notices:
        if "{max}" not in self.too_long or "{name}" not in self.transferred:
            raise ValueError("too_long needs {max} and transferred needs {name}")
        if "{when}" not in self.sent_after_hours or "{when}" not in self.template_after_hours:
            raise ValueError("sent_after_hours and template_after_hours need {when}")
        about_an_item = (self.document_approved, self.documents_approved, self.document_rejected,
                         self.document_rejected_held, self.document_rejected_unsent,
                         self.document_not_reviewable)  # fmt: skip
        if any("{item}" not in notice for notice in about_an_item):
            raise ValueError("the documents panel's notices name the document: {item}")
        return self


class ConsultantContent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    outcomes: tuple[Outcome, ...] = Field(min_length=1)
    canned_replies: tuple[CannedReply, ...] = Field(min_length=1, max_length=20)
    reopen_template: str
    notices: Notices

    @model_validator(mode="after")
    def _unique(self) -> ConsultantContent:
        outcome_ids = [outcome.id for outcome in self.outcomes]
        canned_ids = [reply.id for reply in self.canned_replies]
        if len(set(outcome_ids)) != len(outcome_ids) or len(set(canned_ids)) != len(canned_ids):
            raise ValueError("outcome and canned reply ids must be unique")
        if HANDED_BACK in outcome_ids:
            raise ValueError(f"{HANDED_BACK!r} is recorded by the hand-back; do not list it")
        return self

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((outcome for outcome in self.outcomes if outcome.id == outcome_id), None)

    def check_template(self, templates: WhatsAppTemplates) -> None:
        """The reopen template exists and WhatsApp allows it to open a conversation."""
        template = templates.by_name(self.reopen_template)
        if template is None or not template.business_initiated or template.kind != "text":
            raise ValueError(
                f"reopen_template {self.reopen_template!r} must be a business-initiated text template"
            )
        if {variable.name for variable in template.variables} != {"persona", "asesor"}:
            raise ValueError(f"{self.reopen_template}: its variables must be persona and asesor")


def load_consultant_content(path: Path, templates: WhatsAppTemplates) -> ConsultantContent:
    content = ConsultantContent.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    content.check_template(templates)
    return content
