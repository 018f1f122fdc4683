"""A plain-HTTP proxy on loopback that drops invalid header lines, as nginx does with its
default `ignore_invalid_headers on`, then passes the request on unchanged.

Some servers (Epicyon) send the signature pseudo-header `(request-target)` as a literal HTTP
header; uvicorn refuses such a request before the app runs, while behind nginx the line is
dropped and the request goes through. Tests of those peers put this proxy in front of `serve`,
as production puts nginx. One request per connection: the proxy asks upstream to close after
answering, then pipes bytes both ways (the Host header and signed headers stay intact).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

READ_SIZE = 65536
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
# nginx's valid header names: letters, digits and hyphens (underscores_in_headers is off)
VALID_NAME = re.compile(rb"^[A-Za-z0-9-]+$")


def filtered_head(head: bytes) -> tuple[bytes, list[bytes]]:
    """The request head without invalid header lines and with `Connection: close`; and the
    names dropped."""
    request_line, *lines = head.split(b"\r\n")
    kept, dropped = [request_line], []
    for line in lines:
        name = line.split(b":", 1)[0]
        if not VALID_NAME.match(name):
            dropped.append(name)
        elif name.lower() != b"connection":
            kept.append(line)
    kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n", dropped


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = await reader.read(READ_SIZE)
        if not data or len(buffer) > MAX_HEAD:
            return None
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


@dataclass(frozen=True)
class Passed:
    """A request as it reached the proxy: the header lines it dropped, and the body."""

    method: str
    path: str
    dropped: tuple[str, ...]
    body: bytes


class HeaderProxy:
    """Listens on 127.0.0.1:`port` and forwards to 127.0.0.1:`target`; `requests` records
    each request (what was dropped, so a test can show the proxy was needed; the body, so a
    test can keep what a peer sent)."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self.requests: list[Passed] = []

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            found = await _read_head(reader)
            if found is None:
                return
            head, dropped = filtered_head(found[0])
            body = await _read_body(reader, head, found[1])
            method, path = found[0].split(b" ", 2)[:2]
            names = tuple(name.decode("latin-1") for name in dropped)
            self.requests.append(Passed(method.decode(), path.decode(), names, body))
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except (OSError, ValueError):
            writer.close()
            return
        up_writer.write(head + body)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _read_body(reader: asyncio.StreamReader, head: bytes, start: bytes) -> bytes:
    """The body as Content-Length gives it (bounded); the rest of the stream is piped as is."""
    found = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    length = min(int(found.group(1)), MAX_BODY) if found else 0
    body = start
    while len(body) < length:
        data = await reader.read(READ_SIZE)
        if not data:
            break
        body += data
    return body


@contextlib.contextmanager
def header_proxy(port: int, target: int) -> Iterator[HeaderProxy]:
    """Serve the proxy in a thread of its own until the block ends."""
    proxy = HeaderProxy(port, target)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    failures: list[OSError] = []

    async def main() -> None:
        try:
            server = await asyncio.start_server(proxy.connection, "127.0.0.1", port)
        except OSError as exc:
            failures.append(exc)
            ready.set()
            return
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError(f"the header proxy on port {port} did not start")
    if failures:
        thread.join(10)
        raise failures[0]
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
