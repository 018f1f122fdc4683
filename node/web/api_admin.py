"""The node admins' JSON API under /api/v1/admin (an admin token, from `solidarity-node admin
token`): federation mode and switches, the allowlist and its CSV, lockdown, alliance
subscriptions, domain blocks and their CSV, the moderation queue, the audit log, and the
health of the hosts the node delivers to. Every change is audited with the token's label and
the client's address. Lists are bounded (`limit`, at most 500) and paged (`before`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.errors import InvalidInput, NotFound
from node.solidarity import federation_settings, moderation, receipts, reports
from node.storage import alliances as subscriptions
from node.storage import audit
from node.storage.alliances import Alliance
from node.storage.audit import Entry
from node.storage.domain_blocks import Block, BlockFields
from node.storage.receipts import HostReport
from node.storage.reports import Report
from node.web import auth
from node.web.api import read_json, text_field
from node.web.app_state import runtime
from node.web.inbox_endpoint import read_body
from node.web.json_responses import json_response

MAX_CSV = 8 * 1024 * 1024
SETTINGS_FIELDS = ("mode", "signed_fetches", "hide_collections", "reduced_pages")


def when(moment: Any) -> str | None:
    return iso(moment) if moment is not None else None


def query_int(request: Request, name: str, default: int | None = None) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return default
    if not text.isdigit() or len(text) > 12:
        raise InvalidInput(f"'{name}' must be a whole number, not {text!r}")
    return int(text)


def path_int(request: Request, name: str) -> int:
    text = request.path_params[name]
    if not text.isdigit() or len(text) > 12:
        raise InvalidInput(f"'{name}' must be a number, not {text!r}")
    return int(text)


def csv_response(text: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    headers = {"Content-Disposition": disposition}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


async def read_csv(request: Request) -> str:
    try:
        return (await read_body(request, MAX_CSV)).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV must be UTF-8") from exc


# --- federation ---------------------------------------------------------------------------


def alliance_json(found: Alliance) -> dict[str, Any]:
    return {
        "id": found.id,
        "url": found.url,
        "state": found.state,
        "signer": found.signer_iri,
        "domains": found.domains,
        "manifest_updated": when(found.manifest_updated),
        "last_fetched_at": when(found.last_fetched_at),
        "next_fetch_at": when(found.next_fetch_at),
        "error": found.last_error,
    }


async def show_federation(request: Request) -> Response:
    await auth.admin(request)
    seen = await federation_settings.overview(runtime(request))
    return json_response(
        {
            **seen.settings.as_dict(),
            "lockdown": seen.lockdown,
            "saved": seen.saved.as_dict() if seen.saved else None,
            "allowed": list(seen.allowed),
            "local": [
                {"domain": e.domain, "allowed": e.allowed, "comment": e.comment} for e in seen.local
            ],
            "from_manifests": list(seen.from_manifests),
            "alliances": [alliance_json(a) for a in seen.alliances],
            "version": seen.version,
        }
    )


async def update_federation(request: Request) -> Response:
    """Change the mode or a switch; fields left out stay as they are."""
    who = await auth.admin(request)
    body = await read_json(request)
    unknown = set(body) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    node = runtime(request)
    if "mode" in body:
        if not isinstance(body["mode"], str):
            raise InvalidInput("'mode' must be 'open' or 'allowlist'")
        await federation_settings.set_mode(node, body["mode"], who)
    for name in federation_settings.SWITCHES:
        if name in body:
            if not isinstance(body[name], bool):
                raise InvalidInput(f"'{name}' must be true or false")
            await federation_settings.set_switch(node, name, body[name], who)
    return await show_federation(request)


async def allow_domain(request: Request) -> Response:
    who = await auth.admin(request)
    body = await read_json(request)
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        raise InvalidInput("'comment' must be a string")
    entry = await federation_settings.allow(
        runtime(request), text_field(body, "domain"), who, comment
    )
    return json_response({"domain": entry.domain, "allowed": True}, status=201)


async def disallow_domain(request: Request) -> Response:
    who = await auth.admin(request)
    await federation_settings.disallow(runtime(request), request.path_params["domain"], who)
    return Response(status_code=204)


async def export_allowlist(request: Request) -> Response:
    await auth.admin(request)
    text = await federation_settings.export_allows(runtime(request))
    return csv_response(text, "domain_allows.csv")


async def import_allowlist(request: Request) -> Response:
    who = await auth.admin(request)
    names, problems = await federation_settings.import_allows(
        runtime(request), await read_csv(request), who
    )
    return json_response({"allowed": names, "problems": problems})


async def set_lockdown(request: Request) -> Response:
    who = await auth.admin(request)
    on = (await read_json(request)).get("on")
    if not isinstance(on, bool):
        raise InvalidInput('send {"on": true} or {"on": false}')
    await federation_settings.lockdown(runtime(request), on, who)
    return await show_federation(request)


async def subscribe(request: Request) -> Response:
    who = await auth.admin(request)
    url = text_field(await read_json(request), "url")
    made = await federation_settings.subscribe(runtime(request), url, who)
    return json_response(alliance_json(made), status=201)


async def unsubscribe(request: Request) -> Response:
    who = await auth.admin(request)
    node = runtime(request)
    async with node.db.transaction() as session:
        found = await subscriptions.by_id(session, path_int(request, "id"))
    await federation_settings.unsubscribe(node, found.url, who)
    return Response(status_code=204)


# --- domain blocks ------------------------------------------------------------------------


def block_json(block: Block) -> dict[str, Any]:
    fields = block.fields
    return {
        "domain": block.domain,
        "severity": fields.severity,
        "reject_media": fields.reject_media,
        "reject_reports": fields.reject_reports,
        "public_comment": fields.public_comment,
        "private_comment": fields.private_comment,
        "obfuscate": fields.obfuscate,
        "since": iso(block.created_at),
    }


def block_fields(body: dict[str, Any]) -> BlockFields:
    texts = {"severity": "suspend", "public_comment": "", "private_comment": ""}
    flags = ("reject_media", "reject_reports", "obfuscate")
    unknown = set(body) - {"domain", *texts, *flags}
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, default in texts.items():
        values[name] = body.get(name, default)
        if not isinstance(values[name], str):
            raise InvalidInput(f"'{name}' must be a string")
    for name in flags:
        values[name] = body.get(name, False)
        if not isinstance(values[name], bool):
            raise InvalidInput(f"'{name}' must be true or false")
    return BlockFields(**values)


async def list_blocks(request: Request) -> Response:
    await auth.admin(request)
    found = await moderation.listed(runtime(request))
    return json_response({"blocks": [block_json(b) for b in found]})


async def create_block(request: Request) -> Response:
    who = await auth.admin(request)
    body = await read_json(request)
    made = await moderation.put_block(
        runtime(request), text_field(body, "domain", 261), block_fields(body), who
    )
    return json_response(block_json(made), status=201)


async def delete_block(request: Request) -> Response:
    who = await auth.admin(request)
    domain = request.path_params["domain"]
    if not await moderation.unblock_domain(runtime(request), domain, who):
        raise NotFound(f"{domain} is not blocked")
    return Response(status_code=204)


async def export_blocks(request: Request) -> Response:
    await auth.admin(request)
    return csv_response(await moderation.export_blocks(runtime(request)), "domain_blocks.csv")


async def import_blocks(request: Request) -> Response:
    who = await auth.admin(request)
    done = await moderation.import_blocks(runtime(request), await read_csv(request), who)
    return json_response(
        {"added": list(done.added), "kept": list(done.kept), "problems": list(done.problems)}
    )


# --- reports, audit, hosts ----------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "origin": report.origin,
        "flag": report.flag_iri,
        "reporter": report.reporter_iri,
        "target": report.target_iri,
        "objects": list(report.object_iris),
        "comment": report.comment,
        "forwarded": report.forwarded_iri,
        "state": report.state,
        "action": report.action,
        "note": report.note,
        "resolved_by": report.resolved_by,
        "resolved_at": when(report.resolved_at),
        "created_at": iso(report.created_at),
    }


def report_state(request: Request) -> str | None:
    state = request.query_params.get("state", "open")
    if state not in ("open", "resolved", "all"):
        raise InvalidInput("'state' must be open, resolved or all")
    return None if state == "all" else state


async def list_reports(request: Request) -> Response:
    await auth.admin(request)
    found = await reports.listed(
        runtime(request),
        state=report_state(request),
        limit=query_int(request, "limit", 50) or 50,
        before=query_int(request, "before"),
    )
    return json_response({"reports": [report_json(r) for r in found]})


async def resolve_report(request: Request) -> Response:
    who = await auth.admin(request)
    body = await read_json(request)
    note = body.get("note", "")
    if not isinstance(note, str):
        raise InvalidInput("'note' must be a string")
    action = text_field(body, "action", 32)
    done = await reports.resolve(runtime(request), path_int(request, "id"), action, note, who)
    return json_response(report_json(done))


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "who": {"kind": entry.who.kind, "name": entry.who.name},
        "from": entry.who.origin,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }


async def list_audit(request: Request) -> Response:
    await auth.admin(request)
    node = runtime(request)
    async with node.db.transaction() as session:
        found = await audit.entries(
            session,
            limit=query_int(request, "limit", 50) or 50,
            before=query_int(request, "before"),
            action=request.query_params.get("action"),
        )
    return json_response({"entries": [entry_json(e) for e in found]})


def host_json(report: HostReport) -> dict[str, Any]:
    return {
        "host": report.host,
        "available": report.available,
        "failure_days": report.failure_days,
        "unavailable_since": when(report.unavailable_since),
        "next_probe_at": when(report.next_probe_at),
        "last_success_at": when(report.last_success_at),
        "deliveries": {
            "pending": report.pending,
            "delivered": report.delivered,
            "failed": report.failed,
        },
    }


async def list_hosts(request: Request) -> Response:
    await auth.admin(request)
    found = await receipts.host_health(
        runtime(request),
        limit=query_int(request, "limit"),
        unavailable_only=request.query_params.get("unavailable") in ("1", "true"),
    )
    return json_response({"hosts": [host_json(h) for h in found]})
