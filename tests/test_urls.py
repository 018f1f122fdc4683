from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.urls import Urls, check_username


def test_local_iris_and_their_parsing() -> None:
    urls = Urls("https://node.example:8443")
    assert urls.host == "node.example:8443"
    assert urls.actor("alpha") == "https://node.example:8443/orgs/alpha"
    assert urls.acct("alpha") == "acct:alpha@node.example:8443"
    assert urls.key_id(urls.actor("alpha")) == "https://node.example:8443/orgs/alpha#main-key"
    assert urls.page(urls.followers("alpha"), 2).endswith("/orgs/alpha/followers?page=2")
    assert urls.actor_name("https://node.example:8443/orgs/alpha") == "alpha"
    assert urls.actor_name("https://node.example:8443/@alpha") == "alpha"
    assert urls.actor_name("https://node.example:8443/orgs/alpha/inbox") is None
    assert urls.actor_name("https://other.example/orgs/alpha") is None
    assert urls.actor_name("https://node.example:8443/orgs/alpha?x=1") is None
    assert urls.is_instance_actor("https://node.example:8443/actor")


@pytest.mark.parametrize("name", ["alpha", "a", "climate-justice", "x_1", "a.b"])
def test_valid_names(name: str) -> None:
    assert check_username(name) == name


@pytest.mark.parametrize("name", ["", "Alpha", "-a", "a-", ".a", "a b", "é", "a" * 31, "a/b"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_username(name)
