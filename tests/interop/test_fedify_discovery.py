"""Discovery as Fedify sees it: the peer resolves @alpha@127.0.0.1:PORT by WebFinger (over
https) and parses the actor with Fedify's own vocabulary, against the real node process."""

from __future__ import annotations

import pytest

from tests.interop.interop_harness import ALPHA_SUMMARY, LiveNode, LookupRunner

pytestmark = pytest.mark.interop


def test_fedify_resolves_and_parses_the_organisation(
    live_node: LiveNode, fedify_lookup: LookupRunner
) -> None:
    actor_id = live_node.actors["alpha"]

    parsed = fedify_lookup(live_node.handle("alpha"))

    webfinger = parsed["webfinger"]
    assert webfinger["subject"] == f"acct:alpha@{live_node.host}"
    self_links = [link for link in webfinger["links"] if link["rel"] == "self"]
    assert [link["href"] for link in self_links] == [actor_id]
    assert parsed["type"] == "Organization"
    assert parsed["id"] == actor_id
    assert parsed["preferredUsername"] == "alpha"
    assert parsed["name"] == "Alpha Collective"
    for paragraph in ALPHA_SUMMARY.split("\n\n"):
        assert paragraph in parsed["summary"]
    for collection in ("inbox", "outbox", "followers", "following", "featured"):
        assert parsed[collection], f"Fedify found no {collection}"
        assert parsed[collection].startswith(live_node.base_url + "/"), parsed[collection]
    assert parsed["endpoints"]["sharedInbox"].startswith(live_node.base_url + "/")
    assert parsed["manuallyApprovesFollowers"] is False
    assert parsed["discoverable"] is True
    assert parsed["publicKey"] == {
        "id": f"{actor_id}#main-key",
        "owner": actor_id,
        "parsed": True,
        "algorithm": "RSASSA-PKCS1-v1_5",
        "hash": "SHA-256",
        "modulusLength": 2048,
    }


def test_fedify_parses_the_organisation_by_url(
    live_node: LiveNode, fedify_lookup: LookupRunner
) -> None:
    actor_id = live_node.actors["alpha"]

    parsed = fedify_lookup(actor_id)

    assert (parsed["type"], parsed["id"]) == ("Organization", actor_id)
    assert parsed["publicKey"]["owner"] == actor_id and parsed["publicKey"]["parsed"]


def test_fedify_parses_the_instance_actor(live_node: LiveNode, fedify_lookup: LookupRunner) -> None:
    instance = f"{live_node.base_url}/actor"

    parsed = fedify_lookup(instance)

    assert (parsed["type"], parsed["id"]) == ("Application", instance)
    assert parsed["publicKey"]["owner"] == instance and parsed["publicKey"]["parsed"]
    assert parsed["publicKey"]["id"] == f"{instance}#main-key"


def test_fedify_parses_the_empty_collections(
    live_node: LiveNode, fedify_lookup: LookupRunner
) -> None:
    actor = fedify_lookup(live_node.actors["alpha"])

    for name in ("outbox", "followers", "following", "featured"):
        url = actor[name]
        parsed = fedify_lookup(url)
        assert (parsed["type"], parsed["id"]) == ("OrderedCollection", url), name
        assert parsed["totalItems"] == 0, name
