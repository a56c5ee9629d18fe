"""The layout of the test suite, read from the modules' text (nothing is imported or run):
- no module imports a test module or a conftest.py: what tests share lives in support modules
  (tests/factories.py, tests/clients.py, ...), and fixtures in a conftest.py;
- tests/unit is pure: no module there builds a Flask app, reaches the database or asks for a
  fixture that does (tests/unit/conftest.py also fails such a fixture when it is requested)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
UNIT = TESTS / "unit"

# imports of a test module still waiting on their move: (importing file, imported module)
KNOWN: set[tuple[str, str]] = set()

# fixtures of tests/conftest.py that build the app or reach the database
APP_FIXTURES = {"app", "_migrated", "database_url", "client", "runner", "demo", "seller", "auth", "dns"}
# what a pure test never imports: the web framework, the database layer, and the portal's parts built on them
IMPURE_MODULES = ("flask", "flask_sqlalchemy", "flask_migrate", "flask_login", "sqlalchemy", "psycopg", "alembic",
                  "portal.extensions", "portal.models", "portal.services", "portal.db_setup", "wsgi")
IMPURE_CALLS = {"create_app", "Flask", "test_client", "test_cli_runner"}


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an import statement names, anywhere in the module (inside functions too):
    `import a.b`, `from a.b import c` gives a.b and a.b.c (c may be a module)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # relative: `from . import test_x`, `from .conftest import y`
            names += [f"{node.module or ''}.{alias.name}".lstrip(".") for alias in node.names]
            if node.module:
                names.append(node.module)
    return names


def imports_of_test_modules(source: str) -> list[str]:
    return sorted({name for name in imported_modules(ast.parse(source)) if is_test_module(name)})


def asks_for_fixtures(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A test or a fixture: pytest fills its arguments with fixtures (a plain helper's are its own)."""
    return function.name.startswith("test") or any("fixture" in ast.unparse(d) for d in function.decorator_list)


def impurities(source: str) -> list[str]:
    """What makes a tests/unit module impure: a framework or database import, a call that builds an
    app or its client, or a test asking for an app fixture (as an argument or with usefixtures)."""
    found: list[str] = []
    tree = ast.parse(source)
    for name in imported_modules(tree):
        if any(name == m or name.startswith(m + ".") for m in IMPURE_MODULES) or name == "portal.create_app":
            found.append(f"imports {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if called in IMPURE_CALLS:
                found.append(f"calls {called}() on line {node.lineno}")
            if called == "usefixtures":
                found += [f"uses the {arg.value} fixture" for arg in node.args
                          if isinstance(arg, ast.Constant) and arg.value in APP_FIXTURES]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and asks_for_fixtures(node):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            found += [f"{node.name} asks for the {a.arg} fixture" for a in arguments if a.arg in APP_FIXTURES]
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_imports_a_test_module_or_a_conftest():
    found = set()
    for path in python_files(TESTS) + python_files(ROOT / "bench"):
        for name in imports_of_test_modules(path.read_text(encoding="utf-8")):
            found.add((path.relative_to(ROOT).as_posix(), name))
    assert found - KNOWN == set(), "move what is shared to a support module (or fixtures to a conftest.py)"
    assert KNOWN - found == set(), "moved: take these off KNOWN"


def unit_modules() -> list[Path]:
    return python_files(UNIT)


@pytest.mark.parametrize("path", unit_modules(), ids=lambda p: p.name)
def test_unit_modules_are_pure(path):
    assert impurities(path.read_text(encoding="utf-8")) == [], f"{path.name}: move it to tests/integration or tests/web"


@pytest.mark.parametrize(("source", "expected"), [
    ("from tests.web.test_inbox import make", ["tests.web.test_inbox"]),
    ("import tests.conftest", ["tests.conftest"]),
    ("from tests.web import test_inbox", ["tests.web.test_inbox"]),
    ("def f():\n    from tests.conftest import csrf_from", ["tests.conftest"]),
    ("from conftest import AuthActions", ["conftest"]),
    ("from .test_sla_metrics import NOW", ["test_sla_metrics"]),
    ("from tests.factories import ticket\nfrom tests.clients import csrf_from\nimport pytest", []),
])
def test_the_check_finds_imports_of_test_modules(source, expected):
    assert imports_of_test_modules(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("from portal import create_app\napp = create_app()",
     ["imports portal.create_app", "calls create_app() on line 2"]),
    ("from flask import Flask", ["imports flask", "imports flask.Flask"]),
    ("from portal.services import tickets", ["imports portal.services", "imports portal.services.tickets"]),
    ("def test_x(app, now):\n    pass", ["test_x asks for the app fixture"]),
    ("def test_y(*, client):\n    pass", ["test_y asks for the client fixture"]),
    ("@pytest.fixture\ndef made(demo):\n    pass", ["made asks for the demo fixture"]),
    ("def row(seller, app):\n    pass", []),  # a helper's own arguments
    ("import pytest\npytestmark = pytest.mark.usefixtures('demo')", ["uses the demo fixture"]),
    ("x = factory.test_client()", ["calls test_client() on line 1"]),
    ("import sla\nfrom portal.outbound import parse_url\ndef test_z(now):\n    pass", []),
])
def test_the_check_finds_what_makes_a_unit_module_impure(source, expected):
    assert impurities(source) == expected
