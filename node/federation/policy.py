"""The federation policy at the inbox: who may post, by the policy in force (node.policy, at
most a second old). A suspended domain, or in allowlist mode any host not allowed, is refused
(403) by the host of the activity's actor and of the signing key, before any key is fetched;
an organisation's own inbox refuses an actor it blocked. GETs: see federation.fetch_rules.
"""

from __future__ import annotations

from node.activitypub.objects import ActivityView
from node.errors import Forbidden
from node.federation.runtime import Runtime
from node.storage.federation_policy import Policy
from node.urls import authority


async def refuse_hosts(node: Runtime, *urls: str) -> Policy:
    """Forbidden when the policy refuses the host of any of these URLs; the policy otherwise."""
    policy = await node.policy.current()
    for url in urls:
        reason = policy.refusal(authority(url))
        if reason is not None:
            raise Forbidden(reason)
    return policy


def refuse_blocked_actor(policy: Policy, recipient: str | None, activity: ActivityView) -> None:
    """An organisation's own inbox takes nothing from an actor it blocked."""
    if recipient is not None and policy.blocks(recipient, activity.actor):
        raise Forbidden(f"{recipient} blocked {activity.actor}")
