"""Helpers for fdp sites (tests/push/processes.py's real ones, or tests/push/in_process.py's in
process) against a shared remote registry whose data store is a folder; products seeded on the
remote by another user."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.housekeeping.inprocess import Runs, add_runs, registry_in_process
from tests.inprocess import InProcessRegistry
from tests.push import in_process, processes
from tests.sync.seed import Seeder, add_product

# modules, not their classes, as names here: tests/conftest.py's process marker reads the names
# a helper uses, and `Site` would be processes.Site, whose fdpctl starts a process
AnyRemote = processes.Remote | in_process.Remote
AnySite = processes.Site | in_process.Site

TRACKED_TYPES = (
    "code_run",
    "data_product",
    "object",
    "object_component",
    "storage_location",
    "key_value",
)


def seeder_for(remote: AnyRemote, token: str) -> Seeder:
    """A seeder writing to `remote` with `token` (close it)."""
    if isinstance(remote.registry, InProcessRegistry):
        return remote.registry.seeder_for(token)
    return Seeder(remote.registry.base_url, token)


def seed_products(
    remote: AnyRemote, namespace: str, wanted: dict[str, tuple[bytes, bool]]
) -> dict[str, str]:
    """Products by user `bob` on the remote (name → content, private), each file uploaded to the
    remote's data store; name → SHA-1."""
    token = (remote.tokens.get("bob") or remote.add_user("bob")).read_text().strip()
    seeder = seeder_for(remote, token)
    sha1s: dict[str, str] = {}
    try:
        for name, (content, private) in wanted.items():
            sha1s[name] = seeder.upload(content)
            add_product(
                seeder,
                namespace=namespace,
                name=name,
                version="1.0.0",
                content=content,
                root=f"{remote.registry.base_url}/data/",
                path=sha1s[name],
                private_key_value=private,
            )
    finally:
        seeder.close()
    return sha1s


def read_config(*names: str, namespace: str = "bob", writes: str = "") -> str:
    text = "run_metadata:\n  description: reads\n  script: python3 model.py\nread:\n"
    for name in names:
        text += f"  - data_product: {name}\n    use:\n      namespace: {namespace}\n"
        text += '      version: "1.0.0"\n' if namespace == "bob" else '      version: "0.0.1"\n'
    if writes:
        text += f"write:\n  - data_product: {writes}\n    description: out\n    file_type: csv\n"
    return text


def remote_file(remote: AnyRemote, sha1: str) -> Path:
    return remote.store / sha1[:2] / sha1


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def files_in(store: Path) -> dict[str, Path]:
    """SHA-1 → file of every data file in a local data store (fdp's own `.scrc` aside)."""
    return {
        sha1_of(path): path
        for path in store.rglob("*")
        if path.is_file() and ".scrc" not in path.parts and path.name != "coderuns.txt"
    }


def registry_paths(site: AnySite) -> set[str]:
    """Every record path of the tracked types in the site's local registry."""
    found: set[str] = set()
    for kind in TRACKED_TYPES:
        rows = site.local(kind, page_size="1000")
        found |= {"/api/" + r["url"].split("/api/", 1)[1] for r in rows}
    return found


def journal_rows(site: AnySite, query: str) -> list[tuple[Any, ...]]:
    if isinstance(site, in_process.Site):
        path = site.daemon.locations.journal_path
    else:
        path = site.instance.home / "state" / "journal.db"
    with sqlite3.connect(path) as db:
        return list(db.execute(query))


def products(site: AnySite) -> set[str]:
    return {f"{p['name']}@{p['version']}" for p in site.local("data_product", page_size="1000")}


def check_journal_matches_registry(site: AnySite) -> None:
    """Every journal item is a record of the local registry; status counts are the item table."""
    items = {row[0] for row in journal_rows(site, "SELECT path FROM item")}
    assert items <= registry_paths(site) | _vocabulary(site), items - registry_paths(site)
    counts = site.status_counts()
    by_state = journal_rows(site, "SELECT state, count(*) FROM item GROUP BY state")
    assert {state: sum(counts[state].values()) for state, _ in by_state} == dict(by_state)


def _vocabulary(site: AnySite) -> set[str]:
    found: set[str] = set()
    for kind in ("namespace", "author", "file_type", "storage_root"):
        found |= {"/api/" + r["url"].split("/api/", 1)[1] for r in site.local(kind)}
    return found


def unreferenced_files(site: AnySite) -> set[Path]:
    """Files fdp wrote that nothing refers to: outside `jobs/`, a data file no local storage
    location names; inside it, a file of a job the journal does not know (or knows deleted)."""
    roots = {r["url"]: str(r["root"]) for r in site.local("storage_root", page_size="1000")}
    named = {
        Path(roots[loc["storage_root"]].removeprefix("file://") + loc["path"])
        for loc in site.local("storage_location", page_size="1000")
        if roots.get(loc["storage_root"], "").startswith("file://")
    }
    jobs = {row[0] for row in journal_rows(site, "SELECT id FROM job WHERE state != 'deleted'")}
    found = set()
    for path in site.store.rglob("*"):
        relative = path.relative_to(site.store).parts
        if not path.is_file() or relative[0] == ".scrc":
            continue
        if relative[0] == "jobs":
            if relative[1] not in jobs:
                found.add(path)
        elif path not in named:
            found.add(path)
    return found


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Two code runs in an in-process registry (see `Runs`); read-only for the tests using it."""
    folder = tmp_path_factory.mktemp("runs")
    with registry_in_process(folder / "registry") as registry:
        yield add_runs(registry, folder / "store")


def job_row(log: str, job_id: str) -> str:
    """The row of `job_id` in `fdpctl log`'s jobs table (an operation's error may name it too)."""
    [row] = [line for line in log.splitlines() if line.startswith(job_id)]
    return row
