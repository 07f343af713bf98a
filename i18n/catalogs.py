"""The gettext catalogs of `locales/`, loaded once, and the language of the moment.

Texts are written in English in the code (`_("Choose a hall:")`); `locales/ru` translates
them and `locales/en` repeats them, so a missing translation is caught by a test rather
than shown. The catalogs are compiled from the `.po` files when first used, so a fresh
clone needs no build step and never runs on a stale `.mo`.

The language is a context variable: the bot's middleware sets it for each update from the
user's Telegram language, and code outside the bot (notifications) sets it with
`use_language()` for each recipient.
"""

from __future__ import annotations

import functools
import gettext as gnu
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "messages"
LANGUAGES: Final = ("ru", "en")
DEFAULT: Final = "ru"


class Catalogs:
    """The `.po` files compiled in memory by Babel, and the language of the moment (a
    context variable, so each update and each recipient has its own).

    The standard library's gettext, not the bot library's: the commands and processes
    without a bot (migrate, audit, a service with no token) then never import the bot
    library, which takes seconds."""

    def __init__(self, path: Path, default_locale: str, domain: str) -> None:
        self.path = path
        self.domain = domain
        self.default_locale = default_locale
        self._current = ContextVar("studio_language", default=default_locale)
        self.locales = self.find_locales()

    def find_locales(self) -> dict[str, gnu.GNUTranslations]:
        found: dict[str, gnu.GNUTranslations] = {}
        for lang in LANGUAGES:
            path = self.path / lang / "LC_MESSAGES" / f"{self.domain}.po"
            with path.open("rb") as source:
                catalog = read_po(source, locale=lang, domain=self.domain)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            found[lang] = gnu.GNUTranslations(compiled)
        return found

    @property
    def current_locale(self) -> str:
        return self._current.get()

    @contextmanager
    def use_locale(self, locale: str) -> Iterator[None]:
        token = self._current.set(locale)
        try:
            yield
        finally:
            self._current.reset(token)

    def gettext(
        self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None
    ) -> str:
        """`singular` (or the form for `n`) in `locale`, else in the language of the moment;
        the text itself in a language without a catalog."""
        translator = self.locales.get(locale or self.current_locale)
        if translator is None:
            return singular if n == 1 or plural is None else plural
        if plural is None:
            return translator.gettext(singular)
        return translator.ngettext(singular, plural, n)


@functools.cache
def catalogs() -> Catalogs:
    return Catalogs(path=LOCALES, default_locale=DEFAULT, domain=DOMAIN)


def language_of(code: str | None) -> str:
    """Russian for Russian speakers and when nobody says; English for everyone else."""
    return DEFAULT if not code or code.lower().startswith("ru") else "en"


def current_language() -> str:
    return catalogs().current_locale


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Texts and formats in this language inside the block (any code: "ru", "en-GB")."""
    lang = language_of(code)
    with catalogs().use_locale(lang):
        yield lang


def gettext(message: str, *, lang: str | None = None) -> str:
    """The text in `lang`, else in the language of the moment."""
    return catalogs().gettext(message, locale=lang)


def ngettext(singular: str, plural: str, n: int, *, lang: str | None = None) -> str:
    """The form of the text that goes with the number `n` (Russian has three)."""
    return catalogs().gettext(singular, plural, n, locale=lang)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a text for the catalogs where it is defined; it is translated where shown."""
    return message
