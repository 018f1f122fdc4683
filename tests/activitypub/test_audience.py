"""Audience: addressing fields -> deduplicated inboxes, with bto/bcc never sent."""

from __future__ import annotations

import json
from typing import Any

from node.activitypub.audience import (
    addressees,
    is_public,
    resolve,
    serialise,
    without_blind_addressees,
)
from node.activitypub.vocabulary import PUBLIC
from node.urls import authority

OWN = "node.test"
FOLLOWERS = "https://node.test/users/alpha/followers"


def activity(**fields: Any) -> dict[str, Any]:
    return {"id": "https://node.test/activities/1", "type": "Create", **fields}


def test_public_collection_in_any_spelling_is_never_an_addressee() -> None:
    doc = activity(to=[PUBLIC, "as:Public"], cc="Public", audience=["https://a.example/u/1"])
    assert addressees(doc) == ["https://a.example/u/1"]
    assert is_public(doc)
    assert not is_public(activity(to=[FOLLOWERS]))


def test_addressees_come_from_every_field_once_in_order() -> None:
    doc = activity(
        to="https://a.example/u/1",
        cc=[{"type": "Link", "id": "https://b.example/u/2"}, "https://a.example/u/1"],
        bto=["https://c.example/u/3"],
        bcc=["https://d.example/u/4", 7, None],
        audience={"id": "https://e.example/g"},
    )
    assert addressees(doc) == [
        "https://a.example/u/1",
        "https://b.example/u/2",
        "https://c.example/u/3",
        "https://d.example/u/4",
        "https://e.example/g",
    ]


def test_followers_expand_and_shared_inboxes_are_delivered_once() -> None:
    doc = activity(to=[PUBLIC], cc=[FOLLOWERS, "https://a.example/users/bob"])
    shared = "https://a.example/inbox"
    audience = resolve(
        doc,
        own_host=OWN,
        collections={FOLLOWERS: [shared, "https://b.example/inbox", shared]},
        actor_inboxes={"https://a.example/users/bob": shared},
        extra=["https://b.example/inbox", "https://c.example/users/carol/inbox"],
    )
    assert audience.inboxes == (
        shared,
        "https://b.example/inbox",
        "https://c.example/users/carol/inbox",
    )
    assert audience.unresolved == ()


def test_own_host_is_never_a_destination_and_unknown_actors_are_reported() -> None:
    doc = activity(
        to=["https://node.test/users/beta", "https://x.example/users/unknown"],
        cc=["https://z.example/users/zed"],
    )
    audience = resolve(
        doc,
        own_host=OWN,
        collections={},
        actor_inboxes={"https://z.example/users/zed": "https://NODE.test/inbox"},
        extra=["https://node.test/users/gamma/inbox", "ftp://y.example/inbox", "not a url"],
    )
    assert audience.inboxes == ()
    assert audience.unresolved == ("https://x.example/users/unknown",)


def test_bto_and_bcc_are_stripped_from_the_activity_and_its_object() -> None:
    doc = activity(
        to=[PUBLIC],
        bto=["https://a.example/u/1"],
        bcc=["https://b.example/u/2"],
        object={"id": "https://node.test/notes/1", "type": "Note", "bcc": ["https://b.example"]},
    )
    stripped = without_blind_addressees(doc)
    assert "bto" not in stripped and "bcc" not in stripped
    assert "bcc" not in stripped["object"]
    assert doc["bto"] == ["https://a.example/u/1"]  # the caller's document is left alone
    sent = json.loads(serialise(doc))
    assert sent == stripped
    # yet the blind addressees still get it
    assert addressees(doc) == ["https://a.example/u/1", "https://b.example/u/2"]


def test_serialise_is_compact_utf8_text() -> None:
    text = serialise(activity(content="Solidarität ✊"))
    assert "Solidarität ✊" in text
    assert ", " not in text and ": " not in text


def test_authority_is_lowercase_host_and_port() -> None:
    assert authority("https://User@Example.COM:8443/inbox") == "example.com:8443"
    assert authority("https://example.com/inbox") == "example.com"
