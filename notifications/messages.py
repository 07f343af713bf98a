"""The proactive messages, marked for the catalogs: (subject, body) for clients by kind, and
the admins' notices. They are rendered in each recipient's language (`notifications.outbox`).

Values: {code}, {hall}, {when}, {address}, {due}, {hold_until}, {paid}, {total}, {balance},
{paid_line} (i18n.paid: a newline and "Paid 2 500 ₽ of 5 000 ₽.", or nothing),
{amount}, {refund}, {client}, {error}, {refund_id}, {by}, {was}, {minutes}, {url},
{to_balance} and {back} (a payment split between the balance and a refund); amounts are
rubles without the sign.
"""

from __future__ import annotations

from typing import Final

from i18n.catalogs import N_

CLIENT: Final[dict[str, tuple[str, str]]] = {
    "created": (
        N_("Booking {code}: awaiting payment"),
        N_(
            "Booking {code} has been made: {hall}, {when}.\n"
            "To pay: {due} ₽ by {hold_until}. If it is not paid by then, the booking will be "
            "cancelled automatically."
        ),
    ),
    "confirmed": (
        N_("Booking {code} confirmed"),
        N_("Booking {code} is confirmed ✅\n{hall}, {when}.\n{address}{paid_line}{balance_line}"),
    ),
    "balance_paid": (
        N_("Booking {code}: payment received"),
        N_("Received {amount} ₽ for booking {code}.{paid_line}"),
    ),
    "expired": (
        N_("Booking {code} cancelled: not paid in time"),
        N_(
            "The time to pay for booking {code} ({hall}, {when}) ran out, so the booking is "
            "cancelled. You are welcome to book again."
        ),
    ),
    "cancelled": (
        N_("Booking {code} cancelled"),
        N_("Booking {code} ({hall}, {when}) is cancelled.{refund_line}"),
    ),
    "refunded": (
        N_("Refund for booking {code}"),
        N_("A refund of {amount} ₽ for booking {code} has been made."),
    ),
    "late_refunded": (
        N_("Booking {code}: payment refunded"),
        N_(
            "Your payment of {amount} ₽ for booking {code} arrived when the time was no longer "
            "available. It is being refunded in full."
        ),
    ),
    # A payment for a change that no longer waits (it lapsed, or an admin's change replaced
    # it), or above the balance: what counts toward the balance, what goes back.
    "late_change_to_balance": (
        N_("Booking {code}: payment counted toward the balance"),
        N_(
            "Your payment of {amount} ₽ arrived after the change of the booking had been "
            "cancelled: it counts toward the balance of booking {code}.{paid_line}"
        ),
    ),
    "late_change_split": (
        N_("Booking {code}: payment counted toward the balance"),
        N_(
            "Your payment of {amount} ₽ arrived after the change of the booking had been "
            "cancelled: {to_balance} ₽ counts toward the balance of booking {code}, and "
            "{back} ₽ will be refunded the way you paid."
        ),
    ),
    "above_balance_split": (
        N_("Booking {code}: payment counted toward the balance"),
        N_(
            "Your payment of {amount} ₽ for booking {code} was more than the balance owed: "
            "{to_balance} ₽ counts toward the balance, and {back} ₽ will be refunded the way "
            "you paid."
        ),
    ),
    "reminder": (N_("Reminder: {hall}, {when}"), ""),  # its body counts hours: outbox
    "moved": (
        N_("Booking {code} moved"),
        N_("Booking {code} is moved ✅\n{hall}, {when}.\n{address}{paid_line}{refund_line}"),
    ),
    "extended": (
        N_("Booking {code}: time added"),
        N_("Booking {code} now lasts longer ✅\n{hall}, {when}.\n{address}{paid_line}"),
    ),
    "overtime": (
        N_("Booking {code}: overtime to pay"),
        N_(
            "Your session {code} ({hall}, {when}) ran {minutes} min over: {amount} ₽ to pay.\n"
            "Pay here: {url}"
        ),
    ),
    "change_lapsed": (
        N_("Booking {code}: the change was not paid"),
        N_(
            "The change of booking {code} was not paid in time, so the booking stays as it "
            "was: {hall}, {when}."
        ),
    ),
}
#: The balance's sentence by the booking's channel: a client who booked in the chat can pay
#: it there; the booking page offers no balance payment, so a website's or an admin's
#: booking is paid the rest at the studio.
BALANCE_LINE: Final = N_("\nThe balance of {balance} ₽ can be paid in the bot or at the studio.")
BALANCE_AT_STUDIO: Final = N_("\nThe balance of {balance} ₽ can be paid at the studio.")
REFUND_LINE: Final = N_("\nRefund: {refund} ₽.")
BOOK_AGAIN: Final = N_("📅 Book again")
WHEN: Final = N_("{date}, {start}–{end}")
BY_CLIENT: Final = N_("the client")
BY_ADMIN: Final = N_("an admin")
ICS_SUMMARY: Final = N_("Photo studio: {hall}")
ICS_DESCRIPTION: Final = N_("Booking {code}")

ADMIN: Final[dict[str, str]] = {
    "moved": N_("🔁 Booking {code} moved by {by}: now {hall}, {when}, {client}; was {was}."),
    "extended": N_("⏱ Booking {code} extended by {by}: now {hall}, {when}, {client}."),
    "confirmed": N_("💳 Booking {code} paid: {hall}, {when}, {client}. Paid {paid} ₽."),
    "taken": N_("📞 Booking {code} taken by an admin: {hall}, {when}, {client}.{paid_line}"),
    "balance_paid": N_("💳 Balance of {amount} ₽ paid for booking {code}."),
    "cancelled": N_("❌ Booking {code} cancelled: {hall}, {when}. Refund {refund} ₽."),
    "late_refunded": N_(
        "⚠️ A payment of {amount} ₽ for booking {code} came late (the time was taken); "
        "it is being refunded."
    ),
    "late_change_to_balance": N_(
        "💳 A payment of {amount} ₽ for the change of booking {code} came after the change "
        "was cancelled: it counts toward the balance."
    ),
    "late_change_split": N_(
        "⚠️ A payment of {amount} ₽ for the change of booking {code} came after the change "
        "was cancelled: {to_balance} ₽ counts toward the balance, {back} ₽ is being refunded."
    ),
    "above_balance_split": N_(
        "⚠️ A payment of {amount} ₽ for booking {code} was more than the balance owed: "
        "{to_balance} ₽ counts toward it, {back} ₽ is being refunded."
    ),
    "refund_failed": N_(
        "⚠️ A refund of {amount} ₽ for booking {code} failed: {error}. "
        "It will be retried automatically."
    ),
    "refund_canceled": N_(
        "⚠️ A refund of {amount} ₽ for booking {code} was not made: {error}. "
        "It will not be retried."
    ),
    "refund_in_doubt": N_(
        "⚠️ A refund of {amount} ₽ for booking {code} (no. {refund_id}) needs checking: "
        "{error}. Look the payment up in the gateway's cabinet and settle the refund: "
        "/settle {refund_id} yes|no in the bot, or POST /api/refunds/{refund_id}/settle."
    ),
    "refund_cash_due": N_(
        "💵 The client of booking {code} is owed {amount} ₽ back in cash (refund no. "
        "{refund_id}). Hand it over at the studio, then settle the refund: "
        "/settle {refund_id} yes in the bot, or POST /api/refunds/{refund_id}/settle."
    ),
    "payment_stuck": N_(
        "⚠️ A payment of {amount} ₽ for booking {code} (no. {payment_id}, {gateway}) never "
        "got the gateway's final word: its time to pay ran out long ago and it is still "
        "waiting. Look it up in the gateway's cabinet."
    ),
}

#: The daily money audit (booking.audit) found problems; one line per failed check.
AUDIT_FAILED: Final = N_(
    "⚠️ The daily money audit of {day} found problems: {count}.\n{details}\n"
    "The full report: python main.py audit"
)
AUDIT_CHECKS: Final[dict[str, str]] = {
    "paid": N_("paid is not the sum of the payments"),
    "refunded": N_("refunded is not the sum of the refunds"),
    "refund_above_payment": N_("refunds above the payment"),
    "payment_refunded": N_("a payment's refunded total is wrong"),
    "unused_payment": N_("money counted in no booking and not being returned"),
    "orphan": N_("a payment or refund without its booking"),
    "unpaid_confirmed": N_("confirmed with nothing paid and no admin's confirmation"),
    "price_lines": N_("a booking's price lines do not add up to its total"),
    "overlap": N_("bookings of one hall overlap"),
    "stuck_payment": N_("a payment stuck, admins not told"),
    "certificate_issue": N_("a gift certificate not issued once for its amount"),
    "certificate_overspent": N_("a gift certificate's balance below zero"),
    "certificate_spend": N_("a booking's certificate line differs from the ledger"),
    "certificate_refund": N_("more given back to a gift certificate than was spent"),
    "certificate_purchase": N_(
        "a gift certificate bought without its payment, or paid and not issued"
    ),
    "certificate_order_stuck": N_("a gift certificate's payment stuck, admins not told"),
}

#: A gift certificate bought online, once its payment is verified: to the buyer.
CERTIFICATE_BOUGHT: Final = (
    N_("Your gift certificate for {amount} ₽"),
    N_(
        "🎁 Thank you! Your gift certificate for {amount} ₽ is paid.\n"
        "Code: {code}\nValid until {until}.\n"
        'Enter the code when booking ("I have a promo code / certificate"): its balance '
        "pays first. It can be spent over several bookings."
    ),
)
#: ... and to the admins.
CERTIFICATE_SOLD: Final = N_(
    "🎁 A gift certificate for {amount} ₽ was bought online ({gateway}): {code}, {buyer}."
)
CERTIFICATE_ORDER_STUCK: Final = N_(
    "⚠️ A payment of {amount} ₽ for a gift certificate (order no. {order_id}, {gateway}) never "
    "got the gateway's final word: its time to pay ran out long ago and it is still "
    "waiting. Look it up in the gateway's cabinet ({gateway_payment_id}): the money arrived — "
    "/certorder {order_id} yes (its certificate is issued and sent to the buyer); it did "
    "not — /certorder {order_id} no. Do not issue a certificate for it by hand."
)
