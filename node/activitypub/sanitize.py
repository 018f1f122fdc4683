"""HTML in and out: what other servers send us, what we send them, and its plain text.

Both directions keep the subset that Mastodon's sanitizer keeps (research/interop.md §5), so a
post looks the same here and there. nh3 (Ammonia) parses and sanitises; only its well-formed
output ever reaches Python's HTMLParser (which is quadratic on some malformed input). Between two
nh3 passes a small rewrite does what Ammonia cannot: headings become `<p><strong>`, table rows
become paragraphs, links left without an allowed `href` become their text; the last pass is nh3,
so safety never rests on that rewrite. Incoming HTML is cut at MAX_INCOMING_CHARS; before any
parser sees it, its markup (tags and character references) is counted against MAX_MARKUP and a
document's MarkupBudget, and its nesting estimated from the raw tags as a parser would scope
them: over any bound it keeps only its text, taken without a parser (nested HTML is what makes
HTML parsers slow). Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any, Final
from urllib.parse import urlsplit

MAX_INCOMING_CHARS: Final = 100_000
MAX_DEPTH: Final = 64
MAX_MARKUP: Final = 2_000  # tags and character references one text may hold to stay HTML
MAX_DOCUMENT_MARKUP: Final = 3_000  # and all the texts of one received document together
TRUNCATED_MARK: Final = "<p>…</p>"

KEPT_TAGS: Final = frozenset(
    {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i"}
    | {"em", "ul", "ol", "li", "ruby", "rt", "rp"}
)
HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TABLE_TAGS: Final = frozenset({"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"})
DROPPED_WITH_CONTENT: Final = frozenset(
    {"script", "style", "template", "svg", "math", "iframe", "object", "embed", "noscript"}
    | {"noembed", "noframes", "textarea", "select", "title", "head"}
)
LINK_SCHEMES: Final = frozenset(
    {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
)
CLASS_PREFIXES: Final = ("h-", "p-", "u-", "dt-", "e-")
CLASS_NAMES: Final = frozenset({"mention", "hashtag", "ellipsis", "invisible", "quote-inline"})
REL_VALUES: Final = frozenset({"tag", "nofollow", "noopener", "noreferrer", "me", "ugc"})
INCOMING_REL: Final = "nofollow noopener noreferrer"
ATTRIBUTES: Final = {
    "a": frozenset({"href", "class"}),
    "span": frozenset({"class"}),
    "p": frozenset({"class"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
}
TRANSLATE_NO: Final = {"a": {"translate": {"no"}}, "span": {"translate": {"no"}}}
VOID_TAGS: Final = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
BLOCK_TAGS: Final = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "table", "section", "article", "header"}
    | {"footer", "aside", "figure", "figcaption", "details", "summary", "hr", "dl", "main"}
    | HEADINGS
)
LINE_TAGS: Final = frozenset({"li", "tr", "dt", "dd", "caption"})
SCOPE_BOUNDARIES: Final = frozenset(
    {"table", "td", "th", "caption", "template", "object", "applet", "marquee", "html"}
)
RAW_TAG: Final = re.compile(r"<[^>]*>?")
RAW_BLOCK_TAG: Final = re.compile(
    r"</?(?:p|div|br|li|h[1-6]|blockquote|pre|tr|ul|ol)\b[^>]*>?", re.IGNORECASE
)
NEEDS_REWRITE: Final = re.compile(
    r"<(?:h[1-6]|table|caption|thead|tbody|tfoot|tr|th|td)\b|<a(?![^>]*\shref=)[\s>]"
)
RAW_START_OR_END: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
INTEGER: Final = re.compile(r"-?[0-9]{1,9}")
# runs of whitespace other than one plain space (which folding would leave as it is)
WHITESPACE: Final = re.compile(r"[^\S ]\s*| \s+")
OTHER_SPACE: Final = re.compile(r"[^\S ]")
BLANK_LINES: Final = re.compile(r"\n{3,}")


class MarkupBudget:
    """The markup the texts of one document may still spend on being parsed as HTML."""

    def __init__(self, total: int = MAX_DOCUMENT_MARKUP) -> None:
        self.left = total

    def take(self, marks: int) -> bool:
        if marks > self.left:
            return False
        self.left -= marks
        return True


def sanitize_incoming(html: str, budget: MarkupBudget | None = None) -> str:
    """Remote HTML made safe to show and store; input over MAX_INCOMING_CHARS is cut and marked.
    Markup over its bounds (see the module's docstring) keeps only its text."""
    cut = html[:MAX_INCOMING_CHARS]
    marks = cut.count("<") + cut.count("&")
    affordable = marks <= MAX_MARKUP and (budget is None or budget.take(marks))
    if affordable and _raw_depth(cut) <= MAX_DEPTH:
        clean = _sanitize(cut, incoming=True)
    else:
        clean = _paragraphs(_unmarked(cut))
    return clean + TRUNCATED_MARK if len(html) > MAX_INCOMING_CHARS else clean


def sanitize_outgoing(html: str) -> str:
    """Our own HTML reduced to what survives Mastodon's sanitizer, so peers show what we show."""
    return _sanitize(html, incoming=False)


def html_to_text(html: str) -> str:
    """Readable plain text: paragraphs apart by a blank line, list items and `<br>` on new lines.
    Markup over MAX_MARKUP is read without a parser, as sanitize_incoming reads it."""
    if html.count("<") + html.count("&") > MAX_MARKUP:
        return BLANK_LINES.sub("\n\n", _unmarked(html)).strip()
    return _text_of_clean(_cleaners().structure.clean(html))


def text_of_sanitized(html: str) -> str:
    """html_to_text() of what sanitize_incoming() or sanitize_outgoing() returned: that HTML is
    already well-formed and keeps only tags the text reads, so it is not cleaned again."""
    return _text_of_clean(html)


class _Cleaners:
    """nh3 sanitisers built once per process: building one from its options costs several
    times what cleaning a short post does."""

    def __init__(self) -> None:
        import nh3  # Ammonia's compiled library, loaded when the first HTML comes in or goes out

        self.first: dict[bool, nh3.Cleaner] = {
            w: nh3.Cleaner(**_first_pass(w)) for w in (True, False)
        }
        self.final: dict[bool, nh3.Cleaner] = {
            w: nh3.Cleaner(**_final_pass(w)) for w in (True, False)
        }
        self.structure: nh3.Cleaner = nh3.Cleaner(
            tags=set(KEPT_TAGS | HEADINGS | TABLE_TAGS | BLOCK_TAGS | LINE_TAGS),
            clean_content_tags=set(DROPPED_WITH_CONTENT),
            attributes={"ol": {"start"}},
            link_rel=None,
        )


@functools.cache
def _cleaners() -> _Cleaners:
    return _Cleaners()


def _sanitize(html: str, *, incoming: bool) -> str:
    cleaners = _cleaners()
    first = cleaners.first[incoming].clean(html)
    # incoming HTML was measured before parsing; nesting cannot be deeper than the tag count
    deep = not incoming and first.count("<") > MAX_DEPTH and _nesting_depth(first) > MAX_DEPTH
    if deep:
        return _paragraphs(_text_of_clean(first))
    rewritten = _restructure(first) if NEEDS_REWRITE.search(first) else first
    return cleaners.final[incoming].clean(rewritten)


def _unmarked(html: str) -> str:
    """The text of HTML without parsing it: block tags become paragraph breaks, other tags
    go, references are resolved (linear time)."""
    text = RAW_TAG.sub("", RAW_BLOCK_TAG.sub("\n\n", html))
    return "\n\n".join(" ".join(part.split()) for part in unescape(text).split("\n\n"))


def _raw_depth(html: str) -> int:
    """How deep the tags of raw HTML nest, as an HTML parser would scope them: an end tag
    closes up to its element unless a table or other scope boundary comes first (then it is
    ignored, as parsers ignore it); unclosed elements count. Stops once past MAX_DEPTH."""
    open_tags: list[str] = []
    for closing, name in RAW_START_OR_END.findall(html):
        name = name.lower()
        if not closing:
            if name not in VOID_TAGS:
                open_tags.append(name)
                if len(open_tags) > MAX_DEPTH:
                    return len(open_tags)
            continue
        for position in range(len(open_tags) - 1, -1, -1):
            if open_tags[position] == name:
                del open_tags[position:]
                break
            if open_tags[position] in SCOPE_BOUNDARIES:
                break
    return len(open_tags)


def _folded(text: str) -> str:
    """Every run of whitespace as one space; text with none to fold is only scanned (a long
    text of words and single spaces would otherwise be rebuilt match by match)."""
    if "  " not in text and OTHER_SPACE.search(text) is None:
        return text
    return WHITESPACE.sub(" ", text)


def _text_of_clean(clean_html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(clean_html)
    extractor.close()
    return extractor.text()


def _first_pass(incoming: bool) -> dict[str, Any]:
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    if not incoming:
        attributes["a"].add("rel")
    return {
        "tags": set(KEPT_TAGS | HEADINGS | TABLE_TAGS),
        "clean_content_tags": set(DROPPED_WITH_CONTENT),
        "attributes": attributes,
        "tag_attribute_values": TRANSLATE_NO,
        "attribute_filter": _filter_attribute,
        "url_schemes": set(LINK_SCHEMES),
        "link_rel": None,
    }


def _final_pass(incoming: bool) -> dict[str, Any]:
    options = _first_pass(incoming) | {"tags": set(KEPT_TAGS)}
    if incoming:
        options["link_rel"] = INCOMING_REL
        options["set_tag_attribute_values"] = {"a": {"target": "_blank"}}
    return options


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Never raises: nh3 would only report an exception, not stop on it."""
    if name == "class":
        return _kept_tokens(value, _is_kept_class)
    if name == "rel":
        return _kept_tokens(value, REL_VALUES.__contains__)
    if name == "href":
        return _absolute_url(value)
    if name in ("start", "value"):
        return value.strip() if INTEGER.fullmatch(value.strip()) else None
    if name == "reversed":
        return ""
    return value


def _absolute_url(value: str) -> str | None:
    """Relative links mean nothing away from their server (nh3 has checked the scheme)."""
    try:
        return value if urlsplit(value.strip()).scheme else None
    except ValueError:
        return None


def _kept_tokens(value: str, keep: Callable[[str], bool]) -> str | None:
    kept = [token for token in value.split() if keep(token)]
    return " ".join(kept) if kept else None


def _is_kept_class(name: str) -> bool:
    return name.startswith(CLASS_PREFIXES) or name in CLASS_NAMES


def _paragraphs(text: str) -> str:
    """Plain text as HTML: one `<p>` per paragraph, `<br>` for single line breaks."""
    blocks = [block.split("\n") for block in text.split("\n\n") if block.strip()]
    return "".join("<p>" + "<br>".join(escape(line) for line in lines) + "</p>" for lines in blocks)


def _restructure(clean_html: str) -> str:
    rewriter = _Restructure()
    rewriter.feed(clean_html)
    rewriter.close()
    return "".join(rewriter.out)


def _nesting_depth(clean_html: str) -> int:
    probe = _DepthProbe()
    probe.feed(clean_html)
    probe.close()
    return probe.deepest


class _Restructure(HTMLParser):
    """Rewrites nh3's well-formed output: headings, tables, links without an href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.anchors: list[bool] = []
        self.cells: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HEADINGS:
            self.out.append("<p><strong>")
        elif tag in TABLE_TAGS:
            self._table_start(tag)
        elif tag == "a":
            has_href = any(name == "href" for name, _ in attrs)
            self.anchors.append(has_href)
            if has_href:
                self.out.append(_start_tag(tag, attrs))
        else:
            self.out.append(_start_tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS:
            self.out.append("</strong></p>")
        elif tag in TABLE_TAGS:
            self._table_end(tag)
        elif tag == "a":
            if self.anchors and self.anchors.pop():
                self.out.append("</a>")
        elif tag not in VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))

    def _table_start(self, tag: str) -> None:
        if tag in ("tr", "caption"):
            self.out.append("<p>")
            self.cells.append(0)
        elif tag in ("td", "th") and self.cells:
            if self.cells[-1]:
                self.out.append(" | ")
            self.cells[-1] += 1

    def _table_end(self, tag: str) -> None:
        if tag in ("tr", "caption"):
            self.out.append("</p>")
            if self.cells:
                self.cells.pop()


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    rendered = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
    return f"<{tag}{rendered}>"


class _DepthProbe(HTMLParser):
    """How deep elements nest in nh3's output, where every element is closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.deepest = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_TAGS:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS:
            self.depth -= 1


class _TextExtractor(HTMLParser):
    """Collects text runs and the breaks between blocks (1: new line, 2: blank line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[int | tuple[str, bool]] = []
        self.skipping: list[str] = []
        self.pre = 0
        self.lists: list[int | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping.append(tag)
        elif tag == "br":
            self.parts.append(1)
        elif tag in ("ul", "ol"):
            self.lists.append(_list_start(attrs) if tag == "ol" else None)
            self.parts.append(2 if len(self.lists) == 1 else 1)
        elif tag == "li":
            self.parts.extend((1, (self._bullet(), False)))
        elif tag in ("td", "th"):
            self.parts.append((" ", False))
        elif tag in BLOCK_TAGS or tag in LINE_TAGS:
            self.pre += 1 if tag == "pre" else 0
            self.parts.append(2 if tag in BLOCK_TAGS else 1)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.parts.append(1 if self.lists else 2)
        elif tag in BLOCK_TAGS or tag in LINE_TAGS:
            if tag == "pre" and self.pre:
                self.pre -= 1
            self.parts.append(2 if tag in BLOCK_TAGS else 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            preformatted = self.pre > 0
            self.parts.append((data if preformatted else _folded(data), preformatted))

    def _bullet(self) -> str:
        if not self.lists or self.lists[-1] is None:
            return "- "
        number = self.lists[-1]
        self.lists[-1] = number + 1
        return f"{number}. "

    def text(self) -> str:
        chunks: list[str] = []
        pending = 0
        for part in self.parts:
            if isinstance(part, int):
                pending = max(pending, part)
                continue
            data, preformatted = part
            if not preformatted and (pending or not chunks or chunks[-1].endswith(" ")):
                data = data.lstrip(" ")
            if not data:
                continue
            if pending and chunks:
                chunks.append("\n" * pending)
            pending = 0
            chunks.append(data)
        lines = "".join(chunks).split("\n")
        return BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")


def _list_start(attrs: list[tuple[str, str | None]]) -> int:
    start = dict(attrs).get("start") or "1"
    return int(start) if INTEGER.fullmatch(start.strip()) else 1
