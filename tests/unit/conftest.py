"""tests/unit is pure: no Flask app, no database. The fixtures that build them (tests/conftest.py's
`app`, and through it `client`, `runner`, `demo`, `seller`, `auth`, `dns`) fail here with a
pointer to where such a test belongs; tests/unit/test_suite_layout.py checks the modules' text."""
import pytest

MOVE = ("tests/unit is pure (no app, no database): a test that needs the `{}` fixture belongs in "
        "tests/integration (services on a real database) or tests/web (through the test client)")


@pytest.fixture
def database_url():
    pytest.fail(MOVE.format("database_url"), pytrace=False)


@pytest.fixture
def _migrated():
    pytest.fail(MOVE.format("_migrated"), pytrace=False)


@pytest.fixture
def app():
    pytest.fail(MOVE.format("app"), pytrace=False)
