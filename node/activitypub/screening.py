"""Screening an inbox POST before anything is stored: size, media type, JSON, shape.

Pure: takes the request's parts, returns the parsed document or raises PayloadTooLarge (413),
UnsupportedMediaType (415), InvalidInput/JsonLdError (400). Activities that may come without an
id (a Delete, transient answers) get a stable one on their sender's origin.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from node.activitypub.objects import ActivityView, id_of
from node.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

ACCEPTED_TYPES = ("application/activity+json", "application/ld+json", "application/json")
# answers and undoing: applying one twice changes nothing, so a content-made id is enough
TRANSIENT_TYPES = frozenset({"Accept", "Reject", "Undo"})


@dataclass(frozen=True)
class Incoming:
    method: str
    path_and_query: str
    headers: Mapping[str, str]
    body: bytes


def check_declared_size(headers: Mapping[str, str], limit: int) -> None:
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; this inbox takes at most {limit}")


def check_media_type(headers: Mapping[str, str]) -> None:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'!r} is not application/activity+json"
        )


def parse_json_object(body: bytes, what: str) -> dict[str, Any]:
    """A request body that must be one JSON object; InvalidInput (400) otherwise."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"the body must be a JSON object ({what})")
    return document


def parse_activity(body: bytes) -> tuple[dict[str, Any], ActivityView]:
    document = with_transient_id(with_delete_id(parse_json_object(body, "an activity")))
    return document, ActivityView.from_document(document)


def with_delete_id(document: dict[str, Any]) -> dict[str, Any]:
    """GoToSocial sends Delete without an id: name it after its object (stable, same origin)."""
    if "id" in document or document.get("type") != "Delete":
        return document
    target = id_of(document.get("object"))
    return document | {"id": f"{target}#delete"} if target else document


def with_transient_id(document: dict[str, Any]) -> dict[str, Any]:
    """ActivityPub allows transient activities without an id (Epicyon's Accept and Reject have
    none). Those whose effects need no id of their own get one on the sender's origin, made
    from their content: the origin rules still apply, and a body delivered twice is stored once.
    """
    kind, actor = document.get("type"), id_of(document.get("actor"))
    if "id" in document or kind not in TRANSIENT_TYPES or actor is None:
        return document
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return document | {"id": f"{actor.partition('#')[0]}#{kind.lower()}/{digest}"}
