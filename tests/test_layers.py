"""The package reads as its architecture: each layer imports only from layers below it.

codeset (CMS data -> model) <- encounter (text -> positioned model) <- rules and the
CMS edits and their settings <- the engine facades (checker, fixes, completion, hover) <- the
language server <- the CLI, which also starts the language server.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "icd10ls"

LAYERS = {
    "codeset": 0,
    "encounter": 1,
    "claims": 1,  # claims files -> encounters, each line traced to its cell
    "rules": 2,
    "findings": 2,  # what the rules report; settings and the front ends read it without the rules
    "cms": 2,
    "inpatient": 2,
    "settings": 2,  # the rules' configuration; the engine reads it
    "checker": 3,
    "claimcheck": 3,
    "fixes": 3,
    "completion": 3,
    "hover": 3,
    "lsp": 4,
    "cli": 5,
    "__main__": 5,
    "__init__": 0,
}


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every icd10ls module a file imports, as a path below the package, with its line."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    package = list(relative.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}".strip(".") for a in node.names]
            elif node.module and node.module.startswith("icd10ls"):
                names = [node.module.removeprefix("icd10ls").lstrip(".")]
            else:
                continue
            found += [(node.lineno, name) for name in names if name]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name.removeprefix("icd10ls").lstrip("."))
                      for a in node.names if a.name.startswith("icd10ls.")]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    missing = {_top(str(p.relative_to(PACKAGE).with_suffix("")).replace("/", ".")) for p in SOURCES}
    assert missing - set(LAYERS) == set()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = _top(str(path.relative_to(PACKAGE).with_suffix("")).replace("/", "."))
    upward = [f"line {line}: {name}" for line, name in _imports(path)
              if name != "" and _top(name) in LAYERS and LAYERS[_top(name)] > LAYERS[own]]
    assert upward == [], f"{path.name} imports from a layer above it"
