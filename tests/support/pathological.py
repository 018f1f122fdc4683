"""Inputs that make text processors slow if they are not bounded: deeply nested and unclosed
HTML for the sanitiser, and 200 KB Markdown documents of one construct for the renderer.
Unit tests check what comes out of them; bench/pathological.py times them against ordinary
input of the same size."""

from __future__ import annotations

from node.activitypub.sanitize import MAX_INCOMING_CHARS

NESTING_UNITS = ("<ul>", "<div>", "<blockquote>", "<span>")


def nested_html(unit: str) -> str:
    """`unit` opened as often as the incoming limit allows, then a text."""
    return unit * (MAX_INCOMING_CHARS // len(unit) - 10) + "deep text"


UNCLOSED_HTML = ("<" * 100_000, "&" * 100_000, "<!" * 50_000, '<a href="' * 10_000, "<a " * 30_000)


def ordinary_html(size: int) -> str:
    """Paragraphs with a link and emphasis: what a long post looks like."""
    paragraph = '<p>Meet at the <a href="https://example.org/square">square</a> at <b>9</b>.</p>'
    return (paragraph * (size // len(paragraph) + 1))[:size]


MARKDOWN = {
    "images": "![" * 100_000,
    "brackets": "[" * 200_000,
    "autolinks": "<http://" * 25_000,
    "emphasis": "*a" * 100_000,
    "bare-domains": "a.com " * 33_333,
    "hashtags": "#a " * 66_666,
    "angles": "<" * 200_000,
    "entities": "&#x" * 66_666,
    "table": "| a | b |\n|---|---|\n" + "| c | d |\n" * 20_000,
}


def ordinary_markdown(size: int = 200_000) -> str:
    """A long ordinary document: headings, paragraphs with a hashtag, a mention and a link,
    lists, a quote and code."""
    paragraph = (
        "Organisers in #Lisbon and @org@social.coop met on **Tuesday** to plan "
        "[the march](https://example.org/march) and `logistics`. "
    ) * 8
    blocks = ["## Section", paragraph, "- one\n- two\n  - three", "> " + paragraph, "```\nx\n```"]
    return "\n\n".join(blocks * (size // 2_000 + 1))[:size]
