"""axe-core in the browser tests: every page a test visits on purpose is checked against WCAG 2.1 A and
AA, and a violation fails the test with what and where. axe-core comes from the npm registry, pinned in
tests/browser/axe/package.json (`make test` installs it); without it the check skips locally, and in CI
(CI set) it fails instead, since nothing may skip there."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds on the page as it is now."""
    if not AXE.exists():
        if os.environ.get("CI"):
            raise AssertionError(f"axe-core is missing at {AXE}: run `make test` (it installs it with npm)")
        pytest.skip(f"axe-core is not installed at {AXE} (cd tests/browser/axe && npm install)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the portal's Content-Security-Policy (script-src
        # 'self') rightly refuses an injected <script>, and stays on for everything else
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                         ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                         " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)})))",
                         TAGS)


def assert_accessible(page, where: str = "") -> None:
    """Fail with every WCAG 2.1 A/AA violation on the page (rule, impact, the first elements)."""
    found = axe_violations(page)
    assert not found, f"axe: WCAG 2.1 A/AA violations on {where or page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found)
