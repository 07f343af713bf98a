"""Composition root and command line: `run`, `migrate`, `audit`, `backup`, `restore`,
`export-studio`, `seed-demo`, `jobs-once` (`main.py --help` tells each).

Settings are read once here; everything below receives what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from api.access_log import LOGGER, RequestLog
from booking.studio_file import StudioFileError
from db.clock import system_clock
from db.reach import DatabaseUnavailable
from db.session import create_sessionmaker
from jobs.scheduler import JobSchedule
from logconfig import setup_logging
from notifications.claims import process_identity, release_own_claims
from ops.backup import BackupError
from service import build_service, open_database
from settings import PaymentEnv, Settings, SettingsError, is_loopback_url, load_settings

if TYPE_CHECKING:
    pass

log = logging.getLogger("studio")


class StartupError(Exception):
    """The service cannot start for a reason outside its settings (a port taken); the
    message says what to do, in one line."""


#: Start failures told in one line (their messages name the fix), not with a traceback.
ONE_LINE_FAILURES = (SettingsError, StartupError, DatabaseUnavailable, BackupError)


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
    # Bound to the port: an earlier self on it is gone, and what it held goes now.
    service.jobs.claimant = process_identity(settings.server.port)
    await release_own_claims(service.sessionmaker, service.deps, service.jobs.claimant)
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


async def export_studio(settings: Settings, file: str | None = None) -> int:
    """The studio as it is now, in the studio file's format: to FILE (with the photos it
    shows copied beside it, in photos/), or to stdout."""
    from booking.studio_export import export_studio as current_studio
    from booking.studio_file import read_studio_file, studio_info
    from booking.studio_sales import copy_photos

    info = studio_info(read_studio_file(settings.studio.studio_file))
    engine = await open_database(settings)
    try:
        async with create_sessionmaker(engine, system_clock)() as session:
            data = await current_studio(session, info, settings.studio.tz, system_clock())
    finally:
        await engine.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if file is None:
        sys.stdout.write(text)
    else:
        target = Path(file)
        await asyncio.to_thread(target.write_text, text, encoding="utf-8")
        studio_dir = settings.studio.studio_file.parent
        await asyncio.to_thread(copy_photos, data["halls"], studio_dir, target.parent)
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
    export_help = (
        "write the studio as it is now (hours, halls, add-ons, rules, closures to come) as a "
        "studio file to FILE, or to stdout; photos named photos/NAME stay beside STUDIO_FILE"
    )
    exporting = commands.add_parser("export-studio", help=export_help, description=export_help)
    exporting.add_argument("file", metavar="FILE", nargs="?", help="where to write it")
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
    elif name == "export-studio":
        work = export_studio(settings, args.file)
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
