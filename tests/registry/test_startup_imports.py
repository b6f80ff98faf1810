"""A registry process starts without the packages only some requests need (issue 27: the local
registry is started on demand, and the suite starts hundreds; issue 22): the prov package
(provenance documents) and Unicode's confusables table (new namespace and user names)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NOT_AT_START = ("prov", "confusable_homoglyphs")

# A fresh interpreter: builds the app over a new database as `fdpd registry serve` does and
# answers `GET /api/`, then names the modules it imported.
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
print("\\n".join(sorted(sys.modules)))
"""


def test_a_registry_answers_its_first_request_without_prov_or_the_confusables(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)], capture_output=True, text=True, check=True
    )
    imported = done.stdout.split()
    assert "fdpregistry.app" in imported
    early = [
        name
        for name in imported
        if any(name == heavy or name.startswith(f"{heavy}.") for heavy in NOT_AT_START)
    ]
    assert not early, f"the registry imports {early} before any request needs them"
