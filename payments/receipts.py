"""54-FZ receipts in each gateway's own format, from one `ReceiptInfo`.

The studio sets RECEIPT_VAT_CODE (ЮKassa's numbering, 1–12) and, optionally,
RECEIPT_TAX_SYSTEM (1–6, ЮKassa's `tax_system_code`); everything else is derived here. One
position per line of the booking's price (hall time, each add-on, the guests), each a
service of quantity 1; the amount paid (after a discount, or a prepayment's share) is spread
over them in proportion, so the positions sum to it exactly.
"""

from __future__ import annotations

import json
from typing import Any

from booking.domain.charges import spread
from booking.domain.pricing import rubles
from payments.base import ReceiptInfo

#: ЮKassa `tax_system_code` → T-Bank `Taxation` (and the same names for Sber's `sno`).
TAXATION = {
    1: "osn",
    2: "usn_income",
    3: "usn_income_outcome",
    4: "envd",
    5: "esn",
    6: "patent",
}

#: ЮKassa `vat_code` → T-Bank `Tax`. Codes 7–12 (the 2025–26 rates) have no verified name.
TINKOFF_TAX = {1: "none", 2: "vat0", 3: "vat10", 4: "vat20", 5: "vat110", 6: "vat120"}

#: ЮKassa `vat_code` → Sber `tax.taxType` (0 none, 1 0 %, 2 10 %, 4 10/110, 6 20 %, 7 20/120).
SBER_TAX_TYPE = {1: 0, 2: 1, 3: 2, 4: 6, 5: 4, 6: 7}

#: ЮKassa `payment_mode` → T-Bank `PaymentMethod` (T-Bank says "prepayment" for a part).
TINKOFF_PAYMENT_METHOD = {
    "full_prepayment": "full_prepayment",
    "partial_prepayment": "prepayment",
    "advance": "advance",
    "full_payment": "full_payment",
}

#: ЮKassa `payment_mode` → the FFD tag 1214 number Sber's cart uses.
SBER_PAYMENT_METHOD = {
    "full_prepayment": 1,
    "partial_prepayment": 2,
    "advance": 3,
    "full_payment": 4,
}
SBER_SERVICE = 4  # FFD tag 1212: a service
#: ЮKassa `payment_subject` → FFD tag 1212 (Sber): a service, or a payment (an advance).
SBER_SUBJECT = {"service": SBER_SERVICE, "payment": 10}

_NEEDS_TABLES = {"tinkoff": "T-Bank", "sberpay": "Sber"}


def receipt_problem(
    vat_code: int | None, tax_system: int | None, gateways: list[str]
) -> tuple[str, str] | None:
    """Why the receipt settings cannot serve the offered gateways, as (variable, message)."""
    if vat_code is None:
        return None
    for gateway, label in _NEEDS_TABLES.items():
        if gateway in gateways and vat_code not in TINKOFF_TAX:
            return "receipt_vat_code", (
                f"RECEIPT_VAT_CODE={vat_code} has no verified {label} equivalent; use 1-6 "
                f"or turn {label} off"
            )
    if "tinkoff" in gateways and tax_system is None:
        return "receipt_tax_system", (
            "RECEIPT_TAX_SYSTEM is required for T-Bank receipts (its Taxation field)"
        )
    return None


def receipt_items(info: ReceiptInfo, amount: int) -> list[tuple[str, int]]:
    """(name, amount) per position, summing to `amount`; one position when the booking has
    a single line (or the amount is more than its lines, which never happens for a booking)."""
    lines = [(name, full) for name, full in info.lines if full > 0]
    if not lines or amount > sum(full for _, full in lines):
        return [(info.item_name, amount)]
    shares = spread([full for _, full in lines], amount)
    return [(name, share) for (name, _), share in zip(lines, shares, strict=True) if share]


def _digits(phone: str | None) -> str | None:
    """A Russian phone as 11 digits starting with 7 (8XXXXXXXXXX is rewritten)."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits or None


def yookassa_receipt(info: ReceiptInfo, amount: int, currency: str = "RUB") -> dict[str, Any]:
    """ЮKassa `receipt`: customer, one item with vat_code, payment_mode and "service"."""
    customer: dict[str, str] = {}
    if info.email:
        customer["email"] = info.email
    phone = _digits(info.phone)
    if phone:
        customer["phone"] = phone
    receipt: dict[str, Any] = {
        "customer": customer,
        "items": [
            {
                "description": name[:128],
                "quantity": "1.00",
                "amount": {"value": rubles(share), "currency": currency},
                "vat_code": info.vat_code,
                "payment_mode": info.payment_mode,
                "payment_subject": info.subject,
            }
            for name, share in receipt_items(info, amount)
        ],
    }
    if info.tax_system is not None:
        receipt["tax_system_code"] = info.tax_system
    return receipt


def tinkoff_receipt(info: ReceiptInfo, amount: int) -> dict[str, Any]:
    """T-Bank `Receipt` (FFD 1.05): Taxation, one item whose Amount is the whole amount."""
    if info.tax_system is None:
        raise ValueError("T-Bank receipts need RECEIPT_TAX_SYSTEM")
    receipt: dict[str, Any] = {
        "Taxation": TAXATION[info.tax_system],
        "Items": [
            {
                "Name": name[:128],
                "Price": share,
                "Quantity": 1,
                "Amount": share,
                "Tax": TINKOFF_TAX[info.vat_code],
                "PaymentMethod": TINKOFF_PAYMENT_METHOD.get(info.payment_mode, "full_payment"),
                "PaymentObject": info.subject,
            }
            for name, share in receipt_items(info, amount)
        ],
    }
    if info.email:
        receipt["Email"] = info.email
    phone = _digits(info.phone)
    if phone:
        receipt["Phone"] = f"+{phone}"
    return receipt


def _sber_items(info: ReceiptInfo, amount: int) -> list[dict[str, Any]]:
    return [
        {
            "positionId": str(position),
            "name": name[:100],
            "quantity": {"value": 1, "measure": "шт"},
            "itemAmount": share,
            "itemPrice": share,
            "itemCode": "studio-rent" if position == 1 else f"studio-{position}",
            "tax": {"taxType": SBER_TAX_TYPE[info.vat_code]},
            "paymentMethod": SBER_PAYMENT_METHOD.get(info.payment_mode, 4),
            "paymentObject": SBER_SUBJECT.get(info.subject, SBER_SERVICE),
        }
        for position, (name, share) in enumerate(receipt_items(info, amount), start=1)
    ]


def sber_order_bundle(info: ReceiptInfo, amount: int) -> str:
    """Sber `orderBundle` (a JSON string): the payer's contacts and the one-item cart."""
    customer: dict[str, str] = {}
    if info.email:
        customer["email"] = info.email
    phone = _digits(info.phone)
    if phone:
        customer["phone"] = phone
    bundle = {"customerDetails": customer, "cartItems": {"items": _sber_items(info, amount)}}
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))


def sber_refund_items(info: ReceiptInfo, amount: int) -> str:
    """Sber `refundItems` for refund.do: the position and the amount given back."""
    return json.dumps(
        {"items": _sber_items(info, amount)}, ensure_ascii=False, separators=(",", ":")
    )


def sber_tax_system(info: ReceiptInfo) -> str | None:
    """The legacy gateway's `taxSystem` (0–5) from ЮKassa's 1–6."""
    return None if info.tax_system is None else str(info.tax_system - 1)
