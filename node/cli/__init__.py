"""The `solidarity-node` command line (DESIGN §5), one module per group of commands.

Every command takes --data-dir (env SN_DATA_DIR, default ./data). Failures print one line
starting with 'Error:' on stderr and exit 1; usage mistakes exit 2 (click's convention).
"""

from node.cli import (
    admin,
    allies,
    circles,
    federation,
    members,  # the web workspace's members
    moderation,
    node_admins,
    node_commands,
    operations,  # migrate, check, backup, restore, db copy
    orgs,
    publishing,
    relays,
    tokens,
)
from node.cli.base import main

__all__ = [
    "admin",
    "allies",
    "circles",
    "federation",
    "main",
    "members",
    "moderation",
    "node_admins",
    "node_commands",
    "operations",
    "orgs",
    "publishing",
    "relays",
    "tokens",
]
