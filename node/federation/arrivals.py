"""What the network's rules do when content arrives: the seam between the runtime and them.

The inbox effects store what arrives and then tell an Arrivals; node.solidarity implements it
(a call's cascade: recording it, amplifying it) and node.runner hands it in where the worker is
assembled, so the runtime never imports the rules it serves.
"""

from __future__ import annotations

from typing import Any, Protocol

from node.federation.runtime import Runtime
from node.storage.objects import StoredObject


class Arrivals(Protocol):
    async def created(self, node: Runtime, activity_iri: str, stored: StoredObject) -> None:
        """A Create of `stored` arrived from its author (or was published here)."""

    async def announced(
        self,
        node: Runtime,
        activity_iri: str,
        actor_iri: str,
        document: dict[str, Any],
        stored: StoredObject,
    ) -> None:
        """Someone's Announce of a known object arrived (a boost or a cascade step)."""

    async def passed_on(self, node: Runtime, activity_iri: str, stored: StoredObject) -> None:
        """A subscribed relay passed the object on (no step of any cascade)."""

    async def withdrawn(self, node: Runtime, object_iri: str) -> None:
        """The object was deleted, or its author undid an Announce of it."""

    async def wants_announces_of(self, node: Runtime, actor_iri: str) -> bool:
        """Whether what this actor announces is worth fetching from its origin."""
