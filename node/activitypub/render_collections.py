"""Collections as AS2 documents: ordered collections and their pages, and the small collection
references a publication carries (replies, likes, shares). Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.activitypub.vocabulary import CONTEXT
from node.urls import Urls

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    number: int
    items: Sequence[Any]
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * PAGE_SIZE < self.total


def ordered_collection(iri: str, total: int, urls: Urls) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": iri,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": urls.page(iri, 1),
    }
    if total:
        document["last"] = urls.page(iri, max(1, -(-total // PAGE_SIZE)))
    return document


def counted_collection(iri: str, total: int) -> dict[str, Any]:
    """A collection that shows how many it holds and nothing else (no pages)."""
    return {"@context": CONTEXT, "id": iri, "type": "OrderedCollection", "totalItems": total}


def ordered_collection_page(iri: str, page: Page, urls: Urls) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.page(iri, page.number),
        "type": "OrderedCollectionPage",
        "partOf": iri,
        "totalItems": page.total,
        "orderedItems": list(page.items),
    }
    if page.has_next:
        document["next"] = urls.page(iri, page.number + 1)
    if page.number > 1:
        document["prev"] = urls.page(iri, page.number - 1)
    return document


def collection_ref(iri: str, total: int) -> dict[str, Any]:
    return {"id": iri, "type": "Collection", "totalItems": total, "first": f"{iri}?page=1"}
