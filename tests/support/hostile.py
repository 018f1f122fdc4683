"""Hypothesis strategies for hostile input: JSON documents shaped like activities (and not),
strings a parser or a database might choke on, headers, paths and query strings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

AS2 = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS2}#Public"
HOSTILE_STRINGS = [
    "http://[::1",
    "https://[::1]:99999/x",
    "https://node.test/orgs/alpha",
    "https://node.test/@alpha",
    "https://node.test/calls/x",
    "https://node.test/orgs/alpha/followers",
    "https://remote.test/users/bob",
    "https://remote.test/users/bob/followers",
    "https://elsewhere.test/a/b",
    PUBLIC,
    "as:Public",
    "Public",
    "",
    " ",
    "\x00",
    "\u202e",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00",
    "2026-11-21T12:00:00",
    "<div>" * 70,
    "<p>" + "&amp;" * 300 + "</p>",
    "a" * 300,
    "https://remote.test/" + "a" * 2100,
    "%",
    "_",
    "%25",
    "'; DROP TABLE objects; --",
    "acct:alpha@node.test",
    "@alpha@node.test",
    "²",
    "-1",
    "1e400",
]
TYPES = [
    "Create",
    "Update",
    "Delete",
    "Like",
    "Announce",
    "Follow",
    "Undo",
    "Accept",
    "Reject",
    "Add",
    "Remove",
    "Move",
    "Flag",
    "Note",
    "Article",
    "Person",
    "Tombstone",
    "Question",
]
KEYS = [
    "id",
    "type",
    "actor",
    "object",
    "target",
    "to",
    "cc",
    "bto",
    "bcc",
    "audience",
    "tag",
    "content",
    "contentMap",
    "summary",
    "summaryMap",
    "name",
    "inReplyTo",
    "published",
    "attributedTo",
    "url",
    "href",
    "kind",
    "title",
    "deadline",
    "urgency",
    "hop",
    "via",
    "maxHops",
    "regions",
    "themes",
    "actions",
    "pledge",
    "@context",
    "@id",
    "@type",
    "@value",
    "as:content",
    "https://www.w3.org/ns/activitystreams#content",
]

text = st.text(max_size=40) | st.sampled_from(HOSTILE_STRINGS)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
keys = st.sampled_from(KEYS) | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)
contexts = st.sampled_from(
    [
        AS2,
        [AS2, "https://w3id.org/security/v1"],
        [AS2, {"toot": "http://joinmastodon.org/ns#", "featured": "toot:featured"}],
        [AS2, {"own": "https://remote.test/ns#", "x": "own:x"}],
        [AS2, {"x": {"@id": "https://e.test/#x", "@context": {"y": "https://e.test/#y"}}}],
        [AS2, {"@import": "https://e.test/c"}],
        [AS2, None],
        {"@vocab": "https://e.test/#"},
        "https://e.test/unknown-context",
    ]
)


def objects(actor: str) -> st.SearchStrategy[dict[str, Any]]:
    """Content objects, more or less well made, some by `actor`."""
    return st.fixed_dictionaries(
        {
            "id": st.sampled_from([f"{actor}/notes/1", f"{actor}/calls/2"]) | text,
            "type": st.sampled_from(TYPES) | text,
            "attributedTo": st.just(actor) | text,
        },
        optional={name: json_values for name in KEYS[5:] if name != "attributedTo"}
        | {"@context": contexts},
    )


def activities(actor: str) -> st.SearchStrategy[dict[str, Any]]:
    """Activities by `actor` (who signs them), whose every other field may be hostile."""
    return st.fixed_dictionaries(
        {
            "id": st.builds(lambda n: f"{actor}/activities/{n}", st.integers(0, 10**9)) | text,
            "type": st.sampled_from(TYPES) | text,
            "actor": st.just(actor) | st.just({"id": actor}) | text,
        },
        optional={
            "@context": contexts,
            "object": objects(actor) | json_values,
            "to": st.lists(text, max_size=3) | text,
            "cc": st.lists(text, max_size=3),
            "via": text,
            "hop": json_values,
        },
    )


segments = st.text(max_size=30).map(lambda s: quote(s, safe="")) | st.sampled_from(
    ["alpha", "actor", "%2e%2e", "..", "%00", "%ff", "outbox", "followers", "replies", "x" * 300]
)
query_names = st.sampled_from(
    ["page", "resource", "limit", "cursor", "q", "kind", "urgency", "region", "theme", "language"]
)
query_strings = st.lists(
    st.tuples(
        query_names | st.text(max_size=8), st.text(max_size=40) | st.sampled_from(HOSTILE_STRINGS)
    ),
    max_size=4,
)
