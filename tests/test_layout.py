"""The tree is the architecture (docs/architecture.md, "Code layout"): every module of fdpd is in
a layer of `.importlinter` (so every import it makes is checked), nothing is left loose at the
top of `fdpd/`, and the code layout names every package, so a new one gets its place when it is
made, not later."""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FDPD = ROOT / "fdpd"
# fdpd/__init__.py holds the version every layer reads; the entry points sit above all layers
TOP_LEVEL = {"__init__.py", "__main__.py", "cli.py"}


def modules() -> list[str]:
    """Every module of fdpd but the package itself, as a dotted name."""
    names = []
    for path in sorted(FDPD.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return [name for name in names if name != "fdpd"]


def packages() -> list[str]:
    """Every package below fdpd/, as a folder path relative to it (`features/run`)."""
    return sorted(str(p.parent.relative_to(FDPD)) for p in FDPD.rglob("*/__init__.py"))


def contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config


def layers() -> list[str]:
    """The layers contract's entries, siblings (`|`, `:`) one by one."""
    value = contracts()["importlinter:contract:layers"]["layers"]
    return [name.strip() for name in re.split(r"[|:\n]", value) if name.strip()]


def imports_nothing(module: str) -> bool:
    """A folder of packages (`fdpd.features`): its `__init__.py` is a docstring, no import."""
    path = ROOT.joinpath(*module.split("."), "__init__.py")
    tree = ast.parse(path.read_text()) if path.exists() else None
    return tree is not None and not any(
        isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(tree)
    )


def test_every_module_is_in_a_layer() -> None:
    placed = layers()
    outside = [
        m
        for m in modules()
        if not any(m == n or m.startswith(f"{n}.") for n in placed) and not imports_nothing(m)
    ]
    assert not outside, f"in no layer of .importlinter: {outside}"


def test_every_layer_names_a_module_that_exists() -> None:
    known = set(modules())
    assert [name for name in layers() if name not in known] == []


def test_no_module_is_loose_at_the_top() -> None:
    loose = sorted(p.name for p in FDPD.glob("*.py") if p.name not in TOP_LEVEL)
    assert not loose, f"put {loose} in a package of its layer (fdpd/base/ for the primitives)"


def test_every_package_is_in_the_code_layout() -> None:
    architecture = (ROOT / "docs/architecture.md").read_text()
    layout = architecture.split("\n## Code layout\n", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in packages() if f"`fdpd/{name}/`" not in layout]
    assert not missing, f"docs/architecture.md, Code layout, does not list: {missing}"
    assert "`fdpregistry/`" in layout


def test_every_package_is_in_an_import_contract() -> None:
    config = contracts()
    named = set()
    for section in config.sections():
        for key in ("layers", "source_modules"):
            named |= set(re.split(r"[|:\s]+", config[section].get(key, "")))
    missing = [
        name
        for name in packages()
        if not any(
            module == n or module.startswith(f"{n}.")
            for module in [f"fdpd.{name.replace('/', '.')}"]
            for n in named
        )
    ]
    assert not missing, f".importlinter does not place: {missing}"
    assert "fdpregistry" in config["importlinter:contract:registry"]["source_modules"].split()
