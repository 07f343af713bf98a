"""Fixtures of the tests that run the service in processes of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.payments.helpers import TB_PASSWORD, TERMINAL, FakeTinkoffWithCheckOrder
from tests.processes import Databases


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[Databases]:
    """Fresh, empty databases on the test's backend, dropped at the end."""
    made = Databases(tmp_path)
    yield made
    await made.drop_all()


@pytest.fixture
async def tinkoff() -> AsyncIterator[FakeTinkoffWithCheckOrder]:
    """The T-Bank fake the services of `tests.processes.tbank_env` pay at."""
    async with FakeTinkoffWithCheckOrder(TERMINAL, TB_PASSWORD) as fake:
        yield fake
