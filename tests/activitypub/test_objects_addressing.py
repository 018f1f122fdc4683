"""The bound on addressees of a received activity and of the object it embeds."""

from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.objects import MAX_ADDRESSED, check_addressing
from node.errors import JsonLdError

PEOPLE = [f"https://remote.test/users/p{i}" for i in range(MAX_ADDRESSED + 1)]


def create(**fields: Any) -> dict[str, Any]:
    note = {"id": "https://remote.test/notes/1", "type": "Note"} | fields
    return {"id": "https://remote.test/activities/1", "type": "Create", "object": note}


def mentions(iris: list[str]) -> list[dict[str, str]]:
    return [{"type": "Mention", "href": iri} for iri in iris]


def test_the_bound_itself_is_accepted() -> None:
    half = MAX_ADDRESSED // 2
    check_addressing(create(to=PEOPLE[:half], cc=PEOPLE[half:MAX_ADDRESSED]))
    check_addressing(create(to=PEOPLE[0], tag=mentions(PEOPLE[: MAX_ADDRESSED - 1])))


@pytest.mark.parametrize(
    "document",
    [
        create(to=PEOPLE),
        create(to=PEOPLE[:600], bcc=PEOPLE[600:]),
        create(cc=PEOPLE[:1], tag=mentions(PEOPLE[1:])),
        create(audience=PEOPLE[:500], bto=PEOPLE[500:]),
        create() | {"cc": PEOPLE},
    ],
)
def test_one_more_is_refused(document: dict[str, Any]) -> None:
    with pytest.raises(JsonLdError, match="more than 1000 addressees"):
        check_addressing(document)


def test_tags_that_are_not_mentions_do_not_count() -> None:
    hashtags = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(5 * MAX_ADDRESSED)]
    check_addressing(create(to=PEOPLE[:MAX_ADDRESSED], tag=hashtags))
