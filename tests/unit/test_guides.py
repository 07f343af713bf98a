"""The staff's guide and the command line keep up with the code: docs/ADMIN.md shows every
admin command in its Russian part and its English part, and `main.py --help` tells every
command."""

from __future__ import annotations

import pytest

from handlers.admin import ADMIN_COMMANDS
from main import COMMANDS, command_line
from settings import ROOT


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
