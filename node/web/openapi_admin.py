"""The OpenAPI description of node administration and moderation (merged into
/api/v1/openapi.json by node.web.openapi): the admin API, an organisation's reports and
blocks, and delivery receipts."""

from __future__ import annotations

from typing import Any

STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}

SCHEMAS: dict[str, Any] = {
    "FederationSettings": {
        "type": "object",
        "properties": {
            "mode": {"enum": ["open", "allowlist"]},
            "signed_fetches": BOOLEAN,
            "hide_collections": BOOLEAN,
            "reduced_pages": BOOLEAN,
        },
    },
    "AllowedDomain": {
        "type": "object",
        "required": ["domain"],
        "properties": {
            "domain": {"type": "string", "description": "a domain, or host:port"},
            "comment": STRING,
        },
    },
    "Lockdown": {"type": "object", "required": ["on"], "properties": {"on": BOOLEAN}},
    "Subscription": {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string", "description": "an alliance manifest's URL"}},
    },
    "DomainBlock": {
        "type": "object",
        "required": ["domain"],
        "properties": {
            "domain": STRING,
            "severity": {"enum": ["suspend", "silence", "noop"]},
            "reject_media": BOOLEAN,
            "reject_reports": BOOLEAN,
            "public_comment": STRING,
            "private_comment": STRING,
            "obfuscate": BOOLEAN,
        },
    },
    "Resolution": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"enum": ["dismiss", "block-actor", "block-domain"]},
            "note": STRING,
        },
    },
    "Report": {
        "type": "object",
        "required": ["actor"],
        "properties": {
            "actor": {"type": "string", "description": "name@host or actor URL"},
            "objects": {"type": "array", "items": STRING, "maxItems": 50},
            "comment": {"type": "string", "maxLength": 5000},
            "forward": {"type": "boolean", "description": "send the report on as a Flag"},
        },
    },
    "Redelivery": {"type": "object", "properties": {"inbox": STRING}},
    "NodeAdmin": {"type": "object", "required": ["email"], "properties": {"email": STRING}},
}

CSV = "text/csv body: Mastodon's domain-block (or domain-allow) CSV"
A = "/api/v1/admin"

# (method, path, summary, request schema or None, success status)
OPERATIONS: list[tuple[str, str, str, str | None, int]] = [
    ("get", f"{A}/federation", "Mode, switches, lockdown, allowlist, alliances", None, 200),
    ("patch", f"{A}/federation", "Change the mode or a switch", "FederationSettings", 200),
    ("post", f"{A}/federation/allowed", "Allow a domain", "AllowedDomain", 201),
    ("delete", f"{A}/federation/allowed/{{domain}}", "Take a domain off the allowlist", None, 204),
    ("get", f"{A}/federation/export", "The allowlist as Mastodon's CSV", None, 200),
    ("post", f"{A}/federation/import", f"Allow domains ({CSV})", None, 200),
    (
        "post",
        f"{A}/lockdown",
        "Lockdown on (saving the settings) or off (restoring them)",
        "Lockdown",
        200,
    ),
    ("post", f"{A}/alliances", "Subscribe to an ally's manifest", "Subscription", 201),
    ("delete", f"{A}/alliances/{{id}}", "Unsubscribe", None, 204),
    ("get", f"{A}/domain-blocks", "Domain blocks", None, 200),
    ("post", f"{A}/domain-blocks", "Block a domain (suspend removes its data)", "DomainBlock", 201),
    ("get", f"{A}/domain-blocks/export", "Domain blocks as Mastodon's CSV", None, 200),
    ("post", f"{A}/domain-blocks/import", f"Import blocks ({CSV})", None, 200),
    ("delete", f"{A}/domain-blocks/{{domain}}", "Lift a block", None, 204),
    ("get", f"{A}/reports", "The moderation queue (?state=open|resolved|all)", None, 200),
    ("post", f"{A}/reports/{{id}}/resolve", "Resolve a report with an action", "Resolution", 200),
    ("get", f"{A}/audit", "The audit log, newest first (?limit, ?before, ?action)", None, 200),
    ("get", f"{A}/hosts", "Health of the hosts deliveries go to", None, 200),
    ("get", f"{A}/admins", "The node admins (by email)", None, 200),
    ("post", f"{A}/admins", "Make an email a node admin", "NodeAdmin", 201),
    ("delete", f"{A}/admins/{{email}}", "An email is no longer a node admin", None, 204),
    ("post", "/api/v1/reports", "Report a remote actor (optionally forwarded)", "Report", 201),
    ("get", "/api/v1/reports", "The organisation's reports", None, 200),
    ("post", "/api/v1/blocks", "Block a remote actor (sends Block)", "ActorRequest", 201),
    ("get", "/api/v1/blocks", "The organisation's blocks", None, 200),
    ("delete", "/api/v1/blocks/{id}", "Unblock (sends Undo)", None, 204),
]
for kind in ("strategies", "calls"):
    OPERATIONS += [
        (
            "get",
            f"/api/v1/{kind}/{{key}}/deliveries",
            "Delivery receipts per inbox, and who amplified it",
            None,
            200,
        ),
        (
            "post",
            f"/api/v1/{kind}/{{key}}/deliveries/redeliver",
            "Deliver failed and waiting deliveries now",
            "Redelivery",
            202,
        ),
    ]
