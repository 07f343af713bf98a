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
from io import BytesIO
from pathlib import Path
from typing import Final

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "messages"
LANGUAGES: Final = ("ru", "en")
DEFAULT: Final = "ru"


class Catalogs(I18n):
    """aiogram's I18n reading the `.po` files themselves (compiled in memory by Babel)."""

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
