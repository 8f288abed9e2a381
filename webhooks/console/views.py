"""What the console's templates need: the Jinja2 environment, times, waits and bar-chart geometry.
The words live in webhooks/console/wording.py; reasons and outcomes come from data/ via the runtime."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from webhooks.console import wording

HERE = Path(__file__).resolve().parent
BOGOTA = ZoneInfo("America/Bogota")


def local_time(value: datetime | None) -> str:
    return value.astimezone(BOGOTA).strftime("%d/%m %H:%M") if value else ""


def waited(since: datetime, now: datetime) -> str:
    minutes = max(int((now - since) / timedelta(minutes=1)), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours < 48 else f"{hours // 24} días"


def status_words(status: str | None, error_code: int | None) -> str:
    words = wording.STATUS_WORDS.get(status or "", status or "")
    if error_code is not None:
        words += ": " + wording.ERROR_WORDS.get(error_code, f"error {error_code} de Twilio")
    return words


def bars(values: list[tuple[str, int]], *, width: int = 320, bar: int = 22) -> dict[str, Any]:
    """Geometry of a horizontal bar chart drawn as SVG by the template (no JavaScript, no CDN)."""
    top = max((value for _, value in values), default=0) or 1
    label_w, gap = 130, 6
    rows = [
        {
            "label": label,
            "value": value,
            "y": i * (bar + gap),
            "w": round((width - label_w - 40) * value / top),
        }
        for i, (label, value) in enumerate(values)
    ]
    return {"rows": rows, "height": max(len(rows) * (bar + gap), bar), "width": width, "label_w": label_w,
            "bar": bar}  # fmt: skip


@cache
def templates() -> Jinja2Templates:
    environment = Jinja2Templates(directory=HERE / "templates")
    environment.env.filters.update(local_time=local_time)
    environment.env.globals.update(
        status_words=status_words,
        event_words=wording.EVENT_WORDS,
        silent_events=wording.SILENT_EVENTS,
        channel_words=wording.CHANNEL_WORDS,
        waited=waited,
    )
    return environment
