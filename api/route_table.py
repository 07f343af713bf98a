"""What each route takes and answers, for the OpenAPI document: the schemas come from the
models, this table adds what no model says (who may call, which error codes come back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pydantic import BaseModel

from api import inputs as i
from api import outputs as o
from api import sales_inputs as si
from api import sales_outputs as so
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
    "name": i.Line,
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
    Route("get", "/health", "Liveness: the process answers", "Health", o.Health),
    Route("get", "/ready", "Readiness: the database answers too", "Health", o.Ready,
          errors={503: "database_unavailable"}),
    Route("get", "/metrics", "Prometheus metrics (with METRICS_TOKEN as the bearer token)",
          "Health", ("text/plain",), errors={401: "unauthorized", 404: "not_found"}),
    Route("get", "/api/openapi.json", "This document", "Health", ("application/json",)),
    Route("get", "/api/docs", "This document as a page", "Health", HTML),
    Route("get", "/api/docs/{asset}", "The page's script, style and icon", "Health",
          ("text/javascript", "text/css", "image/png"), errors={404: "not_found"}),
    Route("get", "/api/halls", "Active halls with prices and rules", "Halls", o.HallList),
    Route("get", "/api/bookings/availability", "Free 15-minute starts and free time per day",
          "Bookings", o.Availability, query=i.AvailabilityQuery,
          errors={400: "invalid_input bad_range range_too_long", 404: "hall_not_found"}),
    Route("post", "/api/bookings", "Hold a slot: a new booking in pending_payment", "Bookings",
          o.BookingCreated, 201, body=i.BookingIn,
          errors={400: f"{BODY} naive_datetime end_before_start off_grid bad_length too_short"
                       " in_past too_soon beyond_horizon outside_hours closed bad_phone"
                       " bad_email over_capacity addon_unavailable promo_invalid promo_expired"
                       " rules_not_accepted certificate_invalid certificate_expired",
                  404: "hall_not_found",
                  409: "slot_taken addon_unavailable promo_used_up certificate_empty",
                  429: "too_many_holds rate_limited"}),
    Route("post", "/api/bookings/quote", "Price a booking before making it: holds nothing",
          "Bookings", o.Quote, body=i.QuoteIn,
          errors={400: f"{BODY} naive_datetime end_before_start off_grid bad_length too_short"
                       " in_past too_soon beyond_horizon outside_hours closed over_capacity"
                       " addon_unavailable promo_invalid promo_expired", 404: "hall_not_found",
                  409: "slot_taken addon_unavailable promo_used_up", 429: "rate_limited"}),
    Route("get", "/api/addons/availability", "How many of each add-on a booking can take",
          "Halls", so.AddonAvailability, query=si.AddonAvailabilityQuery,
          errors={400: "invalid_input end_before_start bad_range", 404: "hall_not_found"}),
    Route("get", "/studio/photos/{name}", "A hall photo shipped with the studio file", "Halls",
          ("image/jpeg", "image/png", "image/webp"), errors={404: "not_found"}),
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
    Route("get", "/api/certificates/{code}", "A gift certificate's balance and expiry",
          "Certificates", so.Certificate,
          errors={404: "certificate_not_found", 429: "rate_limited"}),
    Route("get", "/api/bookings", "List bookings by start", "Bookings", o.BookingList,
          auth=ADMIN, query=i.BookingsQuery, errors={400: "invalid_input bad_range"}),
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
          o.NotificationList, auth=ADMIN, query=i.NotificationsQuery,
          errors={400: "invalid_input"}),
    Route("post", "/api/notifications/send", "Queue a message by hand", "Admin",
          o.NotificationList, 202, auth=ADMIN, body=i.NotificationIn,
          errors={400: f"{BODY} no_recipient bad_recipient", 404: "booking_not_found"}),
    Route("get", "/api/integrations/events", "The event log, oldest first", "Admin",
          o.EventPage, auth=ADMIN, query=i.EventsQuery, errors={400: "invalid_input"}),
    Route("get", "/calendar/{token}.ics", "A staff calendar feed (its secret address comes "
          "from the bot's /calendar)", "Admin", ("text/calendar",), errors={404: "not_found"}),
    Route("get", "/api/integrations/webhooks", "Deliveries of the outgoing webhooks, newest "
          "first", "Admin", o.WebhookDeliveryList, auth=ADMIN, query=i.DeliveriesQuery,
          errors={400: "invalid_input"}),
    Route("get", CHECKOUT, "The mock gateway's payment page", "Mock checkout", HTML,
          errors={404: "payment_not_found"}),
    Route("post", CHECKOUT, "Press Pay or Decline: the gateway's webhook is sent",
          "Mock checkout", o.MockCheckoutResult, body=i.MockCheckoutForm, form=True,
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
