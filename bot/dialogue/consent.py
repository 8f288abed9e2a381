"""The consent answer as dialogue events: the slot Rasa keeps, and the command the gateway records."""

from __future__ import annotations

from typing import Any, Final

CONSENT_SLOT: Final = "consentimiento"
COMMAND_KEY: Final = "famibot_command"


def consent_answer(accepted: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(slot values, message for the gateway) for an answer to the consent question.

    The slot lets the dialogue skip the question next time (it is carried into new sessions); the
    message asks the gateway to store the proof with the answer's MessageSid and the text version.
    """
    return {CONSENT_SLOT: accepted}, {COMMAND_KEY: "record_consent", "accepted": accepted}
