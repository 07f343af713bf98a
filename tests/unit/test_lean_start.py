"""The service without a bot token, and the operator's commands (migrate, audit, backup,
export-studio), start without aiogram: importing its Telegram types costs seconds of CPU
per process (a cron job's audit, every restart of a bot-less instance, each test that
starts the service)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
import main
from service import build_service
from api.app import create_app
telegram = ('aiogram', 'bot', 'handlers')
loaded = sorted(name for name in sys.modules if name.split('.')[0] in telegram)
print(','.join(loaded))
"""


def test_the_command_line_and_the_bot_less_service_import_no_telegram_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
