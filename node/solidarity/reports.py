"""Reports: made by an organisation about a remote actor (and some of its objects), optionally
forwarded to that actor's server as a Flag from the instance actor; received as Flag (see
federation.flags); resolved by an admin with an action, recorded and audited.

Actions: `dismiss` (nothing is done); `block-actor` (the reporting organisation blocks the
reported actor: a Block is sent, follows end both ways); `block-domain` (the reported actor's
domain is suspended, or, for a report received about an organisation here, the reporting
server's domain).
"""

from __future__ import annotations

from collections.abc import Sequence

from node.activitypub.objects import is_iri
from node.errors import InvalidInput
from node.federation import blocking, flags, following, remote_actors
from node.federation.runtime import Runtime
from node.solidarity import moderation
from node.storage import actors, audit, reports
from node.storage.actors import LocalActor
from node.storage.audit import Who
from node.storage.domain_blocks import BlockFields
from node.storage.reports import LOCAL, MAX_COMMENT, MAX_OBJECTS, Report
from node.urls import host_of

DISMISS = "dismiss"
BLOCK_ACTOR = "block-actor"
BLOCK_DOMAIN = "block-domain"
ACTIONS = (DISMISS, BLOCK_ACTOR, BLOCK_DOMAIN)


def check_objects(iris: Sequence[str]) -> list[str]:
    if len(iris) > MAX_OBJECTS:
        raise InvalidInput(f"a report names at most {MAX_OBJECTS} objects")
    for iri in iris:
        if not is_iri(iri):
            raise InvalidInput(f"{iri!r} is not the URL of an object")
    return list(dict.fromkeys(iris))


async def file_report(
    node: Runtime,
    org: LocalActor,
    target: str,
    object_iris: Sequence[str],
    comment: str,
    *,
    forward: bool,
    who: Who,
) -> Report:
    """Queue a report by the organisation; with `forward`, also a Flag to the actor's server."""
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters")
    objects = check_objects(object_iris)
    target_iri = await following.resolve_target(node, target)
    if node.urls.is_local(target_iri):
        raise InvalidInput("reports are about remote actors; this node's admins see the rest")
    remote = await remote_actors.get_actor(node, target_iri)  # before the transaction
    now = node.clock.now()
    async with node.db.transaction() as session:
        flag_iri = None
        if forward:
            flag_iri = await flags.queue_flag(session, node, remote, objects, comment)
        made = await reports.add_local(
            session,
            reporter_iri=node.urls.actor(org.username),
            reporter_actor_id=org.id,
            target_iri=remote.iri,
            object_iris=objects,
            comment=comment,
            forwarded_iri=flag_iri,
            now=now,
        )
        details = {"report": made.id, "forwarded": forward, "objects": len(objects)}
        await audit.record(session, who, "report.create", remote.iri, now, details)
    node.wake_worker()
    return made


async def listed(
    node: Runtime,
    *,
    state: str | None,
    org: LocalActor | None = None,
    limit: int = reports.DEFAULT_LIMIT,
    before: int | None = None,
) -> list[Report]:
    async with node.db.transaction() as session:
        return await reports.listed(
            session,
            state=state,
            reporter_actor_id=org.id if org else None,
            limit=limit,
            before=before,
        )


async def resolve(node: Runtime, report_id: int, action: str, note: str, who: Who) -> Report:
    """Take the action, then close the report with it (an action that fails leaves it open)."""
    if action not in ACTIONS:
        raise InvalidInput(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    async with node.db.transaction() as session:
        report = await reports.get(session, report_id)
    if report.state != reports.OPEN:
        raise InvalidInput(f"report {report_id} was already resolved ({report.action})")
    done = await take_action(node, report, action, who)
    now = node.clock.now()
    async with node.db.transaction() as session:
        resolved = await reports.resolve(session, report_id, action, note, str(who), now)
        details = {"report": report_id, "action": action, "done": done, "note": note[:500]}
        await audit.record(session, who, "report.resolve", report.target_iri, now, details)
    return resolved


async def take_action(node: Runtime, report: Report, action: str, who: Who) -> str:
    """What the action did, in words (for the audit log)."""
    if action == DISMISS:
        return "nothing"
    if action == BLOCK_ACTOR:
        if report.origin != LOCAL or report.reporter_actor_id is None:
            raise InvalidInput(
                "block-actor applies to reports made here about a remote actor; "
                "this one is about an organisation of this node"
            )
        async with node.db.transaction() as session:
            org = await actors.by_id(session, report.reporter_actor_id)
        await blocking.block(node, org, report.target_iri, who)
        return f"{org.username} blocked {report.target_iri}"
    about = report.target_iri if report.origin == LOCAL else report.reporter_iri
    domain = host_of(about)
    await moderation.put_block(
        node, domain, BlockFields(private_comment=f"report {report.id}"), who
    )
    return f"suspended {domain}"
