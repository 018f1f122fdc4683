"""Keep the interface's catalogues in step with the templates (run from the project's root):

    .venv/bin/python scripts/i18n.py          # extract messages.pot, update every messages.po

New messages arrive untranslated (empty); tests/web/test_i18n.py fails until each language
has them all. Catalogues are compiled in memory when the node first uses them.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "node" / "web"
LOCALES = WEB / "locales"
LANGUAGES = ("es", "fr", "pt", "ar")
HEADER = (
    "# {language} translations of the Solidarity Node interface.\n"
    "# Distributed under the same licence as Solidarity Node (AGPL-3.0-or-later).\n#"
)
METHODS = [("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}


def extract() -> Catalog:
    catalog = Catalog(project="Solidarity Node", version="1", msgid_bugs_address="", fuzzy=False)
    catalog.header_comment = HEADER.format(language="Template for the")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB), METHODS, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def main() -> None:
    template = extract()
    with (LOCALES / "messages.pot").open("wb") as out:
        write_po(out, template, omit_header=False, sort_output=True, width=100)
    for code in LANGUAGES:
        path = LOCALES / code / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=code)
        else:
            catalog = Catalog(locale=code, project="Solidarity Node", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.header_comment = HEADER.format(language=catalog.locale.english_name)
        catalog.version = "1"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "Solidarity Node contributors"
        catalog.language_team = catalog.locale.english_name
        with path.open("wb") as out:
            write_po(
                out, catalog, omit_header=False, sort_output=True, width=100, ignore_obsolete=True
            )


if __name__ == "__main__":
    main()
