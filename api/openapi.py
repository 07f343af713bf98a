"""The OpenAPI 3.1 document of the HTTP API, served at /api/openapi.json.

Written by hand from the handlers in `webhooks/`, their request models (`api/inputs.py`)
and their answers (`api/serializers.py`). `tests/api/test_openapi.py` checks that every
route of the app is described, that every `$ref` resolves, that the request bodies list the
same fields as the models, and that real answers fit the schemas.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.errors import json_response

routes = web.RouteTableDef()

Schema = dict[str, Any]

# --------------------------------------------------------------------------- small builders


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: list[str], properties: dict[str, Schema], **extra: Any) -> Schema:
    return {"type": "object", "required": required, "properties": properties, **extra}


def json_content(schema: Schema, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def ok(description: str, schema: Schema, example: Any = None) -> dict[str, Any]:
    return {"description": description, "content": json_content(schema, example)}


def error(description: str, *codes: str) -> dict[str, Any]:
    """An error answer; `codes` are the values `error.code` can take on this route."""
    listed = ", ".join(f"`{code}`" for code in codes)
    return {
        "description": f"{description} Codes: {listed}.",
        "content": json_content(ref("Error")),
    }


def shared(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def query(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


HTML = {"text/html": {"schema": {"type": "string"}}}
ADMIN: list[dict[str, list[str]]] = [{"adminToken": []}]
OWNER_OR_ADMIN: list[dict[str, list[str]]] = [{"bookingToken": []}, {"adminToken": []}]
PUBLIC: list[dict[str, list[str]]] = []

GATEWAYS = ["yookassa", "tinkoff", "sberpay", "mock"]
BOOKING_STATUSES = ["pending_payment", "confirmed", "completed", "expired", "cancelled"]
PAYMENT_STATUSES = [
    "pending",
    "authorized",
    "succeeded",
    "canceled",
    "refunded",
    "partially_refunded",
]
PAYMENT_KINDS = ["prepayment", "full", "balance"]
EVENT_TYPES = [
    "booking.created",
    "booking.confirmed",
    "booking.expired",
    "booking.cancelled",
    "booking.completed",
    "booking.reminder",
    "payment.created",
    "payment.succeeded",
    "payment.canceled",
    "payment.late_refunded",
    "refund.created",
    "refund.succeeded",
    "refund.failed",
    "notification.manual",
]

DATE_TIME: Schema = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the studio's UTC offset.",
    "examples": ["2026-12-03T12:00:00+03:00"],
}
DATE: Schema = {"type": "string", "format": "date", "examples": ["2026-12-03"]}
CLOCK: Schema = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]$",
    "description": "Local wall time HH:MM in the studio's zone.",
    "examples": ["10:15"],
}
AMOUNT_IN: Schema = {
    "description": (
        'Rubles with at most two decimals: a string like "1500.00", a Money object, or a '
        "whole number of rubles. Omitted or null: the default described on the route."
    ),
    "anyOf": [
        {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "examples": ["1500.00"]},
        {"type": "integer", "minimum": 0},
        ref("Money"),
        {"type": "null"},
    ],
}

# --------------------------------------------------------------------------- schemas

SCHEMAS: dict[str, Schema] = {
    "Money": obj(
        ["value", "currency"],
        {
            "value": {
                "type": "string",
                "pattern": "^[0-9]+\\.[0-9]{2}$",
                "description": "Rubles with two decimals (kopecks are integers inside).",
                "examples": ["1500.00"],
            },
            "currency": {"type": "string", "const": "RUB"},
        },
    ),
    "Error": obj(
        ["error"],
        {
            "error": obj(
                ["code", "message"],
                {
                    "code": {
                        "type": "string",
                        "description": "Stable machine code; see each response for its codes.",
                        "examples": ["slot_taken"],
                    },
                    "message": {
                        "type": "string",
                        "description": "An English sentence that can be shown as is.",
                    },
                },
            )
        },
    ),
    "Health": obj(["status"], {"status": {"type": "string", "const": "ok"}}),
    "Ready": obj(["status"], {"status": {"type": "string", "const": "ready"}}),
    "PriceRule": obj(
        ["weekdays", "start", "end", "hourly_price"],
        {
            "weekdays": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 6},
                "description": "0 is Monday, 6 is Sunday.",
            },
            "start": CLOCK,
            "end": {**CLOCK, "description": "Local HH:MM; 24:00 is midnight at the day's end."},
            "hourly_price": ref("Money"),
        },
        description="A dearer (or cheaper) hourly rate for part of some weekdays.",
    ),
    "Hall": obj(
        [
            "id",
            "slug",
            "name",
            "name_en",
            "description",
            "description_en",
            "hourly_price",
            "min_minutes",
            "buffer_minutes",
            "step_minutes",
            "price_rules",
            "timezone",
        ],
        {
            "id": {"type": "integer"},
            "slug": {"type": "string", "examples": ["white"]},
            "name": {"type": "string", "examples": ["Белый зал"]},
            "name_en": {"type": "string", "examples": ["White hall"]},
            "description": {"type": "string"},
            "description_en": {"type": "string"},
            "hourly_price": ref("Money"),
            "min_minutes": {
                "type": "integer",
                "description": "Shortest booking, a multiple of 15.",
            },
            "buffer_minutes": {
                "type": "integer",
                "description": "Cleaning time blocked after each booking.",
            },
            "step_minutes": {"type": "integer", "const": 15},
            "price_rules": {"type": "array", "items": ref("PriceRule")},
            "timezone": {"type": "string", "examples": ["Europe/Moscow"]},
        },
    ),
    "HallList": obj(["halls"], {"halls": {"type": "array", "items": ref("Hall")}}),
    "Interval": obj(["start", "end"], {"start": DATE_TIME, "end": DATE_TIME}),
    "Day": obj(
        ["date", "open", "close", "starts", "free"],
        {
            "date": DATE,
            "open": {**nullable(DATE_TIME), "description": "Opening time; null when closed."},
            "close": {**nullable(DATE_TIME), "description": "Closing time; null when closed."},
            "starts": {
                "type": "array",
                "items": CLOCK,
                "description": (
                    "Local times at which a booking of the hall's minimum length can begin "
                    "(its buffer included); empty on closed days and outside the booking window."
                ),
            },
            "free": {
                "type": "array",
                "items": ref("Interval"),
                "description": "Bookable free time, not counting booked time and buffers.",
            },
        },
    ),
    "Availability": obj(
        ["hall_id", "timezone", "step_minutes", "min_minutes", "days"],
        {
            "hall_id": {"type": "integer"},
            "timezone": {"type": "string", "examples": ["Europe/Moscow"]},
            "step_minutes": {"type": "integer", "const": 15},
            "min_minutes": {"type": "integer"},
            "days": {"type": "array", "items": ref("Day")},
        },
    ),
    "BookingStatus": {"type": "string", "enum": BOOKING_STATUSES},
    "Booking": obj(
        [
            "id",
            "code",
            "hall_id",
            "start",
            "end",
            "status",
            "payment_mode",
            "total",
            "prepayment",
            "paid",
            "refunded",
            "due_now",
            "due_kind",
            "hold_expires_at",
            "source",
            "refund_policy",
            "cancel_reason",
            "created_at",
        ],
        {
            "id": {"type": "integer"},
            "code": {
                "type": "string",
                "description": "Public code, 8 characters without 0/O/1/I/L.",
                "examples": ["K7M2Q9XD"],
            },
            "hall_id": {"type": "integer"},
            "start": DATE_TIME,
            "end": DATE_TIME,
            "status": ref("BookingStatus"),
            "payment_mode": {"type": "string", "enum": ["prepay", "full"]},
            "total": ref("Money"),
            "prepayment": {
                **ref("Money"),
                "description": "What confirms the booking (the full price in `full` mode).",
            },
            "paid": ref("Money"),
            "refunded": ref("Money"),
            "due_now": {
                **ref("Money"),
                "description": "What POST /api/payments would charge now (0.00 if nothing).",
            },
            "due_kind": {
                "type": ["string", "null"],
                "enum": [*PAYMENT_KINDS, None],
                "description": "The kind of that payment; null when nothing is due.",
            },
            "hold_expires_at": {
                **nullable(DATE_TIME),
                "description": "When an unpaid hold lapses; null unless pending_payment.",
            },
            "source": {"type": "string", "enum": ["telegram", "web", "admin"]},
            "refund_policy": {
                "type": "string",
                "description": (
                    "Refund tiers frozen at booking time, HOURS:PERCENT pairs: cancelled at "
                    "least HOURS before the start, PERCENT of what was paid comes back."
                ),
                "examples": ["48:100,24:50,0:0"],
            },
            "cancel_reason": {"type": ["string", "null"]},
            "created_at": DATE_TIME,
        },
    ),
    "BookingCreated": {
        "allOf": [
            ref("Booking"),
            obj(
                ["access_token"],
                {
                    "access_token": {
                        "type": "string",
                        "description": (
                            "Shown once: send it as `Authorization: Bearer` to read, pay for "
                            "or cancel this booking. Only its hash is stored."
                        ),
                    }
                },
            ),
        ]
    },
    "BookingDetail": {
        "allOf": [
            ref("Booking"),
            obj(
                ["payments"],
                {
                    "payments": {"type": "array", "items": ref("Payment")},
                    "refund_if_cancelled_now": {
                        **ref("Money"),
                        "description": (
                            "What a cancellation by the client would refund now; only while "
                            "the booking is pending_payment or confirmed."
                        ),
                    },
                },
            ),
        ]
    },
    "BookingCancelled": {
        "allOf": [
            ref("Booking"),
            obj(
                ["refund"],
                {"refund": {**ref("Money"), "description": "What this cancellation refunds."}},
            ),
        ]
    },
    "BookingList": obj(["bookings"], {"bookings": {"type": "array", "items": ref("Booking")}}),
    "Payment": obj(
        [
            "id",
            "booking_id",
            "gateway",
            "kind",
            "amount",
            "refunded",
            "status",
            "confirmation_url",
            "created_at",
            "paid_at",
        ],
        {
            "id": {"type": "integer"},
            "booking_id": {"type": "integer"},
            "gateway": {
                "type": "string",
                "enum": [*GATEWAYS, "cash"],
                "description": "`cash` marks a payment an admin recorded by hand.",
            },
            "kind": {"type": "string", "enum": PAYMENT_KINDS},
            "amount": ref("Money"),
            "refunded": ref("Money"),
            "status": {"type": "string", "enum": PAYMENT_STATUSES},
            "confirmation_url": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "The gateway's payment page; send the payer there.",
            },
            "created_at": DATE_TIME,
            "paid_at": nullable(DATE_TIME),
        },
    ),
    "Refund": obj(
        ["id", "payment_id", "booking_id", "amount", "status", "reason", "error", "created_at"],
        {
            "id": {"type": "integer"},
            "payment_id": {"type": "integer"},
            "booking_id": {"type": "integer"},
            "amount": ref("Money"),
            "status": {
                "type": "string",
                "enum": ["pending", "succeeded", "canceled"],
                "description": (
                    "`pending` when the gateway has not finished or did not answer; it is "
                    "retried in the background with the same idempotency key."
                ),
            },
            "reason": {"type": "string"},
            "error": {"type": ["string", "null"]},
            "created_at": DATE_TIME,
        },
    ),
    "Event": obj(
        ["id", "type", "booking_id", "payment_id", "payload", "created_at", "processed_at"],
        {
            "id": {"type": "integer"},
            "type": {
                "type": "string",
                "description": "What happened; new types may be added.",
                "examples": EVENT_TYPES,
            },
            "booking_id": {"type": ["integer", "null"]},
            "payment_id": {"type": ["integer", "null"]},
            "payload": {
                "type": "object",
                "description": (
                    "Details; booking events carry `code` and `status`, payment events "
                    "`gateway`, `amount` (kopecks) and `kind`."
                ),
            },
            "created_at": DATE_TIME,
            "processed_at": {
                **nullable(DATE_TIME),
                "description": "When the relay turned it into notifications; null until then.",
            },
        },
    ),
    "EventPage": obj(
        ["events", "next_after_id"],
        {
            "events": {"type": "array", "items": ref("Event")},
            "next_after_id": {
                "type": "integer",
                "description": "Pass as `after_id` to read on.",
            },
        },
    ),
    "Notification": obj(
        [
            "id",
            "channel",
            "recipient",
            "subject",
            "text",
            "status",
            "attempts",
            "last_error",
            "booking_id",
            "event_id",
            "created_at",
            "sent_at",
        ],
        {
            "id": {"type": "integer"},
            "channel": {"type": "string", "enum": ["telegram", "email"]},
            "recipient": {
                "type": "string",
                "description": "A Telegram chat id or an e-mail address.",
            },
            "subject": {"type": "string"},
            "text": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["pending", "sending", "sent", "failed", "skipped"],
            },
            "attempts": {"type": "integer"},
            "last_error": {"type": ["string", "null"]},
            "booking_id": {"type": ["integer", "null"]},
            "event_id": {"type": ["integer", "null"]},
            "created_at": DATE_TIME,
            "sent_at": nullable(DATE_TIME),
        },
    ),
    "NotificationList": obj(
        ["notifications"],
        {"notifications": {"type": "array", "items": ref("Notification")}},
    ),
    "MockCheckoutResult": obj(
        ["payment_id", "outcome", "webhook_statuses"],
        {
            "payment_id": {"type": "integer"},
            "outcome": {"type": "string", "enum": ["succeeded", "canceled"]},
            "webhook_statuses": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "HTTP status of each webhook delivery (0: no connection).",
            },
        },
    ),
    # ---------------------------------------------------------------- request bodies
    "ClientIn": obj(
        ["name", "phone"],
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "phone": {
                "type": "string",
                "minLength": 5,
                "maxLength": 32,
                "description": (
                    "10 to 15 digits with an optional leading +; spaces, dashes and brackets "
                    "are ignored, and 8XXXXXXXXXX is read as +7XXXXXXXXXX."
                ),
                "examples": ["+7 999 123-45-67"],
            },
            "email": {"type": ["string", "null"], "maxLength": 254},
        },
    ),
    "BookingCreate": obj(
        ["hall_id", "start", "end", "client"],
        {
            "hall_id": {"type": "integer", "description": "A JSON integer, not a string."},
            "start": {
                **DATE_TIME,
                "description": "With an offset; on the 15-minute grid of the studio's time.",
            },
            "end": {
                **DATE_TIME,
                "description": "With an offset; the length is a multiple of 15 minutes.",
            },
            "payment_mode": {
                "type": "string",
                "enum": ["prepay", "full"],
                "default": "prepay",
                "description": "`prepay`: the prepayment share confirms; `full`: the whole price.",
            },
            "client": ref("ClientIn"),
            "language": {
                "type": "string",
                "enum": ["ru", "en"],
                "default": "ru",
                "description": "The language of the e-mails about the booking.",
            },
        },
        examples=[
            {
                "hall_id": 1,
                "start": "2026-12-03T12:00:00+03:00",
                "end": "2026-12-03T14:00:00+03:00",
                "payment_mode": "prepay",
                "client": {"name": "Анна", "phone": "+79991234567", "email": "anna@example.com"},
            }
        ],
    ),
    "PaymentCreate": obj(
        ["booking_id", "gateway"],
        {
            "booking_id": {"type": "integer"},
            "gateway": {
                "type": "string",
                "minLength": 1,
                "maxLength": 16,
                "enum": GATEWAYS,
                "description": (
                    "With PAYMENT_ENV=mock all four are simulated by the local checkout page; "
                    "in test and production only gateways with keys are offered. Any other "
                    "name answers 400 `unknown_gateway`."
                ),
            },
        },
    ),
    "CancelRequest": obj([], {"reason": {"type": "string", "maxLength": 500, "default": ""}}),
    "ConfirmRequest": obj(
        [],
        {
            "amount": {
                **AMOUNT_IN,
                "description": (
                    AMOUNT_IN["description"]
                    + " Default: the prepayment if nothing was paid yet, else the balance. "
                    "At most the unpaid rest."
                ),
            },
            "note": {"type": "string", "maxLength": 200, "default": ""},
        },
    ),
    "RefundRequest": obj(
        [],
        {
            "amount": {
                **AMOUNT_IN,
                "description": AMOUNT_IN["description"]
                + " Default: everything of the payment not yet refunded.",
            },
            "reason": {"type": "string", "maxLength": 500, "default": ""},
        },
    ),
    "RefundSettle": obj(
        ["made", "note"],
        {
            "made": {"type": "boolean"},
            "note": {"type": "string", "minLength": 1, "maxLength": 400},
        },
    ),
    "NotificationSend": obj(
        ["text"],
        {
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            "channel": {
                "type": ["string", "null"],
                "enum": ["telegram", "email", None],
                "description": (
                    "Required with `recipient`; with `booking_id` it narrows the client's "
                    "channels (null: every channel the client has)."
                ),
            },
            "recipient": {
                "type": ["string", "null"],
                "maxLength": 254,
                "description": "A numeric Telegram chat id or an e-mail address.",
            },
            "booking_id": {
                "type": ["integer", "null"],
                "description": "Send to this booking's client instead of `recipient`.",
            },
            "subject": {"type": "string", "maxLength": 200, "default": ""},
        },
    ),
    "MockCheckoutForm": obj(
        ["outcome"],
        {
            "outcome": {
                "type": "string",
                "enum": ["succeeded", "canceled"],
                "description": "`succeeded` presses Pay, `canceled` presses Decline.",
            },
            "repeat": {
                "type": "integer",
                "default": 1,
                "description": (
                    "Send the webhook this many times, as gateways repeat (clamped to 1..10)."
                ),
            },
        },
    ),
}

# --------------------------------------------------------------------------- shared parts

PARAMETERS: dict[str, Schema] = {
    "BookingId": {
        "name": "booking_id",
        "in": "path",
        "required": True,
        "description": "The booking's id (not its code). Not a number: 404 `not_found`.",
        "schema": {"type": "integer"},
    },
    "PaymentId": {
        "name": "payment_id",
        "in": "path",
        "required": True,
        "description": "The payment's id; digits only, anything else is 404 `not_found`.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RefundId": {
        "name": "refund_id",
        "in": "path",
        "required": True,
        "description": "The refund's id; digits only, anything else is 404 `not_found`.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Offset": query("offset", {"type": "integer", "default": 0}, "Rows to skip."),
}

RESPONSES: dict[str, Schema] = {
    "Unauthorized": error("No `Authorization: Bearer <token>` header.", "unauthorized"),
    "Forbidden": error(
        "The token is neither the admin token nor this booking's access token.", "forbidden"
    ),
    "AdminOnly": error("The token is not the admin token.", "forbidden"),
    "TooLarge": error("The body is larger than MAX_BODY_BYTES (64 KiB).", "body_too_large"),
}

BODY_400 = ("malformed_json", "invalid_input")
GATEWAY_NOT_NOW = error(
    "Verifying needs the gateway's API and it did not answer; the gateway delivers again later.",
    "gateway_unavailable",
)

# --------------------------------------------------------------------------- paths


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    security: list[dict[str, list[str]]] = PUBLIC,
    description: str = "",
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    body_required: bool = True,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "responses": responses,
    }
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": json_content(body)}
    return op


PATHS: dict[str, Any] = {
    "/health": {
        "get": _operation(
            "health",
            "Liveness: the process answers",
            "Health",
            {"200": ok("Alive.", ref("Health"), {"status": "ok"})},
        )
    },
    "/ready": {
        "get": _operation(
            "ready",
            "Readiness: the database answers too",
            "Health",
            {
                "200": ok("Ready for traffic.", ref("Ready"), {"status": "ready"}),
                "503": error("The database does not answer.", "database_unavailable"),
            },
        )
    },
    "/api/openapi.json": {
        "get": _operation(
            "openapi",
            "This document",
            "Health",
            {"200": ok("The OpenAPI document.", {"type": "object"})},
        )
    },
    "/api/halls": {
        "get": _operation(
            "listHalls",
            "Active halls with prices and rules",
            "Halls",
            {"200": ok("The halls, in the studio's order.", ref("HallList"))},
        )
    },
    "/api/bookings/availability": {
        "get": _operation(
            "availability",
            "Free 15-minute starts and free intervals per day",
            "Bookings",
            {
                "200": ok("One entry per local day of the range.", ref("Availability")),
                "400": error(
                    "A parameter is missing or malformed, the range is inverted or longer "
                    "than 62 days.",
                    "invalid_input",
                    "bad_range",
                    "range_too_long",
                ),
                "404": error("No active hall with this id.", "hall_not_found"),
            },
            description=(
                "Days are local days of the studio's zone. The same rules decide here and when "
                "a booking is made: opening hours, closures, other bookings and their cleaning "
                "buffers, the minimum notice and the booking horizon."
            ),
            parameters=[
                query("hall_id", {"type": "integer"}, "The hall.", required=True),
                query("start_date", DATE, "First local day.", required=True),
                query("end_date", DATE, "Last local day (inclusive).", required=True),
            ],
        )
    },
    "/api/bookings": {
        "post": _operation(
            "createBooking",
            "Hold a slot: a new booking in pending_payment",
            "Bookings",
            {
                "201": ok(
                    "The booking, holding its slot for HOLD_MINUTES, with its access token.",
                    ref("BookingCreated"),
                ),
                "400": error(
                    "The body is malformed or breaks a booking rule.",
                    *BODY_400,
                    "naive_datetime",
                    "end_before_start",
                    "off_grid",
                    "bad_length",
                    "too_short",
                    "in_past",
                    "too_soon",
                    "beyond_horizon",
                    "outside_hours",
                    "closed",
                    "bad_phone",
                    "bad_email",
                ),
                "404": error("No active hall with this id.", "hall_not_found"),
                "409": error(
                    "The time, or its cleaning buffer, overlaps another booking.", "slot_taken"
                ),
                "413": shared("TooLarge"),
            },
            description=(
                "Two bookings of a hall never overlap, buffers included: the database refuses "
                "the second one even when requests race. The source is recorded as `web`."
            ),
            body=ref("BookingCreate"),
        ),
        "get": _operation(
            "listBookings",
            "List bookings (admin)",
            "Bookings",
            {
                "200": ok("Bookings ordered by start.", ref("BookingList")),
                "400": error("A parameter is malformed.", "invalid_input"),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
            },
            security=ADMIN,
            parameters=[
                query("date_from", DATE, "Bookings that end after this local day begins."),
                query("date_to", DATE, "Bookings that start before this local day ends."),
                query("hall_id", {"type": "integer"}, "Only this hall."),
                query(
                    "status",
                    {"type": "string", "examples": ["pending_payment,confirmed"]},
                    "Comma-separated booking statuses.",
                ),
                query(
                    "limit",
                    {"type": "integer", "default": 100, "maximum": 500},
                    "At most this many (capped at 500).",
                ),
                param("Offset"),
            ],
        ),
    },
    "/api/bookings/{booking_id}": {
        "parameters": [param("BookingId")],
        "get": _operation(
            "getBooking",
            "One booking with its payments",
            "Bookings",
            {
                "200": ok("The booking.", ref("BookingDetail")),
                "401": shared("Unauthorized"),
                "403": shared("Forbidden"),
                "404": error("No such booking.", "booking_not_found", "not_found"),
            },
            security=OWNER_OR_ADMIN,
        ),
        "delete": _operation(
            "cancelBooking",
            "Cancel, refunding by policy (client) or in full (admin)",
            "Bookings",
            {
                "200": ok(
                    "The cancelled booking and the refund it gives.", ref("BookingCancelled")
                ),
                "400": error("The body is malformed.", *BODY_400),
                "401": shared("Unauthorized"),
                "403": shared("Forbidden"),
                "404": error("No such booking.", "booking_not_found", "not_found"),
                "409": error(
                    "Only pending_payment and confirmed bookings can be cancelled, and only by an"
                    " admin once the session has begun.",
                    "invalid_state",
                    "too_late",
                ),
                "413": shared("TooLarge"),
            },
            security=OWNER_OR_ADMIN,
            description=(
                "With the booking's token the refund follows the tiers recorded on the booking "
                "(`refund_policy`); with the admin token everything paid is refunded. The "
                "refund is sent to the gateway after the cancellation is stored; a gateway "
                "failure leaves it pending and it is retried."
            ),
            body=ref("CancelRequest"),
            body_required=False,
        ),
    },
    "/api/bookings/{booking_id}/confirm": {
        "parameters": [param("BookingId")],
        "post": _operation(
            "confirmBooking",
            "Confirm by hand, e.g. paid in cash (admin)",
            "Bookings",
            {
                "200": ok("The confirmed booking.", ref("Booking")),
                "400": error(
                    "The body or the amount is malformed, or the amount is above what is unpaid.",
                    *BODY_400,
                    "bad_amount",
                ),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
                "404": error("No such booking.", "booking_not_found", "not_found"),
                "409": error(
                    "The booking is not pending_payment or expired, or an expired booking's "
                    "slot has been taken meanwhile.",
                    "invalid_state",
                    "slot_taken",
                ),
                "413": shared("TooLarge"),
            },
            security=ADMIN,
            description=(
                "Records a `cash` payment of `amount` and confirms a pending_payment booking, "
                "or an expired one whose slot is still free."
            ),
            body=ref("ConfirmRequest"),
            body_required=False,
        ),
    },
    "/api/payments": {
        "post": _operation(
            "createPayment",
            "Create a payment at a gateway; returns the URL of its payment page",
            "Payments",
            {
                "201": ok(
                    "The payment, pending, with its confirmation_url. Asking again while it "
                    "is pending returns the same payment.",
                    ref("Payment"),
                ),
                "400": error(
                    "The body is malformed or the gateway is not offered.",
                    *BODY_400,
                    "unknown_gateway",
                ),
                "401": shared("Unauthorized"),
                "403": shared("Forbidden"),
                "404": error("No such booking.", "booking_not_found"),
                "409": error(
                    "The hold has expired, or the booking has nothing to pay.",
                    "hold_expired",
                    "not_payable",
                ),
                "413": shared("TooLarge"),
                "502": error(
                    "The gateway did not answer; nothing was charged and the hold stays.",
                    "gateway_unavailable",
                ),
            },
            security=OWNER_OR_ADMIN,
            description=(
                "The amount follows from the booking: the prepayment (or the full price in "
                "`full` mode) while it is pending_payment, the balance once it is confirmed."
            ),
            body=ref("PaymentCreate"),
        )
    },
    "/api/payments/{payment_id}": {
        "parameters": [param("PaymentId")],
        "get": _operation(
            "getPayment",
            "A payment's status",
            "Payments",
            {
                "200": ok("The payment.", ref("Payment")),
                "401": shared("Unauthorized"),
                "403": shared("Forbidden"),
                "404": error("No such payment.", "payment_not_found", "not_found"),
            },
            security=OWNER_OR_ADMIN,
        ),
    },
    "/api/payments/{payment_id}/refund": {
        "parameters": [param("PaymentId")],
        "post": _operation(
            "refundPayment",
            "Refund a payment in full or in part (admin)",
            "Payments",
            {
                "201": ok(
                    "The refund: succeeded, or pending when the gateway has not finished.",
                    ref("Refund"),
                ),
                "400": error(
                    "The body or amount is malformed, not positive, or above what is left.",
                    *BODY_400,
                    "bad_amount",
                    "refund_too_large",
                ),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
                "404": error("No such payment.", "payment_not_found", "not_found"),
                "409": error(
                    "Only succeeded and partially refunded payments can be refunded.",
                    "not_refundable",
                ),
                "413": shared("TooLarge"),
            },
            security=ADMIN,
            description="The booking's status does not change; cancel it to free the slot.",
            body=ref("RefundRequest"),
            body_required=False,
        ),
    },
    "/api/refunds/{refund_id}/settle": {
        "parameters": [param("RefundId")],
        "post": _operation(
            "settleRefund",
            "Settle by hand a pending refund the service cannot tell about (admin)",
            "Payments",
            {
                "200": ok("The refund, now succeeded or canceled.", ref("Refund")),
                "400": error("The body is malformed.", *BODY_400),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
                "404": error("No such refund.", "refund_not_found", "not_found"),
                "409": error(
                    "Only a pending refund can be settled, and not in the minute after a call "
                    "about it (one may still be under way).",
                    "not_pending",
                    "refund_in_flight",
                ),
                "413": shared("TooLarge"),
            },
            security=ADMIN,
            description=(
                "For a refund waiting on an admin (its `error` says it cannot tell whether it "
                "was made): `made: true` when the gateway's cabinet shows it, which records "
                "it succeeded; `made: false` when it does not, which cancels it and frees its "
                "amount. A retry answered after this leaves the refund as settled."
            ),
            body=ref("RefundSettle"),
        ),
    },
    "/api/payments/webhook/{gateway}": {
        "parameters": [
            {
                "name": "gateway",
                "in": "path",
                "required": True,
                "description": "Whose notification this is; a gateway not offered is 404.",
                "schema": {"type": "string", "enum": GATEWAYS},
            }
        ],
        "post": _operation(
            "gatewayWebhook",
            "A gateway's payment notification",
            "Webhooks",
            {
                "200": {
                    "description": (
                        "Accepted (applied, or a repeat or stale report that changes nothing). "
                        "The body is what the gateway expects, e.g. `OK` for T-Bank."
                    ),
                    "content": {
                        "application/json": {"schema": {"type": "object"}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                "400": error(
                    "Verified, but the amount, the currency or the order number differs from "
                    "what was asked.",
                    "amount_mismatch",
                    "order_mismatch",
                ),
                "403": error(
                    "Verification failed (signature, token, checksum or sender address).",
                    "webhook_rejected",
                ),
                "404": error(
                    "No such gateway here, or no payment of this gateway with that id.",
                    "unknown_gateway",
                    "unknown_payment",
                ),
                "413": shared("TooLarge"),
                "503": GATEWAY_NOT_NOW,
            },
            description=(
                "Called by the gateways, not by clients. Each notification is verified in the "
                "gateway's own way before anything changes (T-Bank by its Token, Sber by its "
                "checksum, ЮKassa by its sender address and by fetching the payment back, the "
                "mock by an HMAC-SHA256 signature in X-Mock-Signature). Repeats and "
                "out-of-order reports are applied once."
            ),
            body={
                "type": "object",
                "description": "The gateway's own notification format.",
            },
        ),
        "get": _operation(
            "gatewayWebhookGet",
            "A gateway's payment notification as a GET (Sber callbacks)",
            "Webhooks",
            {
                "200": {
                    "description": "Accepted.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "400": error(
                    "The amount or the order number differs from what was asked.",
                    "amount_mismatch",
                    "order_mismatch",
                ),
                "403": error("The checksum does not verify.", "webhook_rejected"),
                "404": error(
                    "No such gateway here, or no such payment.",
                    "unknown_gateway",
                    "unknown_payment",
                ),
                "503": GATEWAY_NOT_NOW,
            },
            description=(
                "Sber sends its callback as query parameters (mdOrder, orderNumber, "
                "operation, status, checksum); the same verification and handling apply."
            ),
            parameters=[
                {
                    "name": "params",
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": True,
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                    "description": "The gateway's callback parameters.",
                }
            ],
        ),
    },
    "/api/notifications": {
        "get": _operation(
            "listNotifications",
            "Sent, pending and failed notifications, newest first (admin)",
            "Admin",
            {
                "200": ok("The notification log.", ref("NotificationList")),
                "400": error("A parameter is malformed.", "invalid_input"),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
            },
            security=ADMIN,
            parameters=[
                query(
                    "status",
                    {
                        "type": "string",
                        "enum": ["pending", "sending", "sent", "failed", "skipped"],
                    },
                    "Only this status.",
                ),
                query(
                    "limit",
                    {"type": "integer", "default": 100, "maximum": 500},
                    "At most this many (capped at 500).",
                ),
                param("Offset"),
            ],
        )
    },
    "/api/notifications/send": {
        "post": _operation(
            "sendNotification",
            "Queue a message by hand (admin)",
            "Admin",
            {
                "202": ok(
                    "Queued, one entry per channel; the delivery job sends them.",
                    ref("NotificationList"),
                ),
                "400": error(
                    "The body is malformed, names nobody, or the recipient does not fit the "
                    "channel.",
                    *BODY_400,
                    "no_recipient",
                    "bad_recipient",
                ),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
                "404": error("No such booking.", "booking_not_found"),
                "413": shared("TooLarge"),
            },
            security=ADMIN,
            description=(
                "Either `booking_id` (the booking's client on each channel they have, or on "
                "`channel`), or `channel` and `recipient`. A channel this process cannot "
                "deliver on stays pending in the log."
            ),
            body=ref("NotificationSend"),
        )
    },
    "/api/integrations/events": {
        "get": _operation(
            "listEvents",
            "The event log (outbox), oldest first (admin)",
            "Admin",
            {
                "200": ok("A page of events.", ref("EventPage")),
                "400": error("A parameter is malformed.", "invalid_input"),
                "401": shared("Unauthorized"),
                "403": shared("AdminOnly"),
            },
            security=ADMIN,
            description=(
                "Every state change writes one event in the same transaction. Read on with "
                "`after_id=next_after_id`; an empty page keeps `next_after_id` where it was."
            ),
            parameters=[
                query("after_id", {"type": "integer", "default": 0}, "Only events after this id."),
                query("booking_id", {"type": "integer"}, "Only this booking's events."),
                query(
                    "limit",
                    {"type": "integer", "default": 100, "maximum": 1000},
                    "At most this many (capped at 1000).",
                ),
            ],
        )
    },
    "/mock/checkout/{gateway_payment_id}": {
        "parameters": [
            {
                "name": "gateway_payment_id",
                "in": "path",
                "required": True,
                "description": "The last part of a mock payment's confirmation_url.",
                "schema": {"type": "string", "examples": ["mock_12_9f3a61c2"]},
            }
        ],
        "get": _operation(
            "mockCheckoutPage",
            "The mock gateway's payment page",
            "Mock checkout",
            {
                "200": {
                    "description": "A page with the amount and Pay / Decline.",
                    "content": HTML,
                },
                "404": error("No mock payment with this id.", "payment_not_found"),
            },
            description="Only payments made through a simulated gateway (PAYMENT_ENV=mock).",
        ),
        "post": {
            **_operation(
                "mockCheckoutAction",
                "Press Pay or Decline: sends the gateway's webhook to this app",
                "Mock checkout",
                {
                    "200": {
                        "description": (
                            "Done. JSON when the request accepts application/json, else a page."
                        ),
                        "content": {
                            "application/json": {"schema": ref("MockCheckoutResult")},
                            **HTML,
                        },
                    },
                    "400": error("`outcome` or `repeat` is not valid.", "invalid_input"),
                    "404": error("No mock payment with this id.", "payment_not_found"),
                    "413": shared("TooLarge"),
                },
                description=(
                    "The webhook goes over HTTP to PUBLIC_BASE_URL in the simulated gateway's "
                    "own format, signed its own way (a T-Bank Token, a Sber checksum as a GET, "
                    "a ЮKassa notification checked by fetching the payment back, an HMAC for "
                    "`mock`), so the same verification and idempotent handling run as for a "
                    "real gateway."
                ),
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": ref("MockCheckoutForm")},
                    "multipart/form-data": {"schema": ref("MockCheckoutForm")},
                },
            },
        },
    },
    "/pay/return/{code}": {
        "get": _operation(
            "paymentReturn",
            "Where gateways send the payer back",
            "Mock checkout",
            {"200": {"description": "A thank-you page.", "content": HTML}},
            description="The confirmation itself arrives by webhook, not through this page.",
            parameters=[
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "description": "The booking's code.",
                    "schema": {"type": "string"},
                }
            ],
        )
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Studio booking API",
        "version": "1.0.0",
        "description": (
            "The JSON API of the photo studio's booking service: halls, availability, "
            "bookings, payments, gateway webhooks and admin logs.\n\n"
            'Money is `{"value": "1500.00", "currency": "RUB"}`; times are ISO 8601 '
            "with the studio's offset; dates are `YYYY-MM-DD` in the studio's zone.\n\n"
            'Every error is `{"error": {"code", "message"}}`. Besides the statuses '
            "listed per route, any route can answer 404 `not_found` (no such path), 405 "
            "`method_not_allowed` and 500 `internal_error`."
        ),
    },
    "servers": [{"url": "/", "description": "This server"}],
    "tags": [
        {"name": "Health", "description": "Probes and this document."},
        {"name": "Halls"},
        {"name": "Bookings"},
        {"name": "Payments"},
        {"name": "Webhooks", "description": "Called by the payment gateways."},
        {"name": "Admin", "description": "Notification and event logs."},
        {"name": "Mock checkout", "description": "Pages for payers and test scripts."},
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": RESPONSES,
        "securitySchemes": {
            "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "`Authorization: Bearer <ADMIN_API_TOKEN>`.",
            },
            "bookingToken": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "`Authorization: Bearer <access_token>` of one booking, as POST "
                    "/api/bookings returned it; opens that booking and its payments."
                ),
            },
        },
    },
}


@routes.get("/api/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return json_response(DOCUMENT)
