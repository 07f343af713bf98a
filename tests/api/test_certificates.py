"""Gift certificates through the JSON API: issued by admins, read by whoever holds the
code, spent by bookings before the gateway, reserved while a hold lives, given back on a
refund."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from db.certificates import GiftCertificate
from tests.api.test_promo_codes import gateway_receipt
from tests.api.test_reschedule import audit_holds, move
from tests.api.test_selling import amounts, book
from tests.support import Api, Running, table_counts

CODE = re.compile(r"[346789ABCDEFGHJKMNPQRTUVWXY]{4}(-[346789ABCDEFGHJKMNPQRTUVWXY]{4}){2}")


async def issued(api: Api, amount: str) -> str:
    status, made = await api.admin("POST", "/api/certificates", json={"amount": amount})
    assert status == 201, made
    assert made["balance"]["value"] == amount
    return str(made["code"])


async def balance(api: Api, code: str) -> str:
    status, answer = await api.call("GET", f"/api/certificates/{code}")
    assert status == 200, answer
    return str(answer["balance"]["value"])


async def test_an_admin_issues_a_certificate_anyone_with_the_code_reads_it(
    running: Running,
) -> None:
    api = running.api
    status, made = await api.admin("POST", "/api/certificates", json={"amount": "5000.00"})
    assert status == 201, made
    assert CODE.fullmatch(made["code"]), made["code"]
    assert made["expires_at"] == "2027-" + made["expires_at"][5:]  # a year from today
    typed = made["code"].replace("-", " ").lower()  # read aloud, typed back
    status, read = await api.call("GET", f"/api/certificates/{typed}")
    assert (status, read) == (200, made)
    for unknown in ("AAAA-BBBB-CCCC", "nonsense", made["code"][:-1] + "3"):
        status, answer = await api.call("GET", f"/api/certificates/{unknown}")
        if unknown[-1] == made["code"][-1]:
            continue
        assert (status, answer["error"]["code"]) == (404, "certificate_not_found")
    status, answer = await api.call("POST", "/api/certificates", json={"amount": "5000.00"})
    assert status == 401, answer
    for bad in ("abc", None):
        status, answer = await api.admin("POST", "/api/certificates", json={"amount": bad})
        assert (status, answer["error"]["code"]) == (400, "invalid_input"), bad
        assert "amount: amount" not in answer["error"]["message"], answer
    status, answer = await api.admin("POST", "/api/certificates", json={"amount": "1e3"})
    assert "'1500.00' or '1500'" in answer["error"]["message"], answer  # whole rubles do too
    for bad in ("0", "-5", "1000000.01"):
        status, answer = await api.admin("POST", "/api/certificates", json={"amount": bad})
        assert (status, answer["error"]["code"]) == (400, "bad_amount"), bad


async def test_a_booking_pays_from_the_balance_first_and_the_rest_at_the_gateway(
    running: Running,
) -> None:
    api = running.api
    code = await issued(api, "1000.00")
    status, booking = await book(api, certificate_code=code, payment_mode="full")
    assert status == 201, booking
    assert amounts(booking) == [("hall", "5000.00"), ("certificate", "-1000.00")]
    assert booking["price_lines"][1]["code"] == code
    assert booking["total"]["value"] == "5000.00"
    assert booking["certificate_paid"]["value"] == "1000.00"
    assert booking["due_now"]["value"] == "4000.00"
    assert booking["status"] == "pending_payment"
    assert await balance(api, code) == "0.00"  # reserved while the hold lives

    payment = await api.start_payment(booking)
    assert payment["amount"]["value"] == "4000.00"
    await api.checkout(payment, "succeeded")
    paid = await api.booking(booking)
    assert (paid["status"], paid["paid"]["value"]) == ("confirmed", "4000.00")
    assert await balance(api, code) == "0.00"
    status, answer = await book(api, certificate_code=code, day=4)
    assert (status, answer["error"]["code"]) == (409, "certificate_empty")


async def test_a_certificate_covering_everything_confirms_at_once(running: Running) -> None:
    api = running.api
    code = await issued(api, "8000.00")
    status, booking = await book(api, certificate_code=code)
    assert status == 201, booking
    assert booking["status"] == "confirmed"
    assert (booking["due_now"]["value"], booking["total"]["value"]) == ("0.00", "5000.00")
    assert await balance(api, code) == "3000.00"
    status, second = await book(api, certificate_code=code, day=4, hours=1)
    assert status == 201, second
    assert amounts(second) == [("hall", "2500.00"), ("certificate", "-2500.00")]
    assert await balance(api, code) == "500.00"


async def test_a_lapsed_or_cancelled_hold_gives_its_spend_back(running: Running) -> None:
    api = running.api
    code = await issued(api, "1000.00")
    assert (await book(api, certificate_code=code))[0] == 201
    assert await balance(api, code) == "0.00"
    running.clock.advance(minutes=16)  # the hold lapses unpaid
    assert await balance(api, code) == "1000.00"
    status, held = await book(api, certificate_code=code, day=4)
    assert status == 201, held
    await api.cancel(held)  # cancelled before payment
    assert await balance(api, code) == "1000.00"


async def test_unknown_expired_and_empty_certificates_are_refused_changing_nothing(
    running: Running,
) -> None:
    api = running.api
    before = await table_counts(running.sessionmaker)
    status, answer = await book(api, certificate_code="GIFT-5000")
    assert (status, answer["error"]["code"]) == (400, "certificate_invalid")
    assert await table_counts(running.sessionmaker) == before

    code = await issued(api, "1000.00")
    async with running.sessionmaker() as session:
        await session.execute(
            update(GiftCertificate).values(expires_at=running.clock() - timedelta(minutes=1))
        )
        await session.commit()
    before = await table_counts(running.sessionmaker)
    status, answer = await book(api, certificate_code=code)
    assert (status, answer["error"]["code"]) == (400, "certificate_expired")
    assert await table_counts(running.sessionmaker) == before


async def test_a_cancellation_gives_the_certificate_its_part_by_the_policy(
    running: Running,
) -> None:
    """Cancelled well ahead: the whole spend goes back to the balance, and the gateway's
    part is refunded at the gateway as always."""
    api = running.api
    code = await issued(api, "1000.00")
    status, booking = await book(api, certificate_code=code, payment_mode="full")
    assert status == 201, booking
    await api.checkout(await api.start_payment(booking, "yookassa"), "succeeded")
    cancelled = await api.cancel(booking)
    assert cancelled["refund"]["value"] == "4000.00"
    assert await balance(api, code) == "1000.00"
    assert (await api.booking(booking))["refunded"]["value"] == "4000.00"


async def test_a_cancellation_inside_the_policy_keeps_the_certificate_spent(
    running: Running,
) -> None:
    """Cancelled a day ahead under 48:100,24:50,0:0: half of the spend comes back."""
    api = running.api
    code = await issued(api, "6000.00")
    status, booking = await book(api, certificate_code=code, day=2, hour=12)
    assert status == 201, booking
    assert booking["status"] == "confirmed"
    start = datetime.fromisoformat(booking["start"])
    running.clock.now = (start - timedelta(hours=25)).astimezone(UTC)
    await api.cancel(booking)
    assert await balance(api, code) == "3500.00"  # 1000 left + half of 5000 back


async def test_the_receipt_of_the_gateway_part_sums_to_what_it_took(running: Running) -> None:
    api = running.api
    code = await issued(api, "1000.00")
    status, made = await book(api, certificate_code=code, addons=[{"id": "smoke"}])
    assert status == 201, made
    items, prepayment = await gateway_receipt(running, made["id"])
    assert sum(amount for _, amount in items) == prepayment == 225_000
    assert made["due_now"]["value"] == "2250.00"  # (5000 + 500 − 1000) / 2
    assert [title for title, _ in items] == ["Аренда фотостудии: Белый зал", "Генератор дыма × 1"]


async def test_a_late_payment_whose_certificate_part_was_spent_meanwhile_is_refunded(
    running: Running,
) -> None:
    """The hold lapsed, another booking took the balance, then the gateway's part arrived:
    reviving the hold would spend the certificate twice, so the payment goes back."""
    api = running.api
    code = await issued(api, "1000.00")
    status, first = await book(api, certificate_code=code)
    assert status == 201, first
    payment = await api.start_payment(first)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    status, second = await book(api, certificate_code=code, day=4)
    assert status == 201, second
    await api.checkout(payment, "succeeded")
    after = await api.booking(first)
    assert after["status"] == "expired"
    assert after["payments"][0]["status"] == "refunded"
    assert await balance(api, code) == "0.00"


async def test_a_late_payment_confirms_when_the_balance_is_still_there(running: Running) -> None:
    api = running.api
    code = await issued(api, "1000.00")
    status, first = await book(api, certificate_code=code)
    payment = await api.start_payment(first)
    running.clock.advance(minutes=20)
    await running.jobs.expire()
    assert await balance(api, code) == "1000.00"
    await api.checkout(payment, "succeeded")
    assert (await api.booking(first))["status"] == "confirmed"
    assert await balance(api, code) == "0.00"


async def test_a_cheaper_move_gives_the_certificate_back_what_it_paid_above(
    running: Running,
) -> None:
    api = running.api
    code = await issued(api, "8000.00")
    status, booking = await book(api, certificate_code=code)  # white 2 h: 5000, all by it
    assert status == 201 and booking["status"] == "confirmed", booking
    assert await balance(api, code) == "3000.00"
    status, moved = await move(api, booking, 3, 12, hall_id=2)  # the loft: 3600
    assert status == 200, moved
    assert amounts(moved) == [("hall", "3600.00"), ("certificate", "-3600.00")]
    assert (moved["total"]["value"], moved["certificate_paid"]["value"]) == ("3600.00", "3600.00")
    assert moved["due_now"]["value"] == "0.00"
    assert await balance(api, code) == "4400.00"  # the 1400 above the new price is back
    await audit_holds(running)
    await api.cancel(booking)  # a cancellation gives back what it still holds, once
    assert await balance(api, code) == "8000.00"
    await audit_holds(running)
