"""The federation policy for GETs of the node's documents (actors, collections, publications,
the alliance manifest) and WebFinger: unsigned requests are answered unless signed fetches are
required (401); a signed one from a refused host (suspended, or not allowed in allowlist mode)
gets 403 whatever it asks for; in allowlist mode or with signed fetches required, the
signature must also verify (401). In open mode a signature on a public document is not
verified, only its key's host checked against the blocks: a host could as well not sign, and
non-public documents are verified where they are served (federation.serving).
"""

from __future__ import annotations

from node.activitypub import signatures
from node.activitypub.screening import Incoming
from node.errors import Forbidden, SignatureError, Unauthorized
from node.federation import receiving
from node.federation.runtime import Runtime
from node.storage.federation_policy import ALLOWLIST, Policy
from node.urls import authority

SIGNED_ONLY = "this node answers signed requests only: sign it with your server's actor"


def key_id_of(incoming: Incoming) -> str | None:
    """The key id a request names (None when unsigned); SignatureError when unreadable."""
    headers = {k.lower(): v for k, v in incoming.headers.items()}
    if "signature" not in headers and "signature-input" not in headers:
        return None
    parsed = signatures.parse_signature(incoming.method, incoming.path_and_query, headers)
    return parsed.key_id


def strict(policy: Policy) -> bool:
    return policy.settings.signed_fetches or policy.settings.mode == ALLOWLIST


async def screen_fetch(node: Runtime, incoming: Incoming) -> None:
    """The policy's rules for a GET of the node's documents and of WebFinger (see above)."""
    policy = await node.policy.current()
    try:
        key_id = key_id_of(incoming)
    except SignatureError:
        if strict(policy):
            raise
        key_id = None  # unreadable, as good as unsigned: public documents only
    if key_id is None:
        if policy.settings.signed_fetches:
            raise Unauthorized(SIGNED_ONLY)
        return
    reason = policy.refusal(authority(key_id))
    if reason is not None:
        raise Forbidden(reason)
    if strict(policy):
        await receiving.authenticate(node, incoming)
