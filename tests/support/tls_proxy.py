"""A TLS-terminating TCP proxy on loopback, for a server that speaks only plain http.

activityrelay listens on plain http and assumes it is reached as https://DOMAIN (port 443), as
behind a reverse proxy in production; tests put this proxy in front of it with a certificate of
the test CA. Bytes are passed through unchanged (the Host header and signatures stay intact).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

READ_SIZE = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _serve(
    listen: tuple[str, int],
    target: tuple[str, int],
    context: ssl.SSLContext,
    loop: asyncio.AbstractEventLoop,
    ready: threading.Event,
    stop: asyncio.Event,
    failures: list[OSError],
) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    async def main() -> None:
        try:
            server = await asyncio.start_server(connection, *listen, ssl=context)
        except OSError as exc:
            failures.append(exc)
            ready.set()
            return
        ready.set()
        async with server:
            await stop.wait()

    loop.run_until_complete(main())
    loop.close()


@contextlib.contextmanager
def tls_proxy(
    listen: tuple[str, int], target: tuple[str, int], cert: Path, key: Path
) -> Iterator[None]:
    """Serve TLS on `listen` (host, port), forwarding to plain TCP `target`, until the block
    ends. An address that cannot be bound raises its OSError here."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    failures: list[OSError] = []
    thread = threading.Thread(
        target=_serve, args=(listen, target, context, loop, ready, stop, failures), daemon=True
    )
    thread.start()
    if not ready.wait(10):
        raise RuntimeError(f"the TLS proxy on {listen} did not start")
    if failures:
        thread.join(10)
        raise failures[0]
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
