"""Composition root and command line: `run`, `migrate`, `audit`, `backup`, `restore`,
`seed-demo`, `jobs-once` (`main.py --help` tells each).

Settings are read once here; everything below receives what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.access_log import LOGGER, RequestLog
from api.app import create_app
from booking.deps import BookingDeps, BookingRules, ReceiptRules
from booking.studio_file import StudioFileError, load_if_empty, read_studio_file, studio_info
from db.clock import CLOCK_KEY, Clock, system_clock
from db.migrate import upgrade
from db.reach import DatabaseUnavailable, check_reachable
from db.session import create_engine, create_sessionmaker
from jobs.hold_digest import hold_digest_job
from jobs.reminders import reminder_job
from jobs.scheduler import JobContext, JobSchedule
from logconfig import setup_logging
from notifications.delivery import Sender
from notifications.email import EmailSender
from notifications.email_channel import EmailChannel
from notifications.outbox import Channels
from ops.backup import BackupError
from payments.registry import build_providers, close_providers
from settings import PaymentEnv, Settings, SettingsError, is_loopback_url, load_settings

if TYPE_CHECKING:
    from bot.runner import BotRunner

log = logging.getLogger("studio")


class StartupError(Exception):
    """The service cannot start for a reason outside its settings (a port taken); the
    message says what to do, in one line."""


#: Start failures told in one line (their messages name the fix), not with a traceback.
ONE_LINE_FAILURES = (SettingsError, StartupError, DatabaseUnavailable, BackupError)


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
    )
    senders: dict[str, Sender] = {}
    bot = None
    if settings.bot.enabled:
        from bot.factory import create_bot
        from notifications.telegram import TelegramChannel, paced_for

        bot = create_bot(settings)
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


async def run(settings: Settings) -> None:
    service = await build_service(settings)
    runner = web.AppRunner(
        service.app, shutdown_timeout=15, access_log_class=RequestLog, access_log=LOGGER
    )
    try:
        if service.bot is not None:
            await service.bot.check_token()
            await service.bot.check_address()
        await runner.setup()
        await _listen(runner, settings)
        metrics_runner = await _serve_metrics(service.app, settings)
    except BaseException:
        await runner.cleanup()
        await service.close()
        raise
    warn_if_mock_is_public(settings)
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
    if metrics_runner is not None:
        await metrics_runner.cleanup()
    await service.close()
    log.info("stopped")


async def _listen(runner: web.AppRunner, settings: Settings) -> None:
    host, port = settings.server.host, settings.server.port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; stop what holds the port "
            "or set PORT (and HOST) to a free one"
        ) from None


async def _serve_metrics(app: web.Application, settings: Settings) -> web.AppRunner | None:
    """METRICS_PORT: /metrics alone, without a token, on HOST at a port of its own."""
    port = settings.ops.metrics_port
    if port is None:
        return None
    from api.metrics import metrics_app

    runner = web.AppRunner(metrics_app(app), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.server.host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise StartupError(
            f"cannot serve metrics on {settings.server.host}:{port}: {exc.strerror or exc}; "
            "set METRICS_PORT to a free port"
        ) from None
    return runner


def warn_if_mock_is_public(settings: Settings) -> None:
    """ALLOW_MOCK_PAYMENTS let a demo start: say so at every start."""
    base_url = settings.server.base_url()
    if settings.payments.payment_env == PaymentEnv.MOCK and not is_loopback_url(base_url):
        log.warning(
            "mock payments are on at a public address: the checkout page confirms bookings "
            "with no money taken (ALLOW_MOCK_PAYMENTS=true)",
            extra={"url": base_url},
        )


async def migrate(settings: Settings) -> None:
    engine = await open_database(settings)
    await engine.dispose()


async def audit(settings: Settings) -> int:
    """Check the ledger against the bookings and print the report; 1 if it does not hold."""
    from booking.audit import audit_ledger

    engine = await open_database(settings, load=False)
    try:
        async with create_sessionmaker(engine, system_clock)() as session:
            report = await audit_ledger(session, system_clock())
    finally:
        await engine.dispose()
    sys.stdout.write(report.render())
    return 0 if report.ok else 1


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


async def backup(settings: Settings, keep: int | None = None) -> int:
    """A consistent copy of the live database into BACKUP_DIR; the oldest beyond --keep go."""
    from ops.backup import make_backup

    if settings.ops.backup_dir is None:
        raise StartupError("set BACKUP_DIR to the directory that keeps the backups")
    made = await make_backup(
        settings.db.database_url,
        settings.ops.backup_dir,
        system_clock(),
        keep or settings.ops.backup_keep,
    )
    sys.stdout.write(f"{made}\n")
    return 0


async def restore(settings: Settings, file: str) -> int:
    """A backup into the empty database of DATABASE_URL (a non-empty one is refused)."""
    from ops.backup import restore_backup

    await restore_backup(settings.db.database_url, Path(file))
    sys.stdout.write(f"restored {file}; start the service (it migrates to this version)\n")
    return 0


Command = Callable[[Settings], Coroutine[Any, Any, int | None]]
COMMANDS: dict[str, tuple[Command, str]] = {
    "run": (run, "serve HTTP, run the bot and the background jobs (the default)"),
    "migrate": (
        migrate,
        "bring the database schema to the latest version and exit; run it once before "
        "starting several processes, after a backup",
    ),
    "audit": (
        audit,
        "check the money ledger against the bookings, print the report; exit 1 when "
        "something does not hold",
    ),
    "seed-demo": (seed_demo, "add a few demo bookings over the next days (never in production)"),
    "jobs-once": (
        jobs_once,
        "run every background job once in order (expire, complete, reconcile, relay, "
        "deliver) and exit",
    ),
}


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("keep at least one backup")
    return number


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Studio booking service: the Telegram bot, the JSON API, the gateways' "
        "webhooks and the background jobs in one process. Settings come from the "
        "environment and .env (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text, description=help_text)
    backup_help = (
        "copy the live database (SQLite's online backup, or pg_dump) into BACKUP_DIR as "
        "studio-<UTC time>.db|.dump and remove the oldest beyond --keep"
    )
    backing = commands.add_parser("backup", help=backup_help, description=backup_help)
    backing.add_argument(
        "--keep", type=_at_least_one, metavar="N", help="backups to keep (default BACKUP_KEEP, 14)"
    )
    restore_help = (
        "restore a backup FILE into the empty database of DATABASE_URL (a database with "
        "tables is refused); then start the service"
    )
    restoring = commands.add_parser("restore", help=restore_help, description=restore_help)
    restoring.add_argument("file", metavar="FILE", help="a studio-*.db or studio-*.dump file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = command_line().parse_args(argv)
    name = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    setup_logging(settings.server.log_level, settings.secret_values())
    work: Coroutine[Any, Any, int | None]
    if name == "backup":
        work = backup(settings, args.keep)
    elif name == "restore":
        work = restore(settings, args.file)
    else:
        work = COMMANDS[name][0](settings)
    code: int | None = 0
    try:
        with contextlib.suppress(KeyboardInterrupt):
            code = asyncio.run(work)
    except ONE_LINE_FAILURES as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except StudioFileError as exc:
        sys.stderr.write(f"the studio file cannot be loaded: {exc}; fix it or set STUDIO_FILE\n")
        return 2
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
