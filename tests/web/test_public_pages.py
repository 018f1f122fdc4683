"""The public pages through the real app, on SQLite and PostgreSQL: the home page's open calls
by urgency and deadline, followers-only and direct publications kept off every public page and
feed, the call page (time left, replies and pledges, the cascade as SVG), a strategy's revision
history, the library's search and filters, Atom and iCalendar feeds, and languages."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import httpx
import pytest

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.publication import Content, Fields, Visibility
from node.solidarity import organisations, publishing, validation
from node.storage import cascade, objects
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject

HTML = {"Accept": "text/html"}
ATOM_NS = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def org(node: Runtime, alpha: str) -> LocalActor:
    return await organisations.get(node.db, "alpha")


async def call(
    node: Runtime, org: LocalActor, title: str, urgency: str, days: int, **more: object
) -> StoredObject:
    body = {
        "title": title,
        "content": f"About {title}.",
        "urgency": urgency,
        "deadline": (node.clock.now() + timedelta(days=days)).isoformat(),
        "regions": ["PL"],
        **more,
    }
    return await publishing.publish(node, org, validation.call(body, node.clock.now()))


async def strategy(node: Runtime, org: LocalActor, title: str, **more: object) -> StoredObject:
    body = {"title": title, "content": f"How to {title}.", "themes": ["housing"], **more}
    return await publishing.publish(node, org, validation.strategy(body))


async def test_home_lists_open_calls_by_urgency_then_deadline(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    await call(node, org, "Later normal", "normal", 5)
    await call(node, org, "Soon normal", "normal", 2)
    await call(node, org, "Critical one", "critical", 9)
    await call(node, org, "Hidden from strangers", "critical", 1, visibility="followers")
    await call(node, org, "Only the mentioned", "critical", 1, visibility="direct")
    page = (await client.get("/", headers=HTML)).text
    order = [page.index(t) for t in ("Critical one", "Soon normal", "Later normal")]
    assert order == sorted(order)
    assert "Hidden from strangers" not in page and "Only the mentioned" not in page
    assert 'dir="ltr"' in page and '<html lang="en"' in page


async def test_private_publications_stay_off_public_pages_and_feeds(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    secret = await call(node, org, "Followers only call", "high", 3, visibility="followers")
    direct = await strategy(node, org, "Direct strategy", visibility="direct")
    await strategy(node, org, "Public strategy")
    for path in (
        "/",
        "/@alpha",
        "/library",
        "/library?q=only",
        "/feed.atom",
        "/@alpha/feed.atom",
        "/@alpha/calls.ics",
    ):
        text = (await client.get(path, headers=HTML)).text
        assert "Followers only" not in text and "Direct strategy" not in text, path
    for stored in (secret, direct):
        page = await client.get(stored.iri, headers=HTML)
        assert page.status_code == 404


async def test_call_page_with_time_left_answers_and_cascade(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    made = await call(node, org, "Fill the courtroom", "high", 3, actions=["Come at nine"])
    now = node.clock.now()
    async with node.db.transaction() as session:
        for n, (actor, pledge) in enumerate(
            [("https://far.test/users/rose", True), ("https://far.test/users/sam", False)]
        ):
            reply = f"https://far.test/notes/{n}"
            await objects.put(
                session,
                iri=reply,
                actor_iri=actor,
                content=Content("Note", Fields(None, Visibility.PUBLIC), "", made.iri, pledge),
                document={"id": reply, "content": f"<p>answer {n} <b>bold</b></p>"},
                published=now,
                now=now,
            )
        entries = await cascade.of_object(session, made.iri)
        root = entries[0].activity_iri
        for hop, (actor, via) in enumerate(
            [
                ("https://b.test/orgs/beta", root),
                ("https://c.test/orgs/gamma", "https://b.test/a/1"),
            ],
            start=1,
        ):
            await cascade.add(
                session,
                activity_iri=f"https://{'bc'[hop - 1]}.test/a/{hop}",
                object_iri=made.iri,
                type="Announce",
                actor_iri=actor,
                via_iri=via,
                hop=hop,
                at=now + timedelta(seconds=hop * 30),
            )
    page = (await client.get(made.iri, headers=HTML)).text
    assert "in 3 days" in page and "Come at nine" in page
    assert "answer 0 <b>bold</b>" in page and "answer 1" in page
    assert page.index("answer 0") < page.index("answer 1")  # pledges come first
    svg = re.search(r"<svg class=\"cascade\".*?</svg>", page, re.S)
    assert svg, page
    drawing = ElementTree.fromstring(svg.group(0))
    actors = [g.get("data-actor") for g in drawing.iter("{http://www.w3.org/2000/svg}g")]
    assert actors == [
        "https://node.test/users/alpha",
        "https://b.test/orgs/beta",
        "https://c.test/orgs/gamma",
    ]
    assert len(list(drawing.iter("{http://www.w3.org/2000/svg}path"))) == 2
    assert "+30s" in svg.group(0) and "+1m" in svg.group(0)
    assert 'aria-labelledby="cascade-title"' in svg.group(0)


async def test_a_strategy_page_shows_its_revisions(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    made = await strategy(node, org, "organise tenants")
    assert isinstance(node.clock, FrozenClock)
    node.clock.advance(timedelta(hours=2))
    await publishing.revise(node, org, made.kind, made.key or "", {"title": "organise renters"})
    page = (await client.get(made.iri, headers=HTML)).text
    assert "<h1>organise renters</h1>" in page
    assert "Revision history" in page and "Version 1" in page and "Version 2" in page
    assert page.index("Version 2") < page.index("Version 1")


async def test_library_searches_and_filters(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    await strategy(node, org, "squat empty buildings", language="es", regions=["ES"])
    await strategy(node, org, "occupy the square", themes=["climate"])
    await call(node, org, "Blockade the mine", "normal", 4)
    everything = (await client.get("/library", headers=HTML)).text
    for title in ("squat empty", "occupy the square", "Blockade the mine"):
        assert title in everything
    for query, shown, hidden in [
        ("q=squat", "squat empty", "occupy the square"),
        ("theme=climate", "occupy the square", "squat empty"),
        ("region=ES", "squat empty", "occupy the square"),
        ("language=es", "squat empty", "Blockade the mine"),
        ("kind=call", "Blockade the mine", "squat empty"),
    ]:
        page = (await client.get(f"/library?{query}", headers=HTML)).text
        assert shown in page and hidden not in page, query
    assert (await client.get("/library?kind=poem", headers=HTML)).status_code == 400


async def test_atom_feeds_filter_and_are_advertised(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    await call(node, org, "Urgent call", "critical", 2, regions=["PL"])
    await call(node, org, "Calm call", "low", 2, regions=["DE"])
    await strategy(node, org, "A strategy")
    feed = await client.get("/@alpha/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    titles = lambda body: [  # noqa: E731
        e.findtext(f"{ATOM_NS}title") for e in ElementTree.fromstring(body).iter(f"{ATOM_NS}entry")
    ]
    assert set(titles(feed.content)) == {"Urgent call", "Calm call", "A strategy"}
    assert titles((await client.get("/@alpha/feed.atom?kind=strategy")).content) == ["A strategy"]
    assert titles((await client.get("/feed.atom?urgency=critical")).content) == ["Urgent call"]
    assert titles((await client.get("/feed.atom?region=DE")).content) == ["Calm call"]
    profile = (await client.get("/@alpha", headers=HTML)).text
    assert 'rel="alternate" type="application/atom+xml"' in profile
    assert 'rel="alternate" type="text/calendar"' in profile


async def test_icalendar_of_open_calls(
    client: httpx.AsyncClient, node: Runtime, org: LocalActor
) -> None:
    made = await call(node, org, "Court, hearing; day", "high", 3)
    body = (await client.get("/@alpha/calls.ics")).text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Court\\, hearing\\; day" in body
    deadline = made.fields.deadline
    assert deadline is not None and f"DTSTART:{deadline:%Y%m%dT%H%M%SZ}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


@pytest.mark.parametrize(
    ("accept", "lang", "direction", "word"),
    [
        ("es-ES,es;q=0.9", "es", "ltr", "Organizaciones"),
        ("ar", "ar", "rtl", "المنظمات"),
        ("fr-CA, en;q=0.5", "fr", "ltr", "Organisations"),
        ("pt-BR", "pt", "ltr", "Organizações"),
        ("de, en;q=0.1", "en", "ltr", "Organisations on this node"),
    ],
)
async def test_languages_follow_accept_language(
    client: httpx.AsyncClient, alpha: str, accept: str, lang: str, direction: str, word: str
) -> None:
    page = await client.get("/", headers=HTML | {"Accept-Language": accept})
    assert f'<html lang="{lang}" dir="{direction}">' in page.text
    assert word in page.text
    assert page.headers["content-language"] == lang


async def test_the_language_switcher_remembers(client: httpx.AsyncClient, alpha: str) -> None:
    home = await client.get("/@alpha", headers=HTML)
    token = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert token
    chosen = await client.post(
        "/language", data={"csrf": token.group(1), "lang": "ar", "next": "/@alpha"}
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/@alpha"
    again = await client.get("/@alpha", headers=HTML | {"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in again.text
    away = await client.post(
        "/language", data={"csrf": token.group(1), "lang": "es", "next": "https://evil.example/"}
    )
    assert away.headers["location"] == "/"


async def test_pages_run_no_script_and_refuse_frames(client: httpx.AsyncClient, alpha: str) -> None:
    page = await client.get("/@alpha", headers=HTML)
    policy = page.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script" not in page.text
