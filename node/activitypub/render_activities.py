"""Activities this node sends, as AS2 documents: Follow and its answers (Accept, Reject, Undo),
Create/Update and Delete of a publication, Add/Remove on `featured`, and cascade Announces.

Pure functions; every activity is addressed here as Mastodon expects to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from node.activitypub.vocabulary import CONTEXT, PUBLIC, iso


def follow_to_as(follow_iri: str, actor: str, target: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": follow_iri,
        "type": "Follow",
        "actor": actor,
        "object": target,
        "to": [target],
    }


def embedded_follow(follow_iri: str, actor: str, target: str) -> dict[str, str]:
    """The Follow as Accept/Reject/Undo embed it: Mastodon matches on these four fields."""
    return {"id": follow_iri, "type": "Follow", "actor": actor, "object": target}


def answer_to_as(answer_iri: str, kind: str, actor: str, follow: dict[str, str]) -> dict[str, Any]:
    """Accept, Reject or Undo of a Follow, signed and sent by `actor`."""
    recipient = follow["actor"] if kind in ("Accept", "Reject") else follow["object"]
    return {
        "@context": CONTEXT,
        "id": answer_iri,
        "type": kind,
        "actor": actor,
        "object": follow,
        "to": [recipient],
    }


def wrap(kind: str, activity_iri: str, document: dict[str, Any]) -> dict[str, Any]:
    """Create or Update of an object, addressed as the object is. A signed object is embedded
    whole, its @context with it (FEP-8b32), so that its proof still verifies."""
    embedded = document if "proof" in document else without_context(document)
    wrapped = {
        "@context": CONTEXT,
        "id": activity_iri,
        "type": kind,
        "actor": document["attributedTo"],
        "object": embedded,
        "to": document["to"],
        "cc": document["cc"],
    }
    if kind == "Create":
        wrapped["published"] = document["published"]
    return wrapped


def without_context(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "@context"}


def delete_to_as(activity_iri: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": activity_iri,
        "type": "Delete",
        "actor": document["attributedTo"],
        "object": {"id": document["id"], "type": "Tombstone"},
        "to": document["to"],
        "cc": document["cc"],
    }


def pin_to_as(
    activity_iri: str, kind: str, actor: str, object_iri: str, featured: str, followers: str
) -> dict[str, Any]:
    """Add (pin) or Remove (unpin) to the actor's featured collection."""
    return {
        "@context": CONTEXT,
        "id": activity_iri,
        "type": kind,
        "actor": actor,
        "object": object_iri,
        "target": featured,
        "to": [PUBLIC],
        "cc": [followers],
    }


def announce_to_as(
    activity_iri: str,
    actor: str,
    announced: str | dict[str, Any],
    *,
    followers: str,
    also: Sequence[str],
    via: str | None,
    hop: int,
    published: datetime,
) -> dict[str, Any]:
    """A cascade Announce: public, to the amplifier's followers, cc the call's author and
    whoever it came through (`also`), with `via` (the activity it arrived by) and `hop`.
    `announced` is the call as its author signed it when that copy is at hand (FEP-8b32: no
    one downstream then needs the origin to trust it), else the call's IRI."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": activity_iri,
        "type": "Announce",
        "actor": actor,
        "object": announced,
        "published": iso(published),
        "to": [PUBLIC],
        "cc": list(dict.fromkeys([followers, *also])),
        "hop": hop,
    }
    if via is not None:
        document["via"] = via
    return document
