"""A circle call across six `solidarity-node serve` processes on loopback ports (the set-up:
tests/support/circle_path.py): it reaches exactly the trusted path, each hop checking the
author's proof while the origin is stopped (with the key its ally attests), the watcher that
follows everyone gets nothing, the origin's tree is right once it is back, and its Delete
travels the same path and withdraws the call everywhere. Prints the propagation time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from node.publication import Visibility
from tests.support.circle_path import (
    HOPS,
    ORGS,
    PATH,
    TIMEOUT,
    VOUCHED_BY,
    Nodes,
    arrivals,
    delivered,
    held,
    hops_sent,
    processes,
    publish,
    set_up,
    signed_copy,
    trace_of,
)
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until


def test_a_circle_call_travels_the_trusted_path_with_its_origin_stopped(tmp_path: Path) -> None:
    with loopback_nodes(tmp_path) as new:
        nodes: Nodes = {org: new(org) for org in ORGS}
        set_up(nodes)
        alpha = nodes["alpha"]

        iri, key = publish(alpha)
        wait_until(
            lambda: delivered(alpha, f"{iri}/activity"), "the Create", alpha.running, TIMEOUT
        )
        alpha.stop()  # the origin is gone from here on
        stopped = datetime.now(UTC)

        def path_holds() -> bool:
            return all(held(nodes[org], iri) is not None for org in PATH)

        wait_until(path_holds, "the call along the path", processes(nodes), TIMEOUT)
        for org in PATH:
            stored = held(nodes[org], iri)
            assert stored is not None and stored.visibility is Visibility.CIRCLE, org
            kept = signed_copy(nodes[org], iri)
            assert kept is not None and kept.key is not None, org
            vouched = VOUCHED_BY[org]
            assert kept.key.vouched_by == (vouched and nodes[vouched].actor(vouched)), org
        for org in (*PATH, "watcher"):
            assert hops_sent(nodes[org], iri) == HOPS.get(org, []), org
        assert trace_of(nodes["watcher"], iri) == []
        taken = {org: taken_at(nodes[org], org, iri) for org in PATH}

        # the origin comes back: its amplifiers' receipts draw its tree
        alpha.serve()
        for org in ("beta", "gamma"):
            nodes[org].cli("deliveries", "retry-now", "--host", alpha.host)

        def origin_tree() -> dict[str, dict[str, object]] | None:
            found = alpha.api("GET", f"/calls/{key}/cascade", "alpha").json()["nodes"]
            by_org = {n["actor"].rsplit("/", 1)[-1]: n for n in found}
            return by_org if set(by_org) == {"alpha", "beta", "gamma"} else None

        tree = wait_until(origin_tree, "the origin's tree", processes(nodes), TIMEOUT)
        assert (tree["alpha"]["type"], tree["alpha"]["hop"]) == ("Create", 0)
        assert (tree["beta"]["hop"], tree["beta"]["via"]) == (1, tree["alpha"]["id"])
        assert (tree["gamma"]["hop"], tree["gamma"]["via"]) == (2, tree["beta"]["id"])

        # nothing public shows it
        assert (
            alpha.get(f"/calls/{key}", headers={"Accept": "application/activity+json"}).status_code
            == 401
        )
        assert alpha.get(f"/calls/{key}").status_code == 404
        assert "Safe house" not in alpha.get("/@alpha").text
        assert (
            "Safe house"
            not in alpha.get(
                "/users/alpha/outbox?page=1", headers={"Accept": "application/activity+json"}
            ).text
        )
        search = nodes["watcher"].api("GET", "/search", "watcher", params={"q": "safe house"})
        assert search.json()["items"] == []

        # the Delete travels the same path
        assert alpha.api("DELETE", f"/calls/{key}", "alpha").status_code == 204

        def withdrawn_everywhere() -> bool:
            found = [held(nodes[org], iri) for org in PATH]
            return all(stored is not None and stored.deleted_at is not None for stored in found)

        wait_until(withdrawn_everywhere, "the Delete along the path", processes(nodes), TIMEOUT)
        for org in PATH:
            assert signed_copy(nodes[org], iri) is None, org
        assert trace_of(nodes["watcher"], iri) == []

        published = held(alpha, iri)
        assert published is not None
        since = {org: (at - published.published).total_seconds() for org, at in taken.items()}
        offline = (stopped - published.published).total_seconds()
        print(
            f"\n6 processes: the circle call was taken in by the 4 nodes of its path within"
            f" {max(since.values()):.3f}s of publication; the origin was stopped at {offline:.3f}s"
        )
        for org, seconds in sorted(since.items(), key=lambda pair: pair[1]):
            print(f"  {org:8} {seconds:7.3f}s")


def taken_at(node: LoopbackNode, org: str, iri: str) -> datetime:
    """When a node took the call in: the first Announce it recorded (its own, for beta,
    which got the Create; the one that brought it, for the others), by that node's clock."""
    entries = [e for e in arrivals(node, iri) if e.type == "Announce"]
    if org == "beta":
        entries = [e for e in entries if e.actor_iri == node.actor(org)]
    return min(e.at for e in entries)
