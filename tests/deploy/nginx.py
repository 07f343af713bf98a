"""Debian's nginx with the deploy/ site, run by a test as an unprivileged process.

The site file is used as shipped; only what names this machine changes: the listening
ports, the certificate's paths (a self-signed one made here), the cache and challenge
directories, and the upstream's servers.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

from settings import ROOT

SITE = ROOT / "deploy" / "nginx" / "studio.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: The unprivileged user nginx runs as when the test runs as root (Debian's `nobody`).
NOBODY = 65534


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (openssl, one day)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def site_config(
    http_port: int, https_port: int, upstreams: list[int], cert: Path, key: Path, work: Path
) -> str:
    """deploy/nginx/studio.conf with this machine's ports, paths and upstream servers."""
    text = SITE.read_text(encoding="utf-8")
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstreams
    )
    text, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text)
    assert count == 1, "the upstream block changed shape"
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/letsencrypt/live/studio.example.ru/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/studio.example.ru/privkey.pem": str(key),
        "/var/cache/nginx/studio": str(work / "cache"),
        "/var/www/letsencrypt": str(work / "acme"),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/studio.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground on 127.0.0.1 with the deploy/ site in front of `upstreams`."""

    def __init__(self, http_port: int, https_port: int, upstreams: list[int]) -> None:
        self.http_port, self.https_port, self.upstreams = http_port, https_port, upstreams
        self.work = Path(tempfile.mkdtemp(prefix="studio-nginx-"))
        self.proc: asyncio.subprocess.Process | None = None
        self.cert, self.key = self_signed(self.work)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def client_ssl(self) -> ssl.SSLContext:
        """What a client that trusts the test's certificate checks the server with."""
        return ssl.create_default_context(cafile=str(self.cert))

    def _write_config(self) -> Path:
        work = self.work
        (work / "cache").mkdir()
        (work / "acme").mkdir()
        site = work / "site.conf"
        site.write_text(
            site_config(
                self.http_port, self.https_port, self.upstreams, self.cert, self.key, work
            ),
            encoding="utf-8",
        )
        temp = "\n".join(
            f"    {kind}_temp_path {work / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = work / "nginx.conf"
        main.write_text(
            f"""daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {work / "access.log"};
{temp}
    include {site};
}}
""",
            encoding="utf-8",
        )
        return main

    async def start(self) -> Nginx:
        main = self._write_config()
        command = [NGINX, "-e", str(self.work / "error.log"), "-c", str(main)]
        if os.geteuid() == 0:  # never as root: the worker would switch users anyway
            for path in [self.work, *self.work.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
            command += [NGINX, "-e", str(self.work / "error.log"), "-c", str(main)]
        check = await asyncio.create_subprocess_exec(
            *command, "-t", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        _, err = await check.communicate()
        assert check.returncode == 0, err.decode()
        self.proc = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.https_port)
                writer.close()
                return self
            except OSError:
                if self.proc.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        raise AssertionError(f"nginx did not start: {self.error_log()}")

    def error_log(self) -> str:
        path = self.work / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def access_log(self) -> list[str]:
        path = self.work / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 10)
        shutil.rmtree(self.work, ignore_errors=True)
