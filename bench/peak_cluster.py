"""`bench.bench_peak` on several processes: `main.py run` three times (`--processes`) on one
PostgreSQL and Redis, behind Debian's nginx with the deploy/ site and a certificate made for
the run (tests/deploy/nginx.py, as the multi-process test runs it).

Through nginx (HTTPS) go the website's requests and the bot's updates: the fake Bot API
delivers them to the Telegram webhook (one at a time, as it does), and the handlers reply
from whichever process took the update. The mock gateways keep a payment in the memory of
the process that made it (docs/OPERATIONS.md, "Payments"), so its checkout page and the
webhook its Pay sends go to that process directly, still timed by its own forwarder.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.common import HOST, Process, free_port, start_service
from bench.peak_people import Crowd, PeakTelegram, Samples, WebhookTimer
from tests.deploy.nginx import Nginx

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WEBHOOK_SECRET = "bench-peak-webhook-secret"
WEBHOOK_WAIT = 60.0  # seconds for the processes to register the Telegram webhook


async def start_processes(
    tg: PeakTelegram, nginx: Nginx, timers: list[WebhookTimer], url: str, logdir: Path
) -> list[Process]:
    """The processes nginx forwards to, each with its own forwarder as PUBLIC_BASE_URL; all
    started at once (the first to migrate holds the others), back when each is up."""

    def one(n: int, port: int) -> Process:
        try:
            return start(n, port)
        except RuntimeError as exc:  # the log goes with the temporary directory: show it
            tail = (logdir / f"service_{n}.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{exc}\n{tail}") from None

    def start(n: int, port: int) -> Process:
        process, _ = start_service(
            url,
            logdir,
            port=port,
            log=f"service_{n}.log",
            BOT_TOKEN=tg.token,
            TELEGRAM_API_SERVER=tg.base_url,
            BOT_MODE="webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_BASE_URL=nginx.base_url,
            PUBLIC_BASE_URL=timers[n].base,
            REDIS_URL=REDIS_URL,
            TRUSTED_PROXIES=HOST,
        )
        return process

    started = await asyncio.gather(
        *(asyncio.to_thread(one, n, port) for n, port in enumerate(nginx.upstreams)),
        return_exceptions=True,
    )
    processes = [p for p in started if isinstance(p, Process)]
    failed = [p for p in started if isinstance(p, BaseException)]
    if failed:
        await stop_processes(processes)
        raise failed[0]
    return processes


async def stop_processes(processes: list[Process]) -> None:
    await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes))


async def webhook_registered(tg: PeakTelegram, nginx: Nginx) -> None:
    wanted = nginx.base_url + "/telegram/webhook"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WEBHOOK_WAIT
    while tg.webhook_info()["url"] != wanted:
        if loop.time() > deadline:
            raise RuntimeError(f"no process registered the webhook {wanted}")
        await asyncio.sleep(0.1)


class Cluster:
    """nginx, the fake Bot API delivering to it, the processes and their forwarders, and
    the crowd's HTTP session that trusts nginx's certificate."""

    def __init__(self, count: int, url: str, logdir: Path, samples: Samples) -> None:
        self.url, self.logdir = url, logdir
        self.ports = [free_port() for _ in range(count)]
        self.nginx = Nginx(free_port(), free_port(), self.ports)
        ssl = self.nginx.client_ssl()
        bot_id = random.randint(10**8, 10**9)  # its own keys in Redis, whatever ran before
        self.tg = PeakTelegram(
            token=f"{bot_id}:bench-peak-multi-process-token",
            rate_limits=False,
            strict_urls=False,
            webhook_ssl=ssl,
        )
        self.timers = [WebhookTimer(samples) for _ in range(count)]
        self.processes: list[Process] = []
        self.http = ClientSession(
            connector=TCPConnector(limit=500, ssl=ssl), timeout=ClientTimeout(total=30)
        )

    @property
    def logs(self) -> list[Path]:
        return [self.logdir / f"service_{n}.log" for n in range(len(self.ports))]

    async def start(self, samples: Samples) -> Crowd:
        await self.nginx.start()
        await self.tg.start()
        for timer, port in zip(self.timers, self.ports, strict=True):
            await timer.start()
            timer.target = f"http://{HOST}:{port}"
        self.processes = await start_processes(
            self.tg, self.nginx, self.timers, self.url, self.logdir
        )
        await webhook_registered(self.tg, self.nginx)
        crowd = Crowd(self.tg, self.http, self.nginx.base_url, self.timers[0].base, samples, 0.0)
        crowd.links = {timer.base: timer.target for timer in self.timers}
        return crowd

    async def stop(self) -> None:
        await stop_processes(self.processes)
        for timer in self.timers:
            await timer.stop()
        await self.http.close()
        await self.tg.stop()
        await self.nginx.stop()
