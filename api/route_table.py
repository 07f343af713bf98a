"""What each route takes and answers, for the OpenAPI document: the schemas come from the
models, this table adds what no model says (who may call, which error codes come back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pydantic import BaseModel

from api import clients_io as ci
from api import hall_outputs as ho
from api import inputs as i
from api import ops_outputs as oo
from api import outputs as o
from api import query_params as qp
from api import sales_inputs as si
from api import sales_outputs as so
from api import studio_inputs as sti
from api import studio_outputs as sto
from api import waitlist_io as wio
from api.docs import ASSETS
from web.pages import ASSETS as PAGE_ASSETS

#: A success answer: a model (JSON), or media types with no schema (pages, gateway replies).
Answer = type[BaseModel] | tuple[str, ...]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str
    tag: str
    answer: Answer | None = None
    status: int = 200
    auth: Literal["public", "owner", "admin"] = "public"
    body: type[BaseModel] | None = None
    body_optional: bool = False
    query: type[BaseModel] | None = None
    #: the body is a form, and the answer a page unless the caller accepts JSON
    form: bool = False
    #: status -> the `error.code`s it carries, space-separated
    errors: dict[int, str] = field(default_factory=dict)
    #: the errors are pages for people (the booking page's 404), not JSON
    html_errors: bool = False


PATH_PARAMETERS: dict[str, Any] = {
    "booking_id": i.RowId, "payment_id": i.RowId, "refund_id": i.RowId,
    "gateway": Literal[tuple(i.GATEWAYS)], "gateway_payment_id": i.Line, "code": i.Line,
    "asset": Literal[tuple(ASSETS) + tuple(PAGE_ASSETS)], "slug": i.Line, "token": i.Line,
    "name": i.Line, "hall_id": i.RowId, "addon_id": i.Line,
}  # fmt: skip
HTML = ("text/html",)
BODY = "malformed_json invalid_input"
BOOKING, PAYMENT = "/api/bookings/{booking_id}", "/api/payments/{payment_id}"
HOOK, CHECKOUT = "/api/payments/webhook/{gateway}", "/mock/checkout/{gateway_payment_id}"
HOOK_ERRORS = {400: "amount_mismatch order_mismatch", 403: "webhook_rejected",
               404: "unknown_gateway unknown_payment", 503: "gateway_unavailable"}  # fmt: skip
ADMIN: Final = "admin"
OWNER: Final = "owner"

# fmt: off
ROUTES = (
    Route("get", "/health", "Liveness: the process answers", "Health", oo.Health),
    Route("get", "/ready", "Readiness: the database answers too", "Health", oo.Ready,
          errors={503: "database_unavailable"}),
    Route("get", "/metrics", "Prometheus metrics (with METRICS_TOKEN as the bearer token)",
          "Health", ("text/plain",), errors={401: "unauthorized", 404: "not_found"}),
    Route("get", "/api/openapi.json", "This document", "Health", ("application/json",)),
    Route("get", "/api/docs", "This document as a page", "Health", HTML),
    Route("get", "/api/docs/{asset}", "The page's script, style and icon", "Health",
          ("text/javascript", "text/css", "image/png"), errors={404: "not_found"}),
    Route("get", "/api/halls", "Active halls with prices and rules", "Halls", ho.HallList),
    Route("get", "/api/bookings/availability", "Free 15-minute starts and free time per day",
          "Bookings", ho.Availability, query=qp.AvailabilityQuery,
          errors={400: "invalid_input bad_range range_too_long", 404: "hall_not_found"}),
    Route("post", "/api/bookings", "Hold a slot: a new booking in pending_payment", "Bookings",
          o.BookingCreated, 201, body=i.BookingIn,
          errors={400: f"{BODY} naive_datetime end_before_start off_grid bad_length too_short"
                       " in_past too_soon beyond_horizon outside_hours closed bad_phone"
                       " bad_email over_capacity addon_unavailable duplicate_addon promo_invalid"
                       " promo_expired"
                       " rules_not_accepted certificate_invalid certificate_expired"
                       " unknown_gateway",
                  401: "unauthorized",
                  403: "forbidden client_blocked prepayment_not_allowed full_payment_required",
                  404: "hall_not_found",
                  409: "slot_taken addon_unavailable promo_used_up certificate_empty",
                  429: "too_many_holds rate_limited"}),
    Route("post", "/api/waitlist", "Wait for time to free on a full day: one message per "
          "freed slot (e-mail, or the Mini App user's chat); asked again, the same wait",
          "Bookings", wio.WaitlistEntry, 201, body=i.WaitlistIn,
          errors={400: f"{BODY} bad_date bad_phone bad_email no_contact email_off"
                       " range_too_long",
                  404: "hall_not_found", 409: "day_not_full", 429: "rate_limited"}),
    Route("get", "/api/waitlist", "Who waits for time to free, by day", "Admin",
          wio.WaitingList, auth=ADMIN, query=wio.WaitlistQuery,
          errors={400: "invalid_input"}),
    Route("post", "/api/bookings/quote", "Price a booking before making it: holds nothing",
          "Bookings", o.Quote, body=i.QuoteIn,
          errors={400: f"{BODY} naive_datetime end_before_start off_grid bad_length too_short"
                       " in_past too_soon beyond_horizon outside_hours closed over_capacity"
                       " addon_unavailable duplicate_addon promo_invalid promo_expired",
                  404: "hall_not_found",
                  409: "slot_taken addon_unavailable promo_used_up", 429: "rate_limited"}),
    Route("get", "/api/addons/availability", "How many of each add-on a booking can take",
          "Halls", so.AddonAvailability, query=si.AddonAvailabilityQuery,
          errors={400: "invalid_input end_before_start bad_range", 404: "hall_not_found"}),
    Route("get", "/studio/photos/{name}", "A hall photo shipped with the studio file", "Halls",
          ("image/jpeg", "image/png", "image/webp"), errors={404: "not_found"}),
    Route("get", "/api/studio/hours", "Opening hours per weekday and the dates that differ",
          "Studio", sto.StudioHours, auth=ADMIN),
    Route("put", "/api/studio/hours", "Set the opening hours (refused if a booking would fall "
          "outside)", "Studio", sto.StudioHours, auth=ADMIN, body=sti.HoursIn,
          errors={400: f"{BODY} bad_hours hours_off_grid date_in_past",
                  409: "bookings_outside_hours"}),
    Route("post", "/api/halls", "Add a hall", "Studio", sto.AdminHall, 201, auth=ADMIN,
          body=sti.HallIn, errors={400: f"{BODY} bad_hall", 409: "hall_exists"}),
    Route("patch", "/api/halls/{hall_id}", "Change, hide or show a hall (bookings keep their "
          "price)", "Studio", sto.AdminHall, auth=ADMIN, body=sti.HallPatch,
          errors={400: f"{BODY} bad_hall", 404: "hall_not_found not_found",
                  409: "hall_has_bookings bookings_over_capacity"}),
    Route("post", "/api/addons", "Add an add-on", "Studio", sto.AdminAddon, 201, auth=ADMIN,
          body=sti.AddonIn, errors={400: f"{BODY} bad_addon", 404: "hall_not_found",
                                    409: "addon_exists"}),
    Route("patch", "/api/addons/{addon_id}", "Change an add-on: price, stock, halls, hide",
          "Studio", sto.AdminAddon, auth=ADMIN, body=sti.AddonPatch,
          errors={400: f"{BODY} bad_addon", 404: "addon_not_found hall_not_found",
                  409: "stock_below_booked"}),
    Route("put", "/api/studio/rules", "New rules: a new version in force from now", "Studio",
          sto.StudioRules, auth=ADMIN, body=sti.RulesIn, errors={400: f"{BODY} bad_rules"}),
    Route("post", "/api/promo-codes", "Create a promo code", "Admin", so.PromoCode, 201,
          auth=ADMIN, body=si.PromoCodeIn,
          errors={400: f"{BODY} bad_discount bad_range", 404: "hall_not_found",
                  409: "promo_exists"}),
    Route("get", "/api/promo-codes", "Promo codes with their uses", "Admin", so.PromoCodeList,
          auth=ADMIN),
    Route("delete", "/api/promo-codes/{code}", "Disable a promo code", "Admin", so.PromoCode,
          auth=ADMIN, errors={404: "promo_not_found"}),
    Route("post", "/api/certificates", "Issue a gift certificate", "Admin", so.Certificate, 201,
          auth=ADMIN, body=si.CertificateIn, errors={400: f"{BODY} bad_amount"}),
    Route("post", "/api/certificates/purchase", "Buy a gift certificate at a gateway; the "
          "code is sent once the gateway's verified word comes", "Certificates",
          so.CertificatePurchase, 201, body=si.CertificatePurchaseIn,
          errors={400: f"{BODY} bad_amount unknown_gateway bad_phone bad_email no_recipient",
                  429: "rate_limited", 502: "gateway_unavailable"}),
    Route("get", "/api/certificates/{code}", "A gift certificate's balance and expiry",
          "Certificates", so.Certificate,
          errors={404: "certificate_not_found", 429: "rate_limited"}),
    Route("get", "/api/bookings", "List bookings by start", "Bookings", o.BookingList,
          auth=ADMIN, query=qp.BookingsQuery, errors={400: "invalid_input bad_range"}),
    Route("get", BOOKING, "One booking with its payments", "Bookings", o.BookingDetail,
          auth=OWNER, errors={404: "booking_not_found not_found"}),
    Route("delete", BOOKING, "Cancel: by policy for the owner, in full for the admin",
          "Bookings", o.BookingCancelled, auth=OWNER, body=i.CancelIn, body_optional=True,
          errors={400: BODY, 404: "booking_not_found not_found",
                  409: "invalid_state too_late"}),
    Route("post", f"{BOOKING}/confirm", "Confirm by hand, e.g. paid in cash", "Bookings",
          o.Booking, auth=ADMIN, body=i.ConfirmIn, body_optional=True,
          errors={400: f"{BODY} bad_amount", 404: "booking_not_found not_found",
                  409: "invalid_state slot_taken too_late"}),
    Route("post", f"{BOOKING}/no-show", "Mark a booking a no-show (after its start; nothing "
          "is refunded)", "Bookings", o.Booking, auth=ADMIN,
          errors={404: "booking_not_found not_found", 409: "invalid_state not_started"}),
    Route("post", "/api/clients/block", "Block a client: no more bookings online by any "
          "channel", "Admin", ci.ClientBlock, auth=ADMIN, body=ci.BlockIn,
          errors={400: f"{BODY} bad_phone no_identity", 404: "booking_not_found"}),
    Route("post", "/api/clients/unblock", "Unblock a client", "Admin", ci.ClientBlock,
          auth=ADMIN, body=ci.ClientRefIn,
          errors={400: f"{BODY} bad_phone no_identity",
                  404: "booking_not_found not_blocked"}),
    Route("post", f"{BOOKING}/reschedule", "Move to another free start or hall; a dearer "
          "one waits for its difference (`due_now`)", "Bookings", o.BookingChanged, auth=OWNER,
          body=i.RescheduleIn,
          errors={400: f"{BODY} naive_datetime end_before_start off_grid bad_length too_short"
                       " in_past too_soon beyond_horizon outside_hours closed same_slot",
                  404: "booking_not_found hall_not_found not_found",
                  409: "slot_taken reschedule_closed reschedule_limit invalid_state"
                       " over_capacity addon_unavailable change_pending"}),
    Route("post", f"{BOOKING}/extend", "More time after the booking, paid as `due_now`",
          "Bookings", o.BookingChanged, auth=OWNER, body=i.ExtendIn,
          errors={400: f"{BODY} bad_minutes outside_hours closed",
                  404: "booking_not_found not_found",
                  409: "slot_taken invalid_state too_late addon_unavailable change_pending"}),
    Route("post", f"{BOOKING}/overtime", "Record overtime after a session: a payment whose "
          "link goes to the client", "Bookings", o.Payment, 201, auth=ADMIN, body=i.OvertimeIn,
          errors={400: f"{BODY} within_grace unknown_gateway",
                  404: "booking_not_found not_found",
                  409: "invalid_state too_early not_payable change_pending",
                  502: "gateway_unavailable"}),
    Route("post", "/api/payments", "Start a payment; confirmation_url is its payment page",
          "Payments", o.Payment, 201, auth=OWNER, body=i.PaymentIn,
          errors={400: f"{BODY} unknown_gateway", 404: "booking_not_found",
                  409: "hold_expired not_payable", 429: "rate_limited",
                  502: "gateway_unavailable"}),
    Route("get", PAYMENT, "A payment's status", "Payments", o.Payment, auth=OWNER,
          errors={404: "payment_not_found not_found"}),
    Route("post", f"{PAYMENT}/refund", "Refund a payment in full or in part", "Payments",
          o.Refund, 201, auth=ADMIN, body=i.RefundIn, body_optional=True,
          errors={400: f"{BODY} bad_amount refund_too_large",
                  404: "payment_not_found not_found", 409: "not_refundable"}),
    Route("post", "/api/refunds/{refund_id}/settle", "Settle by hand a refund in doubt",
          "Payments", o.Refund, auth=ADMIN, body=i.SettleIn,
          errors={400: BODY, 404: "refund_not_found", 409: "not_pending refund_in_flight"}),
    Route("post", HOOK, "A gateway's notification, verified before anything changes",
          "Webhooks", ("application/json", "text/plain"), errors=HOOK_ERRORS),
    Route("get", HOOK, "A gateway's notification as a GET (Sber's callbacks)", "Webhooks",
          ("text/plain",), errors=HOOK_ERRORS),
    Route("get", "/api/notifications", "Notifications, newest first", "Admin",
          oo.NotificationList, auth=ADMIN, query=qp.NotificationsQuery,
          errors={400: "invalid_input"}),
    Route("post", "/api/notifications/send", "Queue a message by hand", "Admin",
          oo.NotificationList, 202, auth=ADMIN, body=i.NotificationIn,
          errors={400: f"{BODY} no_recipient bad_recipient email_off",
                  404: "booking_not_found"}),
    Route("get", "/api/integrations/events", "The event log, oldest first", "Admin",
          oo.EventPage, auth=ADMIN, query=qp.EventsQuery, errors={400: "invalid_input"}),
    Route("get", "/calendar/{token}.ics", "A staff calendar feed (its secret address comes "
          "from the bot's /calendar)", "Admin", ("text/calendar",), errors={404: "not_found"}),
    Route("get", "/api/integrations/webhooks", "Deliveries of the outgoing webhooks, newest "
          "first", "Admin", oo.WebhookDeliveryList, auth=ADMIN, query=qp.DeliveriesQuery,
          errors={400: "invalid_input"}),
    Route("get", CHECKOUT, "The mock gateway's payment page", "Mock checkout", HTML,
          errors={404: "payment_not_found"}),
    Route("post", CHECKOUT, "Press Pay or Decline: the gateway's webhook is sent",
          "Mock checkout", oo.MockCheckoutResult, body=i.MockCheckoutForm, form=True,
          errors={400: "invalid_input", 404: "payment_not_found", 409: "payment_settled"}),
    Route("get", "/pay/return/{code}", "Where gateways send the payer back: the booking's "
          "live status", "Booking page", HTML, errors={404: "not_found"}, html_errors=True),
    Route("get", "/", "The studio's name and a link to the booking page", "Booking page", HTML),
    Route("get", "/book", "The booking page, also the Telegram Mini App", "Booking page", HTML),
    Route("get", "/book/{slug}", "The booking page opened at one hall", "Booking page", HTML,
          errors={404: "not_found"}, html_errors=True),
    Route("get", "/book/assets/{asset}", "The booking page's script and style", "Booking page",
          ("text/javascript", "text/css"), errors={404: "not_found"}, html_errors=True),
    Route("get", "/widget.js", "The snippet that opens the booking page on a studio's site",
          "Booking page", ("text/javascript",)),
)
# fmt: on
