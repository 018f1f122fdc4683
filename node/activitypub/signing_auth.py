"""httpx authentication that signs every outgoing request with an actor's key.

Each request gets Host, Date, Digest (when it has a body) and a draft-cavage-12
Signature, as Mastodon signs; the time comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Generator

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

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
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
        yield request
