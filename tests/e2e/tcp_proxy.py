"""A loopback TCP proxy the e2e tests stop and start to make Rasa (or the action server) 'go down'.

Usage: python tcp_proxy.py LISTEN_PORT TARGET_PORT [CONTROL_FILE]
With CONTROL_FILE, a test changes the proxy at once, without restarting it: a number of seconds holds
back each answer from the target by that much (a slow Rasa); "down" closes every new connection at
once (the target is unreachable); no file, or an empty one: a plain proxy.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


def _control(control_file: Path | None) -> str:
    try:
        return control_file.read_text().strip() if control_file else ""
    except OSError:
        return ""


def _delay_s(control_file: Path | None) -> float:
    try:
        return float(_control(control_file) or 0)
    except ValueError:
        return 0.0


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    control_file: Path | None,
    *,
    delayed: bool,
) -> None:
    try:
        while data := await reader.read(65536):
            if _control(control_file) == "down":  # kept-alive connections go down too
                break
            if delayed and (delay := _delay_s(control_file)):
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(listen_port: int, target_port: int, delay_file: Path | None) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if _control(delay_file) == "down":
            client_writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, upstream_writer, delay_file, delayed=False),
            _pipe(upstream_reader, client_writer, delay_file, delayed=True),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None))
