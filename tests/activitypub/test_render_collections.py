"""Collections as AS2: an ordered collection names its first and (when not empty) last page;
a page links to its neighbours; a publication's small collections carry their count."""

from __future__ import annotations

from node.activitypub import render_collections as render
from node.activitypub.render_collections import PAGE_SIZE, Page
from node.urls import Urls

URLS = Urls("https://node.test")
IRI = "https://node.test/users/alpha/followers"


def test_a_collection_names_its_first_and_last_page() -> None:
    empty = render.ordered_collection(IRI, 0, URLS)
    assert (empty["type"], empty["totalItems"], empty["first"]) == (
        "OrderedCollection",
        0,
        f"{IRI}?page=1",
    )
    assert "last" not in empty
    assert render.ordered_collection(IRI, PAGE_SIZE, URLS)["last"] == f"{IRI}?page=1"
    assert render.ordered_collection(IRI, PAGE_SIZE + 1, URLS)["last"] == f"{IRI}?page=2"


def test_pages_link_to_their_neighbours() -> None:
    total = PAGE_SIZE * 2 + 1
    first = render.ordered_collection_page(IRI, Page(1, ["a"], total), URLS)
    middle = render.ordered_collection_page(IRI, Page(2, ["b"], total), URLS)
    last = render.ordered_collection_page(IRI, Page(3, ["c"], total), URLS)
    assert (first["id"], first["partOf"], first["orderedItems"]) == (f"{IRI}?page=1", IRI, ["a"])
    assert (first.get("prev"), first["next"]) == (None, f"{IRI}?page=2")
    assert (middle["prev"], middle["next"]) == (f"{IRI}?page=1", f"{IRI}?page=3")
    assert (last["prev"], last.get("next")) == (f"{IRI}?page=2", None)
    assert Page(1, [], PAGE_SIZE).has_next is False and Page(1, [], PAGE_SIZE + 1).has_next


def test_a_publications_collection_reference_carries_its_count() -> None:
    assert render.collection_ref("https://node.test/calls/k/likes", 3) == {
        "id": "https://node.test/calls/k/likes",
        "type": "Collection",
        "totalItems": 3,
        "first": "https://node.test/calls/k/likes?page=1",
    }
