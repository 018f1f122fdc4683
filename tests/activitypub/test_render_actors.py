"""Local actors as AS2: an organisation with everything Mastodon reads of an actor (its bio as
paragraphs, links in its fields marked rel=me, its key, its collections), the instance actor,
and the Update that tells followers a profile changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from node.activitypub import render_actors as render
from node.activitypub.vocabulary import PUBLIC
from node.urls import Urls

URLS = Urls("https://node.test")
ICON = "https://node.test/static/avatar.png"


@dataclass(frozen=True)
class Profile:
    username: str = "alpha"
    display_name: str = "Alpha Collective"
    summary: str = "We organise.\nTogether.\n\n<b>Always</b>."
    manually_approves_followers: bool = False
    discoverable: bool = True
    indexable: bool = False
    fields: tuple[tuple[str, str], ...] = (("Site", "https://alpha.example"), ("Town", "Łódź & co"))
    icon_url: str | None = None
    public_key_pem: str = "PEM"
    created_at: datetime = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    updated_at: datetime = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)


def test_an_organisation_has_what_mastodon_reads() -> None:
    actor = render.organisation_to_as(Profile(), URLS, ICON)
    base = "https://node.test/users/alpha"
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (
        base,
        "Organization",
        "alpha",
    )
    assert (actor["url"], actor["webfinger"]) == ("https://node.test/@alpha", "alpha@node.test")
    for name in ("inbox", "outbox", "followers", "following", "featured"):
        assert actor[name] == f"{base}/{name}"
    assert actor["endpoints"] == {"sharedInbox": "https://node.test/inbox"}
    assert actor["publicKey"] == {"id": f"{base}#main-key", "owner": base, "publicKeyPem": "PEM"}
    assert actor["summary"] == "<p>We organise.<br>Together.</p><p>&lt;b&gt;Always&lt;/b&gt;.</p>"
    assert (actor["discoverable"], actor["indexable"], actor["manuallyApprovesFollowers"]) == (
        True,
        False,
        False,
    )
    assert (actor["published"], actor["updated"]) == (
        "2026-11-21T12:00:00Z",
        "2026-11-22T08:30:00Z",
    )
    assert actor["icon"] == {"type": "Image", "mediaType": "image/png", "url": ICON}
    assert actor["attachment"] == [
        {
            "type": "PropertyValue",
            "name": "Site",
            "value": '<a href="https://alpha.example" rel="me nofollow noopener" '
            'target="_blank">https://alpha.example</a>',
        },
        {"type": "PropertyValue", "name": "Town", "value": "Łódź &amp; co"},
    ]


def test_a_display_name_and_icon_of_its_own_are_used() -> None:
    actor = render.organisation_to_as(
        Profile(display_name="", icon_url="https://cdn.example/a.png"), URLS, ICON
    )
    assert (actor["name"], actor["icon"]["url"]) == ("alpha", "https://cdn.example/a.png")


def test_the_instance_actor_is_an_application_that_asks_for_nothing() -> None:
    actor = render.instance_actor_to_as("node.test", "PEM", URLS)
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (
        "https://node.test/actor",
        "Application",
        "node.test",
    )
    assert actor["publicKey"]["id"] == "https://node.test/actor#main-key"
    assert actor["manuallyApprovesFollowers"] and not actor["discoverable"]


def test_a_profile_update_goes_publicly_to_the_followers() -> None:
    document = render.organisation_to_as(Profile(), URLS, ICON)
    update = render.update_to_as("https://node.test/activities/u", document, URLS)
    assert (update["type"], update["actor"]) == ("Update", document["id"])
    assert update["object"] == {k: v for k, v in document.items() if k != "@context"}
    assert (update["to"], update["cc"]) == ([PUBLIC], [document["followers"]])
