"""Fixtures of the integration tests that several modules share."""
from __future__ import annotations

import pytest

from tests.webhook_receiver import HookServer


@pytest.fixture
def hooks(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", True)  # the receiver is on 127.0.0.1
    with HookServer() as server:
        yield server
