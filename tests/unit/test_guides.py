"""The guides and the command line keep up with the code: docs/ADMIN.md shows every admin
command in its Russian part and its English part, `main.py --help` tells every command,
docs/API.md explains every error code a route lists and every event type, and .env.example
and the README's settings table name every setting."""

from __future__ import annotations

import re

import pytest

from api.route_table import ROUTES
from booking.events import EventType
from handlers.admin import ADMIN_COMMANDS
from main import COMMANDS, command_line
from settings import ROOT
from settings.base import EnvSettings


def test_the_admin_guide_shows_every_command_in_both_languages() -> None:
    guide = (ROOT / "docs" / "ADMIN.md").read_text(encoding="utf-8")
    russian, _, english = guide.partition("# Studio admin's guide")
    assert english, "the English part follows the Russian one"
    for command, _description in ADMIN_COMMANDS:
        assert f"`/{command}" in russian, command
        assert f"`/{command}" in english, command


def test_help_describes_each_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        command_line().parse_args(["--help"])
    text = capsys.readouterr().out
    for name in [*COMMANDS, "backup", "restore", "export-studio"]:
        assert f"    {name}" in text, name
    with pytest.raises(SystemExit):
        command_line().parse_args(["backup", "--keep", "0"])
    assert "keep at least one backup" in capsys.readouterr().err


def _error_table() -> dict[str, set[int]]:
    """docs/API.md's error table: each code with the statuses it is listed under."""
    guide = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    table = guide.partition("\n## Errors\n")[2]
    rows: dict[str, set[int]] = {}
    for status, codes in re.findall(r"^\| (\d{3}) \| ([^|]*) \|", table, re.MULTILINE):
        for code in re.findall(r"`(\w+)`", codes):
            rows.setdefault(code, set()).add(int(status))
    return rows


def test_the_api_guide_explains_every_error_code_a_route_lists() -> None:
    rows = _error_table()
    missing = {
        f"{status} {code} ({route.method.upper()} {route.path})"
        for route in ROUTES
        for status, codes in route.errors.items()
        for code in codes.split()
        if status not in rows.get(code, set())
    }
    assert not missing, sorted(missing)


def test_the_api_guide_lists_every_event_type() -> None:
    guide = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    types = guide.partition("\nTypes: ")[2].partition("\n\n")[0]  # the events' paragraph
    assert not [kind.value for kind in EventType if f"`{kind.value}`" not in types]


def _setting_names() -> list[str]:
    """Every environment variable the settings read: each part's fields, upper case."""
    return [name.upper() for part in EnvSettings.__subclasses__() for name in part.model_fields]


def test_env_example_and_the_readme_name_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.partition("## Configuration at a glance")[2].partition("\n## ")[0]
    names = _setting_names()
    assert "CERTIFICATE_VALID_DAYS" in names and "BOT_TOKEN" in names
    assert not [n for n in names if not re.search(rf"^(# )?{n}=", example, re.MULTILINE)]
    assert not [n for n in names if f"`{n}`" not in table]
