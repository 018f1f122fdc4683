from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.urls import Urls, check_username


def test_local_iris_and_their_parsing() -> None:
    urls = Urls("https://node.example:8443")
    assert urls.host == "node.example:8443"
    assert urls.actor("alpha") == "https://node.example:8443/users/alpha"
    assert urls.acct("alpha") == "acct:alpha@node.example:8443"
    assert urls.key_id(urls.actor("alpha")) == "https://node.example:8443/users/alpha#main-key"
    assert urls.page(urls.followers("alpha"), 2).endswith("/users/alpha/followers?page=2")
    assert urls.actor_name("https://node.example:8443/users/alpha") == "alpha"
    assert urls.actor_name("https://node.example:8443/orgs/alpha") == "alpha"
    assert urls.actor_name("https://node.example:8443/@alpha") == "alpha"
    assert urls.actor_name("https://node.example:8443/users/alpha/inbox") is None
    assert urls.actor_name("https://other.example/users/alpha") is None
    assert urls.actor_name("https://node.example:8443/users/alpha?x=1") is None
    assert urls.is_instance_actor("https://node.example:8443/actor")


def test_organisations_published_under_orgs_keep_their_ids() -> None:
    urls = Urls("https://node.example", legacy_names=frozenset({"old"}))
    assert urls.actor("old") == "https://node.example/orgs/old"
    assert urls.inbox("old") == "https://node.example/orgs/old/inbox"
    assert urls.followers("old") == "https://node.example/orgs/old/followers"
    assert urls.actor("new") == "https://node.example/users/new"
    assert urls.profile("old") == "https://node.example/@old"


@pytest.mark.parametrize("shape", ["/users/{}", "/orgs/{}", "/@{}", "/users/{}/"])
def test_every_shape_of_an_actor_url_is_resolved_to_its_id(shape: str) -> None:
    urls = Urls("https://node.example", legacy_names=frozenset({"old"}))
    for name, canonical in (("old", "/orgs/old"), ("new", "/users/new")):
        given = "https://node.example" + shape.format(name)
        assert urls.canonical_actor(given) == "https://node.example" + canonical


def test_other_iris_are_not_resolved() -> None:
    urls = Urls("https://node.example")
    for iri in (
        "https://other.example/@alpha",
        "https://node.example/users/alpha/outbox",
        "https://node.example/calls/abc",
        "https://node.example/actor",
    ):
        assert urls.canonical_actor(iri) == iri


@pytest.mark.parametrize("name", ["alpha", "a", "climate-justice", "x_1", "a.b"])
def test_valid_names(name: str) -> None:
    assert check_username(name) == name


@pytest.mark.parametrize("name", ["", "Alpha", "-a", "a-", ".a", "a b", "é", "a" * 31, "a/b"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_username(name)
