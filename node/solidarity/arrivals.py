"""The network's answer to arriving content (federation.arrivals.Arrivals): a call's Create is
the root of its cascade, an Announce a step of it, a relay's copy a new arrival without a step;
deletions drop what members had not yet decided. The rules themselves are amplification's.
"""

from __future__ import annotations

from typing import Any

from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import amplification
from node.storage.objects import StoredObject


class CascadeArrivals:
    async def created(self, node: Runtime, activity_iri: str, stored: StoredObject) -> None:
        if stored.kind is Kind.CALL:
            await amplification.on_create(node, activity_iri, stored)

    async def announced(
        self,
        node: Runtime,
        activity_iri: str,
        actor_iri: str,
        document: dict[str, Any],
        stored: StoredObject,
    ) -> None:
        await amplification.on_announce(node, activity_iri, actor_iri, document, stored)

    async def passed_on(self, node: Runtime, activity_iri: str, stored: StoredObject) -> None:
        if stored.kind is Kind.CALL:
            arrival = amplification.Arrival(activity_iri, stored.actor_iri, 0)
            await amplification.arrive(node, stored, arrival, None)

    async def withdrawn(self, node: Runtime, object_iri: str) -> None:
        await amplification.on_withdrawn(node, object_iri)

    async def wants_announces_of(self, node: Runtime, actor_iri: str) -> bool:
        return await amplification.wanted_from(node, actor_iri)
