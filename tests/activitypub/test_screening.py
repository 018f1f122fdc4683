"""Screening an inbox POST before anything is stored: its declared size, its media type, one
JSON object with the shape of an activity; and the id a GoToSocial Delete is sent without."""

from __future__ import annotations

import json

import pytest

from node.activitypub import screening
from node.errors import InvalidInput, JsonLdError, PayloadTooLarge, UnsupportedMediaType

BOB = "https://remote.test/users/bob"


def test_a_declared_size_over_the_limit_is_refused_before_reading() -> None:
    screening.check_declared_size({"content-length": "100"}, 100)
    screening.check_declared_size({}, 100)
    screening.check_declared_size({"content-length": "-5"}, 100)  # not a size: read and count
    with pytest.raises(
        PayloadTooLarge, match="the body is 101 bytes; this inbox takes at most 100"
    ):
        screening.check_declared_size({"content-length": "101"}, 100)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "Application/JSON; charset=utf-8",
    ],
)
def test_activitypub_media_types_are_taken(content_type: str) -> None:
    screening.check_media_type({"content-type": content_type})


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_other_media_types_are_refused(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="is not application/activity"):
        screening.check_media_type({"content-type": content_type} if content_type else {})


def test_an_activity_is_one_json_object_of_the_right_shape() -> None:
    activity = {"id": f"{BOB}/a/1", "type": "Like", "actor": BOB, "object": f"{BOB}/notes/1"}
    document, view = screening.parse_activity(json.dumps(activity).encode())
    assert document == activity and (view.type, view.actor) == ("Like", BOB)
    with pytest.raises(InvalidInput, match="the body is not JSON"):
        screening.parse_activity(b"\xff{")
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        screening.parse_activity(b"[1]")
    with pytest.raises(JsonLdError, match="'actor' must be an actor IRI"):
        screening.parse_activity(json.dumps(activity | {"actor": 7}).encode())


def test_a_delete_without_an_id_is_named_after_its_object() -> None:
    delete = {"type": "Delete", "actor": BOB, "object": {"id": f"{BOB}/notes/1"}}
    document, view = screening.parse_activity(json.dumps(delete).encode())
    assert view.iri == document["id"] == f"{BOB}/notes/1#delete"
    assert screening.with_delete_id({"type": "Like"}) == {"type": "Like"}
    assert screening.with_delete_id({"type": "Delete", "object": 7}) == {
        "type": "Delete",
        "object": 7,
    }
