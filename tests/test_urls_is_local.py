"""Urls.is_local decides from an IRI's first characters when it can: it must always agree
with comparing origin_of(iri) to the base, whatever the IRI."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from node.urls import Urls, origin_of

BASES = ["https://node.test", "http://127.0.0.1:8080", "https://Node.test", "https://node.test/"]
PIECES = [
    "https://node.test",
    "HTTPS://NODE.TEST",
    "http://127.0.0.1:8080",
    "https://node.test:443",
    "https://node.test.evil",
    "https://node.test@evil.test",
    "https://evil.test",
    "\u212a",
    "\u0130",
    "/users/alpha",
    "?page=1",
    "#key",
    "/",
    "@",
    ":",
    " ",
    "\t",
    "\n",
    "\r",
    "\x00",
    "[::1",
    "",
]


@given(
    st.sampled_from(BASES),
    st.lists(st.sampled_from(PIECES), max_size=5).map("".join) | st.text(max_size=40),
)
def test_is_local_agrees_with_comparing_origins(base: str, iri: str) -> None:
    assert Urls(base).is_local(iri) == (origin_of(iri) == base)


def test_the_fast_answers() -> None:
    urls = Urls("https://node.test")
    assert urls.is_local("https://node.test/users/alpha")
    assert urls.is_local("https://NODE.test/users/alpha")
    assert urls.is_local("\thttps://node.test/users/alpha")
    assert urls.is_local("https://node.test")
    assert not urls.is_local("https://node.test.evil/users/alpha")
    assert not urls.is_local("https://node.test:8443/users/alpha")
    assert not urls.is_local("https://remote.test/users/alpha")
