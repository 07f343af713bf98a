"""A booking's price as lines (booking/domain/charges.py): hall time, add-ons, guests, then
the discount; the lines sum to the total, no discount makes anything negative, and a
receipt's items carry the discount so that they sum to what was paid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.domain.charges import (
    AddonChoice,
    Discount,
    GuestFee,
    PriceLine,
    check_guests,
    price_lines,
    spread,
)
from booking.domain.errors import BookingRuleError

HALL = PriceLine("hall", "Белый зал", "White hall", 500_000)
MAKEUP = AddonChoice("makeup", "Гримёрное место", "Makeup place", 30_000, "hour", 1)
CLEANING = AddonChoice("cleaning", "Уборка", "Cleaning", 120_000, "booking", 1)
PROPS = AddonChoice("props", "Реквизит", "Props", 15_000, "unit", 3)


def test_lines_in_order_with_each_kind_of_add_on() -> None:
    priced = price_lines(HALL, 120, [MAKEUP, CLEANING, PROPS])
    assert [(line.kind, line.amount) for line in priced.lines] == [
        ("hall", 500_000),
        ("addon", 60_000),  # 300 ₽ an hour for two hours
        ("addon", 120_000),  # once a booking
        ("addon", 45_000),  # three units at 150 ₽
    ]
    assert priced.total == 725_000
    assert priced.lines[1].details == {"addon_id": "makeup", "quantity": 1}


def test_an_hourly_add_on_for_a_part_of_an_hour_rounds_to_the_kopeck() -> None:
    odd = AddonChoice("x", "x", "x", 10_001, "hour", 1)
    assert odd.amount(45) == 7_501  # 75.0075 ₽ rounds half up


@pytest.mark.parametrize(
    ("fee", "guests", "amount"),
    [
        (GuestFee("person_hour", above=4, price=50_000), 6, 200_000),  # 2 × 500 ₽ × 2 h
        (GuestFee("person_hour", above=4, price=50_000), 4, 0),
        (GuestFee("person_booking", above=2, price=20_000), 5, 60_000),  # 3 × 200 ₽
        (GuestFee("percent", above=10, percent=20), 11, 100_000),  # 20 % of the hall
        (GuestFee("percent", above=10, percent=20), 10, 0),
    ],
)
def test_guest_fees(fee: GuestFee, guests: int, amount: int) -> None:
    priced = price_lines(HALL, 120, guests=guests, fee=fee)
    guest_lines = [line for line in priced.lines if line.kind == "guests"]
    assert sum(line.amount for line in guest_lines) == amount
    assert len(guest_lines) == (1 if amount else 0)  # no line of zero
    assert priced.total == HALL.amount + amount


def test_capacity() -> None:
    check_guests(15, 15)
    check_guests(40, None)
    with pytest.raises(BookingRuleError) as refused:
        check_guests(16, 15)
    assert refused.value.code == "over_capacity"


def test_percent_discount_applies_to_everything_before_it() -> None:
    priced = price_lines(HALL, 120, [CLEANING], discount=Discount("BDAY", percent=20))
    assert priced.lines[-1].kind == "discount"
    assert priced.lines[-1].amount == -124_000  # 20 % of 6,200 ₽
    assert priced.total == 496_000
    assert priced.discount == 124_000


def test_a_fixed_discount_larger_than_the_price_makes_it_free_not_negative() -> None:
    priced = price_lines(HALL, 60, discount=Discount("BIG", amount=10_000_000))
    assert priced.total == 0
    assert priced.lines[-1].amount == -HALL.amount


def test_spread_carries_the_discount_over_items() -> None:
    # 6,200 ₽ of items, 4,960 ₽ paid: each item shrinks by 20 %, the sum is exact.
    assert spread([500_000, 120_000], 496_000) == [400_000, 96_000]
    assert sum(spread([1, 1, 1], 2)) == 2


AMOUNTS = st.integers(0, 5_000_000)
ADDONS = st.lists(
    st.builds(
        AddonChoice,
        addon_id=st.text(min_size=1, max_size=5),
        title=st.just("t"),
        title_en=st.just("t"),
        unit_price=AMOUNTS,
        per=st.sampled_from(["booking", "hour", "unit"]),
        quantity=st.integers(1, 5),
    ),
    max_size=5,
)
FEES = st.one_of(
    st.none(),
    st.builds(GuestFee, per=st.sampled_from(["person_hour", "person_booking"]),
              above=st.integers(0, 10), price=AMOUNTS),
    st.builds(GuestFee, per=st.just("percent"), above=st.integers(0, 10),
              percent=st.integers(1, 100)),
)  # fmt: skip
DISCOUNTS = st.one_of(
    st.none(),
    st.builds(Discount, code=st.just("C"), percent=st.integers(1, 100)),
    st.builds(Discount, code=st.just("C"), amount=st.integers(1, 50_000_000)),
)


@given(
    hall=AMOUNTS,
    minutes=st.integers(1, 96).map(lambda q: q * 15),
    addons=ADDONS,
    guests=st.integers(1, 30),
    fee=FEES,
    discount=DISCOUNTS,
)
def test_lines_sum_to_the_total_and_nothing_goes_negative(
    hall: int,
    minutes: int,
    addons: list[AddonChoice],
    guests: int,
    fee: GuestFee | None,
    discount: Discount | None,
) -> None:
    priced = price_lines(PriceLine("hall", "h", "h", hall), minutes, addons, guests, fee, discount)
    assert sum(line.amount for line in priced.lines) == priced.total
    assert priced.total >= 0
    assert all(line.amount >= 0 for line in priced.lines if line.kind != "discount")
    assert all(line.amount < 0 for line in priced.lines if line.kind == "discount")
    before = sum(line.amount for line in priced.lines if line.kind != "discount")
    assert priced.discount <= before


@given(amounts=st.lists(st.integers(0, 10_000_000), min_size=1, max_size=8), data=st.data())
def test_spread_sums_to_the_target_and_never_exceeds_an_item(
    amounts: list[int], data: st.DataObject
) -> None:
    target = data.draw(st.integers(0, sum(amounts)))
    shares = spread(amounts, target)
    assert sum(shares) == target
    assert all(0 <= share <= amount for share, amount in zip(shares, amounts, strict=True))
