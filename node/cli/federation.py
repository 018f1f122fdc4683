"""Who the node talks to: federation mode|allow|disallow|list|set|import|export|subscribe|
unsubscribe, and lockdown on|off. Every change is audited as the command line's user on this
machine, and reaches running `serve` and `worker` processes within a second."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from node.cli.base import cli_who, data_dir_option, main, run, settings_for, with_runtime
from node.federation.runtime import Runtime
from node.solidarity import federation_settings
from node.solidarity.federation_settings import Overview

SWITCH_NAMES = {
    "signed-fetches": "signed_fetches",
    "hide-collections": "hide_collections",
    "reduced-pages": "reduced_pages",
}


def act(ctx: click.Context, data_dir: Path | None, work: Any) -> Any:
    return run(with_runtime(settings_for(ctx, data_dir), work))


@main.group()
def federation() -> None:
    """Federation mode, allowlist and alliance manifests."""


@federation.command("mode")
@data_dir_option
@click.argument("mode", type=click.Choice(["open", "allowlist"]))
@click.pass_context
def federation_mode(ctx: click.Context, data_dir: Path | None, mode: str) -> None:
    """open: federate with every server not blocked; allowlist: only with allowed domains."""
    act(ctx, data_dir, lambda node: federation_settings.set_mode(node, mode, cli_who()))
    click.echo(f"Federation mode: {mode}.")


@federation.command("allow")
@data_dir_option
@click.argument("domain")
@click.option("--comment", default="", help="Why (kept for the admins).")
@click.pass_context
def federation_allow(ctx: click.Context, data_dir: Path | None, domain: str, comment: str) -> None:
    """Allow DOMAIN (and its subdomains; host:port for one port only)."""
    entry = act(
        ctx, data_dir, lambda node: federation_settings.allow(node, domain, cli_who(), comment)
    )
    click.echo(f"Allowed {entry.domain}.")


@federation.command("disallow")
@data_dir_option
@click.argument("domain")
@click.pass_context
def federation_disallow(ctx: click.Context, data_dir: Path | None, domain: str) -> None:
    """Take DOMAIN off the allowlist (excluding it even if a subscribed manifest lists it)."""
    name = act(ctx, data_dir, lambda node: federation_settings.disallow(node, domain, cli_who()))
    click.echo(f"{name} is no longer allowed.")


@federation.command("set")
@data_dir_option
@click.argument("switch", type=click.Choice(sorted(SWITCH_NAMES)))
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def federation_set(ctx: click.Context, data_dir: Path | None, switch: str, state: str) -> None:
    """signed-fetches (answer signed GETs only), hide-collections (followers and following
    show counts only), reduced-pages (public pages show names only): on or off."""
    name, on = SWITCH_NAMES[switch], state == "on"
    act(ctx, data_dir, lambda node: federation_settings.set_switch(node, name, on, cli_who()))
    click.echo(f"{switch}: {state}.")


def overview_json(seen: Overview) -> dict[str, Any]:
    return {
        **seen.settings.as_dict(),
        "lockdown": seen.lockdown,
        "saved": seen.saved.as_dict() if seen.saved else None,
        "allowed": list(seen.allowed),
        "local": [[e.domain, e.allowed, e.comment] for e in seen.local],
        "alliances": [[a.url, a.state, a.domains, a.last_error] for a in seen.alliances],
    }


def on_off(flag: bool) -> str:
    return "on" if flag else "off"


@federation.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
@click.pass_context
def federation_list(ctx: click.Context, data_dir: Path | None, as_json: bool) -> None:
    """Mode, switches, lockdown, the allowlist in force, and subscribed manifests."""
    seen = act(ctx, data_dir, federation_settings.overview)
    if as_json:
        click.echo(json.dumps(overview_json(seen), sort_keys=True))
        return
    settings = seen.settings
    click.echo(f"mode\t{settings.mode}")
    click.echo(f"lockdown\t{on_off(seen.lockdown)}")
    for switch, name in SWITCH_NAMES.items():
        click.echo(f"{switch}\t{on_off(getattr(settings, name))}")
    local = {entry.domain: entry for entry in seen.local}
    for domain in seen.allowed:
        click.echo(f"allowed\t{domain}\t{'local' if domain in local else 'manifest'}")
    for entry in seen.local:
        if not entry.allowed:
            click.echo(f"excluded\t{entry.domain}")
    for alliance in seen.alliances:
        error = f"\t{alliance.last_error}" if alliance.last_error else ""
        click.echo(f"manifest\t{alliance.url}\t{alliance.state}\t{alliance.domains}{error}")


@federation.command("import")
@data_dir_option
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_context
def federation_import(ctx: click.Context, data_dir: Path | None, file: Any) -> None:
    """Allow every domain of FILE: Mastodon's domain-allow CSV (#domain), or a domain list."""
    text = file.read()
    names, problems = act(
        ctx, data_dir, lambda node: federation_settings.import_allows(node, text, cli_who())
    )
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(f"Allowed {len(names)} domains.")


@federation.command("export")
@data_dir_option
@click.pass_context
def federation_export(ctx: click.Context, data_dir: Path | None) -> None:
    """Print the allowlist in force as Mastodon's domain-allow CSV."""
    click.echo(act(ctx, data_dir, federation_settings.export_allows), nl=False)


@federation.command("subscribe")
@data_dir_option
@click.argument("url")
@click.pass_context
def federation_subscribe(ctx: click.Context, data_dir: Path | None, url: str) -> None:
    """Follow the allowlist of a trusted curator: its alliance manifest at URL (e.g.
    https://ally.example/.well-known/solidarity-alliance), verified and applied now, then
    refreshed hourly by the worker. Local decisions (blocks, exclusions) always win."""
    made = act(ctx, data_dir, lambda node: federation_settings.subscribe(node, url, cli_who()))
    click.echo(f"Subscribed to {made.url}: {made.domains} domains, signed by {made.signer_iri}.")


@federation.command("unsubscribe")
@data_dir_option
@click.argument("url")
@click.pass_context
def federation_unsubscribe(ctx: click.Context, data_dir: Path | None, url: str) -> None:
    """Stop following the manifest at URL; the domains only it listed are no longer allowed."""
    act(ctx, data_dir, lambda node: federation_settings.unsubscribe(node, url, cli_who()))
    click.echo(f"Unsubscribed from {url}.")


@main.command()
@data_dir_option
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def lockdown(ctx: click.Context, data_dir: Path | None, state: str) -> None:
    """on: allowlist mode, signed fetches only, hidden followers and following, public pages
    reduced to names, saving the settings it replaces; off: restore exactly those."""

    async def work(node: Runtime) -> None:
        await federation_settings.lockdown(node, state == "on", cli_who())

    act(ctx, data_dir, work)
    click.echo(f"Lockdown {state}.")
