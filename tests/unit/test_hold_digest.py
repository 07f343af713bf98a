"""The digest's periods: counted from the studio's midnight, in steps that divide a day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from jobs.hold_digest import period_end
from settings import HoldSettings

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("minutes", "now", "end"),
    [
        (60, datetime(2026, 12, 1, 9, 37, tzinfo=MSK), datetime(2026, 12, 1, 9, 0, tzinfo=MSK)),
        (60, datetime(2026, 12, 1, 10, 0, tzinfo=MSK), datetime(2026, 12, 1, 10, 0, tzinfo=MSK)),
        (180, datetime(2026, 12, 1, 2, 59, tzinfo=MSK), datetime(2026, 12, 1, 0, 0, tzinfo=MSK)),
        (1440, datetime(2026, 12, 1, 23, 0, tzinfo=MSK), datetime(2026, 12, 1, 0, 0, tzinfo=MSK)),
    ],
)
def test_the_last_whole_period(minutes: int, now: datetime, end: datetime) -> None:
    assert period_end(now, minutes, MSK) == end


def test_a_period_divides_a_day() -> None:
    assert HoldSettings(_env_file=None).hold_digest_minutes == 60
    assert HoldSettings(_env_file=None, hold_digest_minutes=0).hold_digest_minutes == 0
    with pytest.raises(ValidationError, match="divide a day"):
        HoldSettings(_env_file=None, hold_digest_minutes=50)
