"""Assertions shared by the load tests."""
from __future__ import annotations

import os
import re

from tests.load.loadkit import LoadResult

# One throughput run per database sends SUBMISSIONS forms or stops after LOAD_SECONDS, whichever
# comes first, and must have sent at least MIN_SUBMISSIONS. On a 2-core machine the portal takes
# about 35 forms a second, so the default time keeps the whole folder near 4 minutes;
# LOAD_SECONDS=600 sends all 5,000 on each database (about 6 minutes in all).
SUBMISSIONS = int(os.environ.get("LOAD_SUBMISSIONS") or 5000)
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS") or 85)
MIN_SUBMISSIONS = min(SUBMISSIONS, int(os.environ.get("LOAD_MIN_SUBMISSIONS") or 1000))
EXPECTED = {("GET", 200), ("POST", 303)}
LOG_ALARMS = re.compile(r"locked|Traceback|WORKER TIMEOUT|Worker \(pid:\d+\) was sent", re.IGNORECASE)


def assert_all_answered(result: LoadResult, at_least: int = 1) -> None:
    """Every form page 200, every submission (first, retried or double-clicked) 303 to its ticket."""
    assert not result.problems, "\n".join(result.problems)
    unexpected = {k: v for k, v in result.statuses.items() if k not in EXPECTED}
    assert not unexpected, f"unexpected answers: {unexpected}"
    assert len(result.submissions) >= at_least, \
        f"only {len(result.submissions)} submissions in {result.elapsed:.0f} s (at least {at_least} expected)"
    assert all(s.location for s in result.submissions)


def log_alarms(text: str) -> list[str]:
    return [line for line in text.splitlines() if LOG_ALARMS.search(line)][:20]
