"""Cached remote actors: two requests that fetched the same new actor at once both store it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from node.federation.runtime import Runtime
from node.storage import remote_actors
from node.storage.remote_actors import RemoteActor

IRI = "https://remote.example/users/ada"


def ada(node: Runtime, name: str) -> RemoteActor:
    return RemoteActor(
        iri=IRI,
        type="Person",
        key_id=f"{IRI}#main-key",
        public_key_pem=None,
        username="ada",
        name=name,
        inbox=f"{IRI}/inbox",
        shared_inbox=None,
        followers=None,
        fetched_at=node.clock.now(),
        gone=False,
    )


async def test_an_insert_that_loses_the_race_updates_the_winners_row(node: Runtime) -> None:
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, ada(node, "First"), {"id": IRI})
    async with node.db.transaction() as session:
        looked_up = session.scalar

        async def before_the_other_commit(*args: Any, **kwargs: Any) -> Any:
            session.scalar = looked_up  # type: ignore[method-assign]
            return None  # this request looked before the other one stored the actor

        session.scalar = before_the_other_commit  # type: ignore[method-assign]
        stored = await remote_actors.upsert(session, ada(node, "Second"), {"id": IRI})
    assert stored.name == "Second"
    async with node.db.transaction() as session:
        found = await remote_actors.by_iri(session, IRI)
    assert found is not None and replace(found, fetched_at=stored.fetched_at) == stored
