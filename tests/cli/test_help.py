"""Help that reads in an 80-column terminal: nothing cut, flags shown as flags, examples that copy whole."""

from __future__ import annotations

import enum
import os
import subprocess
import sys

import pytest
import tomllib
import typer

from lstmkit.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)


def help_text(command: str) -> str:
    env = os.environ | {"COLUMNS": "80", "TERM": "dumb"}
    run = subprocess.run([sys.executable, "-m", "lstmkit", command, "--help"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_cuts_no_option_choice_or_default(command):
    text = help_text(command)
    options = text.split("Options:")[1].split("Example")[0]
    assert max(map(len, options.splitlines())) <= 80 and "…" not in text
    flat = " ".join(text.split())
    for param in typer.main.get_command(app).commands[command].params:
        for name in param.opts:
            assert name in text, name  # every option name whole
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            for choice in annotation:
                assert choice.value in flat, (param.name, choice.value)
        if getattr(param, "is_flag", False):
            assert param.opts[0] in text and not getattr(param, "secondary_opts", None)  # --flag, not --x/--no-x
    assert "<bool>" not in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example(command):
    text = help_text(command)
    assert "Example" in text and f"lstmkit {command}" in text


def test_the_toml_example_in_backtest_help_is_valid_toml():
    text = help_text("backtest")
    block = text[text.rindex("\n  [data]"):]
    config = tomllib.loads("\n".join(line.strip() for line in block.splitlines() if line.strip()))
    assert config["data"]["target"] == "passengers" and config["forecaster"]["lookback"] == 24


def test_train_help_fits_a_screen_or_two():
    assert len(help_text("train").splitlines()) < 170
