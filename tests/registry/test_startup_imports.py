"""A registry process starts without the packages only some requests need (issue 27: the local
registry is started on demand, and the suite starts hundreds; issue 22): the prov package
(provenance documents), Unicode's confusables table (new namespace and user names), the web
view's page builders with Jinja2 and ElementTree (its pages and provenance drawings),
SQLAlchemy's PostgreSQL dialect (on SQLite), the types of fdpd's answers (fdpd.base.wire) and
ctypes; and without compiling the patterns that check the values of request bodies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NOT_AT_START = (
    "prov",
    "confusable_homoglyphs",
    "jinja2",
    "xml.etree",
    # the web view's page builders: imported by the first page asked for
    "fdpregistry.web.lists",
    "fdpregistry.web.records",
    "fdpregistry.web.queries",
    "fdpregistry.web.render",
    "fdpregistry.web.graph",
    "sqlalchemy.dialects.postgresql",  # its index options are given for PostgreSQL engines
    "fdpd.base.wire",  # what fdpd answers
    "ctypes",  # libc's sync_file_range and syncfs: looked up when a file is first written
)
# fdpregistry.values: compiled when a body first has such a value
LAZY_PATTERNS = ("_datetime_pattern", "_semver_pattern", "_url_pattern", "_integer_pattern")

# A fresh interpreter: builds the app over a new database as `fdpd registry serve` does and
# answers `GET /api/`, then names the modules it imported and the patterns it compiled.
PROGRAM = """
import asyncio, sys
from pathlib import Path
import httpx
from fdpregistry.app import create_app
from fdpregistry.settings import RegistrySettings

folder = Path(sys.argv[1])
settings = RegistrySettings(
    database_url=f"sqlite:///{folder / 'registry.db'}", admin_token_file=folder / "token"
)
app = create_app(settings)

async def first_request() -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        return (await client.get("/api/")).status_code

assert asyncio.run(first_request()) == 200
from fdpregistry import values
compiled = [name for name in sys.argv[2:] if getattr(values, name).cache_info().currsize]
print("\\n".join([*sorted(sys.modules), *(f"compiled:{name}" for name in compiled)]))
"""


def test_a_registry_answers_its_first_request_without_prov_or_the_confusables(
    tmp_path: Path,
) -> None:
    imported = _printed_by(PROGRAM, str(tmp_path), *LAZY_PATTERNS)
    assert "fdpregistry.app" in imported
    early = _among(imported, NOT_AT_START)
    assert not early, f"the registry imports {early} before any request needs them"
    compiled = [name for name in imported if name.startswith("compiled:")]
    assert not compiled, f"the registry compiles {compiled} before any request needs them"


# `fdpd registry --help`, `migrate` and the start of `serve` parse their command line first.
PARSER_PROGRAM = """
import sys
from fdpregistry.cli import build_parser
args = build_parser().parse_args(sys.argv[1:])
print("\\n".join(sorted(sys.modules)))
"""
NOT_FOR_THE_PARSER = ("fastapi", "sqlalchemy", "sqlmodel", "fdpregistry.users_admin")


def test_the_command_line_is_parsed_without_importing_what_the_commands_run() -> None:
    imported = _printed_by(PARSER_PROGRAM, "add-user", "ana")
    assert "fdpregistry.cli" in imported
    early = _among(imported, NOT_FOR_THE_PARSER)
    assert not early, f"`fdpd registry`'s parser imports {early}"


def _printed_by(program: str, *args: str) -> list[str]:
    """What `program` prints (the modules it imported), run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def _among(imported: list[str], packages: tuple[str, ...]) -> list[str]:
    """The modules of `imported` that are one of `packages` or inside one."""
    return [
        name
        for name in imported
        if any(name == package or name.startswith(f"{package}.") for package in packages)
    ]
