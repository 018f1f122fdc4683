"""JSON-LD for the node and its only pyld user: bundled contexts, offline loader, expand, normalize.

Pure after construction (no network, no file reads); every failure is a JsonLdError; inputs are
never mutated. An unknown remote context reads as empty, not as an error: peers (Misskey, Akkoma,
GoToSocial, Lemmy) list context URLs whose terms we do not need, and their keys keep plain names.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Final

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from node.activitypub import jsonld_bounds
from node.activitypub.jsonld_bounds import Measure
from node.errors import JsonLdError

AS2_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT: Final = "https://w3id.org/security/v1"
DATA_INTEGRITY_CONTEXT: Final = "https://w3id.org/security/data-integrity/v1"
NODE_CONTEXT: Final = "https://w3id.org/solidarity-node/ns"
# peers' extension terms (Mastodon's, GoToSocial's, Misskey's), so that normalized documents use
# their usual names; a name of ours, never fetched nor sent, that only this loader resolves
EXTENSIONS_CONTEXT: Final = "urn:solidarity-node:fediverse-extensions"
PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
MAX_DEPTH: Final = 64

_BUNDLED: Final = {
    AS2_CONTEXT: "activitystreams.jsonld",
    SECURITY_CONTEXT: "security-v1.jsonld",
    DATA_INTEGRITY_CONTEXT: "security-data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/identity/v1": "identity-v1.jsonld",
    "https://gotosocial.org/ns": "gotosocial.jsonld",
    NODE_CONTEXT: "solidarity-node.jsonld",
    EXTENSIONS_CONTEXT: "fediverse-extensions.jsonld",
}
_ADDRESSING: Final = frozenset({"to", "cc", "bto", "bcc", "audience"})
# Data integrity (FEP-8b32) adds only `proof` and the proof's type, whose scoped context reaches
# no further than the proof: the node reads proofs as plain JSON, from the document as received
# (node.activitypub.integrity), never from its normalized form. A context naming it stays on the
# fast path as long as its proof type appears only at the top of a `proof` value.
PROOF_KEY: Final = "proof"
PROOF_TYPES: Final = frozenset({"DataIntegrityProof"})
_RESOLVED_CACHE_SIZE: Final = 256
_ABSENT: Final = object()


class JsonLdProcessor:
    """Created once by the app; holds the parsed contexts and pyld's resolved-context cache.

    Not thread-safe (pyld's own caches are not): use it from one thread at a time; `screen`
    and `is_standard` only read what __init__ built, and may run in any thread meanwhile.
    """

    def __init__(self) -> None:
        self._documents = {_url_key(url): _load(name) for url, name in _BUNDLED.items()}
        self._iris = {_url_key(url): url for url in _BUNDLED}
        self._as2_key = _url_key(AS2_CONTEXT)
        self._resolved = _LruCache(_RESOLVED_CACHE_SIZE)
        self._standard = [AS2_CONTEXT, SECURITY_CONTEXT, NODE_CONTEXT, EXTENSIONS_CONTEXT]
        self._terms: dict[str, Any] = {}
        for part in self._standard:
            self._terms.update(self._context_terms(part))
        mappings = self._standard_mappings()
        self._prefixes = {t: m["@id"] for t, m in mappings.items() if m and m.get("_prefix")}
        self._id_terms = {t for t, m in mappings.items() if m and m.get("@type") == "@id"} | {"id"}
        self._shadowed = _shadowed_terms(mappings)
        self._iri_terms = _plain_terms_by_iri(mappings, self._shadowed)
        always = frozenset(self._context_terms(AS2_CONTEXT))
        self._refs = {t: self._prefix_refs(d) - always for t, d in self._terms.items()}
        self._plain_urls = {k for k, d in self._documents.items() if self._is_subset(d["@context"])}
        self._plain_urls.add(_url_key(DATA_INTEGRITY_CONTEXT))  # see PROOF_TYPES
        referenced = frozenset().union(*self._refs.values())
        self._url_defines = {k: referenced & set(d["@context"]) for k, d in self._documents.items()}
        self._url_keys = {url: _url_key(url) for url in _BUNDLED}
        # keys that need no further check in the scan ("id" and "type" always get one)
        self._plain_keys = {
            t for t in self._terms if t[:1] != "@" and ":" not in t and t not in self._shadowed
        } - {"id", "type"}
        self._marks = (*(f"{prefix}:" for prefix in self._prefixes), "Public")

    @property
    def standard_context(self) -> list[str]:
        """The context of normalized documents: AS2, security v1, the node's, peers' extensions."""
        return list(self._standard)

    def context_document(self, url: str) -> dict[str, Any]:
        """A bundled context document (any spelling of its IRI), e.g. to serve the node's own."""
        document = self._documents.get(_url_key(url))
        if document is None:
            raise JsonLdError(f"{url}: no bundled context document")
        return copy.deepcopy(document)

    def document_loader(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """pyld's documentLoader: a bundled context, or an empty one; never the network.

        Refusing an unknown context would lose the activity over terms we never read; read as
        empty, the terms only it defines stay undefined and, through AS2's "@vocab": "_:", come
        out under their plain JSON names, as servers that ignore JSON-LD read them anyway.
        The "static" tag makes pyld keep the resolved context in our cache, so the loader runs once
        per IRI, not once per document; the copy keeps pyld from editing the parsed original.
        """
        key = _url_key(url)
        document = self._documents.get(key)
        return {
            "contextUrl": None,
            "documentUrl": self._iris.get(key, url),
            "document": copy.deepcopy(document) if document else {"@context": {}},
            "tag": "static",
        }

    def expand(self, document: object) -> list[Any]:
        """The document expanded by pyld, offline, with AS2 assumed as the AS2 spec requires."""
        checked = _as_document(document)
        self._scan(checked)
        return self._expand(checked)

    def compact(self, document: object) -> dict[str, Any]:
        """`normalize` without the fast path: always expanded and compacted by pyld."""
        checked = _as_document(document)
        self._scan(checked)
        return self._compact(checked)

    def is_standard(self, document: object) -> bool:
        """True when `normalize` would return the document itself, untouched."""
        checked = _as_document(document)
        return self._scan(checked) and self._is_plain_context(checked.get("@context", _ABSENT))

    def screen(self, document: object) -> tuple[Measure, bool]:
        """A received document's bounds (jsonld_bounds: values, depth, contexts anywhere) and
        whether it is standard, in one walk: what measure() and is_standard() say, at the cost
        of the scan alone. JsonLdError naming the bound the document passed."""
        checked = _as_document(document)
        tally = _Tally(checked)
        plain = self._scan(checked, tally)
        measured = Measure(tally.values, tally.terms)
        return measured, plain and self._is_plain_context(checked.get("@context", _ABSENT))

    def normalize(self, document: object) -> dict[str, Any]:
        """The document in the node's standard compacted form.

        A document already in that form comes back as the very same object (not a copy); any
        other is expanded and compacted to `standard_context` by pyld. Both give the same keys,
        type names and IRIs (full IRIs in id positions, the public collection spelled out); the
        forms may differ only where JSON-LD sees no difference: a value or a one-element array,
        null or an absent key, and the `@context` itself; and in a data integrity `proof`,
        which the fast path keeps as sent (see PROOF_TYPES).
        """
        checked = _as_document(document)
        if self.is_standard(checked):
            return checked
        return self._compact(checked)

    def _expand(self, document: dict[str, Any]) -> list[Any]:
        prepared = dict(document)
        prepared["@context"] = self._expansion_context(document.get("@context", _ABSENT))
        result: list[Any] = _run(document, "expansion", jsonld.expand, prepared, self._options())
        return result

    def _compact(self, document: dict[str, Any]) -> dict[str, Any]:
        expanded = _unconfused(self._expand(document), frozenset(self._prefixes))
        compacted = _run(
            document, "compaction", jsonld.compact, expanded, self._standard, self._options()
        )
        tidy: dict[str, Any] = self._tidy(compacted)
        return tidy

    def _options(self) -> dict[str, Any]:
        return {
            "documentLoader": self.document_loader,
            # a resolver per call (its own per-call cache grows with every inline context it
            # sees) over one shared, bounded cache of resolved contexts
            "contextResolver": ContextResolver(self._resolved, self.document_loader),
            "base": None,
            "processingMode": "json-ld-1.1",
        }

    def _expansion_context(self, context: object) -> list[Any]:
        """The document's context with AS2 in front when missing (AS2 core §2.1) and no default
        @language: the node reads languages from contentMap and wants plain strings elsewhere."""
        entries = [] if context is _ABSENT else context if isinstance(context, list) else [context]
        cleaned = [_without_language(entry) for entry in entries]
        if not any(isinstance(e, str) and _url_key(e) == self._as2_key for e in cleaned):
            cleaned.insert(0, AS2_CONTEXT)
        return cleaned

    def _scan(self, document: dict[str, Any], tally: _Tally | None = None) -> bool:
        """Checks that the body is JSON at most MAX_DEPTH deep (so also acyclic); True when no key
        or value in it would change under compaction to the standard context. With a tally, the
        values and contexts are counted and checked too (a context is not walked: it is judged
        by jsonld_bounds, or by _is_plain_context at the top)."""
        try:
            return self._scan_object(document, 0, tally or _Tally(document, bounded=False))
        except _NotJson as error:
            raise JsonLdError(f"{_name(document)}: {error}") from None

    # The scan runs over every value of every document, hence the unrolled loops below. A string
    # starting with "p:" for one of our prefixes is a compact IRI (as in "as:Public") that pyld
    # expands; one starting with "Public" may be AS2's bare "Public": both leave the fast path.
    def _scan_object(
        self, node: Mapping[Any, Any], depth: int, tally: _Tally, *, proof: bool = False
    ) -> bool:
        """`proof`: the node is a `proof` value, which may be typed PROOF_TYPES."""
        plain = True
        marks = self._marks
        tally.add(len(node))
        for key, value in node.items():
            if key not in self._plain_keys:
                if not isinstance(key, str):
                    raise _NotJson(f"non-string key {key!r}")
                if key == "@context":
                    tally.context(value)
                    # the top one is judged by _is_plain_context after the scan; a nested one
                    # (an embedded signed object's, its proof's) must be plain by itself
                    plain = plain and (depth == 0 or self._is_plain_context(value))
                    continue
                if ":" in key or key[:1] == "@" or key in self._shadowed:
                    plain = False
                elif key == "type" and not _are_terms(value, proof):
                    plain = False
                elif key == "id" and not isinstance(value, str):
                    plain = False  # pyld refuses it
                elif key == PROOF_KEY and type(value) is dict:
                    if depth >= MAX_DEPTH:
                        raise _NotJson(f"nested deeper than {MAX_DEPTH} levels")
                    if not self._scan_object(value, depth + 1, tally, proof=True):
                        plain = False
                    continue
            if isinstance(value, str):
                if value.startswith(marks):
                    plain = False
            elif not self._scan_other(value, depth, tally):
                plain = False
        return plain

    def _scan_list(self, node: list[Any], depth: int, tally: _Tally) -> bool:
        plain = True
        marks = self._marks
        tally.add(len(node))
        for value in node:
            if isinstance(value, str):
                if value.startswith(marks):
                    plain = False
            elif not self._scan_other(value, depth, tally):
                plain = False
        return plain

    def _scan_other(self, value: object, depth: int, tally: _Tally) -> bool:
        kind = type(value)
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise _NotJson(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                plain = self._scan_object(value, depth + 1, tally)
            else:
                plain = self._scan_list(value, depth + 1, tally)
            return plain and (kind is dict or kind is list)  # subclasses are left to pyld
        if value is None or kind is bool or kind is int or kind is float:
            return True
        if isinstance(value, int | float):
            return False
        raise _NotJson(f"{kind.__name__} is not JSON")

    def _is_plain_context(self, context: object) -> bool:
        """True when every term the context defines means what the standard context means by it.

        URLs: bundled ones must be subsets of the standard context, unknown ones read as empty.
        Inline objects: each definition of one of our terms must equal ours, and the prefixes
        it uses must be defined by the same context (otherwise "toot:x" would be an IRI of
        scheme "toot"); terms we do not define are the sender's own and keep their plain names
        (as servers that read plain JSON read them), unless the document spells a key with a
        prefix, which the scan sends to pyld.
        """
        if context is _ABSENT:
            return True
        needed: set[str] = set()
        defined: set[str] = set()
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, str):
                key = self._url_keys.get(entry) or _url_key(entry)
                if key in self._documents:
                    if key not in self._plain_urls:
                        return False
                    defined.update(self._url_defines[key])
            elif isinstance(entry, dict):
                for term, definition in entry.items():
                    ours = self._terms.get(term, _ABSENT)
                    if term == "@language" or (ours is _ABSENT and not term.startswith("@")):
                        continue  # a term of the sender's own, which it keeps as its plain name
                    if ours != definition:
                        return False
                    needed.update(self._refs.get(term, ()))
                defined.update(entry)
            else:
                return False
        return needed <= defined

    def _tidy(self, value: Any) -> Any:
        """Compaction output in the node's spelling: terms the sender left undefined ("_:x",
        from AS2's "@vocab": "_:") under their plain names, and full IRIs in id positions."""
        if isinstance(value, list):
            return [self._tidy(item) for item in value]
        if not isinstance(value, dict):
            return value
        tidy: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@context":
                tidy[key] = copy.deepcopy(item)
                continue
            name = self._term_for(key)
            if name in value or name in tidy:
                name = key
            item = self._tidy(item)
            if name == "type":
                item = _map_strings(item, lambda t: t[2:] if t.startswith("_:") else t)
            elif name in self._id_terms:
                item = _map_strings(item, self._full_iri)
            if name in _ADDRESSING:
                item = _map_strings(item, lambda iri: PUBLIC if iri == "Public" else iri)
            tidy[name] = item
        return tidy

    def _term_for(self, key: str) -> str:
        """The plain name for a key compaction left as an IRI: a term the sender never defined
        ("_:x"), or one of ours given a value of another kind, e.g. "as:published" holding an
        untyped string; its JSON value is already in our form."""
        if key.startswith("_:"):
            return key[2:]
        if ":" in key:
            return self._iri_terms.get(self._full_iri(key), key)
        return key

    def _full_iri(self, iri: str) -> str:
        prefix, colon, suffix = iri.partition(":")
        namespace = self._prefixes.get(prefix) if colon else None
        return namespace + suffix if namespace and not suffix.startswith("//") else iri

    def _context_terms(self, url: str) -> dict[str, Any]:
        terms: dict[str, Any] = self._documents[_url_key(url)]["@context"]
        return terms

    def _is_subset(self, terms: Mapping[str, Any]) -> bool:
        return all(self._terms.get(term, _ABSENT) == d for term, d in terms.items())

    def _prefix_refs(self, definition: object) -> frozenset[str]:
        """The terms a definition uses as prefixes, as in "toot:featured" or "xsd:dateTime"."""
        d = definition
        iris = [d.get("@id"), d.get("@type")] if isinstance(d, dict) else [d]
        return frozenset(
            prefix
            for iri in iris
            if isinstance(iri, str)
            for prefix, colon, _ in [iri.partition(":")]
            if colon and prefix in self._terms
        )

    def _standard_mappings(self) -> dict[str, Any]:
        """pyld's own reading of the standard context: IRIs, types, containers, prefix flags."""
        processor, options = jsonld.JsonLdProcessor(), self._options()
        initial = processor.process_context(None, None, options)
        active = processor.process_context(initial, self._standard, options)
        mappings: dict[str, Any] = active["mappings"]
        return mappings


class _NotJson(Exception):
    """Raised inside the scan; the caller adds the document's id."""


class _LruCache:
    """The cache of resolved contexts shared by pyld's ContextResolvers, bounded so that peers'
    ever-new inline contexts cannot grow it without limit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._items:
            return default
        self._items.move_to_end(key)
        return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("contexts", name).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _url_key(url: str) -> str:
    """One key for the spellings of a context IRI: http(s), fragment, trailing slash, .jsonld."""
    key = url.strip().partition("#")[0]
    for scheme in ("https://", "http://"):
        if key[: len(scheme)].lower() == scheme:
            key = key[len(scheme) :]
            break
    return key.rstrip("/").removesuffix(".jsonld")


def _shadowed_terms(mappings: Mapping[str, Any]) -> frozenset[str]:
    """Terms that compaction never picks: same IRI, type and container as a shorter (or equally
    long and alphabetically earlier) term, e.g. security v1's "expiration" beside "expires"."""
    groups: dict[str, list[str]] = {}
    for term, m in mappings.items():
        if m:
            signature = json.dumps([m.get(k) for k in ("@id", "@type", "@container", "@language")])
            groups.setdefault(signature, []).append(term)
    return frozenset(
        term
        for terms in groups.values()
        for term in terms
        if term != min(terms, key=lambda t: (len(t), t))
    )


def _plain_terms_by_iri(mappings: Mapping[str, Any], shadowed: frozenset[str]) -> dict[str, str]:
    """IRI -> our term for it, among terms without a container ("content", not "contentMap")."""
    return {
        m["@id"]: term
        for term, m in mappings.items()
        if m and term not in shadowed and not m.get("@container") and ":" in m["@id"]
    }


# Undeclared prefixes. A key such as "schema:license" whose prefix the sender's own context does
# not define expands to an IRI of "scheme" schema; compacting it against our context, where
# "schema" is a prefix, fails ("Absolute IRI confused with prefix") and would cost the whole
# activity (Epicyon sends schema:license on every Note; Mastodon reads such documents). So, in
# the expanded form: such keys become "_:key", which compaction gives back as the sender wrote
# them, as for any undefined term (then read as our term for that IRI where we have one:
# "toot:indexable" as indexable; else kept as written: "schema:license"); such types likewise;
# such references are dropped (an id, a literal's type): they name nothing we could fetch.
_DROPPED: Final = object()
_NODE_LISTS: Final = frozenset({"@list", "@set", "@graph", "@included"})


def _unconfused(value: Any, prefixes: frozenset[str]) -> Any:
    """Expanded JSON-LD with no IRI that compaction would confuse with one of `prefixes`."""

    def confused(iri: object) -> bool:
        return isinstance(iri, str) and iri.partition(":")[0] in prefixes and ":" in iri

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [kept for kept in map(walk, item) if kept is not _DROPPED]
        if not isinstance(item, dict):
            return item
        if confused(item.get("@id")) and len(item) == 1:
            return _DROPPED
        tidy: dict[str, Any] = {}
        for key, inner in item.items():
            if key == "@id" and confused(inner):
                continue
            if key == "@type" and "@value" in item:
                if not confused(inner):
                    tidy[key] = inner
            elif key == "@type":
                tidy[key] = _map_strings(inner, lambda t: f"_:{t}" if confused(t) else t)
            elif key[:1] != "@":
                walked = walk(inner)
                if walked or not inner:  # a property whose every value was dropped goes too
                    tidy[f"_:{key}" if confused(key) else key] = walked
            else:
                tidy[key] = walk(inner) if key in _NODE_LISTS or key == "@reverse" else inner
        return tidy

    return walk(value)


class _Tally:
    """What the scan counted of a document: values (entries and items, a context's entry not
    included) and context terms, against jsonld_bounds' limits when bounded."""

    __slots__ = ("bounded", "document", "limit", "terms", "values")

    def __init__(self, document: dict[str, Any], *, bounded: bool = True) -> None:
        self.document = document
        self.bounded = bounded
        self.limit = jsonld_bounds.MAX_VALUES if bounded else float("inf")
        self.values = self.terms = 0

    def add(self, count: int) -> None:
        self.values += count
        if self.values > self.limit:
            raise _NotJson(f"holds more than {jsonld_bounds.MAX_VALUES} values")

    def context(self, context: object) -> None:
        self.values -= 1  # a context is counted in terms, not in values
        if not self.bounded:
            return
        self.terms += jsonld_bounds.context_terms(context, self.document)
        if self.terms > jsonld_bounds.MAX_TERMS:
            raise _NotJson(f"contexts define over {jsonld_bounds.MAX_TERMS} terms")


def _are_terms(types: object, proof: bool = False) -> bool:
    """True for type names; False for an IRI or compact IRI ("as:Note"), which compaction would
    change, for anything but strings, which pyld refuses, and for a proof's type (its scoped
    context gives terms other meanings) unless the node is a proof."""
    if isinstance(types, str):
        return ":" not in types and (proof or types not in PROOF_TYPES)
    return isinstance(types, list) and all(
        isinstance(t, str) and ":" not in t and (proof or t not in PROOF_TYPES) for t in types
    )


def _without_language(entry: object) -> object:
    if isinstance(entry, dict) and "@language" in entry:
        return {k: v for k, v in entry.items() if k != "@language"}
    return entry


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [change(item) if isinstance(item, str) else item for item in value]
    return value


def _as_document(document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise JsonLdError(f"expected a JSON object, got {type(document).__name__}")
    return document


def _name(document: Mapping[str, Any]) -> str:
    identifier = document.get("id")
    return identifier if isinstance(identifier, str) else "document without id"


def _run(document: Mapping[str, Any], step: str, call: Callable[..., Any], *args: Any) -> Any:
    """Calls pyld, turning whatever it raises for bad input into a JsonLdError."""
    try:
        return call(*args)
    except RecursionError as error:
        raise JsonLdError(f"{_name(document)}: {step} failed: nested too deeply") from error
    except Exception as error:  # pyld reports bad input with assorted exception types
        raise JsonLdError(f"{_name(document)}: {step} failed: {_reason(error)}") from error


def _reason(error: BaseException) -> str:
    """pyld's messages down its chain of causes, without the context dumps its str() adds."""
    reasons = []
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, jsonld.JsonLdError):
            code = f" ({cause.code})" if cause.code else ""
            reasons.append(f"{cause.args[0] if cause.args else cause.type}{code}")
        else:
            reasons.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return "; ".join(reasons)
