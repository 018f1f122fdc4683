"""Activities as this node sends them, addressed as Mastodon reads them: Follow and the
Accept, Reject and Undo that embed it; Create and Update wrapping a publication; Delete with a
Tombstone; Add and Remove on `featured`; a cascade Announce with via, hop and its cc."""

from __future__ import annotations

from datetime import UTC, datetime

from node.activitypub import render_activities as render
from node.activitypub.vocabulary import CONTEXT, PUBLIC

ALPHA = "https://node.test/users/alpha"
BOB = "https://remote.test/users/bob"
FOLLOWERS = f"{ALPHA}/followers"
NOTE = {
    "@context": CONTEXT,
    "id": "https://node.test/calls/k",
    "type": "Note",
    "attributedTo": ALPHA,
    "published": "2026-11-21T12:00:00Z",
    "to": [PUBLIC],
    "cc": [FOLLOWERS],
}


def test_a_follow_and_its_answers_embed_the_four_fields_mastodon_matches() -> None:
    follow = render.follow_to_as("https://node.test/activities/f", ALPHA, BOB)
    assert follow == {
        "@context": CONTEXT,
        "id": "https://node.test/activities/f",
        "type": "Follow",
        "actor": ALPHA,
        "object": BOB,
        "to": [BOB],
    }
    incoming = render.embedded_follow(f"{BOB}/follows/1", BOB, ALPHA)
    assert incoming == {"id": f"{BOB}/follows/1", "type": "Follow", "actor": BOB, "object": ALPHA}
    for kind in ("Accept", "Reject"):
        answer = render.answer_to_as(f"{ALPHA}#a", kind, ALPHA, incoming)
        assert (answer["type"], answer["object"], answer["to"]) == (kind, incoming, [BOB])
    ours = render.embedded_follow("https://node.test/activities/f", ALPHA, BOB)
    undo = render.answer_to_as("https://node.test/activities/u", "Undo", ALPHA, ours)
    assert (undo["actor"], undo["to"]) == (ALPHA, [BOB])  # an Undo goes to the followed


def test_create_and_update_wrap_the_object_as_it_is_addressed() -> None:
    create = render.wrap("Create", "https://node.test/calls/k/activity", NOTE)
    assert create["object"] == {k: v for k, v in NOTE.items() if k != "@context"}
    assert (create["actor"], create["to"], create["cc"]) == (ALPHA, [PUBLIC], [FOLLOWERS])
    assert create["published"] == NOTE["published"]
    update = render.wrap("Update", "https://node.test/calls/k/updates/1", NOTE)
    assert update["type"] == "Update" and "published" not in update


def test_a_delete_carries_a_tombstone_to_the_same_audience() -> None:
    delete = render.delete_to_as("https://node.test/calls/k#delete", NOTE)
    assert delete["object"] == {"id": NOTE["id"], "type": "Tombstone"}
    assert (delete["actor"], delete["to"], delete["cc"]) == (ALPHA, [PUBLIC], [FOLLOWERS])


def test_pins_are_add_and_remove_on_featured() -> None:
    featured = f"{ALPHA}/featured"
    for kind in ("Add", "Remove"):
        pin = render.pin_to_as(
            "https://node.test/activities/p", kind, ALPHA, NOTE["id"], featured, FOLLOWERS
        )
        assert (pin["type"], pin["object"], pin["target"]) == (kind, NOTE["id"], featured)
        assert (pin["to"], pin["cc"]) == ([PUBLIC], [FOLLOWERS])


def test_a_cascade_announce_says_via_and_hop_and_ccs_each_once() -> None:
    announce = render.announce_to_as(
        "https://node.test/activities/a",
        ALPHA,
        f"{BOB}/calls/1",
        followers=FOLLOWERS,
        also=[BOB, FOLLOWERS, "https://third.test/users/c"],
        via=f"{BOB}/calls/1/activity",
        hop=2,
        published=datetime(2026, 11, 21, 12, 0, 30, 999, tzinfo=UTC),
    )
    assert (announce["type"], announce["object"], announce["hop"]) == (
        "Announce",
        f"{BOB}/calls/1",
        2,
    )
    assert announce["via"] == f"{BOB}/calls/1/activity"
    assert (announce["to"], announce["cc"]) == (
        [PUBLIC],
        [FOLLOWERS, BOB, "https://third.test/users/c"],
    )
    assert announce["published"] == "2026-11-21T12:00:30Z"
    first = render.announce_to_as(
        "https://node.test/activities/b",
        ALPHA,
        f"{BOB}/calls/1",
        followers=FOLLOWERS,
        also=[BOB],
        via=None,
        hop=1,
        published=datetime(2026, 11, 21, tzinfo=UTC),
    )
    assert "via" not in first and first["hop"] == 1
