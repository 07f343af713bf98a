"""Browser tests of the booking page: Debian's Chromium driven by Playwright's sync API, one
service and one browser per module (tests/web/served.py).

Playwright's sync API keeps an event loop running in the test's thread while it is open, so
the browser lives for one module only, started after the service (which needs the session's
database template, made with asyncio.run) and closed before the next module's async tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support import FakeClock
from tests.web.served import CHROMIUM, Served, serve

#: The service's clock for the browser tests: Tuesday 1 December 2026, 09:00 in Moscow. The
#: browser's clock is set to the same moment, so a hold's time left reads as it would.
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(database_template, tmp_path_factory.mktemp("web"), FakeClock(NOW)) as running:
        yield running


def new_context(browser: Browser, served: Served, **options: object) -> BrowserContext:
    """A fresh browser profile (its own storage), its clock at the service's time."""
    context = browser.new_context(
        locale=str(options.pop("locale", "ru-RU")),
        viewport=options.pop("viewport", {"width": 390, "height": 844}),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    context.clock.install(time=served.clock.now)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Browser, served: Served) -> Iterator[Page]:
    context = new_context(browser, served)
    page = context.new_page()
    yield page
    context.close()
