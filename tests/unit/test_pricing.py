"""Pricing: hourly rates by local time band, half-up rounding, prepayment in whole rubles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.domain import BookingRuleError, PriceBand, prepayment_amount, quote

MSK = ZoneInfo("Europe/Moscow")
NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 30)
SATURDAY = date(2026, 12, 5)

BASE = 150_000  # 1500 rubles an hour
EVENING = PriceBand(frozenset(range(5)), 18 * 60, 24 * 60, 200_000)
WEEKEND = PriceBand(frozenset({5, 6}), 0, 24 * 60, 250_000)
BANDS = (EVENING, WEEKEND)


def at(day: date, hhmm: str, tz: ZoneInfo = MSK) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz).astimezone(UTC)


def price(day: date, start: str, end: str, bands: tuple[PriceBand, ...] = BANDS) -> int:
    return quote(at(day, start), at(day, end), BASE, bands, MSK)


class TestQuote:
    @pytest.mark.parametrize(
        ("day", "start", "end", "expected"),
        [
            (MONDAY, "10:00", "11:00", 150_000),
            (MONDAY, "10:00", "12:30", 375_000),
            (MONDAY, "18:00", "19:00", 200_000),  # evening band
            (MONDAY, "17:00", "19:00", 350_000),  # straddles the band boundary
            (MONDAY, "17:45", "18:15", 87_500),  # one cell each side
            (MONDAY, "22:00", "24:00", 400_000),  # the band runs to midnight
            (SATURDAY, "10:00", "11:00", 250_000),  # weekend band
            (SATURDAY, "18:00", "19:00", 250_000),  # evening band is weekdays only
        ],
    )
    def test_bands(self, day: date, start: str, end: str, expected: int) -> None:
        if end == "24:00":
            stop = at(day + timedelta(days=1), "00:00")
            assert quote(at(day, start), stop, BASE, BANDS, MSK) == expected
        else:
            assert price(day, start, end) == expected

    def test_weekday_boundary_at_midnight(self) -> None:
        """Friday 23:00 to Saturday 01:00: one evening hour, then one weekend hour."""
        friday = date(2026, 12, 4)
        total = quote(at(friday, "23:00"), at(SATURDAY, "01:00"), BASE, BANDS, MSK)
        assert total == 200_000 + 250_000

    def test_first_covering_band_wins(self) -> None:
        cheap_first = (PriceBand(frozenset({0}), 600, 720, 100_000), EVENING)
        assert price(MONDAY, "10:00", "11:00", cheap_first) == 100_000
        overlapping = (
            PriceBand(frozenset({0}), 17 * 60, 19 * 60, 300_000),
            EVENING,
        )
        assert price(MONDAY, "18:00", "19:00", overlapping) == 300_000

    def test_bands_use_local_time(self) -> None:
        """18:00 in Moscow is 15:00 UTC; the evening rate applies by the studio's clock."""
        start = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
        assert quote(start, start + timedelta(hours=1), BASE, BANDS, MSK) == 200_000
        assert quote(start, start + timedelta(hours=1), BASE, BANDS, ZoneInfo("UTC")) == BASE

    def test_bands_follow_dst(self) -> None:
        """The same UTC hour is evening in New York in summer and not in winter."""
        summer = datetime(2026, 7, 6, 22, 0, tzinfo=UTC)  # 18:00 EDT, Monday
        winter = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)  # 17:00 EST, Monday
        hour = timedelta(hours=1)
        assert quote(summer, summer + hour, BASE, BANDS, NY) == 200_000
        assert quote(winter, winter + hour, BASE, BANDS, NY) == BASE

    def test_cells_are_counted_in_real_time_across_dst(self) -> None:
        spring = date(2026, 3, 8)
        start, end = at(spring, "01:00", NY), at(spring, "04:00", NY)  # two real hours
        assert quote(start, end, BASE, (), NY) == 2 * BASE

    @pytest.mark.parametrize(
        ("hourly", "minutes", "expected"),
        [
            (1_001, 15, 250),  # 250.25 rounds down
            (1_002, 15, 251),  # 250.5 rounds half up
            (1_003, 15, 251),  # 250.75 rounds up
            (1, 30, 1),  # half a kopeck rounds up
            (1, 15, 0),  # a quarter kopeck rounds down
            (0, 60, 0),
        ],
    )
    def test_rounding_half_up(self, hourly: int, minutes: int, expected: int) -> None:
        start = at(MONDAY, "10:00")
        assert quote(start, start + timedelta(minutes=minutes), hourly, (), MSK) == expected

    def test_rounding_happens_once_on_the_total(self) -> None:
        """Four 15-minute cells at 1001/h are 1001, not 4 * round(250.25) = 1000."""
        start = at(MONDAY, "10:00")
        assert quote(start, start + timedelta(hours=1), 1_001, (), MSK) == 1_001

    def test_other_step(self) -> None:
        start = at(MONDAY, "17:30")
        total = quote(start, start + timedelta(hours=1), BASE, BANDS, MSK, step_minutes=30)
        assert total == 175_000

    @pytest.mark.parametrize(
        ("start", "end", "code"),
        [
            (datetime(2026, 11, 30, 10, 0), at(MONDAY, "11:00"), "naive_datetime"),
            (at(MONDAY, "11:00"), at(MONDAY, "11:00"), "end_before_start"),
            (at(MONDAY, "11:00"), at(MONDAY, "10:00"), "end_before_start"),
            (at(MONDAY, "10:00"), at(MONDAY, "11:10"), "bad_length"),
        ],
    )
    def test_bad_input(self, start: datetime, end: datetime, code: str) -> None:
        with pytest.raises(BookingRuleError) as caught:
            quote(start, end, BASE, BANDS, MSK)
        assert caught.value.code == code

    @settings(max_examples=60, deadline=None, database=None)
    @given(
        st.integers(0, 500_000),
        st.integers(0, 48),
        st.integers(1, 48),
    )
    def test_no_bands_is_base_times_hours(self, hourly: int, offset: int, cells: int) -> None:
        start = at(MONDAY, "00:00") + timedelta(minutes=15 * offset)
        total = quote(start, start + timedelta(minutes=15 * cells), hourly, (), MSK)
        assert total == (hourly * cells * 15 * 2 + 60) // 120


class TestPriceBand:
    @pytest.mark.parametrize(
        ("weekdays", "start", "end", "hourly"),
        [
            (frozenset(), 0, 60, 100),
            (frozenset({7}), 0, 60, 100),
            (frozenset({-1}), 0, 60, 100),
            (frozenset({0}), 60, 60, 100),
            (frozenset({0}), -1, 60, 100),
            (frozenset({0}), 0, 1441, 100),
            (frozenset({0}), 0, 60, -1),
        ],
    )
    def test_invalid(self, weekdays: frozenset[int], start: int, end: int, hourly: int) -> None:
        with pytest.raises(ValueError):
            PriceBand(weekdays, start, end, hourly)

    def test_covers(self) -> None:
        assert EVENING.covers(0, 18 * 60)
        assert EVENING.covers(4, 23 * 60 + 45)
        assert not EVENING.covers(0, 18 * 60 - 1)
        assert not EVENING.covers(5, 19 * 60)


class TestPrepayment:
    @pytest.mark.parametrize(
        ("total", "percent", "expected"),
        [
            (150_000, 50, 75_000),
            (150_050, 50, 75_100),  # 750.25 rubles rounds up to 751
            (150_100, 50, 75_100),  # 750.50 rubles -> 751
            (150_000, 30, 45_000),
            (99_999, 1, 1_000),  # 9.9999 rubles -> 10
            (150_050, 100, 150_050),  # 100 % is the total, kopecks included
            (150_099, 99, 148_600),
            (50, 50, 50),  # rounding up never exceeds the total
            (0, 50, 0),
            (100, 1, 100),
        ],
    )
    def test_amounts(self, total: int, percent: int, expected: int) -> None:
        assert prepayment_amount(total, percent) == expected

    @pytest.mark.parametrize("percent", [0, -5, 101])
    def test_percent_range(self, percent: int) -> None:
        with pytest.raises(ValueError, match="percent"):
            prepayment_amount(150_000, percent)

    def test_negative_total(self) -> None:
        with pytest.raises(ValueError):
            prepayment_amount(-1, 50)

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.integers(0, 10**9), st.integers(1, 100))
    def test_properties(self, total: int, percent: int) -> None:
        amount = prepayment_amount(total, percent)
        exact_times_100 = total * percent
        assert amount <= total
        assert amount * 100 >= exact_times_100 or amount == total
        assert amount * 100 - exact_times_100 < 100 * 100
        assert amount % 100 == 0 or amount == total
