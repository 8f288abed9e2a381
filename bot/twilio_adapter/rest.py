"""Twilio REST client over httpx: send, list (to reconcile), download media, delete messages and media.

The base URL is TWILIO_API_BASE_URL: the real API in production, the local fake in dev and tests —
the same code path either way. Twilio's send has no idempotency key, so failures are classified:
only a request Twilio surely did not process (connection refused, 429) is retryable; a timeout or
a 5xx is ambiguous and must be reconciled before any new attempt.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.twilio_adapter.records import OutboundRequest, RemoteMessage, SentMessage
from bot.twilio_adapter.sids import InvalidSid, is_media_sid, is_message_sid

REAL_API_HOST = "api.twilio.com"
MEDIA_LIMIT_BYTES = 16 * 1024 * 1024


class TwilioSendError(Exception):
    """Base of the three outcomes a failed send can have."""


class TwilioRetryable(TwilioSendError):
    """Twilio did not process the request (429, connection refused): safe to send again."""


class TwilioAmbiguous(TwilioSendError):
    """Twilio may have processed it (timeout, 5xx): reconcile before sending again."""


class TwilioRejected(TwilioSendError):
    """Twilio refused the message (4xx) with an error code: do not retry."""

    def __init__(self, code: int | None, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class MediaRejected(Exception):
    """A media URL that is not Twilio's, too large, or unreadable."""


class DeleteFailed(Exception):
    """Twilio did not delete the resource this time (down, 5xx, 429, or 20009 "not complete yet"):
    try again later. A resource Twilio does not know (404) counts as deleted, not as a failure."""

    def __init__(self, reason: str, *, reached: bool) -> None:
        super().__init__(reason)
        self.reached = reached  # False: Twilio did not answer at all (no point trying more now)


@dataclass(frozen=True, slots=True)
class DownloadedMedia:
    content: bytes
    content_type: str


# A whole media download may take this many read timeouts (Twilio's 10 s by default: 15 s, well within
# a turn's deadline; a message's files download side by side, bot/documents/intake.py).
DOWNLOAD_BUDGET = 1.5


class TwilioRestClient:
    def __init__(
        self, *, base_url: str, account_sid: str, auth_token: str, client: httpx.AsyncClient
    ) -> None:
        self._base = base_url.rstrip("/")
        self._account_sid = account_sid
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._client = client

    @property
    def _messages_url(self) -> str:
        return f"{self._base}/2010-04-01/Accounts/{self._account_sid}/Messages.json"

    async def send(self, request: OutboundRequest) -> SentMessage:
        data: dict[str, str | list[str]] = {"To": request.to, "From": request.from_}
        if request.body and not request.content_sid:  # a template carries its text in ContentVariables
            data["Body"] = request.body
        if request.status_callback:
            data["StatusCallback"] = request.status_callback
        if request.media_urls:
            data["MediaUrl"] = list(request.media_urls)  # repeated field, as Twilio expects
        if request.content_sid:
            data["ContentSid"] = request.content_sid
            data["ContentVariables"] = json.dumps(request.content_variables)
        if request.validity_period_s is not None:
            data["ValidityPeriod"] = str(request.validity_period_s)
        try:
            response = await self._client.post(self._messages_url, data=data, auth=self._auth)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TwilioRetryable(f"not delivered to Twilio: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise TwilioAmbiguous(f"outcome unknown: {exc!r}") from exc
        if response.status_code == 429:
            raise TwilioRetryable("Twilio answered 429 Too Many Requests")
        if response.status_code >= 500:
            raise TwilioAmbiguous(f"Twilio answered {response.status_code}")
        payload = _json(response)
        if response.status_code >= 400:
            code = payload.get("code")
            raise TwilioRejected(
                int(code) if code else None, str(payload.get("message", response.text))[:400]
            )
        return SentMessage(sid=str(payload["sid"]), status=str(payload.get("status", "queued")))

    async def recent_messages(self, *, to: str, from_: str, page_size: int = 50) -> list[RemoteMessage]:
        """The newest messages from ``from_`` to ``to`` (one page), to find an ambiguous send."""
        params = {"To": to, "From": from_, "PageSize": str(page_size)}
        response = await self._client.get(self._messages_url, params=params, auth=self._auth)
        response.raise_for_status()
        return [_remote(item) for item in _json(response).get("messages", [])]

    async def fetch_message(self, sid: str) -> RemoteMessage:
        """One message by its SID, with its current status."""
        url = self._messages_url.removesuffix(".json") + f"/{sid}.json"
        response = await self._client.get(url, auth=self._auth)
        response.raise_for_status()
        return _remote(_json(response))

    def media_url_for(self, url: str) -> str:
        """Map a Twilio media URL onto the configured API; refuse any other host (no SSRF)."""
        parts = urlsplit(url)
        base = urlsplit(self._base)
        if parts.netloc == base.netloc and parts.scheme == base.scheme:
            return url
        if parts.scheme == "https" and parts.netloc == REAL_API_HOST:
            return f"{self._base}{parts.path}"
        raise MediaRejected("media URL is not on the Twilio API host")

    async def download_media(self, url: str, *, limit_bytes: int = MEDIA_LIMIT_BYTES) -> DownloadedMedia:
        """The media's bytes. The client's timeouts bound each read, and the whole download may take
        ``DOWNLOAD_BUDGET`` read timeouts (a server that sends a little at a time never hits one)."""
        target = self.media_url_for(url)
        read_timeout = self._client.timeout.read
        total_timeout_s = DOWNLOAD_BUDGET * read_timeout if read_timeout else None
        try:
            async with asyncio.timeout(total_timeout_s):
                return await self._download(target, limit_bytes)
        except TimeoutError as exc:
            raise MediaRejected("media download took too long") from exc

    async def _download(self, target: str, limit_bytes: int) -> DownloadedMedia:
        try:
            async with self._client.stream("GET", target, auth=self._auth, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise MediaRejected(f"media download answered {response.status_code}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit_bytes:
                    raise MediaRejected("media too large")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit_bytes:
                        raise MediaRejected("media too large")
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "application/octet-stream")
        except httpx.HTTPError as exc:
            raise MediaRejected(f"media download failed: {exc!r}") from exc
        return DownloadedMedia(content=b"".join(chunks), content_type=content_type.split(";")[0].strip())

    async def delete_message(self, message_sid: str) -> None:
        """DELETE the Message resource (Twilio deletes its media with it); 204 or 404 = gone."""
        if not is_message_sid(message_sid):
            raise InvalidSid("not a MessageSid")
        await self._delete(
            f"{self._base}/2010-04-01/Accounts/{self._account_sid}/Messages/{message_sid}.json"
        )

    async def delete_media(self, message_sid: str, media_sid: str) -> None:
        """DELETE one Media resource of a message; 204 or 404 = gone."""
        if not (is_message_sid(message_sid) and is_media_sid(media_sid)):
            raise InvalidSid("not a MessageSid and MediaSid")
        account = f"{self._base}/2010-04-01/Accounts/{self._account_sid}"
        await self._delete(f"{account}/Messages/{message_sid}/Media/{media_sid}.json")

    async def _delete(self, url: str) -> None:
        try:
            response = await self._client.delete(url, auth=self._auth)
        except httpx.HTTPError as exc:
            raise DeleteFailed(f"Twilio not reached: {type(exc).__name__}", reached=False) from exc
        if response.status_code in (200, 204, 404):
            return
        code = _json(response).get("code")
        raise DeleteFailed(f"Twilio answered {response.status_code} (code {code})", reached=True)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _remote(item: dict[str, Any]) -> RemoteMessage:
    created = item.get("date_created")
    epoch = parsedate_to_datetime(created).timestamp() if created else 0.0
    return RemoteMessage(
        sid=str(item.get("sid", "")),
        to=str(item.get("to", "")),
        from_=str(item.get("from", "")),
        body=str(item.get("body") or ""),
        status=str(item.get("status", "")),
        date_created_epoch=epoch,
    )
