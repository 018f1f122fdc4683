"""Pre-generated RSA pairs for tests that create hundreds of actors: a 2048-bit pair costs tens
of milliseconds to generate and again to load (OpenSSL checks the key), so `shared_keys()`
hands the same few pairs out in turn wherever the node generates one (organisations and
instance actors) and loads each of them once. Each actor keeps its own key id, and every
request is still really signed and verified.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Iterator
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives import serialization

from node.activitypub.keys import KeyPair, generate_key_pair
from node.federation import instance_actor
from node.solidarity import organisations

POOL_SIZE = 4


@functools.cache
def pool(size: int = POOL_SIZE) -> tuple[KeyPair, ...]:
    return tuple(generate_key_pair() for _ in range(size))


@contextlib.contextmanager
def shared_keys(size: int = POOL_SIZE) -> Iterator[None]:
    """While open, organisations and instance actors take their key pairs from the pool, and
    a pooled private key is loaded from PEM once."""
    pairs = pool(size)
    turns = itertools.cycle(pairs)
    pooled = {pair.private_pem.strip().encode("ascii") for pair in pairs}
    load = serialization.load_pem_private_key
    loaded: dict[bytes, Any] = {}

    def load_once(data: bytes, password: bytes | None, **options: Any) -> Any:
        if data not in pooled or password is not None or options:
            return load(data, password, **options)
        if data not in loaded:
            loaded[data] = load(data, password)
        return loaded[data]

    with (
        mock.patch.object(organisations, "generate_key_pair", lambda: next(turns)),
        mock.patch.object(instance_actor, "generate_key_pair", lambda: next(turns)),
        mock.patch.object(serialization, "load_pem_private_key", load_once),
    ):
        yield
