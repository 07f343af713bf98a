"""The "paid X of Y" sentence of a booking, one wording for the bot, the notices and the
e-mails: money paid net of refunds, out of what money is asked for; a gift certificate's
part said as such; refunds named; nothing at all when nothing is due and nothing was paid
(a booking a promo code made free), instead of "paid 0 of 0". Money whose refund is under
way (at a gateway, or cash the studio still owes) is no longer paid: it is said to be on its
way back, the same wherever the client reads it."""

from __future__ import annotations

from typing import Protocol

from i18n.catalogs import gettext
from i18n.formats import money


class Figures(Protocol):
    """booking.pricing.MoneyState, as this module reads it."""

    @property
    def to_pay(self) -> int: ...
    @property
    def paid(self) -> int: ...
    @property
    def refunded(self) -> int: ...
    @property
    def certificate(self) -> int: ...
    @property
    def returning(self) -> int: ...


def paid_sentence(figures: Figures, lang: str | None = None) -> str:
    """ "Paid 2 500 ₽ of 5 000 ₽." and what else is worth saying; "" when nothing is."""
    parts: list[str] = []
    if figures.to_pay or figures.paid or figures.refunded or figures.returning:
        parts.append(
            gettext("Paid {paid} of {total}", lang=lang).format(
                paid=money(figures.paid, lang), total=money(figures.to_pay, lang)
            )
        )
    if figures.certificate:
        # Alone it says what it is; after the money paid, what else paid.
        alone = gettext("Paid by gift certificate: {amount}", lang=lang)
        also = gettext("by gift certificate {amount}", lang=lang)
        parts.append((also if parts else alone).format(amount=money(figures.certificate, lang)))
    if figures.refunded:
        parts.append(
            gettext("refunded {amount}", lang=lang).format(amount=money(figures.refunded, lang))
        )
    if figures.returning:
        parts.append(
            gettext("{amount} being refunded", lang=lang).format(
                amount=money(figures.returning, lang)
            )
        )
    if not parts:
        return ""
    return ", ".join(parts) + "."


def paid_line(figures: Figures, lang: str | None = None) -> str:
    """The sentence on a line of its own (a newline before it), or "" when there is none."""
    sentence = paid_sentence(figures, lang)
    return f"\n{sentence}" if sentence else ""
