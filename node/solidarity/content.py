"""Organisations' Markdown -> the HTML, plain text and `tag` array of an ActivityPub object.

CommonMark (markdown-it-py) with strikethrough, tables and linkify; raw HTML in the source is
escaped. `@name@host` becomes a Mastodon-style mention when the caller's resolver finds the actor,
and `#tag` a hashtag link; both are found on the token stream, never inside code or links. Images
become links (Mastodon drops inline images). The HTML always passes through sanitize_outgoing.
Bounds: MAX_SOURCE_CHARS, block nesting below MAX_NESTING, at most MAX_MENTIONS distinct handles.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Final, Literal

from node.activitypub.sanitize import html_to_text, sanitize_outgoing
from node.errors import InvalidInput
from node.urls import Urls

if TYPE_CHECKING:  # markdown-it is imported where Markdown is rendered, not by a starting node
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

Resolver = Callable[[str], Awaitable[str | None]]

MAX_SOURCE_CHARS: Final = 500_000
MAX_NESTING: Final = 20
MAX_MENTIONS: Final = 50
MAX_HASHTAG_CHARS: Final = 100

_NAME: Final = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?"
_LABEL: Final = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_HOST: Final = rf"{_LABEL}(?:(?:\.{_LABEL})+(?::[0-9]{{1,5}})?|:[0-9]{{1,5}})"
_MENTION: Final = rf"(?<![\w@/.+=-])@(?P<name>{_NAME})@(?P<host>{_HOST})(?![\w@]|-\w|[0-9])"
_HASHTAG: Final = rf"(?<![\w#/&)@])#(?P<tag>\w{{1,{MAX_HASHTAG_CHARS}}})(?!\w)"
ENTITY_RE: Final = re.compile(f"{_MENTION}|{_HASHTAG}")
WORD_RE: Final = re.compile(r"[^\W_]+")
COMBINING_ACCENTS: Final = range(0x300, 0x370)


@dataclass(frozen=True)
class Mention:
    handle: str  # name@host, as first written (host lowercased)
    actor_iri: str


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    mentions: tuple[Mention, ...]
    hashtags: tuple[str, ...]  # as first written, one per hashtag_key


async def render_markdown(
    source: str, resolve: Resolver, urls: Urls, *, breaks: bool = False
) -> Rendered:
    """Render Markdown; `resolve` is awaited once per distinct handle, one after another.

    `breaks=True` turns single line breaks into `<br>` (chat style) instead of spaces.
    Raises InvalidInput for a source over the bounds; exceptions from `resolve` propagate.
    """
    if len(source) > MAX_SOURCE_CHARS:
        raise InvalidInput(f"the text is {len(source)} characters; at most {MAX_SOURCE_CHARS}")
    md = _markdown(breaks)
    # parsing and rendering are CPU work (seconds for 200 KB of some constructs): in a thread
    tokens = await asyncio.to_thread(md.parse, source)
    actors = await _resolve_all(_handles(tokens), resolve)
    return await asyncio.to_thread(_rendered, md, tokens, _Linker(actors, urls))


def _rendered(md: MarkdownIt, tokens: list[Token], linker: _Linker) -> Rendered:
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _link_entities(token.children, linker)
        token.block = token.type in ("code_block", "fence")
    # code blocks end in a newline after </pre> that would show as a blank line on Mastodon
    rendered = md.renderer.render(tokens, md.options, {}).replace("</pre>\n", "</pre>")
    html = sanitize_outgoing(rendered)
    return Rendered(
        html=html,
        text=html_to_text(html),
        mentions=tuple(linker.mentions.values()),
        hashtags=tuple(linker.hashtags.values()),
    )


def tags(rendered: Rendered, themes: Sequence[str], urls: Urls) -> list[dict[str, str]]:
    """The AS2 `tag` array: Mentions, then Hashtags from the text, then from the themes."""
    result = [
        {"type": "Mention", "href": mention.actor_iri, "name": f"@{mention.handle}"}
        for mention in rendered.mentions
    ]
    seen: set[str] = set()
    for name in (*rendered.hashtags, *theme_hashtags(themes)):
        key = hashtag_key(name)
        if key not in seen:
            seen.add(key)
            result.append({"type": "Hashtag", "href": urls.tag(name), "name": f"#{name}"})
    return result


def hashtag_key(name: str) -> str:
    """What makes two hashtags the same, as Mastodon matches them: case and accents ignored."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in folded if ord(ch) not in COMBINING_ACCENTS)


def theme_hashtags(themes: Iterable[str]) -> tuple[str, ...]:
    """Themes as hashtag names: one word as written, several joined in CamelCase.

    A theme with no letter (e.g. "2030") has no hashtag and is left out.
    """
    names = []
    for theme in themes:
        words = WORD_RE.findall(theme)
        name = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
        if _is_hashtag(name):
            names.append(name)
    return tuple(names)


def _is_hashtag(name: str) -> bool:
    return 0 < len(name) <= MAX_HASHTAG_CHARS and any(ch.isalpha() for ch in name)


def _markdown(breaks: bool) -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": True, "typographer": False, "breaks": breaks},
    )
    md.enable(["linkify", "strikethrough", "table"])
    # the inline linkify rule rescans all pending text at every "://" (quadratic on long
    # paragraphs); the core linkify rule, which stays on, finds the same links linearly
    md.inline.ruler.disable("linkify")
    if md.linkify is not None:
        md.linkify.set({"fuzzy_email": False})
    md.options["maxNesting"] = MAX_NESTING
    md.core.ruler.before("inline", "nesting_limit", _refuse_deep_nesting)
    return md


def _refuse_deep_nesting(state: StateCore) -> None:
    """markdown-it silently drops blocks nested past maxNesting; say so instead."""
    if any(token.level >= MAX_NESTING - 1 for token in state.tokens):
        raise InvalidInput(f"the text nests quotes or lists more than {MAX_NESTING // 2} deep")


def _with_link_depth(children: list[Token]) -> Iterator[tuple[Token, int]]:
    """Each inline child, and how many links enclose it (a link's own tokens count as inside)."""
    depth = 0
    for child in children:
        depth += child.type == "link_open"
        yield child, depth
        depth -= child.type == "link_close"


def _handles(tokens: list[Token]) -> dict[str, str]:
    """Distinct handles in the text: key (lowercased) -> handle as first written."""
    found: dict[str, str] = {}
    for token in tokens:
        for child, depth in _with_link_depth(token.children or []):
            if child.type == "text" and not depth:
                for match in ENTITY_RE.finditer(child.content):
                    if match["name"]:
                        handle = _handle(match)
                        found.setdefault(handle.lower(), handle)
    if len(found) > MAX_MENTIONS:
        raise InvalidInput(f"the text mentions {len(found)} accounts; at most {MAX_MENTIONS}")
    return found


def _handle(match: re.Match[str]) -> str:
    return f"{match['name']}@{match['host'].lower()}"


async def _resolve_all(handles: dict[str, str], resolve: Resolver) -> dict[str, str]:
    actors: dict[str, str] = {}
    for key, handle in handles.items():
        actor = await resolve(handle)
        if actor is not None:
            actors[key] = actor
    return actors


@dataclass
class _Linker:
    """Turns text into text and mention/hashtag tokens; remembers what it linked."""

    actors: dict[str, str]
    urls: Urls
    mentions: dict[str, Mention] = field(default_factory=dict)
    hashtags: dict[str, str] = field(default_factory=dict)

    def split(self, text: str) -> list[Token]:
        tokens: list[Token] = []
        position = 0
        for match in ENTITY_RE.finditer(text):
            html = self._mention(match) if match["name"] else self._hashtag(match["tag"])
            if html is not None:
                tokens.append(_text(text[position : match.start()]))
                tokens.append(_token("html_inline", content=html))
                position = match.end()
        tokens.append(_text(text[position:]))
        return [token for token in tokens if token.content]

    def _mention(self, match: re.Match[str]) -> str | None:
        handle = _handle(match)
        actor = self.actors.get(handle.lower())
        if actor is None:
            return None
        self.mentions.setdefault(actor, Mention(handle, actor))
        return (
            f'<span class="h-card"><a class="u-url mention" href="{escape(actor)}">'
            f"@<span>{escape(match['name'])}</span></a></span>"
        )

    def _hashtag(self, name: str) -> str | None:
        if not _is_hashtag(name):
            return None
        first = self.hashtags.setdefault(hashtag_key(name), name)
        link = f'<a href="{escape(self.urls.tag(first))}" class="mention hashtag" rel="tag">'
        return f"{link}#<span>{escape(name)}</span></a>"


def _link_entities(children: list[Token], linker: _Linker) -> list[Token]:
    result: list[Token] = []
    for child, depth in _with_link_depth(children):
        if child.type == "image":
            result.extend(_image_as_link(child, inside_link=depth > 0))
        elif child.type == "text" and not depth:
            result.extend(linker.split(child.content))
        else:
            result.append(child)
    return result


def _image_as_link(image: Token, *, inside_link: bool) -> list[Token]:
    """An image becomes a link to it named by its alt text (just the text inside a link)."""
    source = str(image.attrs.get("src", ""))
    alt = "".join(child.content for child in image.children or []) or source
    if inside_link or not source:
        return [_text(alt)]
    opening = _token("link_open", "a", 1, attrs={"href": source})
    return [opening, _text(alt), _token("link_close", "a", -1)]


def _text(content: str) -> Token:
    return _token("text", content=content)


def _token(kind: str, tag: str = "", nesting: Literal[-1, 0, 1] = 0, **fields: Any) -> Token:
    from markdown_it.token import Token

    return Token(kind, tag, nesting, **fields)
