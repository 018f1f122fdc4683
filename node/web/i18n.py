"""The interface's languages: gettext catalogues (Babel .po files under locales/, compiled in
memory at first use), the choice of language per request (a remembered choice in a cookie,
else Accept-Language, else English), and dates and durations in the chosen language.

The chosen translations live in a context variable set by `activate()` just before a page is
rendered, which the templates' `_()` and `ngettext()` read.
"""

from __future__ import annotations

import functools
import gettext
import io
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:  # Jinja2 and Babel load with the first page, not when the node starts
    from jinja2 import Environment

LOCALES = Path(__file__).parent / "locales"
COOKIE = "sn_lang"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    direction: str  # ltr or rtl


LANGUAGES = {
    language.code: language
    for language in (
        Language("en", "English", "ltr"),
        Language("es", "Español", "ltr"),
        Language("fr", "Français", "ltr"),
        Language("pt", "Português", "ltr"),
        Language("ar", "العربية", "rtl"),
    )
}
_current: ContextVar[gettext.NullTranslations | None] = ContextVar("translations", default=None)


class Catalogues:
    """Each language's translations, compiled from its .po file the first time it is used."""

    def __init__(self) -> None:
        self._loaded: dict[str, gettext.NullTranslations] = {}

    def get(self, code: str) -> gettext.NullTranslations:
        if code not in self._loaded:
            self._loaded[code] = compile_po(LOCALES / code / "LC_MESSAGES" / "messages.po")
        return self._loaded[code]


def compile_po(path: Path) -> gettext.NullTranslations:
    if not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        catalogue = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _translations() -> gettext.NullTranslations:
    return _current.get() or gettext.NullTranslations()


def _gettext(message: str) -> str:
    return _translations().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ngettext(singular, plural, n)


def install(env: Environment) -> None:
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def from_accept_language(header: str) -> str | None:
    """The first supported language by preference (q), primary subtag only: pt-BR -> pt."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        code = tag.strip().split("-")[0].lower()
        if code in LANGUAGES and q > 0:
            ranked.append((-q, position, code))
    return min(ranked)[2] if ranked else None


def choose(request: Request) -> Language:
    remembered = request.cookies.get(COOKIE, "")
    if remembered in LANGUAGES:
        return LANGUAGES[remembered]
    return LANGUAGES[from_accept_language(request.headers.get("accept-language", "")) or DEFAULT]


def activate(request: Request, catalogues: Catalogues) -> Language:
    language = choose(request)
    _current.set(catalogues.get(language.code))
    return language


def when(moment: datetime | None, code: str) -> str:
    """A moment in UTC, written the way the language writes dates: 1 January 2031, 09:00 UTC."""
    if moment is None:
        return ""
    from babel.dates import format_datetime

    return format_datetime(moment, "d MMMM y, HH:mm 'UTC'", locale=code)


def day(moment: datetime | None, code: str) -> str:
    if moment is None:
        return ""
    from babel.dates import format_date

    return format_date(moment, "d MMM y", locale=code)


UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)  # as Babel counts them


def quantized(seconds: float) -> int:
    """The duration rounded to the largest unit it reaches, as Babel would write it, so that
    equal texts share one cache entry (formatting a duration costs about half a millisecond)."""
    for unit in UNITS:
        if abs(seconds) >= unit:
            return round(seconds / unit) * unit
    return 0


@functools.lru_cache(maxsize=4096)
def _relative(seconds: int, code: str, narrow: bool) -> str:
    from babel.dates import format_timedelta

    delta = timedelta(seconds=seconds)
    if narrow:
        return format_timedelta(delta, format="narrow", threshold=1.0, locale=code)
    return format_timedelta(delta, add_direction=True, threshold=1.0, locale=code)


def time_left(deadline: datetime | None, now: datetime, code: str) -> str:
    """ "in 3 days" (or "2 hours ago"), as the language says it."""
    if deadline is None:
        return ""
    return _relative(quantized((deadline - now).total_seconds()), code, False)


def duration(seconds: float, code: str) -> str:
    """A short duration (12s, 3m, 2h) in the language's narrow units."""
    return _relative(quantized(seconds), code, True)
