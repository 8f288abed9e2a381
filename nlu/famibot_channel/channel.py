"""Rasa's REST channel plus a report of the errors met while one message was handled."""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

REPORT_KEY = "famibot_turn"  # bot/rasa_client.py reads it


@dataclass
class TurnReport:
    errors: int = 0


_current: ContextVar[TurnReport | None] = ContextVar("famibot_turn_report", default=None)


class CountErrors(logging.Handler):
    """Counts ERROR records logged by Rasa while a message of this channel is handled.

    The processor logs a failed custom action (connection refused, timeout, a 500, an invalid answer)
    with ``logger.exception`` and goes on; the record is counted in the report of the message whose
    handling logged it (a context variable: each request is its own task).
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        report = _current.get()
        if report is not None:
            report.errors += 1


_handler = CountErrors()


def _count_rasa_errors() -> None:
    rasa_logger = logging.getLogger("rasa")
    if _handler not in rasa_logger.handlers:
        rasa_logger.addHandler(_handler)


class FamibotRestInput(RestInput):
    """Same name, URL and replies as Rasa's ``rest`` channel, plus the turn's report at the end."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        _count_rasa_errors()  # Rasa builds the channel once, at start
        webhook = Blueprint("famibot_rest_webhook")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            report = TurnReport()
            token = _current.set(report)
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self._extract_input_channel(request),
                        metadata=self.get_metadata(request),
                    )
                )
            except CancelledError:
                report.errors += 1
                logger.error("message handling cancelled (timeout)")
            except Exception:
                report.errors += 1
                logger.exception("message handling failed")
            finally:
                _current.reset(token)
            return response.json([*collector.messages, {"custom": {REPORT_KEY: {"errors": report.errors}}}])

        return webhook
