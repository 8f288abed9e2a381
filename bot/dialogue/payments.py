"""Payment messages as gateway commands (issue 12), and the reminder's instalment as dialogue slots.

The loans live in our database, so the actions only name the command; the gateway (bot/payments/)
writes the words. A repayment reminder arrives as ``EXTERNAL_payment_reminder`` with the entities
``amount``, ``due_date`` and ``step`` (trigger_intent): they are kept in the ``cuota_*`` slots so the
dialogue knows which instalment the person answers about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from bot.dialogue.consent import COMMAND_KEY

PAYMENT_INFO: Final = "payment_info"
REPORT_PAYMENT: Final = "report_payment"
CANNOT_PAY: Final = "cannot_pay"
REMINDER_INTENT: Final = "EXTERNAL_payment_reminder"
# entity of the reminder → slot that keeps it
REMINDER_SLOTS: Final = {"amount": "cuota_monto", "due_date": "cuota_fecha", "step": "cuota_paso"}

Command = dict[str, Any]
Entities = Sequence[Mapping[str, Any]]


def payment_command(name: str) -> Command:
    if name not in (PAYMENT_INFO, REPORT_PAYMENT, CANNOT_PAY):
        raise ValueError(f"{name!r} is not a payment command")
    return {COMMAND_KEY: name}


def reminder_slots(entities: Entities) -> dict[str, Any]:
    """The ``cuota_*`` slot values from a reminder's entities; every slot is set (None when missing),
    so an older reminder's values never linger."""
    found: dict[str, Any] = {slot: None for slot in REMINDER_SLOTS.values()}
    for entity in entities:
        slot = REMINDER_SLOTS.get(str(entity.get("entity")))
        if slot is not None and found[slot] is None and entity.get("value") not in (None, ""):
            found[slot] = entity["value"]
    return found
