"""Calendar rules: opening hours, the local grid, buffers, closures, notice, horizon and DST."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.domain import (
    BookingRuleError,
    BookingWindow,
    DayHours,
    DomainError,
    HallCalendar,
    Interval,
    SlotTakenError,
    availability,
    blocked_interval,
    day_availability,
    fitting_durations,
    is_on_grid,
    opening_interval,
    validate_booking,
)
from booking.domain.calendar import check_bounds

MSK = ZoneInfo("Europe/Moscow")
NY = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST shifts by 30 minutes
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30, so local hours are not UTC hours

TUESDAY = date(2026, 12, 1)
SATURDAY = date(2026, 12, 5)
NY_SPRING = date(2026, 3, 8)  # 02:00 -> 03:00, a 23-hour day
NY_FALL = date(2026, 11, 1)  # 02:00 -> 01:00, a 25-hour day

WEEK_10_22 = {weekday: DayHours(10 * 60, 22 * 60) for weekday in range(7)}
HALL = HallCalendar(min_minutes=60, buffer_minutes=15, hours=WEEK_10_22)
WINDOW = BookingWindow(tz=MSK, min_notice=timedelta(hours=2), horizon_days=30)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=MSK).astimezone(UTC)  # Tuesday 09:00 Moscow


def at(day: date, hhmm: str, tz: ZoneInfo = MSK, fold: int = 0) -> datetime:
    """The UTC instant of a local wall time."""
    hours, minutes = map(int, hhmm.split(":"))
    wall = datetime.combine(day, time(hours, minutes), tzinfo=tz).replace(fold=fold)
    return wall.astimezone(UTC)


def span(day: date, start: str, end: str, tz: ZoneInfo = MSK) -> Interval:
    end_day = day + timedelta(days=1) if end == "24:00" else day
    return Interval(at(day, start, tz), at(end_day, "00:00" if end == "24:00" else end, tz))


def check(
    start: datetime,
    end: datetime,
    *,
    hall: HallCalendar = HALL,
    window: BookingWindow = WINDOW,
    busy: Sequence[Interval] = (),
    closures: Sequence[Interval] = (),
    now: datetime = NOW,
) -> str | None:
    """The code validate_booking raises, or None when the booking is fine."""
    try:
        validate_booking(start, end, hall, window, busy, closures, now)
    except DomainError as error:
        return error.code
    return None


def local_hhmm(moment: datetime, tz: ZoneInfo = MSK) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


# --------------------------------------------------------------------------- value types


class TestInterval:
    def test_back_to_back_intervals_do_not_overlap(self) -> None:
        assert not span(TUESDAY, "10:00", "11:00").overlaps(span(TUESDAY, "11:00", "12:00"))

    @pytest.mark.parametrize(
        ("other", "expected"),
        [
            (("09:00", "10:01"), True),
            (("10:30", "10:45"), True),
            (("10:59", "12:00"), True),
            (("09:00", "10:00"), False),
            (("11:00", "11:30"), False),
            (("10:30", "10:30"), False),  # empty
        ],
    )
    def test_overlaps(self, other: tuple[str, str], expected: bool) -> None:
        booking = span(TUESDAY, "10:00", "11:00")
        assert booking.overlaps(span(TUESDAY, *other)) is expected
        assert span(TUESDAY, *other).overlaps(booking) is expected

    def test_minutes(self) -> None:
        assert span(TUESDAY, "10:00", "11:45").minutes == 105

    def test_is_frozen(self) -> None:
        interval = span(TUESDAY, "10:00", "11:00")
        with pytest.raises(AttributeError):
            interval.start = NOW  # type: ignore[misc]


class TestConfiguration:
    @pytest.mark.parametrize(("open_minute", "close_minute"), [(0, 1440), (600, 601), (0, 1)])
    def test_valid_hours(self, open_minute: int, close_minute: int) -> None:
        DayHours(open_minute, close_minute)

    @pytest.mark.parametrize(
        ("open_minute", "close_minute"), [(600, 600), (700, 600), (-15, 600), (600, 1441)]
    )
    def test_invalid_hours(self, open_minute: int, close_minute: int) -> None:
        with pytest.raises(ValueError, match="opening hours"):
            DayHours(open_minute, close_minute)

    @pytest.mark.parametrize(
        ("min_minutes", "buffer_minutes", "hours"),
        [
            (0, 0, {}),
            (50, 0, {}),
            (60, -15, {}),
            (60, 10, {}),
            (60, 0, {7: DayHours(600, 700)}),
        ],
    )
    def test_invalid_hall(
        self, min_minutes: int, buffer_minutes: int, hours: dict[int, DayHours]
    ) -> None:
        with pytest.raises(ValueError):
            HallCalendar(min_minutes, buffer_minutes, hours)

    @pytest.mark.parametrize(
        ("notice", "horizon", "step"),
        [(timedelta(minutes=-1), 30, 15), (timedelta(0), -1, 15), (timedelta(0), 30, 7)],
    )
    def test_invalid_window(self, notice: timedelta, horizon: int, step: int) -> None:
        with pytest.raises(ValueError):
            BookingWindow(MSK, notice, horizon, step)

    def test_blocked_interval_adds_the_buffer(self) -> None:
        assert blocked_interval(at(TUESDAY, "10:00"), at(TUESDAY, "11:00"), 15) == span(
            TUESDAY, "10:00", "11:15"
        )

    def test_blocked_interval_tolerates_inverted_input(self) -> None:
        """The hold use case builds it before validation names the problem."""
        inverted = blocked_interval(at(TUESDAY, "11:00"), at(TUESDAY, "10:00"), 0)
        assert not inverted.overlaps(span(TUESDAY, "00:00", "24:00"))


# --------------------------------------------------------------------------- validate_booking


class TestRuleCodes:
    """One row per rule: the smallest input that breaks it, and nothing before it."""

    @pytest.mark.parametrize(
        ("start", "end", "code"),
        [
            (datetime(2026, 12, 2, 12, 0), at(date(2026, 12, 2), "13:00"), "naive_datetime"),
            (at(date(2026, 12, 2), "12:00"), datetime(2026, 12, 2, 13, 0), "naive_datetime"),
            (at(date(2026, 12, 2), "12:00"), at(date(2026, 12, 2), "12:00"), "end_before_start"),
            (at(date(2026, 12, 2), "12:00"), at(date(2026, 12, 2), "11:00"), "end_before_start"),
            (at(date(2026, 12, 2), "12:05"), at(date(2026, 12, 2), "13:05"), "off_grid"),
            (at(date(2026, 12, 2), "12:10"), at(date(2026, 12, 2), "13:10"), "off_grid"),
            (
                at(date(2026, 12, 2), "12:00") + timedelta(seconds=30),
                at(date(2026, 12, 2), "13:00"),
                "off_grid",
            ),
            (
                at(date(2026, 12, 2), "12:00") + timedelta(microseconds=1),
                at(date(2026, 12, 2), "13:00"),
                "off_grid",
            ),
            (at(date(2026, 12, 2), "12:00"), at(date(2026, 12, 2), "13:10"), "bad_length"),
            (
                at(date(2026, 12, 2), "12:00"),
                at(date(2026, 12, 2), "13:00") + timedelta(seconds=1),
                "bad_length",
            ),
            (at(date(2026, 12, 2), "12:00"), at(date(2026, 12, 2), "12:45"), "too_short"),
            (at(TUESDAY, "08:00"), at(TUESDAY, "09:00"), "in_past"),
            (at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), "in_past"),  # exactly now
            (at(TUESDAY, "10:45"), at(TUESDAY, "11:45"), "too_soon"),
            (at(date(2027, 1, 1), "12:00"), at(date(2027, 1, 1), "13:00"), "beyond_horizon"),
            (at(date(2026, 12, 2), "09:00"), at(date(2026, 12, 2), "10:00"), "outside_hours"),
            (at(date(2026, 12, 2), "21:30"), at(date(2026, 12, 2), "22:30"), "outside_hours"),
        ],
    )
    def test_code(self, start: datetime, end: datetime, code: str) -> None:
        assert check(start, end) == code

    def test_rule_errors_are_booking_rule_errors_with_a_sentence(self) -> None:
        with pytest.raises(BookingRuleError) as caught:
            validate_booking(at(TUESDAY, "10:45"), at(TUESDAY, "11:45"), HALL, WINDOW, [], [], NOW)
        assert caught.value.code == "too_soon"
        assert caught.value.message == "Bookings must be made at least 2 hours in advance."

    @pytest.mark.parametrize(
        ("hall", "message"),
        [
            (HallCalendar(60, 0, WEEK_10_22), "at least 1 hour."),
            (HallCalendar(90, 0, WEEK_10_22), "at least 90 minutes."),
        ],
    )
    def test_too_short_message_names_the_minimum(self, hall: HallCalendar, message: str) -> None:
        day = date(2026, 12, 2)
        with pytest.raises(BookingRuleError, match=message):
            validate_booking(at(day, "12:00"), at(day, "12:30"), hall, WINDOW, [], [], NOW)

    def test_closed_weekday_is_outside_hours(self) -> None:
        weekdays_only = HallCalendar(60, 15, {day: DayHours(600, 1320) for day in range(5)})
        assert check(at(SATURDAY, "12:00"), at(SATURDAY, "13:00"), hall=weekdays_only) == (
            "outside_hours"
        )

    def test_a_valid_booking_passes(self) -> None:
        assert check(at(TUESDAY, "11:00"), at(TUESDAY, "12:00")) is None

    def test_aware_non_utc_input_is_accepted(self) -> None:
        start = datetime(2026, 12, 2, 12, 0, tzinfo=MSK)
        assert check(start, start + timedelta(hours=2)) is None

    def test_naive_now_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="now"):
            check(at(TUESDAY, "12:00"), at(TUESDAY, "13:00"), now=datetime(2026, 12, 1, 6, 0))


class TestRuleOrder:
    @pytest.mark.parametrize(
        ("start", "end", "code"),
        [
            # off grid and too short: the grid comes first
            (at(date(2026, 12, 2), "12:05"), at(date(2026, 12, 2), "12:20"), "off_grid"),
            # bad length and too short
            (at(date(2026, 12, 2), "12:00"), at(date(2026, 12, 2), "12:10"), "bad_length"),
            # in the past and outside hours
            (at(TUESDAY, "07:00"), at(TUESDAY, "08:00"), "in_past"),
            # too soon and closed by a closure
            (at(TUESDAY, "10:00"), at(TUESDAY, "11:00"), "too_soon"),
            # outside hours and overlapping a closure and a booking
            (at(date(2026, 12, 2), "21:00"), at(date(2026, 12, 2), "23:00"), "outside_hours"),
            # closed and taken: closed wins
            (at(date(2026, 12, 2), "13:00"), at(date(2026, 12, 2), "14:00"), "closed"),
        ],
    )
    def test_first_broken_rule_wins(self, start: datetime, end: datetime, code: str) -> None:
        day = date(2026, 12, 2)
        closures = [span(TUESDAY, "10:00", "11:00"), span(day, "13:30", "23:00")]
        busy = [span(day, "13:00", "23:30")]
        assert check(start, end, busy=busy, closures=closures) == code

    def test_slot_taken_is_its_own_error(self) -> None:
        day = date(2026, 12, 2)
        with pytest.raises(SlotTakenError) as caught:
            validate_booking(
                at(day, "12:00"),
                at(day, "13:00"),
                HALL,
                WINDOW,
                [span(day, "12:30", "13:45")],
                [],
                NOW,
            )
        assert caught.value.code == "slot_taken"
        assert not isinstance(caught.value, BookingRuleError)


class TestGrid:
    @pytest.mark.parametrize(
        ("hhmm", "on_grid"),
        [("10:00", True), ("10:15", True), ("10:45", True), ("10:01", False), ("10:20", False)],
    )
    def test_moscow_grid(self, hhmm: str, on_grid: bool) -> None:
        assert is_on_grid(at(TUESDAY, hhmm), MSK) is on_grid

    def test_grid_is_local_not_utc(self) -> None:
        """In Kolkata (+05:30) an hourly grid sits on UTC half hours."""
        local_ten = at(TUESDAY, "10:00", KOLKATA)
        assert local_ten.minute == 30
        assert is_on_grid(local_ten, KOLKATA, 60)
        assert not is_on_grid(local_ten.replace(minute=0), KOLKATA, 60)

    def test_hourly_grid_in_kolkata(self) -> None:
        window = BookingWindow(KOLKATA, timedelta(0), 30, step_minutes=60)
        hall = HallCalendar(60, 0, WEEK_10_22)
        day = day_availability(date(2026, 12, 2), hall, window, [], [], NOW)
        assert [local_hhmm(s, KOLKATA) for s in day.starts] == [
            f"{hour:02d}:00" for hour in range(10, 22)
        ]

    def test_off_grid_opening_starts_at_the_next_grid_point(self) -> None:
        hall = HallCalendar(60, 0, {1: DayHours(10 * 60 + 5, 12 * 60)})
        day = day_availability(date(2026, 12, 8), hall, WINDOW, [], [], NOW)
        assert [local_hhmm(s) for s in day.starts] == ["10:15", "10:30", "10:45", "11:00"]
        assert check(at(date(2026, 12, 8), "10:00"), at(date(2026, 12, 8), "11:00"), hall=hall)


# --------------------------------------------------------------------------- buffers, hours


class TestBuffers:
    DAY = date(2026, 12, 2)

    def test_buffer_after_an_existing_booking(self) -> None:
        """A booking ending 11:00 with a 15-minute buffer blocks 11:00 but allows 11:15."""
        busy = [blocked_interval(at(self.DAY, "10:00"), at(self.DAY, "11:00"), 15)]
        assert check(at(self.DAY, "11:00"), at(self.DAY, "12:00"), busy=busy) == "slot_taken"
        assert check(at(self.DAY, "11:15"), at(self.DAY, "12:15"), busy=busy) is None
        starts = day_availability(self.DAY, HALL, WINDOW, busy, [], NOW).starts
        assert [local_hhmm(s) for s in starts][:2] == ["11:15", "11:30"]

    def test_own_buffer_must_not_reach_the_next_booking(self) -> None:
        busy = [span(self.DAY, "14:00", "15:15")]
        assert check(at(self.DAY, "12:00"), at(self.DAY, "13:45"), busy=busy) is None
        assert check(at(self.DAY, "12:00"), at(self.DAY, "14:00"), busy=busy) == "slot_taken"
        starts = [
            local_hhmm(s) for s in day_availability(self.DAY, HALL, WINDOW, busy, [], NOW).starts
        ]
        assert "12:45" in starts
        assert "13:00" not in starts  # 13:00-14:00 plus cleaning reaches 14:15

    def test_buffer_may_run_past_closing(self) -> None:
        assert check(at(self.DAY, "21:00"), at(self.DAY, "22:00")) is None
        starts = day_availability(self.DAY, HALL, WINDOW, [], [], NOW).starts
        assert local_hhmm(starts[-1]) == "21:00"

    def test_buffer_may_run_into_a_closure(self) -> None:
        closures = [span(self.DAY, "13:00", "15:00")]
        assert check(at(self.DAY, "12:00"), at(self.DAY, "13:00"), closures=closures) is None
        assert check(at(self.DAY, "12:00"), at(self.DAY, "13:15"), closures=closures) == "closed"

    def test_buffer_may_not_run_into_a_booking_after_closing(self) -> None:
        late = HallCalendar(60, 30, {2: DayHours(600, 1320)})
        busy = [span(self.DAY, "22:15", "23:00")]  # e.g. an admin's block
        assert check(at(self.DAY, "21:00"), at(self.DAY, "22:00"), hall=late, busy=busy) == (
            "slot_taken"
        )
        starts = day_availability(self.DAY, late, WINDOW, busy, [], NOW).starts
        assert local_hhmm(starts[-1]) == "20:45"

    def test_zero_buffer_allows_back_to_back(self) -> None:
        hall = HallCalendar(60, 0, WEEK_10_22)
        busy = [span(self.DAY, "10:00", "11:00")]
        assert check(at(self.DAY, "11:00"), at(self.DAY, "12:00"), hall=hall, busy=busy) is None


class TestOpeningHours:
    def test_opening_interval_is_utc(self) -> None:
        assert opening_interval(TUESDAY, HALL, MSK) == Interval(
            datetime(2026, 12, 1, 7, 0, tzinfo=UTC), datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
        )

    def test_missing_weekday_is_closed(self) -> None:
        hall = HallCalendar(60, 0, {0: DayHours(600, 1200)})
        assert opening_interval(TUESDAY, hall, MSK) is None
        day = day_availability(TUESDAY, hall, WINDOW, [], [], NOW)
        assert (day.open, day.close, day.starts, day.free) == (None, None, [], [])

    def test_close_at_1440_allows_ending_at_midnight(self) -> None:
        hall = HallCalendar(60, 15, {2: DayHours(20 * 60, 1440)})
        day = date(2026, 12, 2)
        midnight = at(date(2026, 12, 3), "00:00")
        assert opening_interval(day, hall, MSK) == Interval(at(day, "20:00"), midnight)
        assert check(at(day, "23:00"), midnight, hall=hall) is None
        assert check(at(day, "23:00"), midnight + timedelta(minutes=15), hall=hall) == (
            "outside_hours"
        )
        availability_ = day_availability(day, hall, WINDOW, [], [], NOW)
        assert local_hhmm(availability_.starts[-1]) == "23:00"
        assert availability_.free == [Interval(at(day, "20:00"), midnight)]
        assert fitting_durations(at(day, "22:00"), hall, WINDOW, [], [], NOW) == [
            60,
            75,
            90,
            105,
            120,
        ]

    def test_a_booking_never_spans_two_days(self) -> None:
        all_day = HallCalendar(60, 0, {day: DayHours(0, 1440) for day in range(7)})
        day = date(2026, 12, 2)
        assert check(at(day, "23:30"), at(date(2026, 12, 3), "00:30"), hall=all_day) == (
            "outside_hours"
        )
        assert fitting_durations(at(day, "23:00"), all_day, WINDOW, [], [], NOW) == [60]

    def test_starts_fit_the_minimum_before_closing(self) -> None:
        day = day_availability(date(2026, 12, 2), HALL, WINDOW, [], [], NOW)
        hhmm = [local_hhmm(s) for s in day.starts]
        assert hhmm[0] == "10:00"
        assert hhmm[-1] == "21:00"
        assert len(hhmm) == 45
        assert day.open == at(date(2026, 12, 2), "10:00")
        assert day.close == at(date(2026, 12, 2), "22:00")


class TestClosures:
    DAY = date(2026, 12, 2)

    def test_closure_for_part_of_a_day(self) -> None:
        closures = [span(self.DAY, "13:00", "15:00")]
        day = day_availability(self.DAY, HALL, WINDOW, [], closures, NOW)
        hhmm = [local_hhmm(s) for s in day.starts]
        assert "12:00" in hhmm
        assert "12:15" not in hhmm  # 12:15-13:15 would run into the closure
        assert "14:45" not in hhmm
        assert "15:00" in hhmm
        assert day.free == [span(self.DAY, "10:00", "13:00"), span(self.DAY, "15:00", "22:00")]
        assert check(at(self.DAY, "14:00"), at(self.DAY, "16:00"), closures=closures) == "closed"

    def test_closure_across_several_days(self) -> None:
        closures = [Interval(at(self.DAY, "18:00"), at(date(2026, 12, 4), "12:00"))]
        days = availability(self.DAY, date(2026, 12, 4), HALL, WINDOW, [], closures, NOW)
        assert local_hhmm(days[0].starts[-1]) == "17:00"
        assert days[1].starts == []
        assert days[1].free == []
        assert local_hhmm(days[2].starts[0]) == "12:00"

    def test_full_means_a_booking_letting_go_would_free_a_start(self) -> None:
        """Booked from opening to closing: full (the waitlist takes it); the same day
        closed all day, or booked where a closure leaves no room: not full."""
        booked = [span(self.DAY, "10:00", "22:00")]
        assert day_availability(self.DAY, HALL, WINDOW, booked, [], NOW).full
        closed = [span(self.DAY, "00:00", "23:59")]
        assert not day_availability(self.DAY, HALL, WINDOW, [], closed, NOW).full
        assert not day_availability(self.DAY, HALL, WINDOW, booked, closed, NOW).full
        part = [span(self.DAY, "10:00", "13:00")]
        assert day_availability(self.DAY, HALL, WINDOW, booked, part, NOW).full
        assert not day_availability(self.DAY, HALL, WINDOW, [], part, NOW).full  # starts free

    def test_closure_outside_hours_changes_nothing(self) -> None:
        closures = [span(self.DAY, "06:00", "10:00"), span(self.DAY, "22:00", "23:00")]
        with_closures = day_availability(self.DAY, HALL, WINDOW, [], closures, NOW)
        assert with_closures == day_availability(self.DAY, HALL, WINDOW, [], [], NOW)


class TestNoticeAndHorizon:
    def test_min_notice_today(self) -> None:
        day = day_availability(TUESDAY, HALL, WINDOW, [], [], NOW)
        assert local_hhmm(day.starts[0]) == "11:00"
        assert day.free[0].start == at(TUESDAY, "11:00")

    def test_notice_rounds_up_to_the_grid(self) -> None:
        now = at(TUESDAY, "09:07") + timedelta(seconds=13)
        day = day_availability(TUESDAY, HALL, WINDOW, [], [], now)
        assert local_hhmm(day.starts[0]) == "11:15"
        assert check(at(TUESDAY, "11:00"), at(TUESDAY, "12:00"), now=now) == "too_soon"
        assert check(at(TUESDAY, "11:15"), at(TUESDAY, "12:15"), now=now) is None

    def test_zero_notice_excludes_now_itself(self) -> None:
        window = BookingWindow(MSK, timedelta(0), 30)
        now = at(TUESDAY, "12:00")
        day = day_availability(TUESDAY, HALL, window, [], [], now)
        assert local_hhmm(day.starts[0]) == "12:15"

    def test_past_days_offer_nothing(self) -> None:
        day = day_availability(date(2026, 11, 30), HALL, WINDOW, [], [], NOW)
        assert day.open is not None
        assert (day.starts, day.free) == ([], [])

    def test_horizon_is_inclusive(self) -> None:
        last = TUESDAY + timedelta(days=30)
        after = last + timedelta(days=1)
        days = availability(last, after, HALL, WINDOW, [], [], NOW)
        assert len(days[0].starts) == 45
        assert days[1].starts == []
        assert days[1].free == []
        assert days[1].open == at(after, "10:00")
        assert check(at(last, "21:00"), at(last, "22:00")) is None
        assert check(at(after, "10:00"), at(after, "11:00")) == "beyond_horizon"

    def test_horizon_counts_local_dates(self) -> None:
        """At 01:00 Moscow it is still the previous day in UTC; the local date counts."""
        now = at(TUESDAY, "01:00")
        assert now.date() == date(2026, 11, 30)
        window = BookingWindow(MSK, timedelta(0), 1)
        wednesday = date(2026, 12, 2)
        assert (
            check(at(wednesday, "21:00"), at(wednesday, "22:00"), window=window, now=now) is None
        )
        assert day_availability(wednesday, HALL, window, [], [], now).starts


# --------------------------------------------------------------------------- free time, durations


class TestFreeAndDurations:
    DAY = date(2026, 12, 2)

    def test_free_is_hours_minus_busy(self) -> None:
        busy = [span(self.DAY, "12:00", "13:15"), span(self.DAY, "13:15", "14:15")]
        day = day_availability(self.DAY, HALL, WINDOW, busy, [], NOW)
        assert day.free == [span(self.DAY, "10:00", "12:00"), span(self.DAY, "14:15", "22:00")]
        hhmm = [local_hhmm(s) for s in day.starts]
        assert hhmm[-1] == "21:00"
        assert "10:45" in hhmm
        assert "11:00" not in hhmm  # 11:00-12:00 plus cleaning reaches 12:15

    def test_fitting_durations_stop_before_the_next_booking_and_its_own_buffer(self) -> None:
        busy = [span(self.DAY, "14:00", "15:15")]
        lengths = fitting_durations(at(self.DAY, "12:00"), HALL, WINDOW, busy, [], NOW)
        assert lengths == [60, 75, 90, 105]

    def test_fitting_durations_stop_at_a_closure_and_at_closing(self) -> None:
        closures = [span(self.DAY, "20:00", "21:00")]
        assert fitting_durations(at(self.DAY, "18:00"), HALL, WINDOW, [], closures, NOW) == [
            60,
            75,
            90,
            105,
            120,
        ]
        assert fitting_durations(at(self.DAY, "21:00"), HALL, WINDOW, [], [], NOW) == [60]

    def test_fitting_durations_are_capped(self) -> None:
        lengths = fitting_durations(at(self.DAY, "10:00"), HALL, WINDOW, [], [], NOW, 180)
        assert lengths == list(range(60, 181, 15))
        assert fitting_durations(at(self.DAY, "10:00"), HALL, WINDOW, [], [], NOW, 45) == []

    @pytest.mark.parametrize(
        "start",
        [
            at(date(2026, 12, 2), "12:05"),  # off grid
            at(date(2026, 12, 2), "21:15"),  # minimum does not fit before closing
            at(TUESDAY, "10:00"),  # too soon
            datetime(2026, 12, 2, 12, 0),  # naive
        ],
    )
    def test_no_durations_for_an_unbookable_start(self, start: datetime) -> None:
        assert fitting_durations(start, HALL, WINDOW, [], [], NOW) == []

    def test_fitting_durations_when_taken(self) -> None:
        busy = [span(self.DAY, "11:30", "12:30")]
        assert fitting_durations(at(self.DAY, "11:00"), HALL, WINDOW, busy, [], NOW) == []

    def test_availability_is_the_same_as_day_by_day(self) -> None:
        busy = [
            Interval(at(self.DAY, "20:00"), at(date(2026, 12, 3), "11:00")),
            span(date(2026, 12, 4), "10:00", "12:15"),
        ]
        closures = [span(date(2026, 12, 3), "15:00", "16:00")]
        days = availability(TUESDAY, date(2026, 12, 6), HALL, WINDOW, busy, closures, NOW)
        assert [d.day for d in days] == [TUESDAY + timedelta(days=i) for i in range(6)]
        for got in days:
            assert got == day_availability(got.day, HALL, WINDOW, busy, closures, NOW)

    def test_empty_range(self) -> None:
        assert availability(self.DAY, TUESDAY, HALL, WINDOW, [], [], NOW) == []


# --------------------------------------------------------------------------- DST


class TestDaylightSaving:
    """New York changes its offset; nothing may assume a fixed one."""

    ALL_DAY = HallCalendar(60, 0, {day: DayHours(0, 1440) for day in range(7)})
    WINDOW = BookingWindow(NY, timedelta(0), 365)
    NOW = datetime(2026, 1, 1, tzinfo=UTC)

    @pytest.mark.parametrize(("day", "hours"), [(NY_SPRING, 23), (NY_FALL, 25), (TUESDAY, 24)])
    def test_day_length(self, day: date, hours: int) -> None:
        opening = opening_interval(day, self.ALL_DAY, NY)
        assert opening is not None
        assert opening.end - opening.start == timedelta(hours=hours)
        free = day_availability(day, self.ALL_DAY, self.WINDOW, [], [], self.NOW).free
        assert free == [opening]

    @pytest.mark.parametrize(("day", "count"), [(NY_SPRING, 23 * 4 - 3), (NY_FALL, 25 * 4 - 3)])
    def test_starts_stay_on_the_local_grid(self, day: date, count: int) -> None:
        starts = day_availability(day, self.ALL_DAY, self.WINDOW, [], [], self.NOW).starts
        assert len(starts) == count
        assert len(set(starts)) == count
        assert starts == sorted(starts)
        for start in starts:
            local = start.astimezone(NY)
            assert local.date() == day
            assert local.minute % 15 == 0
            assert (
                check(
                    start,
                    start + timedelta(hours=1),
                    hall=self.ALL_DAY,
                    window=self.WINDOW,
                    now=self.NOW,
                )
                is None
            )

    def test_spring_forward_skips_the_missing_hour(self) -> None:
        starts = day_availability(NY_SPRING, self.ALL_DAY, self.WINDOW, [], [], self.NOW).starts
        hhmm = [local_hhmm(s, NY) for s in starts]
        assert "01:45" in hhmm
        assert "02:00" not in hhmm
        assert "02:30" not in hhmm
        assert "03:00" in hhmm
        assert hhmm.index("03:00") == hhmm.index("01:45") + 1

    def test_fall_back_offers_the_repeated_hour_twice(self) -> None:
        starts = day_availability(NY_FALL, self.ALL_DAY, self.WINDOW, [], [], self.NOW).starts
        hhmm = [local_hhmm(s, NY) for s in starts]
        assert hhmm.count("01:15") == 2
        assert hhmm.count("00:15") == 1
        first, second = (s for s in starts if local_hhmm(s, NY) == "01:15")
        assert second - first == timedelta(hours=1)

    def test_a_booking_across_the_change_is_measured_in_real_minutes(self) -> None:
        start = at(NY_SPRING, "01:00", NY)
        end = at(NY_SPRING, "03:00", NY)  # two wall hours, one real hour
        assert end - start == timedelta(hours=1)
        assert check(start, end, hall=self.ALL_DAY, window=self.WINDOW, now=self.NOW) is None
        lengths = fitting_durations(start, self.ALL_DAY, self.WINDOW, [], [], self.NOW, 24 * 60)
        assert lengths[-1] == 22 * 60  # until local midnight, 22 real hours later

    def test_evening_hours_on_a_dst_day_are_ordinary(self) -> None:
        hall = HallCalendar(60, 0, {6: DayHours(18 * 60, 22 * 60)})
        for day in (NY_SPRING, NY_FALL):
            starts = day_availability(day, hall, self.WINDOW, [], [], self.NOW).starts
            hhmm = [local_hhmm(s, NY) for s in starts]
            assert hhmm == [f"{h:02d}:{m:02d}" for h in range(18, 21) for m in (0, 15, 30, 45)] + [
                "21:00"
            ]

    def test_hours_inside_the_gap_are_closed(self) -> None:
        hall = HallCalendar(60, 0, {6: DayHours(2 * 60, 3 * 60)})
        assert opening_interval(NY_SPRING, hall, NY) is None
        day = day_availability(NY_SPRING, hall, self.WINDOW, [], [], self.NOW)
        assert (day.open, day.starts) == (None, [])

    def test_half_hour_dst_with_an_hourly_grid(self) -> None:
        """Lord Howe moves by 30 minutes, so its hourly grid shifts against UTC mid-day."""
        window = BookingWindow(LORD_HOWE, timedelta(0), 365, step_minutes=60)
        day = date(2026, 10, 4)
        starts = day_availability(day, self.ALL_DAY, window, [], [], self.NOW).starts
        hhmm = [local_hhmm(s, LORD_HOWE) for s in starts]
        assert hhmm[:3] == ["00:00", "01:00", "03:00"]  # 02:00 does not exist that night
        assert hhmm[-1] == "23:00"
        assert len(hhmm) == 23
        assert all(s.astimezone(LORD_HOWE).minute == 0 for s in starts)


# --------------------------------------------------------------------------- properties

ZONES = [MSK, NY, LORD_HOWE, KOLKATA, ZoneInfo("UTC"), ZoneInfo("Asia/Kathmandu")]
# Days near DST changes of the zones above, and an ordinary day.
DAYS = [NY_SPRING, NY_FALL, date(2026, 10, 4), date(2026, 4, 5), TUESDAY, date(2026, 3, 29)]


@dataclass(frozen=True)
class Scenario:
    day: date
    hall: HallCalendar
    window: BookingWindow
    busy: list[Interval]
    closures: list[Interval]
    now: datetime

    def args(self) -> tuple[HallCalendar, BookingWindow, list[Interval], list[Interval], datetime]:
        return self.hall, self.window, self.busy, self.closures, self.now

    @property
    def shortest(self) -> int:
        """The minimum rounded up to the step, as the calendar offers it."""
        step = self.window.step_minutes
        return -(-self.hall.min_minutes // step) * step

    def validates(self, start: datetime, minutes: int) -> bool:
        try:
            validate_booking(start, start + timedelta(minutes=minutes), *self.args())
        except DomainError:
            return False
        return True

    def grid_instants(self) -> list[datetime]:
        """Brute force: every minute of the opening hours that is on the local grid."""
        opening = opening_interval(self.day, self.hall, self.window.tz)
        if opening is None:
            return []
        found = []
        moment = opening.start
        while moment < opening.end:
            if is_on_grid(moment, self.window.tz, self.window.step_minutes):
                found.append(moment)
            moment += timedelta(minutes=1)
        return found


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Random hours, bookings, closures and clock around days with and without DST changes."""
    tz = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    open_minute = draw(st.integers(0, 1380))
    close_minute = draw(
        st.integers(open_minute + 1, 1440) | st.integers(min(open_minute + 240, 1440), 1440)
    )
    hall = HallCalendar(
        min_minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120])),
        buffer_minutes=draw(st.sampled_from([0, 15, 30])),
        hours={day.weekday(): DayHours(open_minute, close_minute)},
    )
    window = BookingWindow(
        tz=tz,
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 0, 15, 120, 24 * 60]))),
        horizon_days=draw(st.sampled_from([0, 2, 3, 3])),
        step_minutes=draw(st.sampled_from([15, 15, 30, 60, 60])),
    )
    midnight = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    precise = draw(st.booleans())  # bounds off the minute, to probe the rounding

    def intervals(max_size: int) -> list[Interval]:
        out = []
        for _ in range(draw(st.integers(0, max_size))):
            offset = timedelta(minutes=draw(st.integers(open_minute - 180, close_minute + 60)))
            if precise:
                offset += timedelta(seconds=draw(st.integers(0, 59)))
            start = midnight + offset
            out.append(Interval(start, start + timedelta(minutes=draw(st.integers(1, 300)))))
        return out

    # Mostly before the opening, sometimes on a whole minute (the "start == now" edge).
    now = midnight + timedelta(minutes=draw(st.integers(-36 * 60, open_minute + 180)))
    if draw(st.booleans()):
        now += timedelta(seconds=draw(st.integers(0, 59)), microseconds=draw(st.integers(0, 9)))
    return Scenario(day, hall, window, intervals(8), intervals(3), now)


PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_starts_are_exactly_the_bookable_grid_points(scenario: Scenario) -> None:
    starts = day_availability(scenario.day, *scenario.args()).starts
    assert starts == sorted(set(starts))
    window = scenario.window
    opening = opening_interval(scenario.day, scenario.hall, window.tz)
    for start in starts:
        assert start.tzinfo is UTC
        assert is_on_grid(start, window.tz, window.step_minutes)
        assert start.astimezone(window.tz).date() == scenario.day
        assert opening is not None
        assert opening.start <= start
        assert start + timedelta(minutes=scenario.shortest) <= opening.end
        assert scenario.validates(start, scenario.shortest)
    # Complete as well as sound: a grid point is offered exactly when it can be booked.
    bookable = [s for s in scenario.grid_instants() if scenario.validates(s, scenario.shortest)]
    assert starts == bookable


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_free_time_avoids_busy_and_closures(scenario: Scenario) -> None:
    result = day_availability(scenario.day, *scenario.args())
    opening = opening_interval(scenario.day, scenario.hall, scenario.window.tz)
    for previous, current in zip(result.free, result.free[1:], strict=False):
        assert previous.end < current.start
    for free in result.free:
        assert free.start < free.end
        assert opening is not None
        assert opening.start <= free.start
        assert free.end <= opening.end
        assert not any(free.overlaps(other) for other in [*scenario.busy, *scenario.closures])
    shortest = timedelta(minutes=scenario.shortest)
    for start in result.starts:
        assert any(f.start <= start and start + shortest <= f.end for f in result.free)


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_full_is_no_start_now_but_one_without_the_bookings(scenario: Scenario) -> None:
    hall, window, _busy, closures, now = scenario.args()
    result = day_availability(scenario.day, *scenario.args())
    unbooked = day_availability(scenario.day, hall, window, [], closures, now)
    assert result.full == (not result.starts and bool(unbooked.starts))


@pytest.mark.slow
@PROPERTY
@given(scenarios(), st.data())
def test_fitting_durations_are_exactly_the_valid_lengths(
    scenario: Scenario, data: st.DataObject
) -> None:
    starts = day_availability(scenario.day, *scenario.args()).starts[:2]
    candidates = scenario.grid_instants()
    if candidates:
        starts.append(data.draw(st.sampled_from(candidates)))
    step = scenario.window.step_minutes
    for start in starts:
        lengths = fitting_durations(start, *scenario.args())
        valid = [
            length
            for length in range(scenario.shortest, 12 * 60 + 1, step)
            if scenario.validates(start, length)
        ]
        assert lengths == valid
        assert bool(lengths) == scenario.validates(start, scenario.shortest)


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_a_range_matches_its_days(scenario: Scenario) -> None:
    first, last = scenario.day - timedelta(days=2), scenario.day + timedelta(days=2)
    days = availability(first, last, *scenario.args())
    assert [d.day for d in days] == [first + timedelta(days=i) for i in range(5)]
    assert days == [day_availability(d.day, *scenario.args()) for d in days]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (at(SATURDAY, "12:00"), datetime(9999, 12, 29, 12, tzinfo=MSK), "outside_hours"),
        (datetime(1, 1, 1, 12, tzinfo=UTC), at(SATURDAY, "12:00"), "in_past"),
        (at(date(2027, 6, 1), "12:00"), at(date(2027, 6, 1), "14:00"), "beyond_horizon"),
        (  # its local date would overflow: refused as too far ahead, not a crash
            datetime.fromisoformat("9999-12-31T22:00:00-03:00"),
            datetime.fromisoformat("9999-12-31T23:00:00-03:00"),
            "beyond_horizon",
        ),
        (at(SATURDAY, "14:00"), at(SATURDAY, "12:00"), "end_before_start"),
    ],
)
def test_bounds_are_decided_without_a_schedule(start: datetime, end: datetime, code: str) -> None:
    """What check_bounds refuses needs no hall or calendar: a request spanning years is
    refused before anything is read for it."""
    with pytest.raises(BookingRuleError) as refused:
        check_bounds(start, end, WINDOW, NOW)
    assert refused.value.code == code
    check_bounds(at(SATURDAY, "12:00"), at(SATURDAY, "14:00"), WINDOW, NOW)  # a fine one passes
