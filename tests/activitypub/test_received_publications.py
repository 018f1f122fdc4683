"""A received strategy, call or response read into typed fields: the sn: properties beside the
standard ones, themes from Hashtags when none are declared, visibility as Mastodon reads the
addressing, bounded lists, and its HTML made safe once, before anything keeps it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.activitypub.objects import ObjectView
from node.activitypub.received_publications import MAX_LIST, PublicationView
from node.activitypub.vocabulary import PUBLIC
from node.publication import Kind, Urgency, Visibility

BOB = "https://remote.test/users/bob"
FOLLOWERS = f"{BOB}/followers"


def read(**document: Any) -> PublicationView:
    base = {"id": f"{BOB}/calls/1", "type": "Note", "attributedTo": BOB, "to": [PUBLIC]}
    return PublicationView.from_object(ObjectView.from_document(base | document), FOLLOWERS)


def test_a_calls_sn_properties_are_read() -> None:
    view = read(
        kind="call",
        title="  Strike fund  ",
        urgency="high",
        deadline="2026-12-01T19:00:00+01:00",
        maxHops=3,
        regions=["PL", " PL", "", 7, "Łódź"],
        actions="Give",
        themes=["labour"],
        contentMap={"pl": "<p>Dajcie.</p>"},
        inReplyTo=f"{BOB}/calls/0",
        pledge=True,
    )
    fields = view.content.fields
    assert (fields.kind, fields.visibility, fields.title) == (
        Kind.CALL,
        Visibility.PUBLIC,
        "Strike fund",
    )
    assert (fields.urgency, fields.max_hops, fields.language) == (Urgency.HIGH, 3, "pl")
    assert fields.deadline == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert (fields.regions, fields.actions, fields.themes) == (
        ("PL", "Łódź"),
        ("Give",),
        ("labour",),
    )
    assert view.content.body_text == "Dajcie."  # content taken from contentMap
    assert (view.content.in_reply_to, view.content.is_pledge) == (f"{BOB}/calls/0", True)


def test_what_is_not_usable_is_left_out() -> None:
    fields = read(
        kind="petition",
        urgency="asap",
        deadline="2026-12-01T18:00",  # no time zone
        maxHops=-1,
        name="An article's name",
        pledge="yes",
        regions=[f"r{n}" for n in range(MAX_LIST + 5)],
    ).content
    assert (fields.fields.kind, fields.fields.urgency, fields.fields.deadline) == (None, None, None)
    assert (fields.fields.max_hops, fields.fields.title, fields.is_pledge) == (
        None,
        "An article's name",
        False,
    )
    assert len(fields.fields.regions) == MAX_LIST
    assert read(maxHops=True).content.fields.max_hops is None


def test_themes_come_from_hashtags_when_none_are_declared() -> None:
    tags = [
        {"type": "Hashtag", "name": "#Labour"},
        {"type": "Mention", "name": "@x"},
        {"type": "Hashtag", "name": 7},
        "#loose",
    ]
    assert read(tag=tags).content.fields.themes == ("Labour",)
    assert read(tag={"type": "Hashtag", "name": "#one"}).content.fields.themes == ("one",)
    assert read(tag=tags, themes=["declared"]).content.fields.themes == ("declared",)


def test_visibility_is_read_from_the_addressing() -> None:
    assert read(to=[FOLLOWERS], cc=[PUBLIC]).content.fields.visibility is Visibility.UNLISTED
    assert read(to=[FOLLOWERS]).content.fields.visibility is Visibility.FOLLOWERS
    assert read(to=["https://node.test/users/alpha"]).content.fields.visibility is Visibility.DIRECT


def test_html_is_made_safe_and_the_summary_is_plain_text() -> None:
    view = read(
        content='<p>Hi <script>alert(1)</script><a href="javascript:x">link</a></p>',
        summary="<p>CW: <b>police</b></p>",
        contentMap={"en": "<img src=x onerror=alert(1)>", "pl": 7},
        summaryMap={"en": "<i>cw</i>"},
    )
    document = view.document
    assert "<script>" not in document["content"] and "javascript:" not in document["content"]
    assert "onerror" not in str(document["contentMap"]) and "pl" not in document["contentMap"]
    assert document["summaryMap"] == {"en": "<i>cw</i>"}
    assert view.content.fields.summary == "CW: police"
    assert "alert" not in view.content.body_text
