"""What the console's templates need: the Jinja2 environment and the Spanish words for statuses,
errors and events (console wording, not conversation content; reasons and outcomes come from data/)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
BOGOTA = ZoneInfo("America/Bogota")

STATUS_WORDS = {
    "pending": "por enviar",
    "sending": "enviando",
    "accepted": "enviando",
    "scheduled": "enviando",
    "queued": "en cola",
    "unknown": "confirmando",
    "sent": "enviado",
    "delivered": "entregado",
    "read": "leído",
    "failed": "no se entregó",
    "undelivered": "no se entregó",
    "partially_delivered": "entregado en parte",
    "canceled": "cancelado",
    "refused": "no enviado",
}
ERROR_WORDS = {
    21610: "la persona pidió no recibir más mensajes",
    63016: "pasaron 24 horas desde su último mensaje; hace falta una plantilla",
    63018: "WhatsApp limitó los envíos; se reintenta",
    30007: "el operador lo filtró",
    30003: "el teléfono no está disponible",
    30005: "el número no existe o está inactivo",
    30006: "es un fijo o el operador no responde",
    21211: "el número no es válido",
}
EVENT_WORDS = {
    "created": "Pidió un asesor",
    "requested_again": "Volvió a pedir un asesor",
    "claimed": "Tomó la conversación",
    "transferred": "Transfirió la conversación",
    "note": "Nota interna",
    "reply": "Respondió",
    "template_sent": "Se envió la plantilla de WhatsApp",
    "handed_back": "Devolvió la conversación al bot",
    "closed": "Cerró la conversación",
    "consent_given": "Dio su autorización de datos",
    "consent_refused": "No dio su autorización de datos",
    "opted_out": "Pidió no recibir más mensajes",
    "opted_in": "Volvió a aceptar mensajes",
}
CHANNEL_WORDS = {"sms": "SMS", "whatsapp": "WhatsApp"}


def local_time(value: datetime | None) -> str:
    return value.astimezone(BOGOTA).strftime("%d/%m %H:%M") if value else ""


def waited(since: datetime, now: datetime) -> str:
    minutes = max(int((now - since) / timedelta(minutes=1)), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours < 48 else f"{hours // 24} días"


def status_words(status: str | None, error_code: int | None) -> str:
    words = STATUS_WORDS.get(status or "", status or "")
    if error_code is not None:
        words += ": " + ERROR_WORDS.get(error_code, f"error {error_code} de Twilio")
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
        status_words=status_words, event_words=EVENT_WORDS, channel_words=CHANNEL_WORDS, waited=waited
    )
    return environment
