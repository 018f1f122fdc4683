"""Strategies and calls as AS2: a strategy an Article whose summary stands alone; a call a Note
that says everything in plain words with the sn: properties beside; each visibility addressed
as Mastodon reads it; and the Tombstone of a withdrawn one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from node.activitypub import render_publications as render
from node.activitypub.render_publications import Publication
from node.activitypub.vocabulary import PUBLIC
from node.publication import Fields, Kind, Urgency, Visibility

ALPHA = "https://node.test/users/alpha"
FOLLOWERS = f"{ALPHA}/followers"
BOB = "https://remote.test/users/bob"
PUBLISHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
HASHTAG = {"type": "Hashtag", "href": "https://node.test/tags/labour", "name": "#labour"}
CALL = Publication(
    iri="https://node.test/calls/k",
    author=ALPHA,
    followers=FOLLOWERS,
    fields=Fields(
        Kind.CALL,
        Visibility.PUBLIC,
        title="Strike <fund>",
        language="pl",
        urgency=Urgency.CRITICAL,
        deadline=datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
        max_hops=3,
        regions=("PL", "Łódź"),
        themes=("labour",),
        actions=("Give", "Share <this>"),
    ),
    content_html="<p>Give what you can.</p>",
    published=PUBLISHED,
    tags=(HASHTAG,),
    counts=(1, 2, 3),
)


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        (Visibility.PUBLIC, [PUBLIC], [FOLLOWERS, BOB]),
        (Visibility.UNLISTED, [FOLLOWERS], [PUBLIC, BOB]),
        (Visibility.FOLLOWERS, [FOLLOWERS], [BOB]),
        (Visibility.DIRECT, [BOB], []),
    ],
)
def test_each_visibility_is_addressed_as_mastodon_reads_it(
    visibility: Visibility, to: list[str], cc: list[str]
) -> None:
    assert render.addressing(visibility, FOLLOWERS, [BOB, BOB]) == (to, cc)


def test_a_call_is_a_note_that_says_everything() -> None:
    document = render.publication_to_as(CALL)
    assert (document["type"], document["kind"], document["attributedTo"]) == ("Note", "call", ALPHA)
    assert (document["urgency"], document["maxHops"], document["title"]) == (
        "critical",
        3,
        "Strike <fund>",
    )
    assert (document["deadline"], document["actions"]) == (
        "2026-12-01T18:00:00Z",
        ["Give", "Share <this>"],
    )
    assert document["summary"] is None and "name" not in document  # a Note's summary hides it
    content = document["content"]
    assert content.startswith("<p><strong>Call for solidarity: Strike &lt;fund&gt;</strong></p>")
    for words in (
        "<p>Give what you can.</p>",
        "Critical: urgent · Deadline: 1 December 2026, 18:00 UTC · Regions: PL, Łódź",
        "<li>Share &lt;this&gt;</li>",
        "#<span>labour</span></a>",
    ):
        assert words in content, words
    assert document["contentMap"] == {"pl": content}
    assert [document[n]["totalItems"] for n in ("replies", "likes", "shares")] == [1, 2, 3]
    assert "updated" not in document


def test_a_hashtag_written_in_the_text_is_not_repeated() -> None:
    written = '<p><a href="x" class="mention hashtag" rel="tag">#<span>labour</span></a></p>'
    content = render.call_content(replace(CALL, content_html=written))
    assert content.count("#<span>labour</span>") == 1


def test_a_strategy_is_an_article_whose_summary_stands_alone() -> None:
    strategy = replace(
        CALL,
        iri="https://node.test/strategies/s",
        fields=Fields(
            Kind.STRATEGY, Visibility.UNLISTED, title="Observers", summary="Pairs & notes."
        ),
        updated=datetime(2026, 11, 22, tzinfo=UTC),
    )
    document = render.publication_to_as(strategy)
    assert (document["type"], document["name"], document["summary"]) == (
        "Article",
        "Observers",
        "Pairs &amp; notes.",
    )
    assert document["content"] == "<p>Give what you can.</p>"
    assert document["contentMap"] == {"en": document["content"]}
    assert "urgency" not in document and document["updated"] == "2026-11-22T00:00:00Z"


def test_a_withdrawn_publication_is_a_tombstone() -> None:
    assert render.tombstone(CALL.iri, PUBLISHED, "Note") == {
        "@context": render.CONTEXT,
        "id": CALL.iri,
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": "2026-11-21T12:00:00Z",
    }
