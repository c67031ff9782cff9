"""The shape of kpi/: packages in layers, no import cycles, and no Streamlit in the domain core.

Read from the source with ``ast``, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KPI = Path(__file__).resolve().parent.parent / "kpi"

# Each package may import only from the packages listed for it (and from itself).
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "texts": {"model"},
    "store": {"model"},
    "evaluation": {"model", "store"},
    "imports": {"model", "store", "texts"},
    "signals": {"model", "store", "evaluation", "texts"},
    "reports": {"model", "store", "evaluation", "signals", "texts"},
    "cli": {"model", "store", "evaluation", "signals", "texts", "imports", "reports"},
    "__main__": {"cli"},
    "__init__": set(),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(KPI.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The kpi modules ``path`` imports, as dotted names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "kpi"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kpi":
            for alias in node.names:  # `from kpi.signals import spc` imports the module kpi.signals.spc
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if (KPI.parent / candidate.replace(".", "/")).with_suffix(".py").exists() else node.module)
    return found


MODULES = {_module_name(p): p for p in sorted(KPI.rglob("*.py"))}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_package_is_a_known_layer() -> None:
    assert {_package(m) for m in MODULES} == set(ALLOWED)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_lower_layer_never_imports_a_higher_one(module: str) -> None:
    own = _package(module)
    wrong = sorted(i for i in GRAPH[module] if _package(i) not in ALLOWED[own] | {own} and i != "kpi")
    assert not wrong, f"{module} ({own}) imports {wrong}"


def test_no_import_cycles() -> None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in visiting:
            cycle = visiting[visiting.index(module) :] + [module]
            pytest.fail("import cycle: " + " → ".join(cycle))
        if module in done:
            return
        visiting.append(module)
        for imported in sorted(GRAPH.get(module, ())):
            if imported in MODULES and imported != module and not module.startswith(imported + "."):
                visit(imported)
        visiting.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


def test_the_domain_core_never_imports_streamlit() -> None:
    offenders = [
        name
        for name, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit")
    ]
    assert offenders == []


def test_module_names_do_not_repeat_their_package() -> None:
    stutters = [name for name in MODULES if len(name.split(".")) == 3 and name.split(".")[2].startswith(name.split(".")[1].rstrip("s"))]
    assert stutters == []


def _readme_blocks() -> list[str]:
    text = (KPI.parent / "README.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0].strip() for block in text.split("```sh\n")[1:]]


def test_the_readme_opens_with_two_commands_that_make_their_own_virtual_environment() -> None:
    start, test = _readme_blocks()[:2]
    for command in (start, test):
        assert len(command.splitlines()) == 1 and command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install -r ")
    assert start.endswith("-m streamlit run app.py") and test.endswith("-m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test = _readme_blocks()[1]
    lines = [line.strip() for line in (KPI.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert test in lines


# Paths the README names that are made at run time or are optional, not files in the repository.
_NOT_IN_GIT = {"data/styrkort.toml", "data/cache/", "build/screenshots/", "data/store/<table>/", ".streamlit/secrets.toml"}  # secrets: the deployment's, never in git


def test_every_path_the_readme_names_exists() -> None:
    import re

    text = (KPI.parent / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:kpi|tests|ui|pages|bench|data|\.ci|\.streamlit)/[^`\s:]*)", text))
    missing = sorted(p for p in named - _NOT_IN_GIT if not (KPI.parent / p).exists())
    assert missing == []
