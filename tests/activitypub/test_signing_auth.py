"""SigningAuth: every request an httpx client sends is signed, and our verifier accepts it.

The mock transport only captures the request as it would go on the wire; the real signer
(in the auth flow) and the real verifier both run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from node.activitypub.keys import (
    PrivateKey,
    PublicKey,
    generate_key_pair,
    load_private_key,
    load_public_key,
)
from node.activitypub.signatures import digest_header, parse_signature, verify_signature
from node.activitypub.signing_auth import SigningAuth
from node.clock import FrozenClock
from node.errors import SignatureError
from node.urls import key_id

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
KEY_ID = key_id("https://node.example/actors/instance")
AP_JSON = "application/activity+json"


@pytest.fixture(scope="module")
def keys() -> tuple[PrivateKey, PublicKey]:
    pair = generate_key_pair()
    return load_private_key(pair.private_pem), load_public_key(pair.public_pem)


def _client(private_key: PrivateKey, clock: FrozenClock, sent: list[httpx.Request]) -> httpx.Client:
    def capture(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    return httpx.Client(
        transport=httpx.MockTransport(capture), auth=SigningAuth(KEY_ID, private_key, clock)
    )


def _verify(request: httpx.Request, public_key: PublicKey, now: datetime = NOW) -> None:
    path_and_query = request.url.raw_path.decode("ascii")
    headers = dict(request.headers)
    parsed = parse_signature(request.method, path_and_query, headers)
    verify_signature(
        parsed,
        public_key,
        method=request.method,
        path_and_query=path_and_query,
        headers=headers,
        body=request.content,
        now=now,
    )


def test_post_is_signed_with_digest(keys: tuple[PrivateKey, PublicKey]) -> None:
    sent: list[httpx.Request] = []
    body = b'{"type": "Follow"}'
    with _client(keys[0], FrozenClock(NOW), sent) as client:
        client.post(
            "https://remote.example/users/bob/inbox",
            content=body,
            headers={"Content-Type": AP_JSON},
        )

    (request,) = sent
    assert request.headers["Host"] == "remote.example"
    assert request.headers["Date"] == "Sat, 21 Nov 2026 12:00:00 GMT"
    assert request.headers["Digest"] == digest_header(body)
    assert (
        'headers="(request-target) host date digest content-type"' in request.headers["Signature"]
    )
    _verify(request, keys[1])


def test_get_with_query_is_signed(keys: tuple[PrivateKey, PublicKey]) -> None:
    sent: list[httpx.Request] = []
    with _client(keys[0], FrozenClock(NOW), sent) as client:
        client.get(
            "https://remote.example:8443/users/bob/outbox",
            params={"page": "true", "min_id": "a b"},
            headers={"Accept": AP_JSON},
        )

    (request,) = sent
    assert request.headers["Host"] == "remote.example:8443"
    assert "Digest" not in request.headers
    assert 'headers="(request-target) host date accept"' in request.headers["Signature"]
    assert request.url.raw_path == b"/users/bob/outbox?page=true&min_id=a+b"
    _verify(request, keys[1])


async def test_async_client_is_signed_with_the_clock_time(
    keys: tuple[PrivateKey, PublicKey],
) -> None:
    sent: list[httpx.Request] = []
    clock = FrozenClock(NOW)

    async def capture(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    auth = SigningAuth(KEY_ID, keys[0], clock)
    async with httpx.AsyncClient(transport=httpx.MockTransport(capture), auth=auth) as client:
        await client.post("https://remote.example/inbox", json={"type": "Like"})
        clock.advance(timedelta(hours=3))
        await client.post("https://remote.example/inbox", json={"type": "Like"})

    first, later = sent
    assert later.headers["Date"] == "Sat, 21 Nov 2026 15:00:00 GMT"
    _verify(first, keys[1])
    _verify(later, keys[1], now=NOW + timedelta(hours=3))
    with pytest.raises(SignatureError, match="expired"):
        _verify(first, keys[1], now=NOW + timedelta(hours=3))


def test_request_signed_by_another_key_is_refused(keys: tuple[PrivateKey, PublicKey]) -> None:
    sent: list[httpx.Request] = []
    other = load_private_key(generate_key_pair().private_pem)
    with _client(other, FrozenClock(NOW), sent) as client:
        client.post("https://remote.example/inbox", json={"type": "Announce"})

    with pytest.raises(SignatureError, match=f"bad signature from {KEY_ID}"):
        _verify(sent[0], keys[1])
