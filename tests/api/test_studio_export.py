"""`main.py export-studio`: a studio edited through the API, exported, and loaded into an
empty database gives the same halls and the same availability."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from booking.studio_file import read_studio_file, studio_info
from db.session import create_engine, create_sessionmaker
from main import export_studio
from payments.base import PaymentProvider
from service import open_database
from settings import Settings
from tests.processes import run_main, service_env
from tests.support import (
    ADMIN_TOKEN,
    BACKEND,
    EXAMPLE_STUDIO,
    PG_ADMIN_URL,
    Api,
    FakeClock,
    Running,
    wired_deps,
)


async def _pg(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await engine.dispose()


@asynccontextmanager
async def empty_database(tmp_path: Path) -> AsyncIterator[str]:
    if BACKEND != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'loaded.db'}"
        return
    name = f"studio_export_{uuid.uuid4().hex[:8]}"
    await _pg(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def studio_from_file(
    settings: Settings,
    file: Path,
    url: str,
    clock: FakeClock,
    providers: dict[str, PaymentProvider],
    http: Any,
) -> AsyncIterator[Api]:
    """A second app, started as a new studio is: an empty database and STUDIO_FILE."""
    loaded = Settings(
        database_url=url,
        public_base_url=settings.server.base_url(),
        admin_api_token=ADMIN_TOKEN,
        studio_file=file,
        min_notice_minutes=60,
        booking_horizon_days=90,
    )
    engine = await open_database(loaded, clock)
    app = create_app(
        loaded, create_sessionmaker(engine, clock), wired_deps(loaded, providers, clock)
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        try:
            yield Api(http, f"http://127.0.0.1:{sock.getsockname()[1]}", ADMIN_TOKEN)
        finally:
            await runner.cleanup()
            await engine.dispose()


async def edit_everything(api: Api) -> None:
    _, hours = await api.admin("GET", "/api/studio/hours")
    week = {**hours["hours"], "wed": ["12:00", "21:00"]}
    del week["sun"]
    days = {"2026-12-04": ["10:00", "16:00"], "2026-12-05": None}
    edits: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", "/api/studio/hours", {"hours": week, "days": days}),
        ("POST", "/api/halls", {
            "slug": "green", "name": "Зелёный зал", "name_en": "Green hall",
            "description": "Зелень", "hourly_price": "1900.50", "min_minutes": 90,
            "buffer_minutes": 0, "capacity": 12, "included_guests": 3,
            "extra_guest_fee": {"per": "person_booking", "price": "150.00"},
            "photos": ["photos/loft-1.png", "https://example.com/green.jpg"],
            "specs": {"area_m2": 50, "plants": ["фикус"]},
            "price_rules": [{"weekdays": ["fri", "sat"], "start": "18:00", "end": "24:00",
                             "hourly_price": "2400.00"}]}),
        ("PATCH", "/api/halls/1", {"hourly_price": "2700.00", "name": "Белый", "capacity": 16,
                                   "extra_guest_fee": {"per": "percent", "percent": 10}}),
        ("PATCH", "/api/halls/2", {"active": False}),
        ("POST", "/api/addons", {"id": "fan", "title": "Вентилятор", "price": "200.00",
                                 "per": "hour", "stock": 2, "max_quantity": 2, "hall_id": 4}),
        ("PATCH", "/api/addons/smoke", {"active": False}),
        ("PATCH", "/api/addons/light-kit", {"stock": 4, "price": "850.00"}),
        ("PUT", "/api/studio/rules", {"text": "Правила", "text_en": "Rules"}),
    ]  # fmt: skip
    for method, path, body in edits:
        status, answer = await api.admin(method, path, json=body)
        assert status in (200, 201), (path, answer)


async def what_clients_see(api: Api) -> dict[str, Any]:
    seen: dict[str, Any] = {"halls": (await api.call("GET", "/api/halls"))[1]}
    seen["hours"] = (await api.admin("GET", "/api/studio/hours"))[1]
    for hall_id in (1, 2, 3, 4):
        seen[f"hall {hall_id}"] = await api.call(
            "GET",
            f"/api/bookings/availability?hall_id={hall_id}"
            "&start_date=2026-12-01&end_date=2027-01-03",
        )
    return seen


async def test_an_edited_studio_exported_and_loaded_is_the_same(
    running: Running,
    settings: Settings,
    providers: dict[str, PaymentProvider],
    tmp_path: Path,
) -> None:
    await edit_everything(running.api)
    before = await what_clients_see(running.api)
    assert before["hall 2"][0] == 404 and before["hall 4"][0] == 200
    file = tmp_path / "studio.json"
    assert await export_studio(settings, str(file)) == 0  # the photos are copied beside it
    exported = json.loads(file.read_text(encoding="utf-8"))
    assert exported["days"] == {"2026-12-04": ["10:00", "16:00"], "2026-12-05": None}
    assert exported["halls"][1]["active"] is False
    original = studio_info(read_studio_file(EXAMPLE_STUDIO))
    assert original.phone and studio_info(read_studio_file(file)) == original
    async with (
        empty_database(tmp_path) as url,
        studio_from_file(settings, file, url, running.clock, providers, running.api.http) as api,
    ):
        assert await what_clients_see(api) == before


async def test_export_writes_to_stdout_without_a_file(
    settings: Settings, engine: AsyncEngine
) -> None:
    """As an operator runs it: a new database gets the studio file, and out it comes."""
    code, out, err = await run_main(service_env(settings.db.database_url), "export-studio")
    assert code == 0, err
    data = json.loads(out)
    assert [hall["slug"] for hall in data["halls"]] == ["white", "loft", "dark"]
    assert data["hours"]["mon"] == ["09:00", "22:00"] and "rules" not in data
    assert data["addons"][1] == {"id": "light-kit", "title": "Дополнительный комплект света",
                                 "title_en": "Extra light kit", "price": "800.00",
                                 "per": "booking", "max_quantity": 2, "active": True,
                                 "stock": 2}  # fmt: skip
