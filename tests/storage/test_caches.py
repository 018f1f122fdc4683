"""The inbox's in-memory key cache: bounded, least recently used out first, and an actor's
keys dropped together when the actor changes."""

from __future__ import annotations

from datetime import UTC, datetime

from node.storage.caches import KeyCache
from node.storage.remote_actors import RemoteActor


def actor(name: str) -> RemoteActor:
    iri = f"https://remote.test/users/{name}"
    return RemoteActor(
        iri=iri,
        type="Person",
        key_id=f"{iri}#main-key",
        public_key_pem="PEM",
        username=name,
        name=None,
        inbox=f"{iri}/inbox",
        shared_inbox=None,
        followers=None,
        fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
        gone=False,
    )


def test_the_least_recently_used_key_goes_first() -> None:
    cache = KeyCache(limit=2)
    a, b, c = actor("a"), actor("b"), actor("c")
    cache.put("a#k", a)
    cache.put("b#k", b)
    assert cache.get("a#k") == a  # a is now the most recently used
    cache.put("c#k", c)
    assert (cache.get("a#k"), cache.get("b#k"), cache.get("c#k")) == (a, None, c)
    assert len(cache) == 2


def test_forgetting_an_actor_drops_all_its_keys() -> None:
    cache = KeyCache()
    a, b = actor("a"), actor("b")
    cache.put("a#old", a)
    cache.put("a#new", a)
    cache.put("b#k", b)
    cache.forget(a.iri)
    assert (cache.get("a#old"), cache.get("a#new"), cache.get("b#k")) == (None, None, b)
