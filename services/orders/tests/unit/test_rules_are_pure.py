"""The rules import no web framework, database, bus or outbox, and read no clock."""

import ast
from pathlib import Path

import orders.rules

FORBIDDEN = ("flask", "sqlalchemy", "kombu", "crm_shared.outbox", "crm_shared.db", "crm_shared.web")


def test_rules_are_plain_python():
    for path in Path(orders.rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not any(n.startswith(FORBIDDEN) for n in names), (path.name, names)
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("now", "utcnow", "today"), (path.name, node.attr)
