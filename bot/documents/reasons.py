"""Why a consultant sends a received document back (data/documents.yml ``rejection_reasons``).

Each reason has the ``label`` the consultant picks from and the ``ask`` the person reads: one SMS after
folding to GSM-7 with every item's title in place of ``{item}``, in plain words that say what to do
now. Validated when loaded (``load_rejection_reasons``), with the items of the same file.
"""

from __future__ import annotations

import string

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationInfo, model_validator

from bot.documents.content import DocumentsData
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.text import normalise

# The reasons a consultant needs at least (more may be added in data/).
REQUIRED_REASONS = frozenset(
    {"illegible", "cut_off", "expired", "wrong_document", "name_mismatch", "old_bill"}
)
PLACEHOLDERS = frozenset({"item"})


def item_words(title: str) -> str:
    """An item's title inside a sentence: lower case, acronyms kept ("Cédula por delante" → "cédula por
    delante", "RUT" → "RUT")."""
    return " ".join(word if len(word) > 1 and word.isupper() else word.lower() for word in title.split())


class RejectionReason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=60)
    ask: str = Field(min_length=1, max_length=400)


class RejectionReasons(RootModel[dict[str, RejectionReason]]):
    """id → reason, in the file's order (the console lists them so)."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> RejectionReasons:
        reasons = self.root
        if missing := sorted(REQUIRED_REASONS - set(reasons)):
            raise ValueError(f"rejection_reasons: missing {missing}")
        titles: tuple[str, ...] = (info.context or {}).get("titles", ())
        for reason_id, reason in reasons.items():
            if not reason_id.replace("_", "").isalpha() or not reason_id.islower() or len(reason_id) > 40:
                raise ValueError(f"rejection reason id {reason_id!r}: lower-case letters and _ only")
            used = {field for _, field, _, _ in string.Formatter().parse(reason.ask) if field is not None}
            if used - PLACEHOLDERS:
                raise ValueError(f"{reason_id}: only {{item}} may be used, found {sorted(used)}")
            if "rechaz" in normalise(reason.ask):
                raise ValueError(f'{reason_id}: say what to do now ("envíela de nuevo"), never "rechazado"')
            for title in titles or ("",):
                folded = fold_to_gsm7(reason.ask.format(item=item_words(title)))
                size = sms_size(folded)
                if (size.encoding, size.segments) != ("GSM-7", 1):
                    raise ValueError(f"{reason_id}: with {title!r} it is not one GSM-7 SMS ({size.units})")
        return self

    def get(self, reason_id: str) -> RejectionReason | None:
        return self.root.get(reason_id)

    def labels(self) -> dict[str, str]:
        return {reason_id: reason.label for reason_id, reason in self.root.items()}

    def in_a_status(self) -> dict[str, str]:
        """id → the label as the checklist's status line says it ("hay que enviarlo de nuevo: no se
        lee"): the labels are plain Spanish, short, for the consultant's list and the person alike."""
        return {
            reason_id: reason.label[:1].lower() + reason.label[1:] for reason_id, reason in self.root.items()
        }

    def ask_text(self, reason_id: str, item_title: str) -> str:
        """What the person reads for this reason and item (before any channel folding)."""
        return self.root[reason_id].ask.format(item=item_words(item_title))


def load_rejection_reasons(documents: DocumentsData) -> RejectionReasons:
    """The reasons of a loaded data/documents.yml (``load_documents``), checked against its items."""
    titles = tuple(item.title for item in documents.items)
    return RejectionReasons.model_validate(documents.rejection_reasons, context={"titles": titles})
