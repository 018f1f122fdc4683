"""Moderation from the command line: domain import|export (Mastodon's CSV), the report queue
(report list|resolve|create), actor blocks (block add|list|remove), the audit log (audit
list), delivery receipts and host health
(deliveries show|redeliver|hosts). Changes are audited as this machine's login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from node.activitypub.vocabulary import iso
from node.cli.admin import deliveries_group, domain
from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_runtime
from node.federation import blocking
from node.federation.runtime import Runtime
from node.solidarity import moderation, organisations, receipts, reports
from node.storage import audit
from node.storage.reports import Report


def act(ctx: click.Context, data_dir: Path | None, work: Any) -> Any:
    return run(with_runtime(settings_for(ctx, data_dir), work))


@domain.command("import")
@data_dir_option
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_context
def domain_import(ctx: click.Context, data_dir: Path | None, file: Any) -> None:
    """Block the domains of FILE, a Mastodon domain-block CSV export
    (#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate).
    Domains already blocked keep their block; suspended ones' stored data is removed."""
    text = file.read()
    done = act(ctx, data_dir, lambda node: moderation.import_blocks(node, text, cli_who()))
    for problem in done.problems:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(f"Imported {len(done.added)} blocks; {len(done.kept)} already blocked.")


@domain.command("export")
@data_dir_option
@click.pass_context
def domain_export(ctx: click.Context, data_dir: Path | None) -> None:
    """Print the blocks as Mastodon's domain-block CSV."""
    click.echo(act(ctx, data_dir, moderation.export_blocks), nl=False)


# --- reports ------------------------------------------------------------------------------


@main.group("report")
def report_group() -> None:
    """The moderation queue: reports received (Flag) and made here."""


def report_line(found: Report) -> str:
    done = f"\t{found.action} by {found.resolved_by}" if found.action else ""
    objects = f" ({len(found.object_iris)} objects)" if found.object_iris else ""
    comment = " ".join(found.comment.split())[:120]
    return (
        f"{found.id}\t{found.state}\t{found.origin}\t{iso(found.created_at)}\t"
        f"{found.reporter_iri} -> {found.target_iri}{objects}\t{comment}{done}"
    )


@report_group.command("list")
@data_dir_option
@click.option("--state", type=click.Choice(["open", "resolved", "all"]), default="open")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.pass_context
def report_list(ctx: click.Context, data_dir: Path | None, state: str, limit: int) -> None:
    """List reports, newest first: id, state, origin, when, who -> whom, comment."""
    wanted = None if state == "all" else state
    found = act(ctx, data_dir, lambda node: reports.listed(node, state=wanted, limit=limit))
    for item in found:
        click.echo(report_line(item))


@report_group.command("resolve")
@data_dir_option
@click.argument("report_id", type=int)
@click.option("--action", type=click.Choice(list(reports.ACTIONS)), required=True)
@click.option("--note", default="", help="What was decided and why (kept with the report).")
@click.pass_context
def report_resolve(
    ctx: click.Context, data_dir: Path | None, report_id: int, action: str, note: str
) -> None:
    """Close a report with an action: dismiss, block-actor (the reporting organisation blocks
    the reported actor), block-domain (suspend the reported actor's domain, or for a report
    about an organisation here, the reporting server's)."""
    done = act(
        ctx, data_dir, lambda node: reports.resolve(node, report_id, action, note, cli_who())
    )
    click.echo(f"Report {done.id} resolved: {done.action}.")


@report_group.command("create")
@data_dir_option
@click.argument("org")
@click.argument("actor")
@click.option("--object", "objects", multiple=True, help="A reported object's URL (repeatable).")
@click.option("--comment", default="")
@click.option("--forward", is_flag=True, help="Send it to the actor's server as a Flag too.")
@click.pass_context
def report_create(
    ctx: click.Context,
    data_dir: Path | None,
    org: str,
    actor: str,
    objects: tuple[str, ...],
    comment: str,
    forward: bool,
) -> None:
    """Report ACTOR (handle or URL) on behalf of the organisation ORG."""

    async def work(node: Runtime) -> Report:
        reporter = await organisations.get(node.db, org)
        return await reports.file_report(
            node, reporter, actor, objects, comment, forward=forward, who=cli_who()
        )

    made = act(ctx, data_dir, work)
    click.echo(f"Report {made.id} queued" + (" and forwarded." if made.forwarded_iri else "."))


# --- actor blocks -------------------------------------------------------------------------


@main.group("block")
def block_group() -> None:
    """An organisation's blocks of remote actors."""


@block_group.command("add")
@data_dir_option
@click.argument("org")
@click.argument("actor")
@click.pass_context
def block_add(ctx: click.Context, data_dir: Path | None, org: str, actor: str) -> None:
    """ORG blocks ACTOR: a Block is sent, follows end both ways, its activities are refused."""

    async def work(node: Runtime) -> str:
        blocker = await organisations.get(node.db, org)
        return (await blocking.block(node, blocker, actor, cli_who())).blocked_iri

    click.echo(f"{org} blocked {act(ctx, data_dir, work)}.")


@block_group.command("remove")
@data_dir_option
@click.argument("org")
@click.argument("actor_url")
@click.pass_context
def block_remove(ctx: click.Context, data_dir: Path | None, org: str, actor_url: str) -> None:
    """ORG unblocks the actor at ACTOR_URL (an Undo of the Block is sent)."""

    async def work(node: Runtime) -> None:
        blocker = await organisations.get(node.db, org)
        await blocking.unblock(node, blocker, actor_url, cli_who())

    act(ctx, data_dir, work)
    click.echo(f"{org} unblocked {actor_url}.")


@block_group.command("list")
@data_dir_option
@click.argument("org")
@click.pass_context
def block_list(ctx: click.Context, data_dir: Path | None, org: str) -> None:
    """List ORG's blocks: actor, since."""

    async def work(node: Runtime) -> list[tuple[str, str]]:
        blocker = await organisations.get(node.db, org)
        return [(b.blocked_iri, iso(b.created_at)) for b in await blocking.blocks_of(node, blocker)]

    for actor, since in act(ctx, data_dir, work):
        click.echo(f"{actor}\t{since}")


# --- the audit log ----------------------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """The append-only log of admin and owner actions."""


@audit_group.command("list")
@data_dir_option
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--before", type=int, default=None, help="Entries older than this id.")
@click.option("--action", default=None, help="Only this action (or prefix, e.g. 'domain').")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def audit_list(
    ctx: click.Context,
    data_dir: Path | None,
    limit: int,
    before: int | None,
    action: str | None,
    as_json: bool,
) -> None:
    """Newest first: id, when, who (kind:name), from where, action, target, details."""

    async def work(node: Runtime) -> list[audit.Entry]:
        async with node.db.transaction() as session:
            return await audit.entries(session, limit=limit, before=before, action=action)

    for entry in act(ctx, data_dir, work):
        shown = {
            "id": entry.id,
            "at": iso(entry.at),
            "who": str(entry.who),
            "from": entry.who.origin,
            "action": entry.action,
            "target": entry.target,
            "details": entry.details,
        }
        if as_json:
            click.echo(json.dumps(shown, sort_keys=True))
        else:
            details = json.dumps(entry.details, sort_keys=True) if entry.details else ""
            values = [str(shown[k]) for k in ("id", "at", "who", "from", "action", "target")]
            click.echo("\t".join([*values, details]))


# --- delivery receipts and host health ----------------------------------------------------


@deliveries_group.command("show")
@data_dir_option
@click.argument("org")
@click.argument("key")
@click.option("--kind", type=click.Choice(["calls", "strategies"]), default="calls")
@click.pass_context
def deliveries_show(
    ctx: click.Context, data_dir: Path | None, org: str, key: str, kind: str
) -> None:
    """Receipts of ORG's publication KEY: per inbox, state, attempts, when, why."""

    async def work(node: Runtime) -> receipts.Receipts:
        owner = await organisations.get(node.db, org)
        return await receipts.of_publication(node, owner, kind, key, limit=500)

    found = act(ctx, data_dir, work)
    for receipt in found.deliveries:
        moment = receipt.delivered_at or receipt.next_attempt_at
        shown = iso(moment) if moment else "-"
        error = receipt.error or ""
        click.echo(f"{receipt.inbox_url}\t{receipt.state}\t{receipt.attempts}\t{shown}\t{error}")
    counted = ", ".join(f"{n} {state}" for state, n in found.counts.items() if n)
    click.echo(f"# {counted or 'no deliveries'}; amplified by {len(found.amplified_by)}")


@deliveries_group.command("redeliver")
@data_dir_option
@click.argument("org")
@click.argument("key")
@click.option("--kind", type=click.Choice(["calls", "strategies"]), default="calls")
@click.option("--inbox", default=None, help="Only the delivery to this inbox.")
@click.pass_context
def deliveries_redeliver(
    ctx: click.Context, data_dir: Path | None, org: str, key: str, kind: str, inbox: str | None
) -> None:
    """Deliver ORG's publication KEY again where it failed or waits."""

    async def work(node: Runtime) -> int:
        owner = await organisations.get(node.db, org)
        return await receipts.redeliver(node, owner, kind, key, cli_who(), inbox)

    click.echo(f"{act(ctx, data_dir, work)} deliveries are due now.")


@deliveries_group.command("hosts")
@data_dir_option
@click.option("--unavailable", is_flag=True, help="Only hosts treated as unavailable.")
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True)
@click.pass_context
def deliveries_hosts(
    ctx: click.Context, data_dir: Path | None, unavailable: bool, limit: int
) -> None:
    """Hosts deliveries go to: host, available, failing days, pending/delivered/failed."""
    found = act(
        ctx,
        data_dir,
        lambda node: receipts.host_health(node, limit=limit, unavailable_only=unavailable),
    )
    for host in found:
        state = (
            "available" if host.available else f"unavailable since {iso(host.unavailable_since)}"
        )
        counts = f"{host.pending}/{host.delivered}/{host.failed}"
        click.echo(f"{host.host}\t{state}\t{host.failure_days}\t{counts}")
