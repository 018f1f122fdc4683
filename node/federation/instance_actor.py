"""The node's instance actor: created once, with its keys, when the node is initialised.

Its username is the node's hostname, as on Mastodon; it signs the node's own fetches and relay
subscriptions (FEP-2677) with its RSA key, and its alliance manifest with its Ed25519 assertion
key (FEP-8b32; migration 0051 gave one to instance actors made before); it is served at /actor
without a signature.
"""

from __future__ import annotations

import asyncio

from node.activitypub import integrity
from node.activitypub.keys import generate_key_pair
from node.clock import Clock
from node.storage import actors
from node.storage.actors import APPLICATION, LocalActor, NewActor
from node.storage.db import Database
from node.urls import Urls


async def ensure_instance_actor(db: Database, clock: Clock, urls: Urls) -> LocalActor:
    async with db.transaction() as session:
        if await actors.has_instance_actor(session):
            return await actors.instance_actor(session)
    keys = await asyncio.to_thread(generate_key_pair)
    new = NewActor(
        username=urls.hostname,
        kind=APPLICATION,
        display_name=urls.host,
        summary="",
        private_key_pem=keys.private_pem,
        public_key_pem=keys.public_pem,
        manually_approves_followers=True,
        assertion_keys=integrity.generate(),
    )
    async with db.transaction() as session:
        return await actors.insert(session, new, clock.now())
