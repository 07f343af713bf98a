"""The booking page's texts, marked for the gettext catalogs and sent with the page in both
languages (the page switches without reloading). Keys are what its scripts (`book*.js`) ask for."""

from __future__ import annotations

from i18n.catalogs import LANGUAGES, N_, gettext

TEXTS: dict[str, str] = {
    "title": N_("Book a session"),
    "language": N_("Language"),
    "step_day": N_("Day"),
    "step_time": N_("Start"),
    "step_length": N_("Duration"),
    "step_guests": N_("Guests"),
    "step_addons": N_("Add-ons"),
    "step_promo": N_("Promo code or gift certificate"),
    "step_contacts": N_("Your contacts"),
    "step_rules": N_("Studio rules"),
    "step_pay": N_("Payment"),
    "choose_hall": N_("Choose a hall"),
    "from_price": N_("from {price} ₽/h"),
    "min_length": N_("at least {hours} h"),
    "capacity": N_("up to {count} people"),
    "spec_area": N_("{value} m²"),
    "spec_ceiling": N_("ceiling {value} m"),
    "book_this": N_("Choose {hall}"),
    "prev_month": N_("Previous month"),
    "next_month": N_("Next month"),
    "day_closed": N_("closed"),
    "day_full": N_("fully booked"),
    "day_free": N_("free times"),
    "day_full_wait": N_("fully booked, we can tell you if time frees up"),
    "legend": N_(
        "Crossed out: closed or fully booked. On a fully booked day you can ask to be "
        "told if time frees up."
    ),
    "legend_no_wait": N_("Crossed out: closed or fully booked."),
    "no_starts": N_("No free starts on this day."),
    "morning": N_("Morning"),
    "afternoon": N_("Afternoon"),
    "evening": N_("Evening"),
    "hours_short": N_("{hours} h"),
    "guests_label": N_("Number of people"),
    "addon_per_booking": N_("{price} ₽ per booking"),
    "addon_per_hour": N_("{price} ₽ per hour"),
    "addon_per_unit": N_("{price} ₽ each"),
    "addon_taken": N_("taken for this time"),
    "promo_label": N_("Promo code or gift certificate code (if you have one)"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "email_hint": N_("The confirmation and the calendar file come here."),
    "accept_rules": N_("I accept the studio rules"),
    "rules_link": N_("Read the rules"),
    "summary": N_("Your booking"),
    "total": N_("Total"),
    "left_to_pay": N_("Left to pay"),
    "covered": N_("The gift certificate covers the whole price: nothing to pay."),
    "nothing_to_pay": N_("Nothing to pay: the booking is confirmed at once."),
    "to_book": N_("Book"),
    "pay_prepay": N_("Prepayment {percent}%"),
    "pay_full": N_("Pay in full"),
    "gateway": N_("Pay with"),
    "gateway_mock": N_("Test payment"),
    "to_payment": N_("Go to payment"),
    "required": N_("Fill in this field."),
    "taken": N_("This time has just been taken by someone else."),
    "nearest": N_("The nearest free starts:"),
    "status_title": N_("Booking {code}"),
    "status_pending_payment": N_("Held, waiting for payment"),
    "status_confirmed": N_("Confirmed"),
    "status_completed": N_("Completed"),
    "status_expired": N_("Expired: the hold lapsed unpaid"),
    "status_cancelled": N_("Cancelled"),
    "status_no_show": N_("Missed"),
    "time_left": N_("Time left to pay: {time}"),
    "hold_lapsed": N_("The time to pay ran out on {day} at {time}."),
    "pay_now": N_("Pay now"),
    "ics": N_("Add to calendar (.ics)"),
    "goes_to_email": N_("The confirmation goes to {email}."),
    "goes_to_chat": N_(
        "The confirmation, the calendar file and the reminders come in the chat with the bot."
    ),
    "goes_nowhere": N_("Keep this page: it shows your booking's state."),
    "book_again": N_("Book another time"),
    "unknown_booking": N_("This page does not know the booking: it was made in another browser."),
    "error": N_("Something went wrong: {message}"),
    "err_bad_phone": N_("The phone number is not valid."),
    "err_bad_email": N_("The e-mail address is not valid."),
    "err_too_many_holds": N_("You already hold unpaid bookings: pay for or cancel one first."),
    "err_rate_limited": N_("Too many attempts: wait a minute and try again."),
    "err_hold_expired": N_("The hold has lapsed: choose the time again."),
    "err_over_capacity": N_("The hall does not take that many people."),
    "err_addon_unavailable": N_("This add-on is taken for that time."),
    "err_promo_invalid": N_("There is no such promo code."),
    "err_promo_expired": N_("The promo code is no longer valid."),
    "err_promo_used_up": N_("The promo code has been used up."),
    "err_certificate_invalid": N_("There is no gift certificate under this code."),
    "err_certificate_expired": N_("The gift certificate has expired."),
    "err_certificate_empty": N_("There is nothing left on the gift certificate."),
    "err_rules_not_accepted": N_("Accept the studio rules to book."),
    "err_client_blocked": N_("Online booking is not available for you: please call the studio."),
    "err_client_blocked_phone": N_(
        "Online booking is not available for you: please call the studio at {phone}."
    ),
    "err_prepayment_not_allowed": N_(
        "After missed bookings the full price is paid online: full payment is chosen, book again."
    ),
    "init_data": N_(
        "Telegram did not confirm who you are: close the app and open it again from the bot."
    ),
    "when": N_("{day}, {start}–{end}"),
    # A fully booked day: its waitlist.
    "wait_text": N_("Everything is booked on this day. We can tell you if time frees up."),
    "wait_offer": N_("Tell me if time frees up"),
    "wait_email_hint": N_("The message comes to this address."),
    "phone_optional": N_("Phone (optional)"),
    "wait_join": N_("Tell me"),
    "wait_done_email": N_("Done: we will write to {email} if time frees up on {day}."),
    "wait_done_chat": N_(
        "Done: we will write in the chat with the bot if time frees up on {day}."
    ),
    "wait_already_email": N_(
        "You are already on the waiting list for {day}: we will write to {email} if time frees up."
    ),
    "wait_already_chat": N_(
        "You are already on the waiting list for {day}: we will write in the chat with the bot "
        "if time frees up."
    ),
    "freed_meanwhile": N_("Time has just freed up on this day: choose a start."),
    "err_no_contact": N_("Enter your e-mail: the message comes there."),
    "err_email_off": N_(
        "The studio does not send e-mail now: ask about this day in its Telegram bot or call "
        "the studio."
    ),
    "err_bad_date": N_("This day can no longer be booked: choose another one."),
    # A change of the booking waiting for its payment.
    "change_title": N_("A change awaits payment"),
    "change_reschedule": N_("New time: {where}"),
    "change_extend": N_("More time: until {end}"),
    "change_overtime": N_("Overtime: {minutes} min"),
    "change_total": N_("The booking's new price: {total} ₽"),
    "change_due": N_("To pay: {amount} ₽"),
    "change_until": N_(
        "The time is kept for you until {time}; unpaid by then, the booking stays as it is."
    ),
    "change_pay": N_("Pay {amount} ₽"),
    "change_checking": N_("Waiting for the gateway to confirm the payment…"),
    "change_done_reschedule": N_("Paid: the booking has been moved."),
    "change_done_extend": N_("Paid: the booking now ends at {end}."),
    "change_done_overtime": N_("Paid: the overtime is settled. Thank you!"),
    "change_lapsed": N_("The time to pay for the change ran out: the booking stays as it was."),
}


def page_texts() -> dict[str, dict[str, str]]:
    """Every text of the page in each language."""
    return {
        lang: {key: gettext(text, lang=lang) for key, text in TEXTS.items()} for lang in LANGUAGES
    }
