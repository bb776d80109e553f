"""The rules import no framework, database, bus or outbox, and never read the clock."""

import ast
from pathlib import Path

import opportunities.rules

FORBIDDEN_IMPORTS = ("flask", "sqlalchemy", "kombu", "crm_shared.outbox", "crm_shared.db")
CLOCK_CALLS = ("now", "utcnow", "today", "time", "monotonic")


def test_rules_are_pure():
    folder = Path(opportunities.rules.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in getattr(node, "names", [])]
                for name in names:
                    assert not name.startswith(FORBIDDEN_IMPORTS), f"{path.name} imports {name}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in CLOCK_CALLS, f"{path.name} reads the clock"
