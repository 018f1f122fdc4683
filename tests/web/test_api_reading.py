"""GET /api/v1/timeline and GET /api/v1/search over HTTP, on SQLite and PostgreSQL: tokens,
the answer's shape, query parameters, paging by `next`, expired calls by the frozen clock, and
clear 400s for bad parameters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors, follows, objects
from tests.support.content import content

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ROSE = "https://remote.test/users/rose"
ITEM_KEYS = {
    "id",
    "url",
    "kind",
    "type",
    "author",
    "title",
    "summary",
    "urgency",
    "deadline",
    "expired",
    "regions",
    "themes",
    "language",
    "published",
    "visibility",
    "max_hops",
    "actions",
}


@pytest.fixture
async def token(node: Runtime, alpha: str) -> str:
    async with node.db.transaction() as session:
        await follows.put(session, alpha, ROSE, follows.ACCEPTED, None, START)
    return await organisations.create_token(node.db, node.clock, "alpha")


@pytest.fixture
def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def put(node: Runtime, name: str, actor: str = ROSE, **given: Any) -> str:
    """A received (or, with a local actor, published) object; `name` ends its IRI."""
    local = node.urls.actor_name(actor)
    iri = node.urls.publication("call", name) if local else f"{actor}/objects/{name}"
    fields: dict[str, Any] = {"title": name.title(), **given}
    minutes = int(fields.pop("minutes", 1))
    async with node.db.transaction() as session:
        owner = (await actors.by_username(session, local)).id if local else None
        await objects.put(
            session,
            iri=iri,
            actor_iri=actor,
            content=content(**fields),
            document={"id": iri, "url": {"type": "Link", "href": f"{iri}.html"}},
            published=START - timedelta(minutes=minutes),
            now=START,
            local_actor_id=owner,
            key=name if local else None,
        )
    return iri


async def get(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> httpx.Response:
    return await client.get(path, params=params, headers=headers)


async def test_a_token_is_required(client: httpx.AsyncClient, alpha: str) -> None:
    for path in ("/api/v1/timeline", "/api/v1/search?q=water"):
        for sent in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
            answer = await client.get(path, headers=sent)
            assert answer.status_code == 401
            assert "error" in answer.json()


async def test_timeline_items_and_expired_calls(
    client: httpx.AsyncClient, node: Runtime, headers: dict[str, str]
) -> None:
    soon = START + timedelta(hours=1)
    past = await put(node, "past", urgency="high", deadline=START - timedelta(hours=1), minutes=1)
    coming = await put(
        node,
        "coming",
        urgency="critical",
        deadline=soon,
        regions=("Lisboa", "PT"),
        language="pt-PT",
        minutes=2,
    )
    strategy = await put(
        node,
        "guide",
        type="Article",
        kind="strategy",
        summary_text="How we did it",
        themes=("Housing",),
        minutes=3,
    )
    answer = await get(client, "/api/v1/timeline", headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["next"] is None
    assert [item["id"] for item in body["items"]] == [past, coming, strategy]
    assert all(set(item) == ITEM_KEYS for item in body["items"])
    first, second, third = body["items"]
    assert first["expired"] is True and second["expired"] is False and third["expired"] is False
    assert second == {
        "id": coming,
        "url": f"{coming}.html",
        "kind": "call",
        "type": "Note",
        "author": ROSE,
        "title": "Coming",
        "summary": None,
        "urgency": "critical",
        "deadline": soon.isoformat(),
        "expired": False,
        "regions": ["Lisboa", "PT"],
        "themes": [],
        "language": "pt-PT",
        "published": (START - timedelta(minutes=2)).isoformat(),
        "visibility": "public",
        "max_hops": None,
        "actions": [],
    }
    assert third["summary"] == "How we did it" and third["themes"] == ["Housing"]
    assert isinstance(node.clock, FrozenClock)
    node.clock.advance(timedelta(hours=2))
    later = (await get(client, "/api/v1/timeline", headers)).json()["items"]
    assert [item["expired"] for item in later] == [True, True, False]  # strategies never expire


async def test_timeline_query_parameters(
    client: httpx.AsyncClient, node: Runtime, headers: dict[str, str]
) -> None:
    high = await put(node, "high", urgency="high", regions=("FR",), language="fr", minutes=1)
    low = await put(node, "low", urgency="low", themes=("Water",), language="pt-BR", minutes=2)
    critical = await put(node, "critical", urgency="critical", regions=("BR",), minutes=3)
    strategy = await put(node, "plan", type="Article", kind="strategy", minutes=4)

    async def ids(**params: Any) -> list[str]:
        answer = await get(client, "/api/v1/timeline", headers, **params)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert await ids(kind="strategy") == [strategy]
    assert await ids(urgency="high,critical") == [high, critical]
    assert await ids(urgency=["low", "critical"]) == [low, critical]
    assert await ids(urgency="high, low ,") == [high, low]
    assert await ids(region=["fr", "br"]) == [high, critical]
    assert await ids(theme="#water") == [low]
    assert await ids(language="pt") == [low]
    assert await ids(kind="call", region="FR", language="fr") == [high]


async def test_paging_by_next(
    client: httpx.AsyncClient, node: Runtime, headers: dict[str, str]
) -> None:
    made = [await put(node, f"call{n}", minutes=n // 3) for n in range(11)]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 4}
    for _ in range(5):
        body = (await get(client, "/api/v1/timeline", headers, **params)).json()
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            break
        params["cursor"] = body["next"]
    assert len(seen) == 11 and sorted(seen) == sorted(made)
    default = (await get(client, "/api/v1/timeline", headers)).json()
    assert [item["id"] for item in default["items"]] == seen and default["next"] is None


async def test_search(
    client: httpx.AsyncClient, node: Runtime, headers: dict[str, str], alpha: str
) -> None:
    titled = await put(node, "wells", title="Water wells", minutes=5)
    body = await put(node, "pumps", body_text="hand pumps for water", minutes=1)
    own = await put(node, "own", actor=alpha, visibility="followers", body_text="water", minutes=3)
    await put(node, "hidden", visibility="followers", body_text="water")
    answer = await get(client, "/api/v1/search", headers, q="water")
    assert answer.status_code == 200
    found = [item["id"] for item in answer.json()["items"]]
    assert found[0] == titled and sorted(found) == sorted([titled, body, own])
    filtered = await get(client, "/api/v1/search", headers, q="water", urgency="high")
    assert filtered.json() == {"items": [], "next": None}
    paged = (await get(client, "/api/v1/search", headers, q="water", limit=2)).json()
    rest = await get(client, "/api/v1/search", headers, q="water", cursor=paged["next"])
    assert [i["id"] for i in paged["items"] + rest.json()["items"]] == found


async def test_hostile_queries_are_answered(
    client: httpx.AsyncClient, node: Runtime, headers: dict[str, str]
) -> None:
    await put(node, "literal", title="Water or fire")
    for q in ('"', "*", "NEAR(", "OR", "&", "!", ":", "'", 'water" OR "x', "water:* | !x", "a\\"):
        answer = await get(client, "/api/v1/search", headers, q=q)
        assert answer.status_code == 200, (q, answer.text)
    found = (await get(client, "/api/v1/search", headers, q="water OR")).json()["items"]
    assert len(found) == 1


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/v1/timeline", {"kind": "note"}, "unknown kind 'note'"),
        ("/api/v1/timeline", {"kind": ["call", "strategy"]}, "give 'kind' once"),
        ("/api/v1/timeline", {"urgency": "high,urgent"}, "unknown urgency 'urgent'"),
        ("/api/v1/timeline", {"limit": "0"}, "'limit' must be from 1 to 100"),
        ("/api/v1/timeline", {"limit": "101"}, "'limit' must be from 1 to 100"),
        ("/api/v1/timeline", {"limit": "ten"}, "'limit' must be a whole number"),
        ("/api/v1/timeline", {"limit": "-1"}, "'limit' must be a whole number"),
        ("/api/v1/timeline", {"limit": "99999999999"}, "'limit' must be a whole number"),
        ("/api/v1/timeline", {"cursor": "garbage"}, "'cursor' is not one this node gave out"),
        ("/api/v1/timeline", {"language": "pt_BR"}, "BCP 47"),
        ("/api/v1/timeline", {"region": "#"}, "'region' must not be empty"),
        ("/api/v1/search", {}, "'q' is required"),
        ("/api/v1/search", {"q": "  "}, "'q' is required"),
        ("/api/v1/search", {"q": ["a", "b"]}, "'q' is required, once"),
        ("/api/v1/search", {"q": "x" * 201}, "'q' is longer than 200 characters"),
        ("/api/v1/search", {"q": "x", "kind": "event"}, "unknown kind 'event'"),
        ("/api/v1/search", {"q": "x", "cursor": "AAAA"}, "'cursor' is not one"),
    ],
)
async def test_bad_parameters_are_400(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: str,
    params: dict[str, Any],
    message: str,
) -> None:
    answer = await get(client, path, headers, **params)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
