"""A stand-in for Rasa that answers its REST channel at once: ``python -m bench.stub_rasa PORT``.

With it, an end-to-end turn measures only the pipeline (webhook, queue, worker, database, outbox, fake
Twilio): what is left when Rasa costs nothing. Minimal HTTP/1.1 with keep-alive, loopback only.
"""

from __future__ import annotations

import asyncio
import json
import sys

REPLY = [{"text": "Hola, soy el asistente de prueba. Responda MENU para ver las opciones."}]


def respond(method: str, path: str) -> tuple[str, bytes]:
    if method == "POST" and path.startswith("/webhooks/rest/webhook"):
        return "200 OK", json.dumps(REPLY).encode()
    if method == "GET" and path.startswith("/conversations/"):
        return "200 OK", b'{"events": []}'
    if method == "GET" and (path.startswith(("/status", "/health")) or path == "/"):
        return "200 OK", b'{"model_file": "stub"}'
    return "404 Not Found", b"{}"


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            length = int(headers.get("content-length", "0") or 0)
            if length:
                await reader.readexactly(length)
            status, body = respond(method, path)
            head_out = (
                f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            )
            writer.write(head_out.encode() + b"\r\n" + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
