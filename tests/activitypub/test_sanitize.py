"""HTML from other servers in, our HTML out, and plain text: what survives, what never does.

Server payload shapes follow what each project documents or emits: Mastodon's from its API
documentation samples, the others from their federation docs and test fixtures.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from node.activitypub.sanitize import (
    MAX_INCOMING_CHARS,
    TRUNCATED_MARK,
    html_to_text,
    sanitize_incoming,
    sanitize_outgoing,
)
from tests.support.pathological import NESTING_UNITS, UNCLOSED_HTML, nested_html

MASTODON_STATUS = (
    '<p><span class="h-card" translate="no"><a href="https://mastodon.social/@Gargron" '
    'class="u-url mention">@<span>Gargron</span></a></span> Caught on the hop. '
    '<a href="https://startpage.com" target="_blank" rel="nofollow noopener noreferrer" '
    'translate="no"><span class="invisible">https://</span><span class="">startpage.com</span>'
    '<span class="invisible"></span></a> <a href="https://chaos.social/tags/Qualit%C3%A4tskatzen"'
    ' class="mention hashtag" rel="tag">#<span>Qualitätskatzen</span></a></p>'
    "<p>Second paragraph<br />with a break</p>"
)
GOTOSOCIAL_STATUS = (
    '<p>hi <span class="h-card"><a href="https://gts.example/@zork" class="mention">'
    "@<span>zork</span></a></span> here is a <del>plan</del> call "
    '<a href="https://gts.example/tags/welcome" class="mention hashtag" '
    'rel="tag nofollow noreferrer noopener" target="_blank">#<span>welcome</span></a></p>'
)
MISSKEY_NOTE = (
    '<p><a href="https://misskey.example/@alice" class="u-url mention">@alice@misskey.example</a>'
    "<span> join us<br>on <b>Friday</b> <i>please</i> <small>small</small> "
    '<a href="https://misskey.example/tags/solidarity" rel="tag">#solidarity</a></span></p>'
    '<div style="text-align: center;">centred</div>'
)
AKKOMA_NOTE = (
    '<span class="h-card"><a class="u-url mention" data-user="AbC123" '
    'href="https://akkoma.example/users/bob" rel="ugc">@<span>bob</span></a></span> thanks! '
    '<a class="hashtag" data-tag="mutualaid" href="https://akkoma.example/tag/mutualaid" '
    'rel="tag ugc">#mutualaid</a><img class="emoji" alt=":blob:" '
    'src="https://akkoma.example/emoji/blob.png"><h1>Heading</h1><ul><li>one</li></ul>'
)

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)" onmouseover="alert(1)">text</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></math>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="https://evil.example/x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name="x"><button>go</button></form>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<img src=x onerror=alert(1)//",
    "<!--<script>alert(1)</script>-->",
    '<p title="</p><script>alert(1)</script>">x</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
FORBIDDEN = ["<script", "onerror", "onclick", "onload", "ontoggle", "javascript:", "data:",
             "vbscript:", "<svg", "<math", "<style", "style=", "<iframe", "<img", "<object",
             "<embed", "<form", "<input", "<base", "<meta", "<template"]  # fmt: skip


@pytest.mark.parametrize("sanitize", [sanitize_incoming, sanitize_outgoing])
@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vectors_leave_nothing_executable(sanitize: Callable[[str], str], vector: str) -> None:
    cleaned = sanitize(vector).lower()
    for needle in FORBIDDEN:
        assert needle not in cleaned, (vector, cleaned)


def test_escaped_markup_stays_text() -> None:
    cleaned = sanitize_incoming("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;")
    assert cleaned == "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;"
    assert html_to_text(cleaned) == "<script>alert(1)</script> &amp;"


def test_mastodon_status_keeps_its_markup_and_gets_safe_links() -> None:
    cleaned = sanitize_incoming(MASTODON_STATUS)
    assert (
        '<span class="h-card" translate="no"><a href="https://mastodon.social/@Gargron" '
        'class="u-url mention" target="_blank" rel="nofollow noopener noreferrer">'
        "@<span>Gargron</span></a></span>"
    ) in cleaned
    assert '<span class="invisible">https://</span><span>startpage.com</span>' in cleaned
    assert (
        '<a href="https://chaos.social/tags/Qualit%C3%A4tskatzen" class="mention hashtag" '
        'target="_blank" rel="nofollow noopener noreferrer">#<span>Qualitätskatzen</span></a>'
    ) in cleaned
    assert "<p>Second paragraph<br>with a break</p>" in cleaned


def test_every_incoming_link_opens_apart_without_referrer() -> None:
    cleaned = sanitize_incoming('<a href="https://x.example" rel="me" target="_top">x</a>')
    assert cleaned == (
        '<a href="https://x.example" target="_blank" rel="nofollow noopener noreferrer">x</a>'
    )


def test_outgoing_keeps_tag_rel_and_adds_no_target() -> None:
    html = '<a href="https://n.example/tags/a" class="mention hashtag" rel="tag evil">#a</a>'
    assert sanitize_outgoing(html) == (
        '<a href="https://n.example/tags/a" class="mention hashtag" rel="tag">#a</a>'
    )


def test_gotosocial_status() -> None:
    cleaned = sanitize_incoming(GOTOSOCIAL_STATUS)
    assert '<a href="https://gts.example/@zork" class="mention"' in cleaned
    assert "<del>plan</del>" in cleaned
    assert "#<span>welcome</span></a>" in cleaned
    assert html_to_text(cleaned) == "hi @zork here is a plan call #welcome"


def test_misskey_note() -> None:
    cleaned = sanitize_incoming(MISSKEY_NOTE)
    assert "<b>Friday</b> <i>please</i> small" in cleaned
    assert '<a href="https://misskey.example/tags/solidarity" target="_blank"' in cleaned
    assert "style" not in cleaned and "<div" not in cleaned
    assert html_to_text(MISSKEY_NOTE) == (
        "@alice@misskey.example join us\non Friday please small #solidarity\n\ncentred"
    )


def test_akkoma_note() -> None:
    cleaned = sanitize_incoming(AKKOMA_NOTE)
    assert "data-" not in cleaned and "<img" not in cleaned
    assert '<a class="u-url mention" href="https://akkoma.example/users/bob"' in cleaned
    assert '<a class="hashtag" href="https://akkoma.example/tag/mutualaid"' in cleaned
    assert "<p><strong>Heading</strong></p><ul><li>one</li></ul>" in cleaned


@pytest.mark.parametrize("sanitize", [sanitize_incoming, sanitize_outgoing])
def test_headings_become_strong_paragraphs(sanitize: Callable[[str], str]) -> None:
    html = '<h1>Title</h1><h3 class="x">Sub <em>part</em></h3><p>body</p>'
    assert sanitize(html) == (
        "<p><strong>Title</strong></p><p><strong>Sub <em>part</em></strong></p><p>body</p>"
    )


def test_tables_become_rows_of_text_and_images_vanish() -> None:
    html = (
        "<table><caption>Plan</caption><thead><tr><th>who</th><th>what</th></tr></thead>"
        "<tbody><tr><td>us</td><td>march</td></tr></tbody></table>"
        '<p>see <img src="https://x.example/a.png" alt="poster"> here</p>'
    )
    assert sanitize_outgoing(html) == (
        "<p>Plan</p><p>who | what</p><p>us | march</p><p>see  here</p>"
    )


def test_lists_quotes_and_code_survive() -> None:
    html = (
        '<ol start="3" reversed><li value="7">a</li><li value="x">b</li></ol>'
        "<ul><li>c<ul><li>d</li></ul></li></ul><blockquote><p>q</p></blockquote>"
        '<pre><code class="language-py">x = 1\n    y &lt; 2</code></pre><p><s>gone</s> <u>u</u></p>'
    )
    assert sanitize_incoming(html) == (
        '<ol start="3" reversed=""><li value="7">a</li><li>b</li></ol>'
        "<ul><li>c<ul><li>d</li></ul></li></ul><blockquote><p>q</p></blockquote>"
        "<pre><code>x = 1\n    y &lt; 2</code></pre><p><s>gone</s> <u>u</u></p>"
    )


def test_only_mastodons_classes_survive() -> None:
    html = (
        '<p class="quote-inline evil"><span class="h-card p-name u-photo dt-published e-content '
        'mention hashtag ellipsis invisible big-red">x</span><span class="evil">y</span></p>'
    )
    assert sanitize_incoming(html) == (
        '<p class="quote-inline"><span class="h-card p-name u-photo dt-published e-content '
        'mention hashtag ellipsis invisible">x</span><span>y</span></p>'
    )


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("https://x.example/a?b=c#d", True),
        ("http://x.example", True),
        ("gemini://x.example", True),
        ("xmpp:room@conference.example", True),
        ("magnet:?xt=urn:btih:abc", True),
        ("HTTPS://X.EXAMPLE", True),
        ("mailto:a@b.example", False),
        ("ftp://x.example", False),
        ("/relative/path", False),
        ("//x.example/protocol-relative", False),
        ("#fragment", False),
        ("http://[::1", False),
    ],
)
def test_link_schemes(href: str, kept: bool) -> None:
    cleaned = sanitize_incoming(f'<p><a href="{href}">link</a></p>')
    if kept:
        assert cleaned.startswith(f'<p><a href="{href}"')
    else:
        assert cleaned == "<p>link</p>"


def test_malformed_markup_comes_out_balanced() -> None:
    cleaned = sanitize_incoming("<p>open <b>bold <i>both</p><p>next</b></i><li>stray")
    assert cleaned == ("<p>open <b>bold <i>both</i></b></p><p><b><i>next</i></b></p><li>stray</li>")


@pytest.mark.parametrize("html", [MASTODON_STATUS, GOTOSOCIAL_STATUS, MISSKEY_NOTE, AKKOMA_NOTE])
def test_sanitising_twice_changes_nothing(html: str) -> None:
    once = sanitize_incoming(html)
    assert sanitize_incoming(once) == once
    out = sanitize_outgoing(html)
    assert sanitize_outgoing(out) == out


def test_incoming_over_the_limit_is_cut_and_marked() -> None:
    paragraph = "<p>" + "word " * 199 + "</p>"
    html = paragraph * (MAX_INCOMING_CHARS // len(paragraph) + 10)
    cleaned = sanitize_incoming(html)
    assert cleaned.endswith(TRUNCATED_MARK)
    assert len(cleaned) <= MAX_INCOMING_CHARS + len(TRUNCATED_MARK) + 10
    assert cleaned.count("<p>") == cleaned.count("</p>")


def test_incoming_at_the_limit_is_whole() -> None:
    html = "<p>" + "x" * (MAX_INCOMING_CHARS - 7) + "</p>"
    assert sanitize_incoming(html) == html


@pytest.mark.parametrize("unit", NESTING_UNITS)
def test_deep_nesting_keeps_only_text(unit: str) -> None:
    cleaned = sanitize_incoming(nested_html(unit))  # its time: bench/pathological.py
    assert "deep text" in cleaned
    assert cleaned.count("<ul>") < 100 and cleaned.count("<blockquote>") < 100


def test_reasonable_nesting_is_kept() -> None:
    html = "<blockquote>" * 10 + "q" + "</blockquote>" * 10
    assert sanitize_incoming(html) == html


@pytest.mark.parametrize("html", UNCLOSED_HTML)
def test_unclosed_markup_comes_out_as_bounded_text(html: str) -> None:
    """Unclosed tags make Python's HTMLParser quadratic; only nh3 may see raw input (the time
    it takes: bench/pathological.py)."""
    limit = MAX_INCOMING_CHARS + len(TRUNCATED_MARK) + 10
    assert len(sanitize_incoming(html)) <= 5 * limit  # a character at most an entity (&amp;)
    assert len(html_to_text(html)) <= len(html)


def test_text_keeps_paragraphs_lines_and_lists() -> None:
    html = (
        "<h2>Call</h2><p>First line<br>second   line</p><p>Next &amp; last</p>"
        "<ul><li>one</li><li>two <b>bold</b></li></ul>"
        '<ol start="4"><li>four</li><li>five</li></ol>'
        "<pre>keep\n   spacing</pre><script>hidden()</script><style>p{}</style>end"
    )
    assert html_to_text(html) == (
        "Call\n\nFirst line\nsecond line\n\nNext & last\n\n- one\n- two bold\n\n"
        "4. four\n5. five\n\nkeep\n   spacing\n\nend"
    )


def test_text_of_mastodon_links_is_the_whole_url() -> None:
    assert html_to_text(MASTODON_STATUS) == (
        "@Gargron Caught on the hop. https://startpage.com #Qualitätskatzen\n\n"
        "Second paragraph\nwith a break"
    )


def test_text_of_nothing() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<p> </p><p>\n</p>") == ""
    assert sanitize_incoming("") == ""
