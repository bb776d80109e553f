"""Every service's ``rules/`` stays pure: no web, database or bus imports, no clock reads.

Business rules are plain Python with time passed in, so they test in
milliseconds and a newcomer can read them without the plumbing. This test
walks every ``services/*/*/rules/`` package (including ones added later),
parses each module with :mod:`ast` and fails naming the file, the line and
what it reached for.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Modules a rule must not import (the module itself or anything under it).
FORBIDDEN_IMPORTS = (
    "flask",
    "flask_smorest",
    "sqlalchemy",
    "kombu",
    "pika",
    "crm_shared.outbox",
    "crm_shared.bus",
    "crm_shared.db",
    "crm_shared.web",
)
# Calls that read the clock: a rule takes the time as an argument instead.
CLOCK_READS = frozenset(
    {
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("time", "time"),
        ("time", "time_ns"),
        ("date", "today"),
        ("crm_shared.db", "utcnow"),
    }
)


def rules_modules(root: Path = ROOT) -> list[Path]:
    """Every Python module under a ``rules/`` package of any service."""
    return sorted(
        path
        for package in root.glob("services/*/*/rules")
        if package.is_dir()
        for path in package.rglob("*.py")
    )


def _forbidden(name: str) -> str | None:
    for banned in FORBIDDEN_IMPORTS:
        if name == banned or name.startswith(banned + "."):
            return banned
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def violations(source: str, filename: str = "<rules>") -> list[str]:
    """What in ``source`` breaks the purity of a rules module, one line per finding."""
    tree = ast.parse(source, filename=filename)
    found: list[str] = []
    # Names bound by imports, so `from datetime import datetime as dt; dt.now()` is caught.
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
                banned = _forbidden(alias.name)
                if banned:
                    found.append(f"{filename}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                banned = _forbidden(node.module) or _forbidden(full)
                if banned:
                    found.append(f"{filename}:{node.lineno}: imports {full}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        dotted = _dotted(node.func)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        resolved = f"{aliases.get(head, head)}.{rest}" if rest else aliases.get(head, head)
        parts = resolved.split(".")
        pair = (".".join(parts[:-1]), parts[-1])
        short = (parts[-2], parts[-1]) if len(parts) >= 2 else pair
        if pair in CLOCK_READS or short in CLOCK_READS:
            found.append(f"{filename}:{node.lineno}: reads the clock ({dotted}())")
    return found


def test_every_service_with_rules_is_checked():
    services = {path.parents[1].name for path in rules_modules()}
    # At least the services that have adopted the layout; more join as they do.
    assert "leads" in services


@pytest.mark.parametrize("path", rules_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_rules_module_is_pure(path):
    assert violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


# ---------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("import flask\n", "imports flask"),
        ("from flask_smorest import Blueprint\n", "imports flask_smorest.Blueprint"),
        ("from sqlalchemy.orm import Session\n", "imports sqlalchemy.orm.Session"),
        ("import sqlalchemy as sa\n", "imports sqlalchemy"),
        ("import kombu\n", "imports kombu"),
        ("import pika\n", "imports pika"),
        ("from crm_shared import outbox\n", "imports crm_shared.outbox"),
        ("from crm_shared.bus import Publisher\n", "imports crm_shared.bus.Publisher"),
        ("from crm_shared.db import utcnow\n", "imports crm_shared.db.utcnow"),
        ("import crm_shared.web\n", "imports crm_shared.web"),
        ("from datetime import datetime\nx = datetime.now()\n", "reads the clock"),
        ("import datetime\nx = datetime.datetime.utcnow()\n", "reads the clock"),
        ("from datetime import date as d\nx = d.today()\n", "reads the clock"),
        ("import time\nx = time.time()\n", "reads the clock"),
        ("from time import time\nx = time()\n", "reads the clock"),
    ],
)
def test_the_checker_catches_a_planted_violation(tmp_path, source, what):
    planted = tmp_path / "services" / "probe" / "probe" / "rules" / "bad.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(source, encoding="utf-8")
    assert rules_modules(tmp_path) == [planted]
    found = violations(planted.read_text(encoding="utf-8"), "bad.py")
    assert found and what in found[0], found


def test_the_checker_lets_pure_code_through(tmp_path):
    source = (
        "from datetime import datetime, timedelta\n"
        "from crm_shared.errors import Conflict\n"
        "import math\n"
        "def due(now: datetime) -> datetime:\n"
        "    return now + timedelta(days=math.ceil(1.5))\n"
        "def parse(text):\n"
        "    return datetime.fromisoformat(text)\n"
    )
    assert violations(source) == []
