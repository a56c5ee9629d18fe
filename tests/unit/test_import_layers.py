"""The house is one-way: the imports of portal/, forms/ and the pure cores, read from the source with
`ast` (function-level imports included, since they run too, only later), form no circle, and no
module imports a layer above its own.

The layers, lowest first (docs/architecture.md draws them):

    core      vocabulary, normalize, routing, sla   no Flask, no SQLAlchemy, nothing of portal
    data      portal's extensions, models, database set-up, clock and low-level helpers
    services  portal.services: the only code that commits
    forms     WTForms classes: beside the services, never importing them (nor anything of portal)
    web       blueprints, views, templating, the CLI, the scheduler: whatever answers a request or
              a command
    factory   portal/__init__.py: create_app, which hooks everything up

A module may import its own layer and the layers listed as below it in ALLOWED."""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "forms", "routing", "sla", "vocabulary", "normalize")
CORE = ("vocabulary", "normalize", "routing", "sla")
ALLOWED = {
    "core": {"core"},
    "data": {"data", "core"},
    "services": {"services", "data", "core"},
    "forms": {"forms", "core"},
    "web": {"web", "forms", "services", "data", "core"},
    "factory": {"factory", "web", "forms", "services", "data", "core"},
}
# portal's modules outside services/ and the blueprints, by layer; a module named nowhere is an error,
# so a new one is placed on purpose
DATA = {"portal.extensions", "portal.models", "portal.db_setup", "portal.clock", "portal.config",
        "portal.rate_limit_storage", "portal.outbound", "portal.logredact", "portal.search_index",
        "portal.agent_loads", "portal.sessions", "portal.access", "portal.ahead"}
WEB = {"portal.cli", "portal.scheduler", "portal.templating", "portal.i18n", "portal.history_text",
       "portal.health", "portal.faults", "portal.observability", "portal.metrics", "portal.audit_text",
       "portal.audit_values", "portal.notification_text", "portal.routing_text"}
BLUEPRINTS = ("portal.admin", "portal.api", "portal.auth", "portal.inbox", "portal.reports", "portal.seller")
# third-party roots a pure core must not import
FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug",
              "wtforms", "jinja2", "portal")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of the packages, by dotted name (a package by its own name)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules `module` imports, wherever the statement stands (top, function, `if`). A name
    imported from a package counts as its submodule when there is one (`from . import webhooks`),
    else as the package (`from ..models import Ticket`). Third-party modules keep their dotted name."""
    known = set(known)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in known else source)
    return {name for name in found if name != module}


def import_graph(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    """Arrows between the packages' own modules (third-party imports left out)."""
    modules = source_modules(root, packages)
    return {module: {target for target in imports_of(module, path, modules) if target in modules}
            for module, path in modules.items()}


def _within(module: str, names: Iterable[str]) -> bool:
    """`module` is one of `names` or inside one of them (portal.models.tickets is in portal.models)."""
    return any(module == name or module.startswith(name + ".") for name in names)


def layer_of(module: str) -> str:
    top = module.split(".")[0]
    if top in CORE:
        return "core"
    if top == "forms":
        return "forms"
    if module == "portal":
        return "factory"
    if module == "portal.services" or module.startswith("portal.services."):
        return "services"
    if _within(module, DATA):
        return "data"
    if _within(module, WEB) or _within(module, BLUEPRINTS):
        return "web"
    raise LookupError(f"{module} is in no layer: add it to DATA, WEB or BLUEPRINTS in {Path(__file__).name}")


def arrows_up(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a layer its importer may not use, as 'importer (layer) -> imported (layer)'."""
    wrong = []
    for source in sorted(graph):
        for target in sorted(graph[source]):
            if layer_of(target) not in ALLOWED[layer_of(source)]:
                wrong.append(f"{source} ({layer_of(source)}) -> {target} ({layer_of(target)})")
    return wrong


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (and any module importing itself), each
    sorted: every circle of imports lies inside one of them. Tarjan's algorithm, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    groups.append(sorted(group))
    return sorted(groups)


def framework_imports(root: Path = ROOT) -> list[str]:
    """Imports of a framework or of portal by a pure core, as 'module -> imported'."""
    modules = source_modules(root, CORE)
    wrong = []
    for module, path in sorted(modules.items()):
        for target in sorted(imports_of(module, path, modules)):
            if target.split(".")[0] in FRAMEWORKS:
                wrong.append(f"{module} -> {target}")
    return wrong


def outside_imports_of_portal(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports of portal by anything outside it (forms and the cores)."""
    return [f"{source} -> {target}" for source in sorted(graph) if not source.startswith("portal")
            for target in sorted(graph[source]) if target.split(".")[0] == "portal"]


# --- the house as it stands ------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_every_module_has_a_layer(graph):
    assert {module: layer_of(module) for module in graph}


def test_no_circle_of_imports(graph):
    assert circles(graph) == []


def test_no_import_goes_up_a_layer(graph):
    assert arrows_up(graph) == []


def test_the_pure_cores_import_no_framework():
    assert framework_imports() == []


def test_nothing_outside_portal_imports_it(graph):
    assert outside_imports_of_portal(graph) == []


# --- the checks themselves, on small made-up trees -------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_circle_hidden_in_a_function_is_found(tmp_path):
    root = _tree(tmp_path, {
        "portal/__init__.py": "",
        "portal/services/__init__.py": "",
        "portal/services/history.py": "from . import webhooks\n",
        "portal/services/webhooks.py": "def audit():\n    from .staff import actor_fields\n",
        "portal/services/staff.py": "from . import history\nfrom ..models import User\n",
        "portal/models.py": "",
    })
    graph = import_graph(root, ("portal",))
    assert graph["portal.services.webhooks"] == {"portal.services.staff"}
    assert circles(graph) == [["portal.services.history", "portal.services.staff", "portal.services.webhooks"]]


def test_a_module_importing_itself_is_a_circle_and_a_chain_is_not():
    assert circles({"a": {"a"}}) == [["a"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert circles({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]


def test_arrows_up_are_named_with_their_layers(tmp_path):
    root = _tree(tmp_path, {
        "portal/__init__.py": "def create_app():\n    from .seller import views\n",
        "portal/db_setup.py": "from .templating import error_response\n",
        "portal/templating.py": "from .services.runtime import utcnow\n",
        "portal/services/__init__.py": "",
        "portal/services/runtime.py": "from ..clock import utcnow\n",
        "portal/services/api_schema.py": "from forms.seller import TRACKING_REQUIRED\nimport vocabulary\n",
        "portal/clock.py": "",
        "portal/models.py": "",
        "portal/seller/__init__.py": "",
        "portal/seller/views.py": "from forms import seller\nfrom ..services import runtime\nimport portal\n",
        "forms/__init__.py": "",
        "forms/seller.py": "from vocabulary import CATEGORIES\nfrom portal.models import Ticket\n",
        "vocabulary/__init__.py": "import sqlalchemy\nfrom portal import create_app\n",
    })
    graph = import_graph(root, ("portal", "forms", "vocabulary"))
    assert arrows_up(graph) == [
        "forms.seller (forms) -> portal.models (data)",
        "portal.db_setup (data) -> portal.templating (web)",
        "portal.seller.views (web) -> portal (factory)",
        "portal.services.api_schema (services) -> forms.seller (forms)",
        "vocabulary (core) -> portal (factory)",
    ]
    assert outside_imports_of_portal(graph) == ["forms.seller -> portal.models", "vocabulary -> portal"]
    assert framework_imports(root) == ["vocabulary -> portal", "vocabulary -> sqlalchemy"]


def test_relative_imports_resolve_from_packages_and_modules(tmp_path):
    root = _tree(tmp_path, {
        "portal/__init__.py": "from . import models\nfrom .services import history\n",
        "portal/models.py": "from .extensions import db\nfrom . import extensions as ext\n",
        "portal/extensions.py": "import flask_sqlalchemy\n",
        "portal/services/__init__.py": "",
        "portal/services/history.py": "from .. import models\nfrom ..models import Event\nimport portal.clock\n",
        "portal/clock.py": "",
    })
    graph = import_graph(root, ("portal",))
    assert graph["portal"] == {"portal.models", "portal.services.history"}
    assert graph["portal.models"] == {"portal.extensions"}
    assert graph["portal.services.history"] == {"portal.models", "portal.clock"}
    assert graph["portal.extensions"] == set()


def test_a_module_in_no_layer_is_refused():
    with pytest.raises(LookupError, match=r"portal\.brand_new is in no layer"):
        layer_of("portal.brand_new")
