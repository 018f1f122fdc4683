"""Received documents with the receiver's actor aliases resolved: a remote object that
addresses or mentions one of our actors by another shape of its URL (a profile URL, an older
path) is kept naming the actor's id, so that audiences, mentions and access rules match it.

Pure: the caller hands in how to resolve an IRI (node.urls.Urls.canonical_actor).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ADDRESSING = ("to", "cc", "bto", "bcc", "audience")


def with_actors_resolved(document: dict[str, Any], resolve: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `document` whose addressing and Mention hrefs name actors by their ids."""
    resolved = dict(document)
    for name in ADDRESSING:
        value = document.get(name)
        if isinstance(value, str):
            resolved[name] = resolve(value)
        elif isinstance(value, list):
            resolved[name] = [resolve(v) if isinstance(v, str) else v for v in value]
    tags = document.get("tag")
    if isinstance(tags, list):
        resolved["tag"] = [_mention(tag, resolve) for tag in tags]
    elif isinstance(tags, dict):
        resolved["tag"] = _mention(tags, resolve)
    return resolved


def _mention(tag: object, resolve: Callable[[str], str]) -> object:
    if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str):
        return tag | {"href": resolve(tag["href"])}
    return tag
