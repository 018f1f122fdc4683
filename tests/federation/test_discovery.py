"""Discovery on SQLite and PostgreSQL: which local actor a WebFinger resource names (by handle
on either spelling of this host, or by URL), what is answered for it, and the usage NodeInfo
publishes, measured from what organisations sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.clock import FrozenClock
from node.errors import NotFound
from node.federation import discovery
from node.federation.discovery import INSTANCE
from node.federation.runtime import Runtime
from node.solidarity import organisations, publishing, validation
from node.storage import actors
from node.urls import Urls

URLS = Urls("https://node.test:8443")


@pytest.mark.parametrize(
    ("resource", "target"),
    [
        (("acct", "alpha", "node.test:8443"), "alpha"),
        (("acct", "Alpha", "NODE.TEST"), "alpha"),
        (("acct", "alpha", "other.test"), None),
        (("acct", "node.test", "node.test"), INSTANCE),
        (("url", "https://node.test:8443/users/alpha"), "alpha"),
        (("url", "https://node.test:8443/@alpha"), "alpha"),
        (("url", "https://node.test:8443/actor"), INSTANCE),
        (("url", "https://node.test/users/alpha"), None),
        (("url", "https://node.test:8443/calls/abc"), None),
    ],
)
def test_the_local_actor_a_resource_names(resource: tuple[str, ...], target: str | None) -> None:
    assert discovery.webfinger_target(URLS, resource) == target


async def test_organisations_and_the_instance_actor_are_found(node: Runtime, alpha: str) -> None:
    found = await discovery.find_actor(node, "alpha")
    assert (found.subject, found.actor_iri, found.deleted) == ("acct:alpha@node.test", alpha, False)
    assert found.aliases == ["https://node.test/@alpha", alpha]
    assert found.profile_url == "https://node.test/@alpha"
    instance = await discovery.find_actor(node, INSTANCE)
    assert (instance.subject, instance.actor_iri) == (
        "acct:node.test@node.test",
        "https://node.test/actor",
    )
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    assert (await discovery.find_actor(node, "alpha")).deleted
    with pytest.raises(NotFound):
        await discovery.find_actor(node, "nobody")


async def test_usage_counts_what_organisations_published_in_each_period(
    node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    beta = await organisations.create_organisation(node.db, clock, node.urls, "beta")
    await organisations.create_organisation(node.db, clock, node.urls, "gamma")
    body = {"title": "Observers", "content": "Watch."}
    await publishing.publish(node, beta, validation.strategy(body))
    clock.advance(timedelta(days=60))
    await publishing.publish(node, org, validation.strategy(body))
    await publishing.publish(node, org, validation.strategy(body))

    usage = await discovery.usage(node)

    assert usage == discovery.Usage(
        organisations=3, active_month=1, active_halfyear=2, local_posts=3
    )
