"""Alliance manifests: a node's signed list of allies, applied by a node subscribed to it
(its allowlist follows the curator, local decisions win), refreshed by the worker; a
manifest whose proof fails, signed by a new key, or older than the one applied is refused,
reported in the audit log, and the domains last applied stay.

Full nodes in one process (support.network), and a fake ally whose manifest the test signs
(eddsa-jcs-2022) with the assertion key its instance actor publishes, then tampers with.
"""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import alliance_manifest, integrity
from node.federation import alliances
from node.solidarity import federation_settings, moderation
from node.storage import alliances as subscriptions
from node.storage import audit
from node.storage.audit import Who
from tests.support.actors import hosted
from tests.support.alliance import ALLY, KEY_ID, MANIFEST, SIGNER, FakeAlly
from tests.support.network import Member, Network

WHO = Who(audit.CLI, "admin", "command line on test")


async def allowed(member: Member) -> tuple[str, ...]:
    return (await federation_settings.overview(member.node)).allowed


async def subscription(member: Member) -> subscriptions.Alliance:
    async with member.node.db.transaction() as session:
        [found] = await subscriptions.listed(session)
    return found


async def test_a_nodes_manifest_is_applied_by_a_subscriber(network: Network) -> None:
    a, b = await network.add("a"), await network.add("b")
    await federation_settings.allow(b.node, "c.test", WHO)
    await federation_settings.allow(b.node, "d.test", WHO)
    served = (await b.client.get(alliances.PATH)).json()
    assert served["domains"] == ["c.test", "d.test"]
    assert served["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert served["proof"]["verificationMethod"] == f"{b.base}/actor#ed25519-key"
    actor = (await b.client.get("/actor", headers={"Accept": "application/activity+json"})).json()
    [method] = actor["assertionMethod"]
    assert (method["id"], method["type"]) == (f"{b.base}/actor#ed25519-key", "Multikey")

    made = await federation_settings.subscribe(a.node, f"{b.base}{alliances.PATH}", WHO)
    assert (made.state, made.domains, made.signer_iri) == ("applied", 2, f"{b.base}/actor")
    assert await allowed(a) == ("c.test", "d.test")

    # a local decision always wins: an exclusion, and a block
    await federation_settings.disallow(a.node, "c.test", WHO)
    await moderation.put_block(a.node, "d.test", moderation.BlockFields(), WHO)
    await federation_settings.set_mode(a.node, "allowlist", WHO)
    policy = await a.node.policy.current()
    assert policy.refusal("c.test") == "c.test is not on this node's allowlist"
    assert policy.refusal("d.test") == "d.test is blocked on this node"

    # b allies with e.test too: the worker's refresh brings it
    await federation_settings.allow(b.node, "e.test", WHO)
    network.clock.advance(alliances.REFRESH)
    await network.settle()
    assert "e.test" in await allowed(a)
    assert (await a.node.policy.current()).refusal("e.test") is None


async def test_a_tampered_manifest_is_refused_and_the_last_one_kept(
    network: Network,
) -> None:
    a = await network.add("a")
    ally = FakeAlly(hosted(network.router, "ally.test"))
    signed = ally.publish(["friend.test"], network.clock.now())
    await federation_settings.subscribe(a.node, MANIFEST, WHO)
    assert await allowed(a) == ("friend.test",)

    # the same proof over a list someone changed on the way
    ally.host.objects[MANIFEST] = signed | {"domains": ["friend.test", "infiltrator.test"]}
    network.clock.advance(alliances.REFRESH)
    await network.settle()
    found = await subscription(a)
    assert found.state == "refused" and "does not verify" in (found.last_error or "")
    assert await allowed(a) == ("friend.test",)
    async with a.node.db.transaction() as session:
        [entry] = await audit.entries(session, action="alliance.refused")
    assert (entry.who.kind, entry.target) == ("system", MANIFEST)

    # a manifest signed well again is applied again
    ally.publish(["friend.test", "new.test"], network.clock.now())
    network.clock.advance(alliances.REFRESH)
    await network.settle()
    assert (await subscription(a)).state == "applied"
    assert await allowed(a) == ("friend.test", "new.test")


async def test_a_new_key_or_an_older_manifest_is_refused(network: Network) -> None:
    a = await network.add("a")
    ally = FakeAlly(hosted(network.router, "ally.test"))
    ally.publish(["friend.test"], network.clock.now())
    await federation_settings.subscribe(a.node, MANIFEST, WHO)

    ally.publish(["friend.test", "old.test"], network.clock.now() - timedelta(days=1))
    network.clock.advance(alliances.REFRESH)
    await network.settle()
    assert "older" in ((await subscription(a)).last_error or "")

    ally.key = ed25519.Ed25519PrivateKey.generate()  # the ally's server was taken over, say
    ally.serve_actor()
    ally.publish(["friend.test", "taken.test"], network.clock.now())
    network.clock.advance(alliances.REFRESH)
    await network.settle()
    found = await subscription(a)
    assert found.state == "refused" and "another key" in (found.last_error or "")
    assert await allowed(a) == ("friend.test",)


async def test_a_manifest_that_does_not_verify_is_never_subscribed_to(network: Network) -> None:
    a = await network.add("a")
    ally = FakeAlly(hosted(network.router, "ally.test"))
    signed = ally.publish(["friend.test"], network.clock.now())
    ally.host.objects[MANIFEST] = signed | {"domains": ["evil.test"]}
    try:
        await federation_settings.subscribe(a.node, MANIFEST, WHO)
    except Exception as exc:
        assert "does not verify" in str(exc)
    else:
        raise AssertionError("a manifest that does not verify was subscribed to")
    assert await allowed(a) == ()
    async with a.node.db.transaction() as session:
        assert await subscriptions.listed(session) == []


async def refusal(member: Member) -> str:
    """Why subscribing to the ally's manifest fails (nothing kept, nothing audited)."""
    try:
        await federation_settings.subscribe(member.node, MANIFEST, WHO)
    except Exception as exc:
        async with member.node.db.transaction() as session:
            assert await subscriptions.listed(session) == []
        return str(exc)
    raise AssertionError("a manifest that should fail was subscribed to")


async def test_only_the_instance_actors_published_assertion_key_signs_a_manifest(
    network: Network,
) -> None:
    a = await network.add("a")
    ally = FakeAlly(hosted(network.router, "ally.test"))

    # an actor that is not an instance actor (an organisation, say) signs no manifest
    ally.serve_actor("Organization")
    ally.publish(["friend.test"], network.clock.now())
    assert "is not https://ally.test/.well-known/solidarity-alliance's instance actor" in (
        await refusal(a)
    )

    # a manifest signed by a key its signer does not publish
    stranger = ed25519.Ed25519PrivateKey.generate()
    signed = alliance_manifest.manifest_to_json(
        MANIFEST, SIGNER, f"{SIGNER}#other-key", stranger, ["friend.test"], network.clock.now()
    )
    ally.host.objects[MANIFEST] = signed
    assert "publishes no assertion key" in await refusal(a)

    # the proof of another actor of that origin, or by the right key but on another's behalf
    ally.publish(["friend.test"], network.clock.now())
    ally.host.objects[MANIFEST]["attributedTo"] = f"{ALLY}/users/someone"
    assert "not https://ally.test/users/someone" in await refusal(a)


async def test_a_proof_of_another_suite_or_a_changed_proof_is_refused(network: Network) -> None:
    a = await network.add("a")
    ally = FakeAlly(hosted(network.router, "ally.test"))
    signed = ally.publish(["friend.test"], network.clock.now())

    # the former RSA suite, or no proof at all: not read as unsigned
    rsa = {**signed["proof"], "cryptosuite": "sn-rsa-jcs-2025", "proofValue": "uAAAA"}
    ally.host.objects[MANIFEST] = signed | {"proof": rsa}
    assert "no eddsa-jcs-2022 proof" in await refusal(a)
    ally.host.objects[MANIFEST] = {k: v for k, v in signed.items() if k != "proof"}
    assert "no eddsa-jcs-2022 proof" in await refusal(a)

    # the proof's own options are signed: a later `created` does not verify
    later = {**signed["proof"], "created": "2030-01-01T00:00:00Z"}
    ally.host.objects[MANIFEST] = signed | {"proof": later}
    assert "does not verify" in await refusal(a)

    # the order of members does not matter (JCS): served reversed, it is applied
    ally.host.objects[MANIFEST] = dict(reversed(list(signed.items())))
    made = await federation_settings.subscribe(a.node, MANIFEST, WHO)
    assert made.state == "applied" and made.key_id == KEY_ID
    assert made.public_key == integrity.encode_public(ally.key.public_key())
