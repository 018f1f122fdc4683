"""Who the node talks to, as its admins decide: the mode (open or allowlist), the allowlist
(local entries, and subscribed alliance manifests), the switches lockdown turns on, and
lockdown itself, which saves the settings it replaces and restores exactly those. Every change
is one transaction with its audit entry, and applies in every process within a second.

While locked down, the settings lockdown holds cannot be changed one by one (turn lockdown off
first); the allowlist can, so that allies can be let in during an attack.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from node.activitypub import blocklist_csv
from node.errors import InvalidInput
from node.federation import alliances
from node.federation.runtime import Runtime
from node.storage import alliances as subscriptions
from node.storage import audit, federation_policy
from node.storage.alliances import Alliance
from node.storage.audit import Who
from node.storage.federation_policy import (
    LOCKDOWN,
    MODES,
    AllowEntry,
    FederationSettings,
    normalise_entry,
)

SWITCHES = ("signed_fetches", "hide_collections", "reduced_pages")
LOCKED = "the node is locked down: run 'lockdown off' first (it restores the settings it saved)"


@dataclass(frozen=True)
class Overview:
    settings: FederationSettings
    lockdown: bool
    saved: FederationSettings | None
    local: tuple[AllowEntry, ...]
    from_manifests: tuple[str, ...]
    allowed: tuple[str, ...]  # what is in force: local allows and manifests, minus exclusions
    alliances: tuple[Alliance, ...]
    version: int


async def overview(node: Runtime) -> Overview:
    async with node.db.transaction() as session:
        state = await federation_policy.state(session)
        local = await federation_policy.local_entries(session)
        listed = await federation_policy.manifest_domains(session)
        allowed = await federation_policy.effective_allowlist(session)
        subscribed = await subscriptions.listed(session)
    return Overview(
        state.settings,
        state.lockdown,
        state.saved,
        tuple(local),
        tuple(sorted(listed)),
        tuple(sorted(allowed)),
        tuple(subscribed),
        state.version,
    )


async def _store(
    node: Runtime,
    settings: FederationSettings,
    saved: FederationSettings | None,
    who: Who,
    action: str,
    details: dict[str, Any],
) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        await federation_policy.put_settings(session, settings, now, saved=saved)
        await audit.record(session, who, action, "node", now, details)
    node.policy.invalidate()


async def _unlocked(node: Runtime) -> FederationSettings:
    async with node.db.transaction() as session:
        state = await federation_policy.state(session)
    if state.lockdown:
        raise InvalidInput(LOCKED)
    return state.settings


async def set_mode(node: Runtime, mode: str, who: Who) -> FederationSettings:
    if mode not in MODES:
        raise InvalidInput(f"mode {mode!r} is not one of {', '.join(MODES)}")
    current = await _unlocked(node)
    changed = replace(current, mode=mode)
    await _store(node, changed, None, who, "federation.mode", {"from": current.mode, "to": mode})
    return changed


async def set_switch(node: Runtime, name: str, on: bool, who: Who) -> FederationSettings:
    """signed_fetches, hide_collections or reduced_pages, on or off."""
    if name not in SWITCHES:
        raise InvalidInput(f"{name!r} is not one of {', '.join(SWITCHES)}")
    current = await _unlocked(node)
    changed = FederationSettings.from_dict(current.as_dict() | {name: on})
    await _store(node, changed, None, who, f"federation.{name}", {"to": on})
    return changed


async def lockdown(node: Runtime, on: bool, who: Who) -> FederationSettings:
    """On: save the settings and put LOCKDOWN's in force. Off: restore exactly those saved.
    Turning it on (or off) twice changes nothing the second time."""
    async with node.db.transaction() as session:
        state = await federation_policy.state(session)
    if on == state.lockdown:
        return state.settings
    if on:
        saved = state.settings.as_dict()
        await _store(node, LOCKDOWN, state.settings, who, "lockdown.on", {"saved": saved})
        return LOCKDOWN
    restored = state.saved or FederationSettings()
    details = {"restored": restored.as_dict()}
    await _store(node, restored, None, who, "lockdown.off", details)
    return restored


async def allow(node: Runtime, domain: str, who: Who, comment: str = "") -> AllowEntry:
    now = node.clock.now()
    async with node.db.transaction() as session:
        entry = await federation_policy.set_allowed(session, domain, True, comment, now)
        await audit.record(session, who, "federation.allow", entry.domain, now)
    node.policy.invalidate()
    return entry


async def disallow(node: Runtime, domain: str, who: Who) -> str:
    """Take a domain off the allowlist: its local entry goes, and when a subscribed manifest
    still lists it, a local exclusion is kept instead (a local decision wins)."""
    name = normalise_entry(domain)
    now = node.clock.now()
    async with node.db.transaction() as session:
        listed = name in await federation_policy.manifest_domains(session)
        if listed:
            await federation_policy.set_allowed(session, name, False, "excluded locally", now)
        elif not await federation_policy.forget_allowed(session, name, now):
            raise InvalidInput(f"{name} is not on the allowlist")
        details = {"excluded_from_manifests": listed}
        await audit.record(session, who, "federation.disallow", name, now, details)
    node.policy.invalidate()
    return name


async def import_allows(node: Runtime, text: str, who: Who) -> tuple[list[str], list[str]]:
    """Allow every domain of a Mastodon domain-allow CSV (or any list whose first column is a
    domain); returns the domains allowed and the problems."""
    try:
        parsed = blocklist_csv.parse(text)
    except blocklist_csv.CsvError as exc:
        raise InvalidInput(str(exc)) from exc
    problems = list(parsed.problems)
    names: list[str] = []
    for line in parsed.blocks:
        try:
            names.append(normalise_entry(line.domain))
        except InvalidInput as exc:
            problems.append(f"{line.domain}: {exc}")
    now = node.clock.now()
    async with node.db.transaction() as session:
        for name in dict.fromkeys(names):
            await federation_policy.set_allowed(session, name, True, "imported", now)
        await audit.record(
            session, who, "federation.import", f"{len(names)} domains", now, {"count": len(names)}
        )
    node.policy.invalidate()
    return names, problems


async def export_allows(node: Runtime) -> str:
    """The allowlist in force, as Mastodon exports its domain allows."""
    async with node.db.transaction() as session:
        allowed = await federation_policy.effective_allowlist(session)
    return blocklist_csv.render_allows(sorted(allowed))


async def subscribe(node: Runtime, url: str, who: Who) -> Alliance:
    return await alliances.subscribe(node, url, who)


async def unsubscribe(node: Runtime, url: str, who: Who) -> None:
    await alliances.unsubscribe(node, url, who)
