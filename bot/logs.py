"""Structured logging (structlog). JSON in production; conversation id bound per turn.

Never log message bodies, tokens or cédula numbers at INFO: log ids, lengths and outcomes.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from bot.settings import Settings

_SECRET_KEYS = re.compile(r"token|secret|password|authorization|auth", re.IGNORECASE)
_DIGITS = re.compile(r"\b\d{6,10}\b")


def _redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if _SECRET_KEYS.search(key):
            event_dict[key] = "[redacted]"
        elif key in ("body", "text", "message_body"):
            event_dict[key] = f"[{len(str(event_dict[key]))} chars]"
    event = event_dict.get("event")
    if isinstance(event, str):
        event_dict["event"] = _DIGITS.sub("[number]", event)
    return event_dict


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(level, logging.WARNING), stream=sys.stderr, format="%(name)s %(message)s")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
