"""Remote actors on SQLite and PostgreSQL: fetched by signed GET and cached, refreshed on
demand, marked gone on 410; a key found in memory, then in the database, then at its owner
(an actor document, a key document naming its owner, or neither: refused)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.errors import Gone, JsonLdError
from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.storage import remote_actors as actor_rows
from tests.support.actors import RemoteHost
from tests.support.router import HostRouter


async def gone(request: Request) -> Response:
    return Response(status_code=410)


def fetches(router: HostRouter, url: str) -> int:
    return sum(str(request.url) == url for request in router.requests)


async def test_an_actor_is_fetched_signed_once_then_read_from_the_cache(
    node: Runtime, remote: RemoteHost, router: HostRouter
) -> None:
    bob = remote.actor("bob")

    first = await remote_actors.get_actor(node, bob.iri)
    again = await remote_actors.get_actor(node, bob.iri)
    fresh = await remote_actors.get_actor(node, bob.iri, refresh=True)

    assert first == again == fresh
    assert (first.type, first.username, first.inbox) == ("Person", "bob", f"{bob.iri}/inbox")
    assert (first.shared_inbox, first.key_id) == ("https://remote.test/inbox", bob.key_id)
    assert first.public_key_pem == bob.keys.public_pem
    assert fetches(router, bob.iri) == 2
    signed = next(r for r in router.requests if str(r.url) == bob.iri)
    assert f'keyId="{node.urls.instance_actor}#main-key"' in signed.headers["signature"]


async def test_a_gone_actor_is_marked_and_refused(
    node: Runtime, remote: RemoteHost, router: HostRouter
) -> None:
    bob = remote.actor("bob")
    await remote_actors.get_actor(node, bob.iri)
    router.add("remote.test", Starlette(routes=[Route("/{path:path}", gone)]))

    with pytest.raises(Gone, match=f"{bob.iri} is gone"):
        await remote_actors.get_actor(node, bob.iri, refresh=True)

    async with node.db.transaction() as session:
        found = await actor_rows.by_iri(session, bob.iri)
    assert found is not None and found.gone
    with pytest.raises(Gone):
        await remote_actors.get_actor(node, bob.iri)  # a gone one is asked again, not served


async def test_a_document_under_another_id_is_refused(node: Runtime, remote: RemoteHost) -> None:
    bob = remote.actor("bob")
    remote.objects["https://remote.test/users/alias"] = bob.document()
    with pytest.raises(JsonLdError, match="the document's id is"):
        await remote_actors.fetch_actor(node, "https://remote.test/users/alias")


async def test_a_key_is_found_in_memory_then_the_database_then_at_its_owner(
    node: Runtime, remote: RemoteHost, router: HostRouter
) -> None:
    bob = remote.actor("bob")

    fetched = await remote_actors.actor_for_key(node, bob.key_id)
    assert fetched.iri == bob.iri and node.keys.get(bob.key_id) == fetched
    assert fetches(router, bob.iri) == 1
    node.keys.forget(bob.iri)
    from_database = await remote_actors.actor_for_key(node, bob.key_id)
    assert from_database == fetched and fetches(router, bob.iri) == 1
    await remote_actors.actor_for_key(node, bob.key_id, refresh=True)
    assert fetches(router, bob.iri) == 2


async def test_a_key_document_leads_to_its_owner(node: Runtime, remote: RemoteHost) -> None:
    key_url = "https://remote.test/keys/carol"
    carol = remote.actor("carol")
    carol.key_id = key_url  # GoToSocial-like: the key lives at a URL of its own
    remote.objects[key_url] = {
        "id": key_url,
        "type": "CryptographicKey",
        "owner": carol.iri,
        "publicKeyPem": carol.keys.public_pem,
    }

    found = await remote_actors.actor_for_key(node, key_url)

    assert (found.iri, found.key_id, found.public_key_pem) == (
        carol.iri,
        key_url,
        carol.keys.public_pem,
    )


async def test_keys_without_an_owner_on_their_origin_are_refused(
    node: Runtime, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    orphan = "https://remote.test/keys/orphan"
    remote.objects[orphan] = {"id": orphan, "type": "Key", "owner": "https://evil.test/users/x"}
    with pytest.raises(JsonLdError, match="names no owner on its own origin"):
        await remote_actors.actor_for_key(node, orphan)
    with pytest.raises(JsonLdError, match=f"{bob.iri} does not publish the key"):
        await remote_actors.actor_for_key(node, f"{bob.iri}#other-key")
