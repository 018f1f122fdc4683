from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.objects import ActivityView, ActorView, ObjectView, visibility
from node.activitypub.vocabulary import PUBLIC
from node.errors import JsonLdError

MASTODON_ACTOR: dict[str, Any] = {
    "id": "https://m.example/users/ana",
    "type": "Person",
    "preferredUsername": "ana",
    "name": "Ana",
    "inbox": "https://m.example/users/ana/inbox",
    "followers": "https://m.example/users/ana/followers",
    "endpoints": {"sharedInbox": "https://m.example/inbox"},
    "publicKey": {
        "id": "https://m.example/users/ana#main-key",
        "owner": "https://m.example/users/ana",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...",
    },
}


def test_actor_view_reads_what_delivery_needs() -> None:
    view = ActorView.from_document(MASTODON_ACTOR)
    assert view.shared_inbox == "https://m.example/inbox"
    assert view.key_id == "https://m.example/users/ana#main-key"
    assert view.followers == "https://m.example/users/ana/followers"


def test_actor_view_refuses_what_is_not_an_actor_or_not_its_key() -> None:
    with pytest.raises(JsonLdError, match="not an actor type"):
        ActorView.from_document(MASTODON_ACTOR | {"type": "Note"})
    with pytest.raises(JsonLdError, match="inbox"):
        ActorView.from_document({k: v for k, v in MASTODON_ACTOR.items() if k != "inbox"})
    stolen = MASTODON_ACTOR | {
        "publicKey": MASTODON_ACTOR["publicKey"] | {"owner": "https://m.example/users/eve"}
    }
    with pytest.raises(JsonLdError, match="belongs to"):
        ActorView.from_document(stolen)
    elsewhere = MASTODON_ACTOR | {"endpoints": {"sharedInbox": "https://victim.example/inbox"}}
    assert ActorView.from_document(elsewhere).shared_inbox is None


def test_activity_view_shapes() -> None:
    view = ActivityView.from_document(
        {
            "id": "https://m.example/a/1",
            "type": ["Like", "x:Other"],
            "actor": {"id": "https://m.example/users/ana", "type": "Person"},
            "object": "https://node.example/objects/1",
            "to": "as:Public",
            "cc": ["https://m.example/users/ana/followers"],
        }
    )
    assert view.type == "Like" and view.actor == "https://m.example/users/ana"
    assert view.object_id == "https://node.example/objects/1" and view.embedded is None
    assert view.to == (PUBLIC,)
    for bad in ([], {"type": "Like"}, {"id": "nope", "type": "Like", "actor": "x"}):
        with pytest.raises(JsonLdError):
            ActivityView.from_document(bad)


def test_visibility_as_mastodon_reads_it() -> None:
    followers = "https://m.example/users/ana/followers"
    assert visibility((PUBLIC,), (followers,), followers) == "public"
    assert visibility((followers,), (PUBLIC,), followers) == "unlisted"
    assert visibility((followers,), (), followers) == "followers"
    assert visibility(("https://node.example/users/a",), (followers,), followers) == "direct"


def test_object_view_attribution() -> None:
    view = ObjectView.from_document(
        {
            "id": "https://m.example/notes/1",
            "type": "Note",
            "attributedTo": [{"type": "Person", "id": "https://m.example/users/ana"}],
            "inReplyTo": "https://node.example/calls/1",
        }
    )
    assert view.attributed_to == "https://m.example/users/ana"
    assert view.in_reply_to == "https://node.example/calls/1"
