"""`make messages`: bring the gettext catalogs in step with the code.

Extracts every marked text (`_`, `gettext`, `ngettext`, `N_`) from the project's modules,
adds the new ones to `locales/ru` and `locales/en` and drops the ones the code no longer
has. English is the language of the code, so the English catalog repeats each text; the
Russian one keeps its translations, and new texts wait there, empty, for a translator (a
test fails until every one is translated). Then each catalog is compiled to its `.mo`
beside it, as a check that it compiles; the service compiles the `.po` itself when it
starts, so the `.mo` files are not kept in git.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = ("ru", "en")
SOURCE_LANGUAGE = "en"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
#: Where texts people read live; tests, benchmarks and migrations hold none.
METHODS = [
    ("tests/**", "ignore"),
    ("bench/**", "ignore"),
    ("db/migrations/**", "ignore"),
    ("tools/**", "ignore"),
    ("**.py", "python"),
]


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every marked text of the code, with the modules it appears in."""
    template = Catalog(project="studio-booking", fuzzy=False)
    for path, lineno, text, comments, context in extract_from_dir(
        ROOT, METHODS, keywords=KEYWORDS
    ):
        template.add(text, None, [(path, lineno)], auto_comments=comments, context=context)
    for message in template:
        message.flags.discard("python-format")  # texts use {braces}; "50% of" is no %-format
    return template


HEADERS = {
    "ru": "# The texts of the studio booking service in Russian.",
    "en": "# The texts of the studio booking service in English, the language of the code.",
}


def read(lang: str) -> Catalog:
    path = catalog_path(lang)
    if not path.exists():
        return Catalog(
            locale=lang,
            header_comment=HEADERS[lang],
            project="studio-booking",
            version="1",
            language_team=lang,
            fuzzy=False,
        )
    with path.open("rb") as source:
        return read_po(source, locale=lang)


def update(lang: str, template: Catalog) -> Catalog:
    catalog = read(lang)
    created = catalog.creation_date  # the header changes only when the texts do
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.creation_date = created
    catalog.obsolete.clear()
    catalog.fuzzy = False
    for message in catalog:
        message.flags.discard("python-format")
        if lang == SOURCE_LANGUAGE and message.id and not _translated(message.string):
            message.string = message.id
    return catalog


def _translated(string: str | Sequence[str] | None) -> bool:
    if not isinstance(string, str) and string is not None:
        return all(string)
    return bool(string)


def write(lang: str, catalog: Catalog) -> None:
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=99, include_lineno=False, sort_by_file=True)
    with path.with_suffix(".mo").open("wb") as out:
        write_mo(out, catalog)


def main() -> int:
    template = extract()
    for lang in LANGUAGES:
        catalog = update(lang, template)
        write(lang, catalog)
        missing = [m.id for m in catalog if m.id and not _translated(m.string)]
        sys.stdout.write(f"{lang}: {len(catalog)} texts, {len(missing)} untranslated\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
