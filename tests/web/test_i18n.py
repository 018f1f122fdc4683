"""The interface's catalogues: every message the templates use is translated in Spanish, French,
Portuguese and Arabic (scripts/i18n.py extracts them), with the same placeholders, and the
language of a request is chosen as documented."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from node.web import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extracted() -> set[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n as tool  # scripts/i18n.py
    finally:
        sys.path.pop(0)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in tool.extract() if m.id}


@pytest.mark.parametrize("code", ["es", "fr", "pt", "ar"])
def test_every_message_is_translated(code: str) -> None:
    with (i18n.LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source, locale=code)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{code}: {ids[0]!r} is not translated"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted, f"{code}: {ids[0]!r}: {text!r}"
            if len(ids) == 1:
                assert set(PLACEHOLDER.findall(text)) == wanted, f"{code}: {ids[0]!r}: {text!r}"
        translated[ids[0]] = strings
    missing = extracted() - set(translated)
    assert not missing, f"{code} lacks {sorted(missing)} (run scripts/i18n.py, then translate)"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("", None),
        ("ar-EG,ar;q=0.9,en;q=0.8", "ar"),
        ("de-DE, pt-BR;q=0.7, es;q=0.8", "es"),
        ("en;q=0, fr", "fr"),
        ("xx, yy;q=bad", None),
        ("PT", "pt"),
    ],
)
def test_accept_language(header: str, chosen: str | None) -> None:
    assert i18n.from_accept_language(header) == chosen


def test_catalogues_compile_and_translate() -> None:
    catalogues = i18n.Catalogues()
    assert catalogues.get("fr").gettext("Library") == "Bibliothèque"
    arabic = catalogues.get("ar")
    assert arabic.ngettext("%(num)d reply", "%(num)d replies", 2) == "ردّان"
    assert catalogues.get("en").gettext("Library") == "Library"
