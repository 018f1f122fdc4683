"""Domain blocks as the admin sets them: severities, Mastodon's CSV in and out, audited.

Suspending a domain refuses all federation with it and removes what is stored of it (see
storage.purge) in the same transaction; silencing keeps it out of public listings and search;
`noop` carries only reject-media and reject-reports. This process's policy is renewed at once,
others' within a second (storage.caches.PolicyCache).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.activitypub import blocklist_csv
from node.activitypub.blocklist_csv import BlockLine
from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.storage import audit, domain_blocks, federation_policy, hosts, purge
from node.storage.audit import Who
from node.storage.domain_blocks import Block, BlockFields
from node.storage.federation_policy import SUSPEND
from node.storage.purge import Purged

CLI_WHO = Who(audit.CLI, "unknown", "command line")


@dataclass(frozen=True)
class Imported:
    added: tuple[str, ...]
    kept: tuple[str, ...]  # already blocked: left as they were (Mastodon does the same)
    problems: tuple[str, ...]


def block_details(block: Block, purged: Purged | None = None) -> dict[str, object]:
    fields = block.fields
    details: dict[str, object] = {
        "severity": fields.severity,
        "reject_media": fields.reject_media,
        "reject_reports": fields.reject_reports,
    }
    if purged is not None:
        details["removed"] = purged.as_dict()
    return details


async def put_block(node: Runtime, domain: str, fields: BlockFields, who: Who) -> Block:
    """Block (or change the block of) a domain; a suspension removes what is stored of it."""
    now = node.clock.now()
    async with node.db.transaction() as session:
        block = await domain_blocks.put(session, domain, fields, now)
        purged = None
        if fields.severity == SUSPEND:
            purged = await purge.purge_domain(session, block.domain)
        details = block_details(block, purged)
        await audit.record(session, who, "domain.block", block.domain, now, details)
    node.policy.invalidate()
    return block


async def block_domain(node: Runtime, domain: str, reason: str, who: Who = CLI_WHO) -> Block:
    """Suspend a domain (the command line's `domain block` without options)."""
    return await put_block(node, domain, BlockFields(private_comment=reason), who)


async def unblock_domain(node: Runtime, domain: str, who: Who = CLI_WHO) -> bool:
    now = node.clock.now()
    async with node.db.transaction() as session:
        lifted = await domain_blocks.remove(session, domain, now)
        if lifted:
            name = hosts.normalise_domain(domain)
            await audit.record(session, who, "domain.unblock", name, now)
    node.policy.invalidate()
    return lifted


async def listed(node: Runtime) -> list[Block]:
    async with node.db.transaction() as session:
        return await domain_blocks.list_all(session)


async def import_blocks(node: Runtime, text: str, who: Who) -> Imported:
    """Blocks from a Mastodon domain-block CSV, in one transaction with one audit entry;
    domains already blocked keep their block (as Mastodon's import does)."""
    try:
        parsed = blocklist_csv.parse(text)
    except blocklist_csv.CsvError as exc:
        raise InvalidInput(str(exc)) from exc
    problems = list(parsed.problems)
    wanted: dict[str, BlockLine] = {}
    for line in parsed.blocks:
        try:
            wanted.setdefault(hosts.normalise_domain(line.domain), line)
        except InvalidInput as exc:
            problems.append(f"{line.domain}: {exc}")
    now = node.clock.now()
    async with node.db.transaction() as session:
        kept = await domain_blocks.known_among(session, wanted)
        added = [name for name in wanted if name not in kept]
        for name in added:
            await domain_blocks.put(session, name, fields_of(wanted[name]), now, bump=False)
        suspended = [name for name in added if wanted[name].severity == SUSPEND]
        purged = await purge.purge_domains(session, suspended)
        await federation_policy.bump(session, now)
        details = {"added": len(added), "kept": len(kept), "removed": purged.as_dict()}
        await audit.record(session, who, "domain.import", f"{len(added)} domains", now, details)
    node.policy.invalidate()
    return Imported(tuple(added), tuple(sorted(kept)), tuple(problems))


def fields_of(line: BlockLine) -> BlockFields:
    return BlockFields(
        severity=line.severity,
        reject_media=line.reject_media,
        reject_reports=line.reject_reports,
        public_comment=line.public_comment,
        private_comment="imported",
        obfuscate=line.obfuscate,
    )


async def export_blocks(node: Runtime) -> str:
    lines = [
        BlockLine(
            b.domain,
            b.fields.severity,
            b.fields.reject_media,
            b.fields.reject_reports,
            b.fields.public_comment,
            b.fields.obfuscate,
        )
        for b in await listed(node)
    ]
    return blocklist_csv.render_blocks(lines)
