"""Interop fixtures: a real Fedify peer and a real node, each in its own process on loopback.

- `fedify_peer` / `start_fedify_peer`: `node peer.mjs serve`, driven through its /control/ API.
- `fedify_lookup`: `node peer.mjs lookup TARGET`, what Fedify parsed of a handle or URL.
- `live_node` / `start_live_node`: `solidarity-node init`, `org create`, then `serve` over TLS
  with a throwaway CA, since Fedify looks handles up over https only.

Missing Node.js or peer packages skip these tests locally and fail them when CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.interop.interop_harness import (
    ALPHA_SUMMARY,
    FedifyPeer,
    LiveNode,
    LookupRunner,
    NodeFactory,
    NodeJs,
    PeerFactory,
    find_node_js,
    run_lookup,
    start_node,
    start_peer,
)
from tests.support.tls import TestPki, make_test_pki


@pytest.fixture(scope="session")
def node_js() -> NodeJs:
    return find_node_js()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def start_fedify_peer(node_js: NodeJs, test_pki: TestPki, tmp_path: Path) -> Iterator[PeerFactory]:
    """`start_fedify_peer("b", "--tls", "--follow-policy", "reject")` starts a peer named b;
    arguments after the name go to `peer.mjs serve`. All are stopped at teardown."""
    with ExitStack() as stack:

        def start(name: str = "peer", *args: str) -> FedifyPeer:
            peer = start_peer(node_js, test_pki, tmp_path, name, *args)
            stack.callback(peer.process.stop)
            return peer

        yield start


@pytest.fixture
def fedify_peer(start_fedify_peer: PeerFactory) -> FedifyPeer:
    return start_fedify_peer()


@pytest.fixture
def fedify_lookup(node_js: NodeJs, test_pki: TestPki) -> LookupRunner:
    return lambda target: run_lookup(node_js, test_pki, target)


@pytest.fixture
def start_live_node(node_js: NodeJs, test_pki: TestPki, tmp_path: Path) -> Iterator[NodeFactory]:
    """`start_live_node("n2", orgs={"beta": ("Beta", "summary")})` starts another node.
    Depends on node_js so that a machine without Node.js skips before starting anything."""
    with ExitStack() as stack:

        def start(name: str = "node", orgs: dict[str, tuple[str, str]] | None = None) -> LiveNode:
            node = start_node(test_pki, tmp_path, name, orgs or {})
            stack.callback(node.process.stop)
            return node

        yield start


@pytest.fixture
def live_node(start_live_node: NodeFactory) -> LiveNode:
    """A node serving https://127.0.0.1:PORT with one organisation, alpha ("Alpha Collective")."""
    return start_live_node("node", orgs={"alpha": ("Alpha Collective", ALPHA_SUMMARY)})
