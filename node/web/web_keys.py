"""The key that signs the web's cookies and CSRF tokens, and the per-app state the web pages
keep (that key, the compiled catalogues, the rate limits), made at the first page.

The key is derived (HKDF-SHA256) from the instance actor's private key, a secret every process
of a node already shares through the database, so `serve --workers N` on several machines
agrees on it without another setting; it changes when the instance key does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field

from starlette.requests import Request

from node.storage import actors
from node.web.app_state import runtime
from node.web.i18n import Catalogues
from node.web.rate_limits import RateLimits

INFO = b"solidarity-node web cookies v1"


@dataclass
class WebState:
    key: bytes
    catalogues: Catalogues = field(default_factory=Catalogues)
    limits: RateLimits = field(default_factory=RateLimits)

    def mac(self, purpose: str, value: str) -> str:
        message = f"{purpose}\0{value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def derive(secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret)


async def web_state(request: Request) -> WebState:
    found = getattr(request.app.state, "web", None)
    if isinstance(found, WebState):
        return found
    node = runtime(request)
    async with node.db.transaction() as session:
        instance = await actors.instance_actor(session)
    key = await asyncio.to_thread(derive, instance.private_key_pem.encode())
    found = getattr(request.app.state, "web", None)  # another request may have been first
    if not isinstance(found, WebState):
        found = request.app.state.web = WebState(key)
    return found


def loaded(request: Request) -> WebState | None:
    """The state if a page already made it (error pages render without waiting for it)."""
    found = getattr(request.app.state, "web", None)
    return found if isinstance(found, WebState) else None
