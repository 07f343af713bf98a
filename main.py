"""Composition root and command line: `run`, `migrate`, `seed-demo`, `jobs-once`.

Settings are read once here; everything below receives what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.access_log import LOGGER, RequestLog
from api.app import create_app
from booking.deps import BookingDeps, BookingRules, ReceiptRules
from booking.studio_file import read_studio_file, seed_if_empty, studio_info
from bot.factory import create_bot, create_dispatcher
from bot.runner import BotRunner
from db.clock import Clock, system_clock
from db.migrate import upgrade
from db.session import create_engine, create_sessionmaker
from jobs.hold_digest import hold_digest_job
from jobs.reminders import reminder_job
from jobs.scheduler import JobContext, JobSchedule
from logconfig import setup_logging
from notifications.delivery import Sender
from notifications.email import EmailSender
from notifications.email_channel import EmailChannel
from notifications.outbox import Channels
from notifications.telegram import TelegramChannel, paced_for
from payments.registry import build_providers, close_providers
from settings import Settings, SettingsError, load_settings

log = logging.getLogger("studio")


@dataclass(slots=True)
class Service:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    deps: BookingDeps
    jobs: JobContext
    app: web.Application
    bot: BotRunner | None = None

    async def close(self) -> None:
        """Release what the service holds: the bot's session, gateway clients, the pool."""
        if self.bot is not None:
            await self.bot.close()
        telegram = self.jobs.senders.get("telegram")
        if isinstance(telegram, TelegramChannel):
            await telegram.close()
        await close_providers(self.deps.providers)
        await self.engine.dispose()


def booking_rules(settings: Settings) -> BookingRules:
    studio = settings.studio
    return BookingRules(
        tz=studio.tz,
        hold=timedelta(minutes=studio.hold_minutes),
        prepayment_percent=studio.prepayment_percent,
        min_notice=timedelta(minutes=studio.min_notice_minutes),
        horizon_days=studio.booking_horizon_days,
        refund_tiers=studio.cancellation_tiers,
        max_active_holds=settings.holds.max_active_holds,
    )


async def build_service(settings: Settings, clock: Clock = system_clock) -> Service:
    """Everything the process runs, wired once: database, use cases, web app, jobs; every
    part reads the one `clock` (tests pass theirs)."""
    engine = create_engine(settings.db.database_url, echo=settings.db.database_echo)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine, clock)
    async with sessionmaker() as session:
        added = await seed_if_empty(session, settings.studio.studio_file, settings.studio.tz)
    if added:
        log.info("studio seeded from %s", settings.studio.studio_file, extra={"halls": added})
    base_url = settings.server.base_url()
    deps = BookingDeps(
        rules=booking_rules(settings),
        providers=build_providers(settings.payments, base_url),
        base_url=base_url,
        clock=clock,
        receipts=ReceiptRules(
            settings.payments.receipt_tax_system, settings.payments.receipt_vat_code
        ),
        return_url=settings.payments.payment_return_url,
    )
    studio = studio_info(read_studio_file(settings.studio.studio_file))
    bot = create_bot(settings)
    senders: dict[str, Sender] = {}
    if bot is not None:
        pacer = paced_for(settings.bot.redis_url)
        senders["telegram"] = TelegramChannel(bot, sessionmaker, pacer=pacer)
    channels = Channels(
        telegram="telegram" in senders,
        email=settings.smtp.enabled,
        admin_telegram_ids=tuple(settings.bot.admin_ids),
        admin_emails=tuple(settings.smtp.admin_emails),
        studio_address=studio.address,
        studio_address_en=studio.address_en,
        studio_email=parseaddr(settings.smtp.smtp_from)[1] if settings.smtp.enabled else None,
    )
    if settings.smtp.enabled:
        senders["email"] = EmailChannel(EmailSender(settings.smtp))
    jobs = JobContext(sessionmaker=sessionmaker, deps=deps, channels=channels, senders=senders)
    jobs.extra_jobs.append(reminder_job(sessionmaker, deps, settings.bot.reminder_hours))
    if settings.holds.hold_digest_minutes:
        minutes = settings.holds.hold_digest_minutes
        jobs.extra_jobs.append(hold_digest_job(sessionmaker, deps, channels, minutes))
    app = create_app(settings, sessionmaker, deps)
    runner = None
    if bot is not None:
        dp = create_dispatcher(settings, sessionmaker, deps, studio=studio)
        runner = BotRunner(bot, dp, settings.bot, base_url)
        runner.attach(app)
    return Service(settings, engine, sessionmaker, deps, jobs, app, runner)


async def run(settings: Settings) -> None:
    service = await build_service(settings)
    runner = web.AppRunner(
        service.app, shutdown_timeout=15, access_log_class=RequestLog, access_log=LOGGER
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.server.host, settings.server.port)
    await site.start()
    schedule = JobSchedule(service.jobs)
    schedule.start()
    if service.bot is not None:
        await service.bot.start()
    log.info(
        "studio booking is up",
        extra={
            "url": settings.server.base_url(),
            "payments": settings.payments.payment_env,
            "bot": settings.bot.enabled,
        },
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: finishing requests, stopping jobs")
    if service.bot is not None:
        await service.bot.stop()  # no new updates; the ones being handled finish
    await schedule.stop()  # no new runs; the ones in progress finish
    await runner.cleanup()  # stops accepting, lets in-flight requests finish
    await service.close()
    log.info("stopped")


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.db.database_url)
    await upgrade(engine)
    await engine.dispose()


async def jobs_once(settings: Settings) -> None:
    service = await build_service(settings)
    await service.jobs.run_all_once()
    await service.close()


async def seed_demo(settings: Settings) -> None:
    from booking.demo import create_demo_bookings

    service = await build_service(settings)
    async with service.sessionmaker() as session:
        made = await create_demo_bookings(session, service.deps)
    await service.close()
    log.info("demo bookings created", extra={"count": made})


COMMANDS = {"run": run, "migrate": migrate, "seed-demo": seed_demo, "jobs-once": jobs_once}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description="Studio booking service")
    parser.add_argument("command", choices=sorted(COMMANDS), nargs="?", default="run")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    setup_logging(settings.server.log_level, settings.secret_values())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(COMMANDS[args.command](settings))
    except SettingsError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
