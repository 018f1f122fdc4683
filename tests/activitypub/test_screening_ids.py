"""Transient activities without an `id` (ActivityPub allows them; Epicyon sends its Accept and
Reject so) get one synthesised on the sender's origin from their content, so that the origin
rules and deduplication hold: the same body gets the same id, another body another. Activities
whose effects are keyed by their id (Create, Follow, Like, Announce, …) still need one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.activitypub.screening import parse_activity
from node.errors import JsonLdError

ACTOR = "http://127.0.0.1:7000/users/peer"
OURS = "https://node.example/users/alpha"


def accept(follow_id: str = "https://node.example/activities/f1", **extra: Any) -> dict[str, Any]:
    """Epicyon's Accept of a Follow: no id of its own."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Accept",
        "actor": ACTOR,
        "to": [OURS],
        "cc": [],
        "object": {"id": follow_id, "type": "Follow", "actor": OURS, "object": ACTOR},
    } | extra


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


@pytest.mark.parametrize("kind", ["Accept", "Reject", "Undo"])
def test_a_transient_activity_gets_an_id_on_its_senders_origin(kind: str) -> None:
    document, activity = parse_activity(body(accept(type=kind)))
    assert activity.iri.startswith(f"{ACTOR}#{kind.lower()}/")
    assert document["id"] == activity.iri
    assert activity.type == kind and activity.actor == ACTOR


def test_the_same_body_gets_the_same_id_and_another_body_another() -> None:
    _, first = parse_activity(body(accept()))
    _, again = parse_activity(json.dumps(accept(), indent=2, sort_keys=True).encode())
    _, other = parse_activity(body(accept("https://node.example/activities/f2")))
    assert first.iri == again.iri
    assert first.iri != other.iri


def test_an_id_sent_is_kept() -> None:
    _, activity = parse_activity(body(accept(id=f"{ACTOR}/accepts/1")))
    assert activity.iri == f"{ACTOR}/accepts/1"


@pytest.mark.parametrize("kind", ["Create", "Follow", "Like", "Announce", "Update"])
def test_activities_keyed_by_their_id_still_need_one(kind: str) -> None:
    with pytest.raises(JsonLdError, match="'id'"):
        parse_activity(body(accept(type=kind)))


def test_without_an_actor_no_id_is_made() -> None:
    document = accept()
    del document["actor"]
    with pytest.raises(JsonLdError):
        parse_activity(body(document))


def test_gotosocials_delete_is_still_named_after_its_object() -> None:
    delete = {"type": "Delete", "actor": ACTOR, "object": f"{ACTOR}/statuses/1"}
    _, activity = parse_activity(body(delete))
    assert activity.iri == f"{ACTOR}/statuses/1#delete"
