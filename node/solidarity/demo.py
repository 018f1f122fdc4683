"""Sample content for `solidarity-node demo`: an organisation with strategies and calls, so a
new user sees a living node. Created once; running the demo again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from node.federation.runtime import Runtime
from node.solidarity import organisations, publishing, validation

ORG = "demo"
DISPLAY_NAME = "Demo Solidarity Collective"
SUMMARY = (
    "A demonstration organisation of this Solidarity Node.\n\n"
    "Follow it from Mastodon to see its strategies and calls for solidarity."
)
STRATEGIES: list[dict[str, Any]] = [
    {
        "title": "Legal observers at every action",
        "summary": "Trained observers in pairs deter abuse and document what happens, "
        "so that arrested activists get support fast.",
        "content": "## Why\n\nPolice behave differently when someone is watching.\n\n"
        "## How\n\n1. Train observers in pairs.\n2. Give each pair a hotline number.\n"
        "3. Keep notes with times and badge numbers.\n\n#LegalSupport #Protest",
        "themes": ["legal_support"],
        "regions": ["DE", "PL"],
    },
    {
        "title": "Rapid response phone trees",
        "summary": "A phone tree reaches two hundred people in fifteen minutes "
        "when a raid or eviction starts.",
        "content": "Each member calls three others. Test it monthly, keep it on paper too.",
        "themes": ["rapid_response", "mutual_aid"],
        "regions": ["Global"],
    },
]
CALLS: list[dict[str, Any]] = [
    {
        "title": "Fill the courtroom for the climate camp defendants",
        "content": "Eleven activists stand trial for the blockade. A full public gallery "
        "shows the court that people are watching. #ClimateJustice",
        "urgency": "high",
        "regions": ["PL", "Warsaw"],
        "actions": ["Come to the hearing at 9:00", "Share this call with your members"],
        "themes": ["court_support"],
        "days": 5,
    },
    {
        "title": "Letters for the shelter after the arson attack",
        "content": "The women's shelter was attacked last night; nobody was hurt. "
        "Letters of support help the residents and the staff.",
        "urgency": "normal",
        "regions": ["HU"],
        "actions": ["Write a letter", "Donate to the repair fund"],
        "themes": ["feminism"],
        "days": 14,
    },
]


async def seed(node: Runtime) -> bool:
    """Create the demo organisation and its content unless it exists; True if created."""
    if ORG in {o.username for o in await organisations.list_all(node.db)}:
        return False
    org = await organisations.create_organisation(
        node.db, node.clock, node.urls, ORG, DISPLAY_NAME, SUMMARY
    )
    for body in STRATEGIES:
        await publishing.publish(node, org, validation.strategy(body))
    now = node.clock.now()
    for body in CALLS:
        deadline = (now + timedelta(days=body["days"])).isoformat()
        await publishing.publish(node, org, validation.call(body | {"deadline": deadline}, now))
    return True
