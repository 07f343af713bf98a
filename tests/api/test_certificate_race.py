"""Twenty bookings at once pay from one certificate: the balance is spent to the kopeck and
never beyond. Run on SQLite and on PostgreSQL (TEST_DATABASE=postgres)."""

from __future__ import annotations

from sqlalchemy import func, select

from db.certificates import CertificateMovement
from tests.api.test_selling_races import HALLS, burst
from tests.api.test_selling_races import settings_env as settings_env  # the 21-hall studio
from tests.support import Running


async def test_twenty_bookings_share_one_balance_and_never_overspend(running: Running) -> None:
    status, made = await running.api.admin("POST", "/api/certificates", json={"amount": "5000.00"})
    assert status == 201, made
    # Each booking costs 2,000 ₽: two are paid in full, a third gets the last 1,000 ₽.
    results = await burst(running, certificate_code=made["code"])
    assert results == {(201, ""): 3, (409, "certificate_empty"): HALLS - 4}
    async with running.sessionmaker() as session:
        spent = await session.scalar(
            select(func.sum(CertificateMovement.amount)).where(CertificateMovement.kind == "spend")
        )
    assert spent == -500_000
    status, read = await running.api.call("GET", f"/api/certificates/{made['code']}")
    assert read["balance"]["value"] == "0.00"
