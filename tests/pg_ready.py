"""Whether the PostgreSQL the tests' second pass needs is up.

`make test` asks first (`python -m tests.pg_ready`), and the test session asks again when
TEST_DATABASE=postgres: without a server the answer is one line saying to start it or to run
`make test-sqlite`, not hundreds of connection errors. Standard library only, so asking
costs nothing.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def pg_url() -> str:
    return os.environ.get("TEST_PG_URL", DEFAULT_URL)


def pg_problem(url: str) -> str | None:
    """One line naming the fix when nothing answers at the URL's host and port."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return (
            f"no PostgreSQL at {host}:{port} ({reason}) for the PostgreSQL pass: start it "
            "(or point TEST_PG_URL at one), or run `make test-sqlite`"
        )


if __name__ == "__main__":
    problem = pg_problem(pg_url())
    if problem is not None:
        sys.stderr.write(problem + "\n")
        sys.exit(1)
