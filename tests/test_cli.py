"""The CLI shell: every command documents every option; version; errors are one line."""
from __future__ import annotations

import click
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from nougat_align import __version__
from nougat_align.cli import app

COMMAND = get_command(app)
NAMES = sorted(COMMAND.commands)


def test_all_commands_are_there():
    assert set(NAMES) == {"html2md", "split", "figures", "latexml", "run", "index", "eval", "view"}


@pytest.mark.parametrize("name", NAMES)
def test_every_command_and_option_has_help(name):
    cmd = COMMAND.commands[name]
    assert cmd.help, name
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_version_and_bare_help():
    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).output.strip() == f"nougat-align {__version__}"
    assert "Commands" in runner.invoke(app, []).output
