"""Russian words in Latin letters: a hall's slug for the booking page's address, and the
English name of a hall or an add-on the studio gave none ("Мансарда" → "Mansarda"), so an
English page never shows Cyrillic in the middle of an English sentence."""

from __future__ import annotations

_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                   "e", "yu", "ya"], strict=True))  # fmt: skip


def in_latin(text: str) -> str:
    """The text with its Cyrillic letters in Latin ones, capitals kept ("Жёлтый" → "Zheltyy");
    anything else as it is."""
    out = []
    for ch in text:
        low = ch.lower()
        latin = _LATIN.get(low)
        out.append(ch if latin is None else latin.capitalize() if ch != low else latin)
    return "".join(out)


def english_name(item: dict[str, object], key: str, russian: str) -> str:
    """`item[key]` (a hall's `name_en`, an add-on's `title_en`) when the studio gave one, else
    the Russian name in Latin letters."""
    return str(item.get(key) or in_latin(russian))
