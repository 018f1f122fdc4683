"""Moderation activities this node sends: Flag (a report forwarded to the reported actor's
server, by the instance actor, as Mastodon sends and reads it), Block and its Undo (by an
organisation). Pure; addressed as Mastodon expects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from node.activitypub.vocabulary import CONTEXT


def flag_to_as(
    flag_iri: str, instance_actor: str, target: str, objects: Sequence[str], comment: str
) -> dict[str, Any]:
    """Mastodon's Flag: `object` the reported actor then the reported objects, `content` the
    comment; sent to the reported actor's inbox (it names no audience)."""
    return {
        "@context": CONTEXT,
        "id": flag_iri,
        "type": "Flag",
        "actor": instance_actor,
        "content": comment,
        "object": [target, *dict.fromkeys(o for o in objects if o != target)],
    }


def block_to_as(block_iri: str, actor: str, target: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": block_iri,
        "type": "Block",
        "actor": actor,
        "object": target,
        "to": [target],
    }


def undo_block_to_as(undo_iri: str, block_iri: str, actor: str, target: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": undo_iri,
        "type": "Undo",
        "actor": actor,
        "object": {"id": block_iri, "type": "Block", "actor": actor, "object": target},
        "to": [target],
    }
