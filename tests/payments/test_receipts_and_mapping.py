"""Receipt rendering per gateway, order numbers and status tables (no network)."""

from __future__ import annotations

import json

import pytest

from payments.base import GatewayError, PaymentStatus, ReceiptInfo
from payments.orders import order_key, order_ref
from payments.receipts import (
    receipt_problem,
    rubles,
    sber_order_bundle,
    sber_refund_items,
    sber_tax_system,
    tinkoff_receipt,
    yookassa_receipt,
)
from payments.sberpay import SberProvider
from payments.tinkoff import map_status

INFO = ReceiptInfo(
    item_name="Аренда фотостудии: Белый зал",
    tax_system=2,
    vat_code=1,
    payment_mode="partial_prepayment",
    email="client@example.com",
    phone="8 (999) 123-45-67",
)


def test_rubles() -> None:
    assert [rubles(x) for x in (150000, 5, 100, 123456)] == ["1500.00", "0.05", "1.00", "1234.56"]


def test_yookassa_receipt() -> None:
    receipt = yookassa_receipt(INFO, 250000)
    assert receipt["customer"] == {"email": "client@example.com", "phone": "79991234567"}
    assert receipt["tax_system_code"] == 2
    assert receipt["items"] == [
        {
            "description": "Аренда фотостудии: Белый зал",
            "quantity": "1.00",
            "amount": {"value": "2500.00", "currency": "RUB"},
            "vat_code": 1,
            "payment_mode": "partial_prepayment",
            "payment_subject": "service",
        }
    ]


def test_tinkoff_receipt() -> None:
    receipt = tinkoff_receipt(INFO, 250000)
    assert receipt["Taxation"] == "usn_income" and receipt["Phone"] == "+79991234567"
    (item,) = receipt["Items"]
    assert item["Price"] == item["Amount"] == 250000 and item["Quantity"] == 1
    assert item["Tax"] == "none" and item["PaymentObject"] == "service"
    assert item["PaymentMethod"] == "prepayment"
    vat20 = tinkoff_receipt(ReceiptInfo("x", 1, 4, "full_payment"), 100)
    assert vat20["Items"][0]["Tax"] == "vat20" and vat20["Taxation"] == "osn"
    assert "Email" not in vat20


def test_sber_bundle() -> None:
    bundle = json.loads(sber_order_bundle(INFO, 250000))
    assert bundle["customerDetails"] == {"email": "client@example.com", "phone": "79991234567"}
    (item,) = bundle["cartItems"]["items"]
    assert item["itemAmount"] == 250000 and item["tax"] == {"taxType": 0}
    assert item["paymentMethod"] == 2 and item["paymentObject"] == 4
    refund_items = json.loads(sber_refund_items(INFO, 50000))
    assert refund_items["items"][0]["itemAmount"] == 50000
    assert sber_tax_system(INFO) == "1"
    vat20 = json.loads(sber_order_bundle(ReceiptInfo("x", None, 4, "full_payment"), 100))
    assert vat20["cartItems"]["items"][0]["tax"] == {"taxType": 6}


def test_receipt_problems() -> None:
    assert receipt_problem(None, None, ["tinkoff"]) is None
    assert receipt_problem(1, 2, ["tinkoff", "sberpay", "yookassa"]) is None
    assert receipt_problem(1, None, ["yookassa", "sberpay"]) is None
    assert receipt_problem(1, None, ["tinkoff"]) is not None
    problem = receipt_problem(11, 1, ["sberpay"])
    assert problem is not None and problem[0] == "receipt_vat_code"
    assert receipt_problem(11, None, ["yookassa"]) is None


def test_order_numbers() -> None:
    assert order_ref("pay-12-ABCD2345", 1, 32) == "pay-12-ABCD2345"
    assert order_ref("pay-12-ABCD2345", 2, 32) == "pay-12-ABCD2345-r2"
    assert order_key("pay-12-ABCD2345-r2") == "pay-12-ABCD2345"
    assert order_key("pay-12-ABCD2345") == "pay-12-ABCD2345"
    with pytest.raises(GatewayError):
        order_ref("x" * 31, 2, 32)
    with pytest.raises(GatewayError):
        order_ref("", 1, 32)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("CONFIRMED", PaymentStatus.SUCCEEDED),
        ("AUTHORIZED", PaymentStatus.AUTHORIZED),
        ("REJECTED", PaymentStatus.CANCELED),
        ("DEADLINE_EXPIRED", PaymentStatus.CANCELED),
        ("AUTH_FAIL", PaymentStatus.CANCELED),
        ("REVERSED", PaymentStatus.CANCELED),
        ("CANCELED", PaymentStatus.CANCELED),
        ("REFUNDED", PaymentStatus.REFUNDED),
        ("PARTIAL_REFUNDED", PaymentStatus.PARTIALLY_REFUNDED),
        ("NEW", PaymentStatus.PENDING),
        ("3DS_CHECKING", PaymentStatus.PENDING),
        ("PAY_CHECKING", PaymentStatus.PENDING),
        ("REFUNDING", PaymentStatus.PENDING),  # unexpected here: changes nothing
        ("WHATEVER", PaymentStatus.PENDING),
    ],
)
def test_tinkoff_statuses(status: str, expected: PaymentStatus) -> None:
    assert map_status(status, "1") == expected


@pytest.mark.parametrize(
    ("order_status", "refunded", "expected"),
    [
        (0, 0, PaymentStatus.PENDING),
        (1, 0, PaymentStatus.AUTHORIZED),
        (2, 0, PaymentStatus.SUCCEEDED),
        (3, 0, PaymentStatus.CANCELED),
        (4, 1000, PaymentStatus.PARTIALLY_REFUNDED),
        (4, 5000, PaymentStatus.REFUNDED),
        (5, 0, PaymentStatus.PENDING),
        (6, 0, PaymentStatus.CANCELED),
        (9, 0, PaymentStatus.PENDING),
    ],
)
def test_sber_statuses(order_status: int, refunded: int, expected: PaymentStatus) -> None:
    answer = {
        "orderStatus": order_status,
        "amount": 5000,
        "paymentAmountInfo": {"depositedAmount": 5000, "refundedAmount": refunded},
    }
    assert SberProvider._status("o", answer, refunded, 5000) == expected


# ----------------------------------------------------------- a position per line of the price

LINES = ReceiptInfo(
    item_name="Аренда фотостудии: Белый зал",
    tax_system=2,
    vat_code=1,
    payment_mode="partial_prepayment",
    email="client@example.com",
    lines=(("Аренда фотостудии: Белый зал", 500_000), ("Генератор дыма × 1", 50_000)),
)


def test_each_gateway_lists_each_line_with_the_discount_spread() -> None:
    """5,500 ₽ of hall and smoke machine, 20 % off: 4,400 ₽; half of it paid now. The
    positions shrink in proportion and sum to the 2,200 ₽ paid."""
    paid = 220_000
    items = yookassa_receipt(LINES, paid)["items"]
    assert [(i["description"], i["amount"]["value"]) for i in items] == [
        ("Аренда фотостудии: Белый зал", "2000.00"),
        ("Генератор дыма × 1", "200.00"),
    ]
    tinkoff = tinkoff_receipt(LINES, paid)["Items"]
    assert [i["Amount"] for i in tinkoff] == [200_000, 20_000]
    assert all(i["Price"] == i["Amount"] for i in tinkoff)
    cart = json.loads(sber_order_bundle(LINES, paid))["cartItems"]["items"]
    assert [(i["positionId"], i["itemAmount"]) for i in cart] == [("1", 200_000), ("2", 20_000)]
    refund = json.loads(sber_refund_items(LINES, 333))["items"]
    assert sum(i["itemAmount"] for i in refund) == 333


@pytest.mark.parametrize("paid", [1, 2, 3, 99_999, 549_999, 550_000])
def test_positions_always_sum_to_the_amount(paid: int) -> None:
    items = yookassa_receipt(LINES, paid)["items"]
    kopecks = [int(i["amount"]["value"].replace(".", "")) for i in items]
    assert sum(kopecks) == paid and all(k > 0 for k in kopecks)
