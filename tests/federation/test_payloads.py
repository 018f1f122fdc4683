"""Payloads captured from Mastodon, Misskey, GoToSocial, Akkoma and Pleroma, replayed at the inbox.

Each capture in tests/payloads/ (sources in its README) is aimed at a call published through the
API, posted really signed from an in-process host with a real key, handled by the worker, and
checked through GET /api/v1/calls/{key}/responses and the stored row. Aiming changes only what
must change: the sender's origins become https on the same host name (served in-process); the
post replied to, liked or boosted becomes the call; the account addressed becomes the
organisation; a Delete or Undo names what was posted before it; a top-level post gets
`inReplyTo`; a bare Note is wrapped in a Create as its server wraps it. The rest goes as captured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from node.activitypub.keys import generate_key_pair
from node.activitypub.sanitize import CLASS_NAMES, CLASS_PREFIXES
from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage import inbox_items, objects
from tests.support.actors import FakeActor, RemoteHost, post_signed
from tests.support.router import HostRouter

PAYLOADS = Path(__file__).parents[1] / "payloads"
INBOX = "https://node.test/users/alpha/inbox"
CALL, ORG = "<the call>", "<the organisation>"
KEPT_ATTRIBUTES = {"href", "class", "rel", "target", "translate", "start", "reversed", "value"}
IRI_END = r"(?![\w.:-])"  # an IRI replaced only whole or before / # ?: never a longer name


@dataclass(frozen=True)
class Capture:
    path: str
    hosts: tuple[str, ...]  # the sender's origins, served in-process over https
    aim: Mapping[str, str] = field(default_factory=dict)  # captured IRI -> CALL, ORG or another
    wrap: str | None = None  # a bare Note: the suffix its server gives the Create's id

    @property
    def id(self) -> str:
        return self.path.removesuffix(".json")


MASTODON = ("http://mastodon.example.org",)
LAIN = {"http://localtesting.pleroma.lol/users/lain": ORG}
LIKED = {"http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454": CALL}
BOOSTED = {"http://mastodon.example.org/@admin/99541947525187367": CALL}
GTS = ("http://localhost:8080",)
ZORK = {
    "http://localhost:8080/users/the_mighty_zork/statuses/01F8MHAMCHF6Y650WCRSCP4WMY": CALL,
    "http://localhost:8080/users/the_mighty_zork": ORG,
}
MISSKEY_LOCAL = ("https://misskey.local.live", "http://misskey.local.live")
AKKOMA_DOCS = ("https://example.org", "http://example.org")
DIANA = {
    "https://remote.example/objects/9f0e93499d8314a9": CALL,
    "https://remote.example/users/diana": ORG,
}
PICARD = {
    "https://enterprise.lemmy.ml/post/55143": CALL,
    "https://enterprise.lemmy.ml/u/picard": ORG,
}

REPLIES = [
    Capture("mastodon/create_note_cw_hashtag.json", MASTODON, LAIN),
    Capture("mastodon/create_note_contentmap_only.json", MASTODON, LAIN),
    Capture(
        "mastodon/create_reply_unlisted.json",
        ("https://mastodon.madrid",),
        {
            "https://mamot.fr/users/retiolus/statuses/107224244380204526": CALL,
            "https://mamot.fr/users/retiolus": ORG,
        },
    ),
    Capture(
        "mastodon/note_reply_attachment_blurhash.json",
        ("https://floss.social",),
        {
            "https://floss.social/users/kde/statuses/113306824627995724": CALL,
            "https://lemmy.kde.social/c/kde": ORG,
        },
        wrap="/activity",
    ),
    Capture("mastodon/note_contentmap_ja.json", ("https://mastodon.social",), wrap="/activity"),
    Capture("misskey/note_quote.json", ("https://misskey.io",), wrap="/activity"),
    Capture(
        "misskey/note_mfm.json",
        MISSKEY_LOCAL,
        {
            "http://localhost:4001/users/akkoma_user": ORG,
            "https://akkoma.local.live/users/akkoma_user": ORG,
        },
        wrap="/activity",
    ),
    Capture("gotosocial/create_note_cw.json", GTS),
    Capture("gotosocial/note_reply_mention.json", GTS, ZORK, wrap="/activity#Create"),
    Capture("gotosocial/note_image_hashtag.json", GTS, wrap="/activity#Create"),
    Capture(
        "akkoma/create_reply.json",
        ("https://p.helene.moe",),
        {
            "https://mk.absturztau.be/notes/93e7nm8wqg": CALL,
            "https://mk.absturztau.be/users/8ozbzjs3o8": ORG,
        },
    ),
    Capture("pleroma/create_reply.json", ("https://greenish.red",), PICARD),
]
BY_PATH = {capture.path: capture for capture in REPLIES}


@dataclass(frozen=True)
class Expected:
    """What the responses must show for one reply (text is compared as plain text)."""

    text: str
    language: str | None = None
    summary: str | None = None
    themes: tuple[str, ...] = ()
    visibility: str = "public"


EXPECTED = {
    "mastodon/create_note_cw_hashtag.json": Expected("@lain #moo", None, "cw", ("moo",)),
    "mastodon/create_note_contentmap_only.json": Expected("@lain", "en", "cw"),
    "mastodon/create_reply_unlisted.json": Expected(
        "i have never been disappointed by a thinkpad", "en", visibility="unlisted"
    ),
    "mastodon/note_reply_attachment_blurhash.json": Expected("We also need funding", "en"),
    "mastodon/note_contentmap_ja.json": Expected("tag", "ja"),
    "misskey/note_quote.json": Expected("i quompt u", None),
    "misskey/note_mfm.json": Expected("linkifylink #dancedance", None, themes=("dancedance",)),
    "gotosocial/create_note_cw.json": Expected("hello everyone!", "en", "introduction post"),
    "gotosocial/note_reply_mention.json": Expected("welcome to the instance!", "en", ""),
    "gotosocial/note_image_hashtag.json": Expected("hello world! #welcome", "en", "", ("welcome",)),
    "akkoma/create_reply.json": Expected("@mametsuko meow", None, ""),
    "pleroma/create_reply.json": Expected("@lanodan test", None, ""),
}

MISSKEY_LIKED = {"https://pleroma.local.live/objects/89937a53-2692-4631-bb62-770091267391": CALL}
GTS_BOOSTED = {
    "http://localhost:8080/users/the_mighty_zork/statuses/01FCTA44PW9H1TB328S9AQXKDS": CALL
}
POST_AUTHOR = {
    "https://example.org/users/post_author/statuses/01J17ZZFK6W82K9MJ9SYQ33Y3D": CALL,
    "https://example.org/users/post_author": ORG,
}
LIKE = Capture("mastodon/like.json", MASTODON, LIKED)
ANNOUNCE = Capture("mastodon/announce.json", MASTODON, BOOSTED)
# a Like or Announce, and the Undo of it where one was captured
REACTIONS: list[tuple[Capture, Capture | None]] = [
    (LIKE, Capture("mastodon/undo_like.json", MASTODON, LIKED)),
    (LIKE, Capture("mastodon/undo_like_compact.json", MASTODON, LIKED)),
    (ANNOUNCE, Capture("mastodon/undo_announce.json", MASTODON, BOOSTED)),
    (Capture("misskey/like_custom_emoji.json", MISSKEY_LOCAL, MISSKEY_LIKED), None),
    (Capture("gotosocial/announce_followers.json", GTS, GTS_BOOSTED), None),
    (
        Capture(
            "gotosocial/announce_approved.json",
            ("https://somewhere.else.example.org",),
            POST_AUTHOR,
        ),
        None,
    ),
]
# a reply, and a captured Delete aimed at it (the captured Delete named another post)
DELETES: list[tuple[Capture, Capture]] = [
    (
        BY_PATH["mastodon/create_note_cw_hashtag.json"],
        Capture(
            "mastodon/delete_tombstone.json",
            MASTODON,
            {
                "http://mastodon.example.org/users/gargron/statuses/99620895606148759": (
                    "http://mastodon.example.org/users/admin/statuses/99512778738411822"
                ),
                "http://mastodon.example.org/users/gargron": "http://mastodon.example.org/users/admin",
            },
        ),
    ),
    (
        BY_PATH["mastodon/create_reply_unlisted.json"],
        Capture(
            "mastodon/delete_signed.json",
            ("https://mastodon.madrid",),
            {
                "https://mastodon.madrid/users/felix/statuses/107773559874184870": (
                    "https://mastodon.madrid/users/felix/statuses/107224289116410645"
                )
            },
        ),
    ),
    (
        BY_PATH["gotosocial/note_reply_mention.json"],
        Capture("gotosocial/delete_reply.json", GTS, ZORK),
    ),
    (
        BY_PATH["pleroma/create_reply.json"],
        Capture(
            "pleroma/delete.json",
            ("https://greenish.red",),
            {
                "https://greenish.red/objects/38e2b983-ebf5-4387-9bc2-3b80305469c9": (
                    "https://greenish.red/objects/1a522f2e-d5ab-454b-93d7-e58bc0650c2a"
                ),
                "https://greenish.red/users/vpzom": "https://greenish.red/users/nutomic",
            },
        ),
    ),
]
# payloads that once exposed a node bug (contentMap without content; GoToSocial's Delete
# without an id): kept as plain cases now that both are fixed
KNOWN_BUGS: dict[str, pytest.MarkDecorator] = {}
# accepted and stored, with no effect on the responses (the node has no emoji reactions)
IGNORED = [
    Capture("akkoma/emoji_react.json", AKKOMA_DOCS, DIANA),
    Capture("akkoma/undo_emoji_react.json", AKKOMA_DOCS, DIANA),
]


def replaced(value: Any, table: Mapping[str, str]) -> Any:
    """`value` with every IRI in `table` replaced, in every string, in one pass."""
    if not table:
        return value
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(map(re.escape, keys)) + ")" + IRI_END)

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda m: table[m.group(1)], item)
        if isinstance(item, list):
            return [walk(i) for i in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        return item

    return walk(value)


def https(origin: str) -> str:
    return f"https://{urlsplit(origin).hostname}"


def aimed(capture: Capture, call: str, org: str) -> dict[str, Any]:
    """The capture as sent to the node: see the module docstring for what changes."""
    document = json.loads((PAYLOADS / capture.path).read_text(encoding="utf-8"))
    sentinels = {CALL: call, ORG: org}
    document = replaced(document, {k: v for k, v in capture.aim.items() if v not in sentinels})
    table = {k: sentinels[v] for k, v in capture.aim.items() if v in sentinels}
    table |= {origin: https(origin) for origin in capture.hosts}
    document = replaced(document, table)
    return wrapped(document, capture.wrap) if capture.wrap else document


def wrapped(note: dict[str, Any], suffix: str) -> dict[str, Any]:
    """A Create around a bare Note, shaped as its server shapes it (context hoisted)."""
    context = {"@context": note["@context"]} if "@context" in note else {}
    return context | {
        "id": note["id"] + suffix,
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note.get("cc", []),
        "object": {k: v for k, v in note.items() if k != "@context"},
    }


def replying(create: dict[str, Any], call: str) -> dict[str, Any]:
    note = create["object"]
    return create if note.get("inReplyTo") else create | {"object": note | {"inReplyTo": call}}


class Senders:
    """In-process hosts for the captured origins, with a real key for every actor that signs."""

    def __init__(self, router: HostRouter) -> None:
        self.router = router
        self.hosts: dict[str, RemoteHost] = {}

    def actor(self, iri: str) -> FakeActor:
        name = urlsplit(iri).hostname or ""
        if name not in self.hosts:
            self.hosts[name] = RemoteHost(name)
            self.router.add(name, self.hosts[name].app())
        actors = self.hosts[name].actors
        if iri not in actors:
            actors[iri] = FakeActor(iri, generate_key_pair())
        return actors[iri]


@dataclass(frozen=True)
class Published:
    iri: str
    org: str
    headers: dict[str, str]

    @property
    def responses(self) -> str:
        return f"/api/v1/calls/{self.iri.rsplit('/', 1)[-1]}/responses"


@pytest.fixture
def senders(router: HostRouter) -> Senders:
    return Senders(router)


@pytest.fixture
async def call(client: httpx.AsyncClient, node: Runtime, alpha: str) -> Published:
    token = await organisations.create_token(node.db, node.clock, "alpha")
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "title": "Court hearing in Warsaw: fill the room",
        "content": "Our activists face charges on **Monday**. Come to court.",
        "urgency": "high",
        "deadline": (node.clock.now() + timedelta(days=3)).isoformat(),
    }
    made = await client.post("/api/v1/calls", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return Published(made.json()["id"], alpha, headers)


class Inbox:
    def __init__(self, client: httpx.AsyncClient, node: Runtime, senders: Senders) -> None:
        self.client, self.node, self.senders = client, node, senders

    async def post(self, document: dict[str, Any]) -> httpx.Response:
        actor = self.senders.actor(document["actor"])
        return await post_signed(self.client, actor, INBOX, document, self.node.clock.now())

    async def deliver(self, document: dict[str, Any]) -> None:
        """Posted, accepted (202) and handled by the worker without error."""
        response = await self.post(document)
        assert response.status_code == 202, response.text
        await build_worker(self.node).run_until_idle()
        async with self.node.db.transaction() as session:
            states = await inbox_items.count_by_state(session)
        assert set(states) == {"done"}, states

    async def responses(self, call: Published) -> dict[str, Any]:
        found = await self.client.get(call.responses, headers=call.headers)
        assert found.status_code == 200, found.text
        return dict(found.json())

    async def stored(self, iri: str) -> objects.StoredObject:
        async with self.node.db.transaction() as session:
            found = await objects.get(session, iri)
        assert found is not None, iri
        return found


@pytest.fixture
def inbox(client: httpx.AsyncClient, node: Runtime, senders: Senders) -> Inbox:
    return Inbox(client, node, senders)


class Markup(HTMLParser):
    """Every tag and attribute of a fragment, to check what the sanitiser let through."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


def assert_safe(html: str) -> None:
    markup = Markup(html)
    for tag, attrs in markup.tags:
        assert tag not in ("script", "style", "iframe", "img"), html
        assert set(attrs) <= KEPT_ATTRIBUTES, (tag, attrs)
        assert attrs.get("target", "_blank") == "_blank"  # the sanitiser's own, with rel noopener
        for name in (attrs.get("class") or "").split():
            assert name in CLASS_NAMES or name.startswith(CLASS_PREFIXES), (name, html)
        assert not (attrs.get("href") or "").lower().startswith(("javascript:", "data:"))
    assert "alert(" not in markup.plain and "color:" not in markup.plain


@pytest.mark.parametrize(
    "capture", [pytest.param(c, id=c.id, marks=KNOWN_BUGS.get(c.path, ())) for c in REPLIES]
)
async def test_a_reply_is_listed_sanitised_with_its_language_and_warning(
    inbox: Inbox, call: Published, capture: Capture
) -> None:
    create = replying(aimed(capture, call.iri, call.org), call.iri)
    await inbox.deliver(create)
    expected = EXPECTED[capture.path]
    [reply] = (await inbox.responses(call))["replies"]
    assert reply["id"] == create["object"]["id"] and reply["actor"] == create["actor"]
    assert expected.text in Markup(reply["content"]).plain, reply["content"]
    assert reply["language"] == expected.language
    assert reply["summary"] == expected.summary
    assert_safe(reply["content"])
    assert_safe(reply["summary"] or "")
    stored = await inbox.stored(reply["id"])
    assert stored.content.in_reply_to == call.iri and stored.visibility == expected.visibility
    assert stored.fields.themes == expected.themes
    assert expected.text in " ".join(stored.content.body_text.split())


@pytest.mark.parametrize(
    ("made", "undo"),
    [pytest.param(m, u, id=m.id + (f"+{u.id}" if u else "")) for m, u in REACTIONS],
)
async def test_likes_and_announces_are_listed_and_undone(
    inbox: Inbox, call: Published, made: Capture, undo: Capture | None
) -> None:
    activity = aimed(made, call.iri, call.org)
    listed = "likes" if activity["type"] == "Like" else "announces"
    await inbox.deliver(activity)
    found = await inbox.responses(call)
    assert [(r["id"], r["actor"]) for r in found[listed]] == [(activity["id"], activity["actor"])]
    assert found["replies"] == found["pledges"] == []
    if undo is not None:
        await inbox.deliver(aimed(undo, call.iri, call.org))
        assert (await inbox.responses(call))[listed] == []


@pytest.mark.parametrize(
    ("reply", "delete"),
    [pytest.param(r, d, id=d.id, marks=KNOWN_BUGS.get(d.path, ())) for r, d in DELETES],
)
async def test_a_delete_tombstones_the_reply_and_unlists_it(
    inbox: Inbox, call: Published, reply: Capture, delete: Capture
) -> None:
    create = replying(aimed(reply, call.iri, call.org), call.iri)
    await inbox.deliver(create)
    assert len((await inbox.responses(call))["replies"]) == 1
    activity = aimed(delete, call.iri, call.org)
    assert activity["actor"] == create["actor"]
    await inbox.deliver(activity)
    assert (await inbox.responses(call))["replies"] == []
    gone = await inbox.stored(create["object"]["id"])
    assert gone.deleted_at is not None and gone.document["type"] == "Tombstone"


async def test_emoji_reactions_are_accepted_and_change_nothing(
    inbox: Inbox, call: Published
) -> None:
    for capture in IGNORED:
        await inbox.deliver(aimed(capture, call.iri, call.org))
    found = await inbox.responses(call)
    empty: dict[str, list[Any]] = {key: [] for key in ("replies", "pledges", "likes", "announces")}
    assert found == {"object": call.iri} | empty


async def test_hostile_html_in_a_captured_reply_is_sanitised_on_the_way_in(
    inbox: Inbox, call: Published
) -> None:
    """The Mastodon reply with script, style, handlers and foreign classes slipped in."""
    create = replying(aimed(REPLIES[0], call.iri, call.org), call.iri)
    evil = (
        '<script>alert("x")</script><style>p{color:red}</style>'
        '<p class="mention evil" onclick="alert(1)" style="color:red">'
        '<a href="javascript:alert(2)" target="_blank" data-user="x">click</a> #moo</p>'
    )
    note = create["object"] | {"content": evil, "contentMap": {"en": evil}, "summary": evil}
    await inbox.deliver(create | {"object": note})
    [reply] = (await inbox.responses(call))["replies"]
    for html in (reply["content"], reply["summary"]):
        assert_safe(html)
        assert "click" in Markup(html).plain
    stored = await inbox.stored(note["id"])
    for html in [stored.document["content"], *stored.document["contentMap"].values()]:
        assert_safe(html)


def test_every_captured_payload_is_replayed() -> None:
    used = {c.path for c in REPLIES + IGNORED}
    used |= {c.path for pair in REACTIONS for c in pair if c is not None}
    used |= {c.path for pair in DELETES for c in pair}
    on_disk = {str(p.relative_to(PAYLOADS)) for p in PAYLOADS.rglob("*.json")}
    # epicyon/ (a Follow and an Accept besides a reply) has a replay of its own:
    # tests/federation/test_epicyon_payloads.py
    assert used == {path for path in on_disk if not path.startswith("epicyon/")}
