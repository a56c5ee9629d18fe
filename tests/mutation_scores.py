"""Per-file mutation scores from the last `mutmut run` (the mutants/ folder): killed / (killed +
survived + timed out + no tests), mutants not yet checked left out. `make mutation` prints them;
exits 1 when a file of routing/ or sla/ is under the floor (90 %)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

FLOOR = 0.90
KILLED = {1, 3, 37}  # a failing test, pytest's internal error, the type check
UNCHECKED = {None, 2}  # not run yet, interrupted


def scores(root: Path) -> dict[str, tuple[int, int]]:
    """Killed and checked mutants per source file (path relative to the project)."""
    result = {}
    for meta in sorted(root.glob("**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        checked = [code for code in codes if code not in UNCHECKED]
        if checked:
            result[str(meta.relative_to(root))[: -len(".meta")]] = (sum(c in KILLED for c in checked), len(checked))
    return result


def main() -> int:
    table = scores(Path("mutants"))
    if not table:
        print("no mutation results: run `make mutation` first")
        return 1
    low = []
    for path, (killed, checked) in table.items():
        share = killed / checked
        low += [path] if share < FLOOR else []
        print(f"{path:32} {killed:5} / {checked:<5} {share:6.1%}{'  < floor' if share < FLOOR else ''}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
