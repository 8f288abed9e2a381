"""The check of the action server's answers, with its validator built once (runs inside Rasa).

Rasa 3.6.21 checks every answer of the action server with ``jsonschema.validate(answer, spec)``
(``RemoteAction._validate_action_result``). ``validate`` first checks the spec itself against its
meta-schema (Draft 2020-12, which has no ``$schema`` of its own), then builds a validator, every
time. Profiled under load, that was about half of Rasa's CPU per turn: 15–60 ms per custom action
answer (action_session_start, forms, every custom action), against ~0.5–1.7 ms with a validator
built once. Same validator class, same spec, same error (``best_match``) with the same message:
only the repeated work goes. ``install()`` is called by the tracker store when Rasa builds it
(nlu/endpoints.yml), so every Rasa process that runs our store runs this check; it is idempotent.
"""

from __future__ import annotations

from typing import Any

_INSTALLED_MARK = "_famibot_validator_built_once"


def install() -> None:
    """Make Rasa's RemoteAction check answers with one validator built on first use."""
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _INSTALLED_MARK, False):
        return
    setattr(_validate_action_result, _INSTALLED_MARK, True)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


_validator: Any = None


def _built_validator(spec: dict[str, Any]) -> Any:
    global _validator
    if _validator is None:
        from jsonschema import validators

        cls = validators.validator_for(spec)
        cls.check_schema(spec)  # once, as jsonschema.validate does every time
        _validator = cls(spec)
    return _validator


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's own method, with the validator built once (the behaviour is unchanged)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_built_validator(self.action_response_format_spec()).iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error
