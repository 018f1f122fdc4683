"""Discovery through the real ASGI app: WebFinger, host-meta, NodeInfo."""

from __future__ import annotations

import httpx

from node.federation.runtime import Runtime
from node.storage import actors

AS2 = "application/activity+json"


def self_link(jrd: dict[str, object]) -> str:
    links = jrd["links"]
    assert isinstance(links, list)
    return next(link["href"] for link in links if link.get("rel") == "self")


async def test_webfinger_acct_resolves_the_organisation(
    client: httpx.AsyncClient, alpha: str
) -> None:
    response = await client.get(
        "/.well-known/webfinger",
        params={"resource": "acct:alpha@node.test"},
        headers={"Accept": "application/jrd+json, application/json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert jrd["subject"] == "acct:alpha@node.test"
    assert self_link(jrd) == alpha
    assert "https://node.test/@alpha" in jrd["aliases"] and alpha in jrd["aliases"]
    rels = {link["rel"]: link for link in jrd["links"]}
    assert rels["self"]["type"] == AS2
    assert rels["http://webfinger.net/rel/profile-page"]["href"] == "https://node.test/@alpha"
    subscribe = rels["http://ostatus.org/schema/1.0/subscribe"]["template"]
    assert subscribe == "https://node.test/authorize_interaction?uri={uri}"


async def test_webfinger_accepts_unencoded_percent_encoded_and_url_forms(
    client: httpx.AsyncClient, alpha: str
) -> None:
    forms = [
        "/.well-known/webfinger?resource=acct:alpha@node.test",
        "/.well-known/webfinger?resource=acct%3Aalpha%40node.test",
        "/.well-known/webfinger?resource=https%3A%2F%2Fnode.test%2Forgs%2Falpha",
        "/.well-known/webfinger?resource=https://node.test/@alpha",
        "/.well-known/webfinger?resource=acct:@alpha@node.test",
    ]
    for path in forms:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.json()["subject"] == "acct:alpha@node.test"
        assert self_link(response.json()) == alpha


async def test_webfinger_unknown_other_host_and_missing_resource(
    client: httpx.AsyncClient, alpha: str
) -> None:
    unknown = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:nobody@node.test"}
    )
    assert unknown.status_code == 404
    assert "error" in unknown.json()
    elsewhere = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alpha@elsewhere.example"}
    )
    assert elsewhere.status_code == 404
    missing = await client.get("/.well-known/webfinger")
    assert missing.status_code == 400
    garbage = await client.get("/.well-known/webfinger", params={"resource": "acct:"})
    assert garbage.status_code == 400


async def test_webfinger_deleted_organisation_is_gone(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alpha@node.test"}
    )
    assert response.status_code == 410


async def test_webfinger_instance_actor(client: httpx.AsyncClient, node: Runtime) -> None:
    by_acct = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:node.test@node.test"}
    )
    assert by_acct.status_code == 200
    assert self_link(by_acct.json()) == "https://node.test/actor"
    by_url = await client.get(
        "/.well-known/webfinger", params={"resource": "https://node.test/actor"}
    )
    assert by_url.json()["subject"] == "acct:node.test@node.test"


async def test_host_meta_points_to_webfinger(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    assert 'template="https://node.test/.well-known/webfinger?resource={uri}"' in response.text


async def test_nodeinfo_discovery_and_documents(client: httpx.AsyncClient, alpha: str) -> None:
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    by_rel = {link["rel"]: link["href"] for link in links}
    assert (
        by_rel["http://nodeinfo.diaspora.software/ns/schema/2.1"]
        == "https://node.test/nodeinfo/2.1"
    )
    assert (
        by_rel["http://nodeinfo.diaspora.software/ns/schema/2.0"]
        == "https://node.test/nodeinfo/2.0"
    )
    assert by_rel["https://www.w3.org/ns/activitystreams#Application"] == "https://node.test/actor"
    for version in ("2.0", "2.1"):
        response = await client.get(f"/nodeinfo/{version}")
        assert response.status_code == 200
        assert f"schema/{version}#" in response.headers["content-type"]
        info = response.json()
        assert info["version"] == version
        assert info["software"]["name"] == "solidarity-node"
        assert info["protocols"] == ["activitypub"]
        assert info["services"] == {"inbound": [], "outbound": []}
        assert info["openRegistrations"] is False
        assert info["usage"]["users"] == {"total": 1, "activeHalfyear": 0, "activeMonth": 0}
        assert info["usage"]["localPosts"] == 0
        assert isinstance(info["metadata"], dict)
    assert (await client.get("/nodeinfo/3.0")).status_code == 404
