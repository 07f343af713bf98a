"""The gettext catalogs: complete, in step with the code, and saying what the code means."""

from __future__ import annotations

import datetime as dt
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message

from i18n.catalogs import LANGUAGES, gettext, ngettext, use_language
from i18n.formats import amount, date_with_year, day, money, month_title, weekdays
from tools.messages import extract, read


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {lang: read(lang) for lang in LANGUAGES}


def texts(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def forms(message: Message) -> list[str]:
    string = message.string
    return [string] if isinstance(string, str) else list(string or [""])


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_translated_and_none_is_fuzzy(
    catalogs: dict[str, Catalog], lang: str
) -> None:
    catalog = catalogs[lang]
    assert not catalog.fuzzy
    untranslated = [m.id for m in texts(catalog) if not all(forms(m))]
    fuzzy = [m.id for m in texts(catalog) if m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert len(texts(catalog)) > 200


def test_the_catalogs_hold_every_text_of_the_code_and_no_other(
    catalogs: dict[str, Catalog],
) -> None:
    """`make messages` was run after the last change of a text: nothing the code shows is
    missing (it would be shown in English to everyone), nothing stale is kept."""
    in_code = {m.id for m in texts(extract())}
    for lang in LANGUAGES:
        in_catalog = {m.id for m in texts(catalogs[lang])}
        assert sorted(map(str, in_code - in_catalog)) == [], f"{lang}: run `make messages`"
        assert sorted(map(str, in_catalog - in_code)) == [], f"{lang}: run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(catalogs: dict[str, Catalog], lang: str) -> None:
    """A translation naming another {value} would fail when the text is shown."""
    wrong = []
    for message in texts(catalogs[lang]):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set().union(*(fields(text) for text in ids))
        for form in forms(message):
            unknown, left_out = fields(form) - wanted, wanted - fields(form)
            if unknown or (left_out and not message.pluralizable):  # "одну минуту" may omit {n}
                wrong.append((message.id, form))
    assert wrong == []


def test_russian_counts_take_their_three_forms() -> None:
    def hold(minutes: int) -> str:
        return ngettext(
            "Please pay within {minutes} minute (by {until}), or the booking will be cancelled.",
            "Please pay within {minutes} minutes (by {until}), or the booking will be cancelled.",
            minutes,
            lang="ru",
        ).format(minutes=minutes, until="09:15")

    assert "в течение 1 минуты " in hold(1) and "в течение 21 минуты " in hold(21)
    assert "в течение 3 минут " in hold(3) and "в течение 15 минут " in hold(15)
    assert hold(15).endswith("иначе бронь будет отменена.")


def test_texts_follow_the_language_of_the_moment() -> None:
    assert gettext("Choose a hall:", lang="ru") == "Выберите зал:"
    with use_language("en-GB") as lang:
        assert lang == "en" and gettext("Choose a hall:") == "Choose a hall:"
    with use_language(None):
        assert gettext("Choose a hall:") == "Выберите зал:"
    assert gettext("T-Bank", lang="ru") == "Т-Банк"  # Cyrillic, as Russian texts write it


def test_dates_and_money_as_each_language_writes_them() -> None:
    wednesday = dt.date(2026, 12, 9)
    assert day(wednesday, "en") == "Wed, 9 December"
    assert day(wednesday, "ru") == "ср, 9 декабря"
    assert date_with_year(wednesday, "en") == "Wed, 9 December 2026"
    assert date_with_year(wednesday, "ru") == "09.12.2026"
    assert month_title(2026, 12, "ru") == "Декабрь 2026"
    assert weekdays("ru", "short")[0] == "Пн" and weekdays("en")[6] == "Sun"
    assert money(250050, "ru") == "2\u00a0500,50\u00a0₽" and money(250000, "en") == "2,500\u00a0₽"
    assert amount(250000, "ru") == "2 500" and amount(250050, "en") == "2,500.50"
