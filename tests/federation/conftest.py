"""Fixtures of the sending and delivery tests: five loopback sink hosts that verify every
signature with alpha's key, and a delivery queue with a seeded jitter."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from node.activitypub.keys import load_public_key
from node.federation.delivery_queue import DeliveryQueue
from node.federation.runtime import Runtime
from node.storage.actors import LocalActor
from tests.support.sinks import Sink, serve_sink


@pytest.fixture
async def sink(node: Runtime, sender: LocalActor, alpha: str) -> AsyncIterator[Sink]:
    keys = {node.urls.key_id(alpha): load_public_key(sender.public_key_pem)}
    async with serve_sink(Sink(keys, node.clock), ports=5) as running:
        yield running


@pytest.fixture
async def queue(node: Runtime) -> AsyncIterator[DeliveryQueue]:
    delivering = DeliveryQueue(node, rng=random.Random(5))
    yield delivering
    await delivering.aclose()
