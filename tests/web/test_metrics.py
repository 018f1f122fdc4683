"""/metrics: Prometheus text that prometheus_client's own parser reads, and figures that move
under load: inbox requests and their latency, the queues' depth and age read from the database
at scrape time, deliveries by outcome and host (hosts bounded), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from node.clock import FrozenClock
from node.federation import sending
from node.federation.runtime import Runtime
from node.metrics import OTHER, Metrics
from node.runner import build_worker
from node.storage import actors, follows, remote_actors
from node.storage.remote_actors import RemoteActor
from tests.support.actors import RemoteHost, create_note, hosted, post_signed
from tests.support.router import HostRouter

SHARED = "https://node.test/inbox"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def add_follower(node: Runtime, remote: RemoteHost, alpha: str) -> None:
    actor = remote.actor("reader")
    now = node.clock.now()
    view = RemoteActor(
        iri=actor.iri,
        type="Person",
        key_id=actor.key_id,
        public_key_pem=actor.keys.public_pem,
        username="reader",
        name=None,
        inbox=f"{actor.iri}/inbox",
        shared_inbox=None,
        followers=None,
        fetched_at=now,
        gone=False,
    )
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, view, actor.document())
        await follows.put(session, actor.iri, alpha, follows.ACCEPTED, None, now)


async def test_metrics_parse_and_move_under_load(
    node: Runtime, client: httpx.AsyncClient, alpha: str, router: HostRouter, clock: FrozenClock
) -> None:
    remote = hosted(router, "remote.test")
    sender = remote.actor("ally")
    before = await scrape(client)
    assert value(before, "sn_database_up") == 1
    assert value(before, "sn_queue_rows", queue="inbox", state="pending") == 0

    for n in range(12):
        answer = await post_signed(client, sender, SHARED, create_note(sender, str(n)), clock.now())
        assert answer.status_code == 202, answer.text
    await add_follower(node, remote, alpha)
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    note = create_note(sender, "x") | {"id": node.urls.activity("m1"), "actor": alpha}
    await sending.send(node, org, note | {"cc": [node.urls.followers("alpha")]})
    clock.advance(timedelta(seconds=30))
    loaded = await scrape(client)
    inbox_202 = {"route": "inbox", "status": "202"}
    assert value(loaded, "sn_http_requests_total", **inbox_202) == 12
    assert value(loaded, "sn_http_request_duration_seconds_count", route="inbox") == 12
    assert value(loaded, "sn_queue_rows", queue="inbox", state="pending") == 12
    assert value(loaded, "sn_queue_rows", queue="inbox", state="due") == 12
    assert value(loaded, "sn_queue_rows", queue="deliveries", state="pending") == 1
    assert value(loaded, "sn_queue_oldest_due_seconds", queue="inbox") == 30
    assert value(loaded, "sn_queue_oldest_due_seconds", queue="deliveries") == 30

    await build_worker(node).run_until_idle()
    after = await scrape(client)
    delivered = {"outcome": "delivered", "host": "remote.test"}
    assert value(after, "sn_deliveries_total", **delivered) == 1
    assert value(after, "sn_queue_rows", queue="inbox", state="pending") == 0
    assert value(after, "sn_queue_oldest_due_seconds", queue="deliveries") == 0
    assert value(after, "sn_http_requests_total", route="metrics", status="200") == 2


def test_remote_hosts_beyond_the_bound_are_counted_as_other() -> None:
    metrics = Metrics(host_labels=3)
    metrics.delivered((f"host{n}.test", "delivered") for n in range(10))
    metrics.delivered([("host0.test", "retry"), ("host9.test", "failed")])
    hosts = {
        sample.labels["host"]
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
        if sample.name == "sn_deliveries_total"
    }
    assert hosts == {"host0.test", "host1.test", "host2.test", OTHER}


def test_cascade_hops_are_a_histogram_by_direction() -> None:
    metrics = Metrics()
    for hop in (1, 1, 2, 5):
        metrics.cascade_hop("received", hop)
    metrics.cascade_hop("sent", 2)
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
    }
    assert samples[("sn_cascade_hops_count", frozenset({("direction", "received")}))] == 4
    assert (
        samples[("sn_cascade_hops_bucket", frozenset({("direction", "received"), ("le", "1.0")}))]
        == 2
    )
    assert samples[("sn_cascade_hops_sum", frozenset({("direction", "sent")}))] == 2


async def test_metrics_are_not_for_the_public(node: Runtime) -> None:
    """Whom the node delivers to is nobody else's business: a public client gets 404."""
    from node.app import create_app

    app = create_app(node.settings, runtime=node)
    for client, status in ((("1.2.3.4", 1), 404), (("10.1.2.3", 1), 200)):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="https://node.test") as http:
            assert (await http.get("/metrics")).status_code == status
            assert (await http.get("/healthz")).status_code == 200
