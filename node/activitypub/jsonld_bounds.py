"""What a received JSON-LD document may cost before anything reads it: how many values it
holds, how deep it nests, and what its contexts may ask of a JSON-LD processor.

Pure and pyld-free (so the inbox checks it before fetching any key). One pass over the parsed
JSON with an explicit stack: at most MAX_VALUES values (map entries and list items), at most
MAX_DEPTH levels (contexts are counted in terms, not values); every `@context`, at any depth,
at most MAX_CONTEXT_ENTRIES entries and MAX_TERMS term definitions in all, each of them small,
none of them scoped (a term with its own `@context`) nor
using `@import`, `@propagate` or `@protected`: the constructs whose cost grows with the
document (contexts re-applied per node) or that reach out for more. A refusal is a
JsonLdError (400) saying which bound the document passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from node.errors import JsonLdError

MAX_VALUES: Final = 20_000
MAX_DEPTH: Final = 64
MAX_CONTEXT_ENTRIES: Final = 16
MAX_TERMS: Final = 256
REFUSED_KEYWORDS: Final = frozenset({"@import", "@propagate", "@protected"})
DEFINITION_KEYS: Final = frozenset(
    {"@id", "@type", "@container", "@language", "@direction", "@reverse", "@prefix", "@nest"}
    | {"@index"}
)


@dataclass(frozen=True)
class Measure:
    """What the document holds: values (entries and items) and context term definitions."""

    values: int
    terms: int


def measure(document: dict[str, Any]) -> Measure:
    """Check every bound; the document's measure, or JsonLdError naming the bound passed."""
    values = terms = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonLdError(f"{_name(document)}: nested deeper than {MAX_DEPTH} levels")
        values += len(node)
        if values > MAX_VALUES:
            raise JsonLdError(f"{_name(document)}: holds more than {MAX_VALUES} values")
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict) and "@context" in node:
            values -= 1  # a context is counted in terms, not in values
            terms += context_terms(node["@context"], document)
            if terms > MAX_TERMS:
                raise JsonLdError(f"{_name(document)}: contexts define over {MAX_TERMS} terms")
            children = [value for key, value in node.items() if key != "@context"]
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return Measure(values, terms)


def context_terms(context: object, document: dict[str, Any]) -> int:
    """How many terms a context defines; JsonLdError if it asks for what is not accepted."""
    entries = context if isinstance(context, list) else [context]
    if len(entries) > MAX_CONTEXT_ENTRIES:
        raise JsonLdError(f"{_name(document)}: a context of over {MAX_CONTEXT_ENTRIES} entries")
    count = 0
    for entry in entries:
        if entry is None or isinstance(entry, str):
            continue
        if not isinstance(entry, dict):
            raise JsonLdError(f"{_name(document)}: a context entry must be a URL or an object")
        count += len(entry)
        for term, definition in entry.items():
            _check_definition(term, definition, document)
    return count


def _check_definition(term: object, definition: object, document: dict[str, Any]) -> None:
    name = _name(document)
    if term in REFUSED_KEYWORDS:
        raise JsonLdError(f"{name}: contexts with {term} are not accepted")
    if isinstance(definition, dict):
        if "@context" in definition:
            raise JsonLdError(f"{name}: the term {term!r} has a scoped context; not accepted")
        unknown = set(definition) - DEFINITION_KEYS
        if unknown:
            raise JsonLdError(f"{name}: the term {term!r} uses {sorted(unknown)[0]}; not accepted")
        if not all(_is_small(value) for value in definition.values()):
            raise JsonLdError(f"{name}: the term {term!r} has a definition of no known kind")
    elif not (definition is None or isinstance(definition, str | bool | int | float)):
        raise JsonLdError(f"{name}: the term {term!r} has a definition of no known kind")


def _is_small(value: object) -> bool:
    """A definition's value: a string, number, boolean or null, or a short list of strings."""
    if isinstance(value, list):
        return len(value) <= 4 and all(isinstance(item, str) for item in value)
    return value is None or isinstance(value, str | bool | int | float)


def _name(document: dict[str, Any]) -> str:
    identifier = document.get("id")
    return f"{identifier:.200}" if isinstance(identifier, str) else "the document"
