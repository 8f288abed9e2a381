"""What the gateway says in the document flow: the ``conversation:`` section of data/documents.yml.

Validated on load: every text present, only the placeholders each may use, button titles within
WhatsApp's 20 characters, never "rechazado". ``sensitive_version`` is what the proof of the
sensitive-data consent records (Ley 1581 art. 6): the SHA-256 of exactly the text and answers shown.
"""

from __future__ import annotations

import hashlib
import string
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.text import normalise

TITLE_MAX = 20  # WhatsApp cuts reply-button titles at 20 characters
_ALLOWED: dict[str, set[str]] = {
    "ask": {"title", "instruction"},
    "received": {"title"},
    "assigned": {"title"},
    "route_relative": {"code", "whatsapp"},
    "route_office": {"branch", "address", "hours"},
    "relative_linked": {"name"},
    "complete": {"titles"},
}
Title = Field(min_length=1, max_length=TITLE_MAX)
Text = Field(min_length=2)


class FlowTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    listing: str = Text
    ask: str = Text
    received: str = Text
    formal_question: str = Text
    formal_yes_title: str = Title
    formal_no_title: str = Title
    formal_yes: str = Text
    formal_no: str = Text
    sensitive_consent: str = Field(min_length=100)
    sensitive_accept_title: str = Title
    sensitive_decline_title: str = Title
    sensitive_accepted: str = Text
    sensitive_declined: str = Text
    sensitive_held: str = Text
    sensitive_elsewhere: str = Text
    office_title: str = Title
    call_title: str = Title
    authorise_title: str = Title
    which_item: str = Text
    fits_none: str = Text
    assigned: str = Text
    status_header: str = Text
    status_pending: str = Text
    status_received: str = Text
    status_approved: str = Text
    status_rejected: str = Text
    status_complete: str = Text
    no_request: str = Text
    no_request_title: str = Title
    file_kept: str = Text
    sms_after_result: str = Text
    sms_after_result_title: str = Title
    sms_routes: str = Text
    route_relative_title: str = Title
    route_office_title: str = Title
    route_call_title: str = Title
    route_relative: str = Text
    route_office: str = Text
    route_call: str = Text
    relative_linked: str = Text
    relative_someone: str = Text
    complete: str = Text

    @model_validator(mode="after")
    def _placeholders(self) -> FlowTexts:
        for name, value in self.model_dump().items():
            used = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
            if used - _ALLOWED.get(name, set()):
                raise ValueError(f"conversation.{name}: placeholders {sorted(used)} are not available here")
            if "rechaz" in normalise(value):
                raise ValueError(f'conversation.{name}: say what to do now, never "rechazado"')
        return self

    @cached_property
    def sensitive_version(self) -> str:
        """SHA-256 of the sensitive-data consent exactly as shown, with its two answers."""
        shown = "\n".join([self.sensitive_consent, self.sensitive_accept_title, self.sensitive_decline_title])
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()
