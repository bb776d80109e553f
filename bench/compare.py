"""``python bench/compare.py [A.json B.json]``: two bench runs' figures side by side.

Without arguments it compares the two newest results of the same bench under
``bench/results/``. Numbers get their change in percent; the rest is shown as is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


def _newest_pair() -> tuple[Path, Path]:
    runs = sorted(RESULTS.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if len(runs) < 2:
        raise SystemExit("fewer than two results under bench/results/: run `make bench` twice")
    newest = runs[-1]
    bench = json.loads(newest.read_text()).get("bench")
    same = [p for p in runs[:-1] if json.loads(p.read_text()).get("bench") == bench]
    if not same:
        raise SystemExit(f"only one result of the {bench} bench")
    return same[-1], newest


def main(argv: list[str]) -> int:
    """Print a table of every figure in either run."""
    a, b = (Path(argv[0]), Path(argv[1])) if len(argv) == 2 else _newest_pair()
    left, right = _flat(json.loads(a.read_text())), _flat(json.loads(b.read_text()))
    print(f"{'figure':40} {a.name:>28} {b.name:>28}  change")
    for key in sorted(set(left) | set(right)):
        x, y = left.get(key), right.get(key)
        change = ""
        if isinstance(x, int | float) and isinstance(y, int | float) and x:
            change = f"{(y - x) / abs(x):+.1%}"
        print(f"{key[:40]:40} {str(x)[:28]:>28} {str(y)[:28]:>28}  {change}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
