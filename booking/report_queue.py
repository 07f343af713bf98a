"""Group commit for gateway reports: the reports waiting together share one transaction.

Each webhook's report waits here for the transaction that applies it, and its caller gets
that report's own outcome once it is committed, so a gateway is never answered before its
report is stored. While one transaction runs, the reports that arrive meanwhile queue up and
go together in the next. Under load the reports share the read, the writes and the commit,
which are most of a report's cost; alone, a report is applied at once, as before.

A report that reserved a refund (a payment that came too late) is answered once the refund
has been sent, as when it was applied alone; the other reports do not wait for it.

If a shared transaction fails, its reports are applied again one by one, each in its own
transaction, so one bad report cannot keep the others from being applied.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.deps import BookingDeps
from booking.refunds import execute_refunds
from booking.report_rules import Applied, Report, Result
from booking.reports import apply_payment_states
from payments.base import PaymentState

log = logging.getLogger(__name__)

MAX_BATCH = 64
#: How long the next transaction waits at most for reports announced as on their way (their
#: webhooks are being verified): fewer, larger transactions (docs/BENCHMARKS.md). With none
#: on the way it waits for nothing, so a report that comes alone is applied at once.
GATHER_SECONDS = 0.002

_Waiter = asyncio.Future[str]


class ReportQueue:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        deps: BookingDeps,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._deps = deps
        self._max_batch = max_batch
        self._waiting: list[tuple[Report, _Waiter]] = []
        self._worker: asyncio.Task[None] | None = None
        self._refunding: set[asyncio.Task[None]] = set()
        self._on_the_way = 0
        self._gathering: asyncio.Future[None] | None = None
        #: Transactions run and reports applied through them, for the benchmarks and tests.
        self.transactions = 0
        self.reports = 0

    def coming(self) -> Coming:
        """Announce a report on its way: its webhook is being verified. Until it is applied
        or the context is left (the webhook was refused), the next transaction may wait for
        it."""
        self._on_the_way += 1
        return Coming(self)

    async def apply(self, gateway: str, state: PaymentState, coming: Coming | None = None) -> str:
        """The report's outcome once its transaction is committed ("applied", "duplicate" or
        "stale"); a refused report raises its DomainError. `coming` is its announcement.

        A caller that stops waiting does not withdraw the report: it is applied all the same.
        """
        loop = asyncio.get_running_loop()
        waiter: _Waiter = loop.create_future()
        self._waiting.append((Report(gateway, state), waiter))
        if coming is not None:
            coming.arrived()
        if self._worker is None:
            self._worker = loop.create_task(self._work())
        return await waiter

    def _arrived(self) -> None:
        self._on_the_way -= 1
        gathering = self._gathering
        if gathering is not None and not self._worth_waiting():
            _wake(gathering)

    def _worth_waiting(self) -> bool:
        return self._on_the_way > 0 and len(self._waiting) < self._max_batch

    async def _gather(self) -> None:
        """Until the reports on their way are here, the batch is full, or GATHER_SECONDS."""
        loop = asyncio.get_running_loop()
        self._gathering = gathering = loop.create_future()
        timer = loop.call_later(GATHER_SECONDS, _wake, gathering)
        try:
            await gathering
        finally:
            timer.cancel()
            self._gathering = None

    async def close(self) -> None:
        """Wait for the reports queued and the refunds they started.

        A caller that gives up waiting (a deadline on the shutdown) does not cancel them."""
        while self._worker is not None or self._refunding:
            await asyncio.wait([*([self._worker] if self._worker else []), *self._refunding])

    async def _work(self) -> None:
        batch: list[tuple[Report, _Waiter]] = []
        try:
            while self._waiting:
                # Let the requests that are ready to be read queue or announce their reports.
                await asyncio.sleep(0)
                if self._worth_waiting():
                    await self._gather()
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    await self._run(batch)
                except Exception as exc:  # a bug here: its callers hear of it, the queue goes on
                    log.exception("report batch not answered", extra={"reports": len(batch)})
                    for _, waiter in batch:
                        _answer(waiter, exc)
                batch = []
        except asyncio.CancelledError as exc:  # the process is stopping, mid-batch or between
            left, self._waiting = [*batch, *self._waiting], []
            for _, waiter in left:
                _answer(waiter, exc)
            raise
        finally:
            self._worker = None

    async def _run(self, batch: list[tuple[Report, _Waiter]]) -> None:
        reports = [report for report, _ in batch]
        try:
            applied = await self._apply(reports)
        except Exception as exc:
            if len(batch) == 1:
                _answer(batch[0][1], exc)
                return
            log.warning(
                "gateway reports failed together; applying them one by one",
                extra={"reports": len(batch)},
            )
            for item in batch:
                await self._run([item])
            return
        self._answer_all(batch, applied)

    async def _apply(self, reports: list[Report]) -> Applied:
        async with self._sessionmaker() as session:
            applied = await apply_payment_states(session, self._deps, reports)
        self.transactions += 1
        self.reports += len(reports)
        return applied

    def _answer_all(self, batch: list[tuple[Report, _Waiter]], applied: Applied) -> None:
        for index, ((_, waiter), result) in enumerate(zip(batch, applied.results, strict=True)):
            refund_ids = applied.refunds.get(index)
            if refund_ids is None:
                _answer(waiter, result)
                continue
            # Sent apart: a slow gateway must not hold up the next reports.
            task = asyncio.create_task(self._refund_then_answer(refund_ids, waiter, result))
            self._refunding.add(task)
            task.add_done_callback(self._refunding.discard)

    async def _refund_then_answer(
        self, refund_ids: list[int], waiter: _Waiter, result: Result
    ) -> None:
        try:
            async with self._sessionmaker() as session:
                await execute_refunds(session, self._deps, refund_ids)
        except Exception:  # the refunds stay pending; the retry job sends them
            log.exception("refunds not sent yet", extra={"refunds": refund_ids})
        finally:  # the report itself is committed, whatever became of the refund
            _answer(waiter, result)


class Coming:
    """A report announced to the queue (`ReportQueue.coming`); it arrives once."""

    def __init__(self, queue: ReportQueue) -> None:
        self._queue: ReportQueue | None = queue

    def __enter__(self) -> Coming:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.arrived()

    def arrived(self) -> None:
        """The report is queued, or will not come."""
        if self._queue is not None:
            queue, self._queue = self._queue, None
            queue._arrived()


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _answer(waiter: _Waiter, result: Result | BaseException) -> None:
    if waiter.done():  # its caller stopped waiting
        return
    if isinstance(result, BaseException):
        waiter.set_exception(result)
    else:
        waiter.set_result(result)
