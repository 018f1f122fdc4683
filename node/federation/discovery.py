"""Who a WebFinger resource names on this node, and the usage figures NodeInfo publishes.

Usage is measured, never invented: an organisation is active in a period when it published
an activity in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from node.federation.runtime import Runtime
from node.storage import actors, outbox
from node.urls import Urls

INSTANCE = "\0instance"


def webfinger_target(urls: Urls, resource: tuple[str, ...]) -> str | None:
    """The local username a parsed resource names (INSTANCE for the instance actor), if any."""
    if resource[0] == "acct":
        _, name, host = resource
        if host.lower() not in (urls.host, urls.hostname):
            return None
        return INSTANCE if name == urls.hostname else name.lower()
    url = resource[1]
    if urls.is_instance_actor(url):
        return INSTANCE
    return urls.actor_name(url)


@dataclass(frozen=True)
class FoundActor:
    subject: str
    actor_iri: str
    profile_url: str
    aliases: list[str]
    deleted: bool


async def find_actor(node: Runtime, target: str) -> FoundActor:
    urls = node.urls
    if target == INSTANCE:
        name = urls.hostname
        iri = urls.instance_actor
        return FoundActor(urls.acct(name), iri, urls.base + "/", [iri], deleted=False)
    async with node.db.transaction() as session:
        actor = await actors.by_username(session, target)
    iri = urls.actor(actor.username)
    profile = urls.profile(actor.username)
    return FoundActor(
        urls.acct(actor.username), iri, profile, [profile, iri], deleted=actor.is_deleted
    )


@dataclass(frozen=True)
class Usage:
    organisations: int
    active_month: int
    active_halfyear: int
    local_posts: int


async def usage(node: Runtime) -> Usage:
    now = node.clock.now()
    async with node.db.transaction() as session:
        return Usage(
            organisations=await actors.count_organisations(session),
            active_month=await outbox.count_active_publishers(session, now - timedelta(days=30)),
            active_halfyear=await outbox.count_active_publishers(
                session, now - timedelta(days=180)
            ),
            local_posts=await outbox.count_local_posts(session),
        )
