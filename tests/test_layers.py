"""One direction of dependency between the layers of ``app``, read from the source with ``ast``.

A module may import from its own layer and the layers below it, never from one above: models know
nothing of the content rules, the content rules nothing of accounts or sign-in, and none of them
anything of the blueprints. Imports inside functions count too (deferring an import hides a cycle,
it does not remove it). No database and no app needed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parent.parent / "app"

# Lowest first. A module belongs to the layer of the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("app.config", "app.extensions", "app.inputs")),
    ("models", ("app.models",)),
    ("site state and caching", ("app.caching",)),
    ("content rules", ("app.content",)),
    ("media library", ("app.media",)),
    ("accounts", ("app.accounts",)),
    ("sign-in", ("app.auth",)),
    (
        "templates, import/export, tools",
        ("app.templating", "app.importers", "app.backup", "app.demo"),
    ),
    ("blueprints", ("app.admin", "app.public", "app.auth.routes", "app.media.views")),
    (
        "application",
        ("app", "app.cli", "app.media.cli", "app.request_log", "app.security_headers"),
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, best_length = None, -1
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = rank, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """Every ``app.*`` module ``path`` imports, anywhere in the file, with the line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from app.content import pages`` imports app.content.pages.
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                known = APP_DIR.parent.joinpath(*candidate.split(".")).with_suffix(".py")
                package = APP_DIR.parent.joinpath(*candidate.split("."), "__init__.py")
                found.append(
                    (candidate if known.exists() or package.exists() else node.module, node.lineno)
                )
    return [(name, line) for name, line in found if name == "app" or name.startswith("app.")]


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(APP_DIR.rglob("*.py")):
        importer = module_name(path)
        own = layer_of(importer)
        for imported, line in imported_modules(path):
            target = layer_of(imported)
            if target > own:
                problems.append(
                    f"{importer}:{line} ({LAYERS[own][0]}) imports {imported} ({LAYERS[target][0]})"
                )
    return problems


def test_no_layer_imports_a_higher_one():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The rule itself can fail: a model importing a content rule is reported."""
    fake_app = tmp_path / "app"
    (fake_app / "content").mkdir(parents=True)
    (fake_app / "__init__.py").write_text("")
    (fake_app / "content" / "__init__.py").write_text("")
    (fake_app / "content" / "menu.py").write_text("from app.models import User\n")
    (fake_app / "models.py").write_text("def f():\n    from app.content import menu\n")
    monkeypatch.setattr(sys.modules[__name__], "APP_DIR", fake_app)
    assert upward_imports() == [
        "app.models:2 (models) imports app.content.menu (content rules)",
    ]


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("app.models", "models"),
        ("app.content.visibility", "content rules"),
        ("app.auth.sessions", "sign-in"),
        ("app.auth.routes", "blueprints"),
        ("app.media.library", "media library"),
        ("app.media.views", "blueprints"),
    ],
)
def test_modules_fall_in_the_intended_layer(module, layer):
    assert LAYERS[layer_of(module)][0] == layer


# Modules whose import may install a hook: the app factory itself and the models' own rules.
HOOKS_ALLOWED_AT_IMPORT = frozenset({"app", "app.models"})
REGISTERING_CALLS = frozenset(
    {"listen", "listens_for", "register_default", "register_private_model"}
)


def hooks_installed_on_import() -> list[str]:
    """Module-level ``event.listen(...)`` calls and ``@event.listens_for`` decorators."""
    found = []
    for path in sorted(APP_DIR.rglob("*.py")):
        module = module_name(path)
        if module in HOOKS_ALLOWED_AT_IMPORT:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            calls = [node.value] if isinstance(node, ast.Expr) else []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                calls = node.decorator_list
            for call in calls:
                func = call.func if isinstance(call, ast.Call) else call
                name = getattr(func, "attr", None) or getattr(func, "id", None)
                if name in REGISTERING_CALLS:
                    found.append(f"{module}:{node.lineno} {name}")
    return found


def test_no_module_installs_a_hook_when_imported():
    """Hooks, settings and private models are installed explicitly (register_model_hooks,
    init_caching, PLAIN_DEFAULTS, _PRIVATE_TABLES), so none depends on what was imported first."""
    assert hooks_installed_on_import() == []
