"""Who may read a non-public object, on SQLite and PostgreSQL: anyone a listed one; an accepted
follower of the author (or its server's instance actor) a followers-only one; an addressed
actor (or its server's instance actor) a direct one; nobody else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from node.federation import access
from node.federation.runtime import Runtime
from node.storage import follows, objects
from node.storage.follows import ACCEPTED, PENDING
from node.storage.objects import StoredObject
from node.storage.remote_actors import RemoteActor
from tests.support.content import content

ALPHA = "https://node.test/users/alpha"
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def signer(iri: str, kind: str = "Person") -> RemoteActor:
    return RemoteActor(
        iri=iri,
        type=kind,
        key_id=f"{iri}#main-key",
        public_key_pem="pem",
        username=None,
        name=None,
        inbox=f"{iri}/inbox",
        shared_inbox=None,
        followers=None,
        fetched_at=START,
        gone=False,
    )


BOB = signer("https://remote.test/users/bob")
CAROL = signer("https://remote.test/users/carol")
REMOTE_SERVER = signer("https://remote.test/actor", "Application")
OTHER_SERVER = signer("https://other.test/actor", "Service")


async def publication(node: Runtime, key: str, visibility: str, **document: object) -> StoredObject:
    iri = f"https://node.test/calls/{key}"
    async with node.db.transaction() as session:
        return await objects.put(
            session,
            iri=iri,
            actor_iri=ALPHA,
            content=content(visibility=visibility),
            document={"id": iri, **document},
            published=node.clock.now(),
            now=node.clock.now(),
        )


async def test_listed_objects_are_for_everyone(node: Runtime) -> None:
    for visibility in ("public", "unlisted"):
        listed = await publication(node, visibility, visibility)
        assert access.is_listed(listed)
        assert await access.may_read(node, listed, OTHER_SERVER)


async def test_followers_only_objects_are_for_accepted_followers_and_their_servers(
    node: Runtime,
) -> None:
    private = await publication(node, "f", "followers", to=[f"{ALPHA}/followers"])
    async with node.db.transaction() as session:
        await follows.put(session, BOB.iri, ALPHA, ACCEPTED, None, node.clock.now())
        await follows.put(session, CAROL.iri, ALPHA, PENDING, None, node.clock.now())
    assert not access.is_listed(private)
    assert await access.may_read(node, private, BOB)
    assert await access.may_read(node, private, REMOTE_SERVER)
    assert not await access.may_read(node, private, CAROL)  # asked, not accepted
    assert not await access.may_read(node, private, OTHER_SERVER)
    assert not await access.may_read(node, private, replace(REMOTE_SERVER, type="Person"))


async def test_direct_objects_are_for_those_addressed_and_their_servers(node: Runtime) -> None:
    direct = await publication(node, "d", "direct", to=[CAROL.iri], cc=[7])
    assert await access.may_read(node, direct, CAROL)
    assert await access.may_read(node, direct, REMOTE_SERVER)
    assert not await access.may_read(node, direct, OTHER_SERVER)
    async with node.db.transaction() as session:
        await follows.put(session, BOB.iri, ALPHA, ACCEPTED, None, node.clock.now())
    assert not await access.may_read(node, direct, BOB)  # following is not being addressed


def test_allowed_compares_actors_then_hosts_for_instance_actors() -> None:
    audience = ["https://remote.test/users/carol"]
    assert access.allowed(CAROL, audience)
    assert not access.allowed(BOB, audience)
    assert access.allowed(REMOTE_SERVER, audience) and access.speaks_for_host(REMOTE_SERVER)
    assert not access.allowed(OTHER_SERVER, audience) and access.speaks_for_host(OTHER_SERVER)
