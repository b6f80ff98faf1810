"""docs/ keeps up with the code: every `.md` file the code, tests and README cite exists (and the
heading an `#anchor` names), and every user config key, template, shell, daemon route and error
code is documented. Each list comes from the code's own tables, so adding one undocumented
fails here. No processes: the daemon's OpenAPI document comes from its app, built in-process."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from fdpd.base.error_codes import CODE_TABLE, ErrorCode
from fdpd.userconfig import parse, script, templates
from tests.openapi_document import openapi

__all__ = ["openapi"]  # the fixture

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
CONFIG_DOC = ROOT / "docs/config.md"
DAEMON_DOC = ROOT / "docs/daemon-api.md"
SCANNED = ("fdpd", "fdpregistry", "fdpctl", "tests", "benchmarks", "docs")
# a file name ending in .md, optionally with an #anchor, not part of a longer word (self.md5)
CITED = re.compile(r"(?<![\w/.-])([\w./-]*\w\.md)(?:#([\w-]+))?(?![\w])")


def scanned_files() -> Iterator[Path]:
    yield ROOT / "README.md"
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".md") and "__pycache__" not in path.parts:
                yield path


def strings_and_comments(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and string literal of a Python file; all of a markdown.
    A Python file in which ".md" occurs nowhere cites nothing: it is not tokenized."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py" and ".md" not in text:
        return
    if path.suffix == ".md":
        yield from enumerate(text.splitlines(), start=1)
        return
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING):
            yield token.start[0], token.string


def citations() -> Iterator[tuple[str, str, str | None]]:
    """(where, cited file, anchor) for every `.md` file named in the scanned files."""
    for path in scanned_files():
        for line, text in strings_and_comments(path):
            for match in CITED.finditer(text):
                where = f"{path.relative_to(ROOT)}:{line}"
                yield where, match.group(1), match.group(2)


@pytest.fixture(scope="module")
def found() -> list[tuple[str, str, str | None]]:
    """`citations()`, scanned once for the tests that read them."""
    return list(citations())


def resolve(cited: str, where: str) -> Path | None:
    """The file a citation names: relative to the repository, else to the citing file."""
    citing = ROOT / where.rsplit(":", 1)[0]
    for base in (ROOT, citing.parent):
        candidate = (base / cited).resolve()
        if candidate.is_file() and ROOT in candidate.parents:
            return candidate
    return None


def slug(heading: str) -> str:
    """The anchor GitHub gives a markdown heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {
        slug(line.lstrip("#"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_every_cited_markdown_file_exists(found: list[tuple[str, str, str | None]]) -> None:
    missing = [f"{where}: {name}" for where, name, _ in found if resolve(name, where) is None]
    assert len(found) > 50  # the scan sees the code's citations
    assert not missing, "cited files that do not exist:\n" + "\n".join(missing)


def test_every_cited_anchor_is_a_heading(found: list[tuple[str, str, str | None]]) -> None:
    broken = []
    for where, name, anchor in found:
        target = resolve(name, where)
        if anchor and target is not None and anchor not in anchors(target):
            broken.append(f"{where}: {name}#{anchor}")
    assert not broken, "anchors that name no heading:\n" + "\n".join(broken)


def test_links_inside_docs_name_existing_headings() -> None:
    broken = []
    for path in sorted(DOCS.rglob("*.md")):
        for target in re.findall(r"\]\(#([\w-]+)\)", path.read_text(encoding="utf-8")):
            if target not in anchors(path):
                broken.append(f"{path.relative_to(DOCS)}: #{target}")
    assert not broken, "in-page links that name no heading:\n" + "\n".join(broken)


# --- docs/config.md: the user config -------------------------------------------------------


def section(document: str, heading: str) -> str:
    """The text under `heading` (a whole heading line), up to the next heading of its level."""
    level = heading.split(" ", 1)[0]
    start = document.index(f"\n{heading}\n")
    rest = document[start + len(heading) + 2 :]
    end = re.search(rf"\n{level} ", rest)
    return rest[: end.start()] if end else rest


def first_cells(text: str) -> str:
    """The first cell of every table row: where a table documents its keys."""
    return "\n".join(line.split("|")[1] for line in text.splitlines() if line.startswith("| "))


def keys(schema: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Every key of a parser schema, nested ones dotted (`use.version`)."""
    found = []
    for key, kind in schema.items():
        if isinstance(kind, Mapping):
            found += keys(kind, f"{prefix}{key}.")
        else:
            found.append(prefix + key)
    return found


CONFIG_SECTIONS = {
    "## `run_metadata`": {**parse.RUN_METADATA, **dict.fromkeys(parse.REFUSED_RUN_METADATA)},
    "## `read:` items": parse.READ,
    "## `write:` items": parse.WRITE,
    "### `namespace: NAME`": parse.REGISTER["namespace"],
    "### `author: KEY`": parse.REGISTER["author"],
    "### `external_object: NAME`": parse.REGISTER["external_object"],
    "### `data_product: NAME`": parse.REGISTER["data_product"],
}


@pytest.mark.parametrize("heading", list(CONFIG_SECTIONS))
def test_every_key_the_parser_knows_is_in_its_table(heading: str) -> None:
    documented = first_cells(section(CONFIG_DOC.read_text(encoding="utf-8"), heading))
    missing = [k for k in keys(CONFIG_SECTIONS[heading]) if f"`{k}`" not in documented]
    assert not missing, f"docs/config.md, {heading}, has no row for: {missing}"


def test_the_register_kinds_each_have_a_section() -> None:
    assert set(parse.REGISTER) == set(parse.REGISTER_KINDS)
    headings = [h for h in CONFIG_SECTIONS if h.startswith("### ")]
    assert [h.split("`")[1].split(":")[0] for h in headings] == list(parse.REGISTER_KINDS)


def test_every_template_and_shell_is_documented() -> None:
    document = CONFIG_DOC.read_text(encoding="utf-8")
    names = [*templates.SUBSTITUTED, *templates.VERSION_TOKENS, templates.RUN_ID, "LOCAL_TOKEN"]
    listed = section(document, "## Templates")
    missing = [n for n in names if f"${{{{{n}}}}}" not in listed]
    assert "${{DATETIME-<fmt>}}" in listed
    shells = first_cells(section(document, "## Scripts and shells"))
    missing += [f"shell {name}" for name in script.SHELLS if f"`{name}`" not in shells]
    assert not missing, f"docs/config.md does not document: {missing}"


# --- docs/daemon-api.md: the daemon API ----------------------------------------------------


def test_every_route_is_documented(openapi: dict[str, Any]) -> None:
    document = DAEMON_DOC.read_text(encoding="utf-8")
    routes = [(m.upper(), path) for path, items in openapi["paths"].items() for m in items]
    missing = [
        f"{method} {path}"
        for method, path in routes
        if not re.search(rf"`{method} {re.escape(path)}[`?]", document)
    ]
    assert len(routes) > 30
    assert not missing, f"docs/daemon-api.md does not document: {missing}"


def test_every_error_code_is_documented_with_its_status() -> None:
    document = DAEMON_DOC.read_text(encoding="utf-8")
    table = section(document, "## Error codes")
    missing = [
        f"{code.value} ({status})"
        for code, (status, _) in CODE_TABLE.items()
        if f"| `{code.value}` | {status} |" not in table
    ]
    assert set(CODE_TABLE) == set(ErrorCode)
    assert not missing, f"docs/daemon-api.md, Error codes, lacks: {missing}"
