"""httpx authentication that signs every outgoing request with an actor's key.

Each request gets Host, Date, Digest (when it has a body) and a draft-cavage-12
Signature, as Mastodon signs; the time comes from the injected clock. SigningTurns signs the
requests of a burst one at a time, with the event loop's other work between two signatures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator

import httpx

from node.activitypub.keys import PrivateKey
from node.activitypub.signatures import sign_request
from node.clock import Clock


class SigningAuth(httpx.Auth):
    requires_request_body = True

    def __init__(self, key_id: str, private_key: PrivateKey, clock: Clock) -> None:
        self.key_id = key_id
        self._private_key = private_key
        self._clock = clock

    def sign(self, request: httpx.Request) -> None:
        signed = sign_request(
            request.method,
            str(request.url),
            request.headers,
            request.content,
            self.key_id,
            self._private_key,
            self._clock.now(),
        )
        request.headers.update(signed)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


class SigningTurns:
    """Requests started together are signed in turn, not all before the first is sent.

    An RSA signature costs milliseconds of CPU. Attempts started at once each sign before they
    connect, and the event loop runs every new task's first step before it looks at a socket,
    so without turns the first request of a burst of 64 leaves after 64 signatures. With turns
    the first of a burst signs and lets the others queue up behind it; each after it signs in
    a pass of the loop of its own, in which the requests already signed connect and are
    written. The first leaves after one signature, the rest follow at the rate signing allows.
    """

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.queued = 0  # requests waiting for their turn

    def auth(self, signer: SigningAuth) -> httpx.Auth:
        return _InTurn(signer, self)


class _InTurn(httpx.Auth):
    requires_request_body = True

    def __init__(self, signer: SigningAuth, turns: SigningTurns) -> None:
        self._signer = signer
        self._turns = turns

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._signer.sign(request)  # a synchronous client has no loop to share
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()  # the body, for the digest (a no-op for bytes already read)
        turns = self._turns
        turns.queued += 1
        try:
            await turns.turn.acquire()
        finally:
            turns.queued -= 1
        try:
            self._signer.sign(request)
            if not turns.queued:  # the first of a burst: the others queue up behind it
                await asyncio.sleep(0)
        finally:
            turns.turn.release()  # the next signs in the loop's next pass, after pending I/O
        yield request
