"""UTCDateTime stores on SQLite exactly the text SQLAlchemy's own DATETIME would: rows
written before and after its one-step formatting compare and sort alike (the overlap
trigger compares them as text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from db.types import UTCDateTime

MSK = timezone(timedelta(hours=3))
VALUES = [
    datetime(2026, 12, 1, 6, 0, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 12, 1, 9, 0, 0, 1, tzinfo=MSK),
    datetime(2000, 1, 1, 2, 59, 59, 999999, tzinfo=MSK),  # the day before in UTC
    datetime(2199, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
]


@pytest.mark.parametrize("value", VALUES, ids=str)
def test_sqlite_text_is_what_the_dialect_would_store(value: datetime) -> None:
    dialect = sqlite.dialect()
    column = UTCDateTime()
    two_steps = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert two_steps is not None
    expected = two_steps(column.process_bind_param(value, dialect))
    processor = column.bind_processor(dialect)
    assert processor is not None
    assert processor(value) == expected
    assert column.process_result_value(expected, dialect) == value


def test_naive_times_are_refused_on_both_backends() -> None:
    naive = datetime(2026, 12, 1, 6, 0)
    processor = UTCDateTime().bind_processor(sqlite.dialect())
    assert processor is not None
    with pytest.raises(ValueError, match="naive"):
        processor(naive)
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(naive, postgresql.dialect())
    assert processor(None) is None
