"""A studio file's prices: whole kopecks, not negative, and no more than a studio would ask."""

from __future__ import annotations

import pytest

from booking.studio_file import StudioFileError
from booking.studio_sales import MAX_PRICE_RUBLES, kopecks


def test_prices_read_as_kopecks() -> None:
    assert kopecks("2500.50") == 250_050
    assert kopecks(MAX_PRICE_RUBLES) == MAX_PRICE_RUBLES * 100


@pytest.mark.parametrize("price", ["-1", "1.005", "abc", "100000000.00", MAX_PRICE_RUBLES + 1])
def test_a_price_out_of_reason_is_refused(price: str | int) -> None:
    with pytest.raises(StudioFileError):
        kopecks(price)
