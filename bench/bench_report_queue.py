"""The state change of a gateway report alone: the report queue in this process, no HTTP.

For each concurrency it makes fresh pending (mock) payments, then hands their success reports
to `booking.report_queue.ReportQueue`, that many at a time, and prints the CPU a report and
how many reports each transaction held; then the same reports again (repeats, no change). The
baseline is concurrency 1, where every report has a transaction of its own, as before group
commit; the ratio is its CPU a report over the row's.

    .venv/bin/python -m bench.bench_report_queue [--backend sqlite|postgres] [--count 400]
        [--concurrency 1,8,16]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from collections.abc import Sequence

from bench.bench_webhooks import slots
from bench.common import create_database, header, postgres_available, read_studio, table
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.paying import start_payment
from booking.report_queue import ReportQueue
from logconfig import setup_logging
from main import Service, build_service
from payments.base import PaymentState
from settings import Settings
from tests.bot.booking_helpers import success_report


async def pending_reports(service: Service, url: str, count: int, skip: int) -> list[PaymentState]:
    """Success reports for `count` fresh held bookings with a pending mock payment each."""
    studio = await read_studio(url)
    states = []
    client = ClientInfo(name="Bench", phone="+79990000000")
    for hall_id, start, end in slots(studio, skip + count)[skip:]:
        async with service.sessionmaker() as session:
            booking, _ = await hold_booking(
                session,
                service.deps,
                HoldRequest(
                    hall_id=hall_id,
                    start=start,
                    end=end,
                    payment_mode=PaymentMode.FULL,
                    client=client,
                    source=Source.WEB,
                ),
            )
            payment = await start_payment(session, service.deps, booking.id, "mock")
        states.append(success_report(payment))
    return states


async def feed(queue: ReportQueue, states: Sequence[PaymentState], concurrency: int) -> float:
    """Hand the reports over `concurrency` at a time; CPU milliseconds a report."""
    pending = iter(states)
    outcomes: list[str] = []

    async def caller() -> None:
        for state in pending:
            outcomes.append(await queue.apply("mock", state))

    started = time.process_time()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    assert len(outcomes) == len(states)
    return (time.process_time() - started) * 1000 / len(states)


async def run_backend(backend: str, count: int, levels: list[int]) -> None:
    header(f"report queue: {backend}, {count} reports per row, in this process")
    database = await create_database(backend, "reports")
    try:
        settings = Settings(database_url=database.url, payment_env="mock", log_level="INFO")
        service = await build_service(settings)
        rows = []
        try:
            for index, level in enumerate(levels):
                states = await pending_reports(service, database.url, count, index * count)
                queue = ReportQueue(service.sessionmaker, service.deps)
                fresh = await feed(queue, states, level)
                fresh_held = queue.reports / queue.transactions
                before = queue.transactions, queue.reports
                repeated = await feed(queue, states, level)
                repeat_held = (queue.reports - before[1]) / (queue.transactions - before[0])
                rows.append((level, fresh, fresh_held, repeated, repeat_held))
        finally:
            await service.close()
    finally:
        await database.drop()
    base_fresh, base_repeat = rows[0][1], rows[0][3]
    print(
        table(
            [
                (
                    "at a time",
                    "fresh CPU ms",
                    "ratio",
                    "reports a txn",
                    "repeated CPU ms",
                    "ratio",
                    "reports a txn",
                ),
                *[
                    (
                        level,
                        f"{fresh:.3f}",
                        f"{base_fresh / fresh:.2f}",
                        f"{fresh_held:.1f}",
                        f"{repeated:.3f}",
                        f"{base_repeat / repeated:.2f}",
                        f"{repeat_held:.1f}",
                    )
                    for level, fresh, fresh_held, repeated, repeat_held in rows
                ],
            ]
        )
    )
    print(
        "   ratio: the CPU a report at 1 at a time (a transaction each) over the row's;\n"
        "   fresh = a pending payment succeeds and confirms its held booking."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_report_queue", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=400, help="reports per row")
    parser.add_argument("--concurrency", default="1,8,16", help="comma-separated levels")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.concurrency.split(",")]
    # The service's log lines are part of the cost, as in production, but not of the output.
    setup_logging("INFO")
    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)

    async def run() -> None:
        if args.backend == "postgres" and not await postgres_available():
            print("\n== report queue: postgres skipped (not reachable)")
            return
        await run_backend(args.backend, args.count, levels)

    asyncio.run(run())


if __name__ == "__main__":
    main()
