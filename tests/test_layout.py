"""The code layout (docs/architecture.md) and `.importlinter` name every package of fdpd: a new
package gets a layer (and so an import contract) when it is made, not later."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def packages() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "fdpd").glob("*/__init__.py"))


def test_every_package_is_in_the_code_layout() -> None:
    architecture = (ROOT / "docs/architecture.md").read_text()
    layout = architecture.split("\n## Code layout\n", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in packages() if f"`fdpd/{name}/`" not in layout]
    assert not missing, f"docs/architecture.md, Code layout, does not list: {missing}"


def test_every_package_is_in_an_import_contract() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    named = " ".join(
        config[section].get("layers", "") + " " + config[section].get("source_modules", "")
        for section in config.sections()
    )
    missing = [name for name in packages() if f"fdpd.{name}" not in named.split()]
    assert not missing, f".importlinter does not place: {missing}"
