"""The systemd units and the environment file of `deploy/` are what systemd and Tamizdat
accept: every directive known, every command one of Tamizdat's with arguments it takes, every
variable one the README documents and the settings load."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.test import override_settings

pytestmark = pytest.mark.engine_neutral

REPO = Path(__file__).resolve().parent.parent
UNITS = REPO / "deploy" / "systemd"
ENVIRONMENT_FILE = REPO / "deploy" / "tamizdat.env"
INSTALLED = "/opt/tamizdat/.venv/bin/tamizdat"


def commands() -> list[list[str]]:
    """Each unit's command line after `tamizdat`, the template's instance being port 8000."""
    lines = []
    for unit in sorted(UNITS.glob("*.service")):
        for line in re.findall(r"^ExecStart=(.+)$", unit.read_text(), re.M):
            program, *arguments = shlex.split(line.replace("%i", "8000"))
            assert program == INSTALLED, unit.name
            lines.append(arguments)
    return lines


# The tests run tasks at once; the worker takes only the production settings' database queue.
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_every_unit_runs_a_command_of_tamizdat_with_arguments_it_takes():
    ran = {arguments[0] for arguments in commands()}
    assert ran == {"serve", "worker", "shred", "reconcile"}
    for name, *arguments in commands():
        command = load_command_class(get_commands()[name], name)
        command.create_parser("tamizdat", name).parse_args(arguments)  # exits on a bad one


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_every_unit(tmp_path: Path):
    # Pointed at this checkout's command and environment file, which verify insists exist.
    tamizdat = Path(sys.executable).with_name("tamizdat")
    for unit in UNITS.iterdir():
        text = unit.read_text().replace(INSTALLED, str(tamizdat))
        text = text.replace("/etc/tamizdat/tamizdat.env", str(ENVIRONMENT_FILE))
        (tmp_path / unit.name).write_text(text)
    (tmp_path / "tamizdat-web@8000.service").write_text(
        (tmp_path / "tamizdat-web@.service").read_text()
    )
    units = [path.name for path in tmp_path.iterdir() if not path.name.endswith("@.service")]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    # Unknown directives and bad values are only warned about, so any output is a failure.
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


def test_the_environment_file_is_documented_and_loads():
    readme = (REPO / "README.md").read_text()
    variables = dict(
        line.split("=", 1)
        for line in ENVIRONMENT_FILE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert [name for name in variables if f"`{name}`" not in readme] == []
    loaded = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("TAMIZDAT_")},
            **variables,
            "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
