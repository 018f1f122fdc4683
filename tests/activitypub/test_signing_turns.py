"""SigningTurns: requests started together are signed in turn, so the first of a burst reaches
its server after a few signatures, not after all of them; every request is still signed as
SigningAuth signs it (the receiving server verifies each one).

A real uvicorn server on loopback, in the test's event loop, notes how many signatures had
been made when each request arrived; no timing is measured.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.activitypub.keys import (
    PrivateKey,
    PublicKey,
    generate_key_pair,
    load_private_key,
    load_public_key,
)
from node.activitypub.signatures import parse_signature, verify_signature
from node.activitypub.signing_auth import SigningAuth, SigningTurns
from node.clock import FrozenClock
from node.errors import SignatureError
from node.urls import key_id
from tests.support.servers import serve

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
KEY_ID = key_id("https://node.example/users/alpha")
BURST = 64


class CountingAuth(SigningAuth):
    """The real signer, counting the requests it signed."""

    signed = 0

    def sign(self, request: httpx.Request) -> None:
        super().sign(request)
        self.signed += 1


class Arrivals:
    """A server noting, for each request, the signatures made by then and whether it verifies."""

    def __init__(self, auth: CountingAuth, public_key: PublicKey) -> None:
        self.auth = auth
        self.public_key = public_key
        self.seen: list[tuple[int, bool]] = []

    async def inbox(self, request: Request) -> Response:
        signed_by_then = self.auth.signed
        body = await request.body()
        headers = dict(request.headers)
        try:
            verify_signature(
                parse_signature("POST", request.url.path, headers),
                self.public_key,
                method="POST",
                path_and_query=request.url.path,
                headers=headers,
                body=body,
                now=NOW,
            )
            verified = True
        except SignatureError:
            verified = False
        self.seen.append((signed_by_then, verified))
        return Response(status_code=202)


@pytest.fixture(scope="module")
def keys() -> tuple[PrivateKey, PublicKey]:
    pair = generate_key_pair()
    return load_private_key(pair.private_pem), load_public_key(pair.public_pem)


async def burst(keys: tuple[PrivateKey, PublicKey], *, in_turn: bool) -> list[tuple[int, bool]]:
    """BURST POSTs started at once (each on its own connection, as to distinct hosts)."""
    auth = CountingAuth(KEY_ID, keys[0], FrozenClock(NOW))
    arrivals = Arrivals(auth, keys[1])
    app = Starlette(routes=[Route("/inbox", arrivals.inbox, methods=["POST"])])
    turns = SigningTurns()
    signer: httpx.Auth = turns.auth(auth) if in_turn else auth
    limits = httpx.Limits(max_connections=BURST)
    async with serve(app) as base, httpx.AsyncClient(limits=limits) as http:
        posts = [
            http.post(f"{base}/inbox", content=b'{"n": %d}' % n, auth=signer) for n in range(BURST)
        ]
        answers = await asyncio.gather(*posts)
    assert [answer.status_code for answer in answers] == [202] * BURST
    return arrivals.seen


async def test_the_first_request_of_a_burst_arrives_before_the_rest_are_signed(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    seen = await burst(keys, in_turn=True)
    assert all(verified for _, verified in seen) and len(seen) == BURST
    assert seen[0][0] < BURST // 2  # a dozen: the passes the server needs to read one


async def test_without_turns_every_request_is_signed_before_the_first_arrives(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    """What the turns change: the event loop runs each new attempt's signing first."""
    seen = await burst(keys, in_turn=False)
    assert seen[0][0] == BURST


def test_a_synchronous_client_is_signed_too(keys: tuple[PrivateKey, PublicKey]) -> None:
    auth = CountingAuth(KEY_ID, keys[0], FrozenClock(NOW))
    sent: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    with httpx.Client(transport=httpx.MockTransport(capture)) as http:
        http.post("https://remote.example/inbox", content=b"{}", auth=SigningTurns().auth(auth))
    assert auth.signed == 1 and "signature" in sent[0].headers
