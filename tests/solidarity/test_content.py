"""Markdown to ActivityPub HTML: mentions, hashtags, what is never linked, and the bounds."""

from __future__ import annotations

import pytest

from node.errors import InvalidInput, WebFingerError
from node.solidarity.content import (
    MAX_MENTIONS,
    MAX_SOURCE_CHARS,
    Mention,
    Rendered,
    hashtag_key,
    render_markdown,
    tags,
    theme_hashtags,
)
from node.urls import Urls
from tests.support.pathological import MARKDOWN, ordinary_markdown

URLS = Urls("https://node.example")
ACTORS = {
    "org@social.coop": "https://social.coop/users/org",
    "bob@gts.example:8443": "https://gts.example:8443/users/bob",
}


class Directory:
    """A resolver that records every handle it is asked about."""

    def __init__(self, actors: dict[str, str] | None = None) -> None:
        self.actors = ACTORS if actors is None else actors
        self.asked: list[str] = []

    async def __call__(self, handle: str) -> str | None:
        self.asked.append(handle)
        return self.actors.get(handle.lower())


async def render(source: str, directory: Directory | None = None) -> Rendered:
    return await render_markdown(source, directory or Directory(), URLS)


MENTION_ORG = (
    '<span class="h-card"><a class="u-url mention" href="https://social.coop/users/org">'
    "@<span>org</span></a></span>"
)


async def test_mention_becomes_mastodon_markup() -> None:
    rendered = await render("Thanks @org@social.coop!")
    assert rendered.html == f"<p>Thanks {MENTION_ORG}!</p>"
    assert rendered.mentions == (Mention("org@social.coop", "https://social.coop/users/org"),)
    assert rendered.text == "Thanks @org!"


async def test_mention_with_port_and_trailing_punctuation() -> None:
    rendered = await render("Ask @bob@gts.example:8443. Or @org@social.coop,")
    assert '<a class="u-url mention" href="https://gts.example:8443/users/bob">' in rendered.html
    assert rendered.html.endswith("</a></span>,</p>")
    assert [m.handle for m in rendered.mentions] == ["bob@gts.example:8443", "org@social.coop"]


async def test_unresolved_handle_stays_text() -> None:
    rendered = await render("Hello @nobody@nowhere.example")
    assert rendered.html == "<p>Hello @nobody@nowhere.example</p>"
    assert rendered.mentions == ()


async def test_resolver_is_asked_once_per_distinct_handle() -> None:
    directory = Directory()
    source = (
        "@org@social.coop and @Org@Social.Coop and @org@social.coop again,\n\n"
        "> @nobody@nowhere.example @nobody@NOWHERE.example\n\n- @bob@gts.example:8443"
    )
    rendered = await render(source, directory)
    assert directory.asked == ["org@social.coop", "nobody@nowhere.example", "bob@gts.example:8443"]
    assert rendered.html.count('class="u-url mention"') == 4
    assert len(rendered.mentions) == 2


async def test_resolver_is_not_asked_about_code_or_links() -> None:
    directory = Directory()
    source = (
        "`@org@social.coop` [@org@social.coop](https://x.example) "
        "<https://x.example/@org@social.coop> https://x.example/@org@social.coop\n\n"
        "```\n@org@social.coop\n```\n\n    @org@social.coop\n"
    )
    rendered = await render(source, directory)
    assert directory.asked == []
    assert "mention" not in rendered.html
    assert "<code>@org@social.coop</code>" in rendered.html
    assert '<a href="https://x.example">@org@social.coop</a>' in rendered.html


async def test_not_a_mention() -> None:
    directory = Directory()
    source = "mail info@social.coop, a@b, @org, @org@localhost, x@org@social.coop, @a@b_c.example"
    rendered = await render(source, directory)
    assert directory.asked == []
    assert rendered.html == f"<p>{source}</p>"


async def test_resolver_errors_propagate() -> None:
    async def broken(handle: str) -> str | None:
        raise WebFingerError(f"acct:{handle}: host unreachable")

    with pytest.raises(WebFingerError):
        await render_markdown("hi @org@social.coop", broken, URLS)


async def test_too_many_mentions_are_refused_before_any_lookup() -> None:
    directory = Directory()
    source = " ".join(f"@user{i}@host{i}.example" for i in range(MAX_MENTIONS + 1))
    with pytest.raises(InvalidInput, match="mentions"):
        await render(source, directory)
    assert directory.asked == []


async def test_hashtag_becomes_mastodon_markup() -> None:
    rendered = await render("Join the #GeneralStrike today")
    assert rendered.html == (
        '<p>Join the <a href="https://node.example/tags/generalstrike" class="mention hashtag" '
        'rel="tag">#<span>GeneralStrike</span></a> today</p>'
    )
    assert rendered.hashtags == ("GeneralStrike",)
    assert rendered.text == "Join the #GeneralStrike today"


async def test_hashtags_match_without_case_or_accents_and_keep_first_spelling() -> None:
    rendered = await render("#Solidarité #solidarite #SOLIDARITÉ #Qualitätskatzen")
    assert rendered.hashtags == ("Solidarité", "Qualitätskatzen")
    href = 'href="https://node.example/tags/solidarit%C3%A9"'
    assert rendered.html.count(href) == 3
    assert "#<span>SOLIDARITÉ</span>" in rendered.html


async def test_not_a_hashtag() -> None:
    source = (
        "C# and #123 and a#b and https://x.example/#frag and `#code` and [#link](https://x.example)"
    )
    rendered = await render(source)
    assert "hashtag" not in rendered.html
    assert rendered.hashtags == ()


async def test_hashtags_in_headings_lists_quotes_and_emphasis() -> None:
    rendered = await render("# Plan #one\n\n- **#two**\n\n> _#three_")
    assert rendered.hashtags == ("one", "two", "three")
    assert rendered.html.startswith(
        '<p><strong>Plan <a href="https://node.example/tags/one" class="mention hashtag"'
    )


async def test_headings_tables_and_images_fit_mastodon() -> None:
    source = (
        "## Demands\n\n| who | what |\n|---|---|\n| us | march |\n\n"
        "![Poster *for* the march](https://img.example/p.png) "
        "[![inner](https://img.example/i.png)](https://outer.example)\n\n---\n\n~~old~~ new"
    )
    rendered = await render(source)
    assert rendered.html == (
        "<p><strong>Demands</strong></p><p>who | what</p><p>us | march</p>"
        '<p><a href="https://img.example/p.png">Poster for the march</a> '
        '<a href="https://outer.example">inner</a></p><p><s>old</s> new</p>'
    )


async def test_raw_html_and_script_links_are_text() -> None:
    source = '<script>alert(1)</script> <b onclick="x()">b</b> [x](javascript:alert(1))'
    rendered = await render(source)
    assert rendered.html == (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;b onclick="x()"&gt;b&lt;/b&gt; '
        "[x](javascript:alert(1))</p>"
    )


async def test_no_newlines_between_blocks() -> None:
    rendered = await render("one\n\n- a\n- b\n\n```\ncode\n```\n\nend")
    assert rendered.html == (
        "<p>one</p><ul><li>a</li><li>b</li></ul><pre><code>code\n</code></pre><p>end</p>"
    )
    assert rendered.text == "one\n\n- a\n- b\n\ncode\n\nend"


async def test_line_breaks_are_spaces_unless_asked() -> None:
    assert (await render("a\nb")).html == "<p>a\nb</p>"
    chat = await render_markdown("a\nb", Directory(), URLS, breaks=True)
    assert chat.html == "<p>a<br>\nb</p>"


async def test_links_and_bare_urls() -> None:
    rendered = await render("see https://example.org/x and www.example.com, or mail info@x.example")
    assert '<a href="https://example.org/x">https://example.org/x</a>' in rendered.html
    assert '<a href="http://www.example.com">www.example.com</a>' in rendered.html
    assert "mailto" not in rendered.html


def test_tag_array() -> None:
    rendered = Rendered(
        html="",
        text="",
        mentions=(Mention("org@social.coop", "https://social.coop/users/org"),),
        hashtags=("Housing", "Solidarité"),
    )
    themes = ["housing", "tenant rights", "2030", "solidarite", "Mutual-aid"]
    assert tags(rendered, themes, URLS) == [
        {"type": "Mention", "href": "https://social.coop/users/org", "name": "@org@social.coop"},
        {"type": "Hashtag", "href": "https://node.example/tags/housing", "name": "#Housing"},
        {
            "type": "Hashtag",
            "href": "https://node.example/tags/solidarit%C3%A9",
            "name": "#Solidarité",
        },
        {
            "type": "Hashtag",
            "href": "https://node.example/tags/tenantrights",
            "name": "#TenantRights",
        },
        {"type": "Hashtag", "href": "https://node.example/tags/mutualaid", "name": "#MutualAid"},
    ]


async def test_rendered_mentions_and_hashtags_become_tags() -> None:
    rendered = await render("@org@social.coop @Org@social.coop #Rent #rent")
    assert tags(rendered, [], URLS) == [
        {"type": "Mention", "href": "https://social.coop/users/org", "name": "@org@social.coop"},
        {"type": "Hashtag", "href": "https://node.example/tags/rent", "name": "#Rent"},
    ]


def test_hashtag_key_and_themes() -> None:
    assert hashtag_key("Solidarité") == hashtag_key("SOLIDARITE") == "solidarite"
    fullwidth = "Fullwidth".translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert fullwidth != "Fullwidth" and hashtag_key(fullwidth) == "fullwidth"
    assert hashtag_key("नमस्ते") != hashtag_key("नमस")
    assert theme_hashtags(["climate", "land back", "2030", "", "!!!"]) == ("climate", "LandBack")


async def test_source_over_the_bound_is_refused() -> None:
    with pytest.raises(InvalidInput, match="characters"):
        await render("x" * (MAX_SOURCE_CHARS + 1))


@pytest.mark.parametrize(
    "source",
    ["> " * 30 + "deep", "".join("  " * i + "- item\n" for i in range(30))],
)
async def test_nesting_past_the_bound_is_refused_not_dropped(source: str) -> None:
    with pytest.raises(InvalidInput, match="nests"):
        await render(source)


async def test_nesting_within_the_bound_is_whole() -> None:
    lists = await render("".join("  " * i + f"- item{i}\n" for i in range(8)))
    assert lists.html.count("<ul>") == 8 and "item7" in lists.html
    quotes = await render("> " * 15 + "deep")
    assert quotes.html.count("<blockquote>") == 15 and "deep" in quotes.html


async def test_a_long_ordinary_document_is_whole() -> None:
    directory = Directory()
    rendered = await render(ordinary_markdown(), directory)  # its time: bench/pathological.py
    assert directory.asked == ["org@social.coop"]
    assert rendered.hashtags == ("Lisbon",)
    assert rendered.html.count("<p><strong>Section</strong></p>") > 90  # headings made bold


@pytest.mark.parametrize("source", MARKDOWN.values(), ids=MARKDOWN.keys())
async def test_pathological_200_kb_documents_render(source: str) -> None:
    rendered = await render(source)  # how long it takes: bench/pathological.py
    assert len(rendered.html) < 40 * len(source)
