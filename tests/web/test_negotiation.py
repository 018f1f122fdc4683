from __future__ import annotations

import pytest

from node.web.negotiation import wants_activity_json


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/activity+json", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json", True),
        ("text/html", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        ("", False),
        (None, False),
        ("application/activity+json;q=0.4, text/html", False),
        ("application/activity+json;q=0, text/plain", False),
        ("application/activity+json;q=banana", False),
        ("text/html;q=0.1, application/ld+json;q=0.2", True),
    ],
)
def test_wants_activity_json(accept: str | None, expected: bool) -> None:
    assert wants_activity_json(accept) is expected
