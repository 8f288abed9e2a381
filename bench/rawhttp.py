"""A lean HTTP/1.1 load client: pre-built POST requests over keep-alive connections.

The ack bench stands in for Twilio, which runs on other machines. httpx spent about 6 ms of CPU per
request on this 2-core machine (its pool bookkeeping, header models), a third of all the CPU while
200 requests/s arrived: the bench was measuring its own client. This one writes bytes built before
the clock starts and reads the status line and ``Content-Length`` of the answer, nothing more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class RawResponse:
    status_code: int


class RawPool:
    """Up to ``size`` keep-alive connections to one HTTP server; a request takes an idle one or opens one.

    The caller bounds how many requests are in flight (the open loop drops a request when too many
    are), so a request never waits here for a connection when ``size`` ≥ that bound.
    """

    def __init__(self, base_url: str, size: int) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.size = size
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._open = 0
        self._freed = asyncio.Condition()

    def request(self, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """The request's bytes (build them before the clock starts)."""
        head = [f"POST {path} HTTP/1.1", f"host: {self.host}:{self.port}", f"content-length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body

    async def send(self, raw: bytes) -> RawResponse:
        try:
            return await self._send_once(raw, reuse=True)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            if getattr(exc, "partial", b""):
                raise
            # The server closed an idle keep-alive connection (uvicorn does after 5 s): as any HTTP
            # client does, send again once on a new connection.
            return await self._send_once(raw, reuse=False)

    async def _send_once(self, raw: bytes, *, reuse: bool) -> RawResponse:
        reader, writer = await self._connection(reuse=reuse)
        try:
            writer.write(raw)
            status, keep_alive = await _read_response(reader)
        except BaseException:
            writer.close()
            await self._release(None)
            raise
        if keep_alive:
            await self._release((reader, writer))
        else:
            writer.close()
            await self._release(None)
        return RawResponse(status)

    async def post(self, path: str, *, content: bytes, headers: dict[str, str]) -> RawResponse:
        return await self.send(self.request(path, content, headers))

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def _connection(self, *, reuse: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with self._freed:
            while not self._idle and self._open >= self.size:
                await self._freed.wait()
            if self._idle and not reuse:  # replace an idle connection by a new one
                self._idle.pop()[1].close()
                self._open -= 1
            elif self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return await asyncio.open_connection(self.host, self.port)
        except BaseException:
            await self._release(None)
            raise

    async def _release(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        async with self._freed:
            if connection is None:
                self._open -= 1
            else:
                self._idle.append(connection)
            self._freed.notify()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the connection stays open); the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    keep_alive = True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
        elif name == "transfer-encoding":
            raise ConnectionError("chunked answers are not expected from the webhook")
    if length:
        await reader.readexactly(length)
    return status, keep_alive
