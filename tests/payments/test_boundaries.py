"""Dependencies point one way: payment providers know the ledger's small interface and nothing
else of reader revenue; reader revenue knows the provider interface, the registry, the webhook
store and the providers' signals, and nothing of a provider's internals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tamizdat

pytestmark = pytest.mark.engine_neutral

SOURCE = Path(tamizdat.__file__).parent
ALLOWED = {
    "payments": ("tamizdat.support", {"tamizdat.support.ledger"}),
    "support": (
        "tamizdat.payments",
        {
            "tamizdat.payments.base",
            "tamizdat.payments.registry",
            "tamizdat.payments.signals",
            "tamizdat.payments.webhooks",
        },
    ),
}


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports; `from package import module` counts as the module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in {other for other, _ in ALLOWED.values()}:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return names


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_imports_across_the_boundary(app):
    other, allowed = ALLOWED[app]
    crossing = {}
    for path in (SOURCE / app).rglob("*.py"):
        wrong = {
            name
            for name in imported_modules(path)
            if (name == other or name.startswith(f"{other}.")) and name not in allowed
        }
        if wrong:
            crossing[str(path.relative_to(SOURCE))] = sorted(wrong)
    assert crossing == {}


def test_no_source_module_is_over_about_400_lines():
    long = {
        str(path.relative_to(SOURCE)): len(path.read_text().splitlines())
        for app in ALLOWED
        for path in (SOURCE / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {name: lines for name, lines in long.items() if lines > 400} == {}
