"""Refund tiers: parsing and formatting the recorded policy, and refunds at the boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.domain import (
    DEFAULT_TIERS,
    RefundTier,
    format_tiers,
    parse_tiers,
    refund_amount,
    refund_percent,
)

START = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


def before(**delta: float) -> datetime:
    """The moment that long before the session starts."""
    return START - timedelta(**delta)


class TestParse:
    def test_default_text(self) -> None:
        assert parse_tiers("48:100,24:50,0:0") == DEFAULT_TIERS

    def test_sorted_by_hours_descending(self) -> None:
        assert parse_tiers("0:0,48:100,24:50") == DEFAULT_TIERS

    def test_spaces_are_allowed(self) -> None:
        assert parse_tiers(" 48 : 100 , 24:50,  0:0 ") == DEFAULT_TIERS

    def test_single_tier(self) -> None:
        assert parse_tiers("72:100") == (RefundTier(72, 100),)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "48",
            "48:",
            ":100",
            "48:100,",
            "48:100,,0:0",
            "48:100;24:50",
            "48-100",
            "a:b",
            "48:100:1",
            "-1:50",
            "48:-1",
            "48:101",
            "4.5:50",
            "+48:100",
            "48:100,48:50",  # the same hours twice
            "٤٨:100",  # only ASCII digits
        ],
    )
    def test_bad_text(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_tiers(text)


class TestFormat:
    def test_default(self) -> None:
        assert format_tiers(DEFAULT_TIERS) == "48:100,24:50,0:0"

    def test_sorts(self) -> None:
        assert format_tiers([RefundTier(0, 0), RefundTier(24, 50)]) == "24:50,0:0"

    def test_empty_is_rejected(self) -> None:
        with pytest.raises(ValueError):
            format_tiers([])

    @settings(max_examples=100, deadline=None, database=None)
    @given(st.dictionaries(st.integers(0, 10_000), st.integers(0, 100), min_size=1, max_size=6))
    def test_round_trip(self, table: dict[int, int]) -> None:
        tiers = [RefundTier(hours, percent) for hours, percent in table.items()]
        parsed = parse_tiers(format_tiers(tiers))
        assert parsed == tuple(sorted(tiers, key=lambda t: t.min_hours_before, reverse=True))
        assert format_tiers(parsed) == format_tiers(tiers)


class TestRefundTier:
    @pytest.mark.parametrize(("hours", "percent"), [(-1, 0), (0, -1), (0, 101)])
    def test_invalid(self, hours: int, percent: int) -> None:
        with pytest.raises(ValueError):
            RefundTier(hours, percent)


class TestRefundPercent:
    @pytest.mark.parametrize(
        ("now", "percent"),
        [
            (before(days=30), 100),
            (before(hours=48), 100),  # exactly 48 h: the 48 h tier applies
            (before(hours=48) + timedelta(microseconds=1), 50),
            (before(hours=24, minutes=1), 50),
            (before(hours=24), 50),  # exactly 24 h
            (before(hours=24) + timedelta(seconds=1), 0),
            (before(minutes=1), 0),
            (START, 0),  # the session has begun
            (START + timedelta(hours=1), 0),
        ],
    )
    def test_default_tiers(self, now: datetime, percent: int) -> None:
        assert refund_percent(DEFAULT_TIERS, START, now) == percent

    def test_no_zero_tier_means_nothing_late(self) -> None:
        tiers = parse_tiers("72:100,24:30")
        assert refund_percent(tiers, START, before(hours=25)) == 30
        assert refund_percent(tiers, START, before(hours=23)) == 0

    def test_a_zero_hour_tier_pays_until_the_start_but_not_after(self) -> None:
        tiers = parse_tiers("0:20")
        assert refund_percent(tiers, START, before(seconds=1)) == 20
        assert refund_percent(tiers, START, START) == 0

    def test_unsorted_tiers_are_read_most_notice_first(self) -> None:
        tiers = [RefundTier(0, 0), RefundTier(24, 50), RefundTier(48, 100)]
        assert refund_percent(tiers, START, before(hours=50)) == 100

    def test_other_zones_give_the_same_answer(self) -> None:
        now = before(hours=30).astimezone(ZoneInfo("Europe/Moscow"))
        assert refund_percent(DEFAULT_TIERS, START, now) == 50


class TestRefundAmount:
    @pytest.mark.parametrize(
        ("paid", "now", "expected"),
        [
            (150_000, before(hours=72), 150_000),
            (150_000, before(hours=30), 75_000),
            (150_001, before(hours=30), 75_000),  # 75 000.5 kopecks rounds down
            (150_000, before(hours=2), 0),
            (0, before(hours=72), 0),
        ],
    )
    def test_amounts(self, paid: int, now: datetime, expected: int) -> None:
        assert refund_amount(paid, DEFAULT_TIERS, START, now) == expected

    def test_odd_percent_rounds_down(self) -> None:
        tiers = parse_tiers("0:33")
        assert refund_amount(100, tiers, START, before(hours=1)) == 33
        assert refund_amount(101, tiers, START, before(hours=1)) == 33

    def test_negative_paid(self) -> None:
        with pytest.raises(ValueError):
            refund_amount(-1, DEFAULT_TIERS, START, before(hours=72))

    @settings(max_examples=100, deadline=None, database=None)
    @given(st.integers(0, 10**9), st.integers(-100, 100 * 3600))
    def test_never_more_than_paid(self, paid: int, seconds_before: int) -> None:
        refund = refund_amount(paid, DEFAULT_TIERS, START, before(seconds=seconds_before))
        assert 0 <= refund <= paid
