"""The service wired together: the database opened at the latest schema with the studio
file loaded, the booking rules and gateways, the notification channels, the jobs' context,
the web application and (with a token) the bot. `main.py` builds it once; tests build it
with their own clock."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from booking.deps import BookingDeps, BookingRules, ReceiptRules
from booking.studio_file import load_if_empty, read_studio_file, studio_info
from db.clock import CLOCK_KEY, Clock, system_clock
from db.migrate import upgrade
from db.reach import check_reachable
from db.session import create_engine, create_sessionmaker
from jobs.hold_digest import hold_digest_job
from jobs.reminders import reminder_job
from jobs.scheduler import JobContext
from notifications.channels import Channels
from notifications.delivery import Sender
from notifications.email import EmailSender
from notifications.email_channel import EmailChannel
from payments.registry import build_providers, close_providers
from settings import Settings

if TYPE_CHECKING:
    from bot.runner import BotRunner


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
        if telegram is not None:
            from notifications.telegram import TelegramChannel

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
        certificate_valid=timedelta(days=studio.certificate_valid_days),
        no_show_limit=studio.no_show_limit,
        reschedule_cutoff=timedelta(hours=studio.reschedule_cutoff_hours),
        reschedule_limit=studio.reschedule_limit,
        reschedule_cheaper=studio.reschedule_cheaper,
        overtime_rule=studio.overtime_rule,
    )


async def open_database(
    settings: Settings, clock: Clock = system_clock, *, load: bool = True
) -> AsyncEngine:
    """The engine of a reachable database at the schema's latest revision, with the studio
    file loaded (`load`) if the database had no halls, in the migration's transaction and
    under its lock."""
    # Read before the database is touched: a broken file leaves no new database behind.
    studio = read_studio_file(settings.studio.studio_file)

    async def load_studio_file(conn: AsyncConnection) -> None:
        session = AsyncSession(bind=conn, info={CLOCK_KEY: clock}, autoflush=False)
        try:
            added = await load_if_empty(
                session, studio, settings.studio.tz, settings.studio.studio_file.parent
            )
        finally:
            await session.close()  # the migration's transaction commits what it flushed
        if added:
            log.info("studio seeded from %s", settings.studio.studio_file, extra={"halls": added})

    engine = create_engine(settings.db.database_url, echo=settings.db.database_echo)
    try:
        await check_reachable(engine)
        await upgrade(engine, then=load_studio_file if load else None)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def build_service(settings: Settings, clock: Clock = system_clock) -> Service:
    """Everything the process runs, wired once: database, use cases, web app, jobs; every
    part reads the one `clock` (tests pass theirs).

    The bot's modules are imported only when there is a bot: its library takes seconds to
    import, which a service without one, and the commands that only touch the database,
    do without."""
    studio = studio_info(read_studio_file(settings.studio.studio_file))
    engine = await open_database(settings, clock)
    sessionmaker = create_sessionmaker(engine, clock)
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
        studio_phone=studio.phone,
    )
    senders: dict[str, Sender] = {}
    bot = None
    if settings.bot.enabled:
        from bot.factory import create_bot
        from bot.pacing import PacedReplies
        from notifications.telegram import TelegramChannel, paced_for

        bot = create_bot(settings)
        if bot is not None:
            # One pacer for everything this process sends: the notifications, and the
            # handlers' replies through the session's middleware.
            pacer = paced_for(settings.bot.redis_url)
            bot.session.middleware(PacedReplies(pacer))
            senders["telegram"] = TelegramChannel(bot, sessionmaker, pacer=pacer)
    channels = Channels(
        telegram="telegram" in senders,
        email=settings.smtp.enabled,
        admin_telegram_ids=settings.bot.staff_ids,
        admin_emails=tuple(settings.smtp.admin_emails),
        studio_address=studio.address,
        studio_address_en=studio.address_en,
        studio_email=parseaddr(settings.smtp.smtp_from)[1] if settings.smtp.enabled else None,
    )
    if settings.smtp.enabled:
        senders["email"] = EmailChannel(EmailSender(settings.smtp))
    jobs = JobContext(sessionmaker=sessionmaker, deps=deps, channels=channels, senders=senders)
    jobs.extra_jobs.append(reminder_job(sessionmaker, deps, settings.bot.reminder_hours))
    if settings.ops.backup_dir is not None:
        from jobs.backup import backup_job

        jobs.extra_jobs.append(
            backup_job(
                settings.db.database_url, settings.ops.backup_dir, settings.ops.backup_keep, deps
            )
        )
    if settings.ops.outgoing_webhooks:
        from notifications.outgoing_webhooks import push_events
        from ops.metrics import subscribers_known

        subscribers = settings.ops.outgoing_webhooks
        subscribers_known([sub.name for sub in subscribers])
        jobs.extra_jobs.append(
            ("push_webhooks", lambda: push_events(sessionmaker, deps, subscribers), 2.0)
        )
    if settings.holds.hold_digest_minutes:
        minutes = settings.holds.hold_digest_minutes
        jobs.extra_jobs.append(hold_digest_job(sessionmaker, deps, channels, minutes))
    app = create_app(settings, sessionmaker, deps)
    runner = None
    if bot is not None:
        from bot.factory import create_dispatcher
        from bot.runner import BotRunner

        dp = create_dispatcher(settings, sessionmaker, deps, studio=studio)
        runner = BotRunner(bot, dp, settings.bot, base_url)
        runner.attach(app)
    return Service(settings, engine, sessionmaker, deps, jobs, app, runner)
