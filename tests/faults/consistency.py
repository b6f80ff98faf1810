"""Checks that a registry, a data store and fdp's journal agree after a fault and a re-run:
nothing duplicated (rows counted by natural key), nothing half-written (files match their
registered SHA-1, no `.part` files), nothing left running in the journal."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

ACCEPT = {"Accept": "application/json; version=1.0.0"}
KEYED_TYPES = ("namespace", "data_product", "storage_location", "object", "code_run")


class RegistryView:
    """Every record of the keyed types of one registry, read over its REST API."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.rows = {table: _all_records(api, table) for table in (*KEYED_TYPES, "storage_root")}
        self._by_url = {_path(row["url"]): row for table in self.rows.values() for row in table}

    def get(self, link: str | None) -> dict[str, Any]:
        return self._by_url[_path(link or "")]

    def key(self, table: str, row: dict[str, Any]) -> str:
        """The natural key of a row (as the sync engine matches records across registries)."""
        if table == "namespace":
            return str(row["name"])
        if table == "data_product":
            return f"{self.get(row['namespace'])['name']}:{row['name']}@{row['version']}"
        if table == "storage_location":
            root = self.get(row["storage_root"])["root"]
            return f"{root}{row['path']}#{row['hash']}"
        return str(row["uuid"])  # objects and code runs keep their uuid across registries

    def hash_counts(self) -> Counter[str]:
        """Storage locations by content: the same on both sides of a sync (paths differ)."""
        return Counter(str(row["hash"]) for row in self.rows["storage_location"])

    def key_counts(self, table: str) -> Counter[str]:
        return Counter(self.key(table, row) for row in self.rows[table])

    def duplicates(self) -> dict[str, dict[str, int]]:
        """Natural keys held by more than one row, by table (empty: no duplicates)."""
        found = {}
        for table in KEYED_TYPES:
            repeated = {k: n for k, n in self.key_counts(table).items() if n > 1}
            if repeated:
                found[table] = repeated
        return found

    def products(self) -> set[str]:
        return set(self.key_counts("data_product"))

    def local_files(self, store: Path) -> dict[Path, str]:
        """Files of storage locations under `store`, with the SHA-1 the registry records."""
        files = {}
        for location in self.rows["storage_location"]:
            root = str(self.get(location["storage_root"])["root"])
            if root.startswith("file://"):
                path = Path(unquote(urlsplit(root).path)) / str(location["path"]).lstrip("/")
                if path.is_relative_to(store):
                    files[path] = str(location["hash"])
        return files


def assert_registry_consistent(view: RegistryView, store: Path | None = None) -> None:
    """No natural key twice; with `store`, every file registered there exists with its hash."""
    assert view.duplicates() == {}, f"duplicated rows in {view.api}"
    for path, sha1 in (view.local_files(store) if store else {}).items():
        assert path.is_file(), f"{path} is registered but missing"
        assert _sha1(path) == sha1, f"{path} does not match its registered SHA-1"


def leftover_parts(store: Path) -> list[Path]:
    """Temporary download files anywhere in the data store."""
    return sorted(p for p in store.rglob("*") if p.name.endswith(".part"))


def assert_store_clean(store: Path) -> None:
    assert leftover_parts(store) == [], "partial downloads left in the data store"


class JournalView:
    """fdp's journal read directly (read-only) from its SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10) as db:
            return list(db.execute(sql, args).fetchall())

    def items(self, state: str, kind: str) -> int:
        rows = self.query("SELECT count(*) FROM item WHERE state = ? AND type = ?", state, kind)
        return int(rows[0][0])

    def job_states(self) -> dict[str, str]:
        return {str(job): str(state) for job, state in self.query("SELECT id, state FROM job")}

    def operations(self, verb: str) -> list[str]:
        """Outcomes of operations of `verb`, oldest first."""
        rows = self.query("SELECT outcome FROM operation WHERE verb = ? ORDER BY id", verb)
        return [str(row[0]) for row in rows]

    def items_without_local_record(self, view: RegistryView) -> list[str]:
        """Journal items naming a local record that does not exist (of the keyed types)."""
        known = {_path(row["url"]) for table in KEYED_TYPES for row in view.rows[table]}
        types = ",".join("?" for _ in KEYED_TYPES)
        rows = self.query(f"SELECT path FROM item WHERE type IN ({types})", *KEYED_TYPES)
        return [str(path) for (path,) in rows if path not in known]


def assert_journal_settled(journal: JournalView) -> None:
    """Nothing left `running`: every operation and job of an earlier fdpd has an outcome."""
    running_ops = journal.query("SELECT id, verb FROM operation WHERE outcome = 'running'")
    assert running_ops == [], f"operations left running: {running_ops}"
    running_jobs = [job for job, state in journal.job_states().items() if state == "running"]
    assert running_jobs == [], f"jobs left running: {running_jobs}"


def _all_records(api: str, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = f"{api}{table}/"
    params: dict[str, str] | None = {"page_size": "1000"}
    while url:
        answer = httpx.get(url, params=params, headers=ACCEPT, timeout=30)
        assert answer.status_code == 200, answer.text
        rows += answer.json()["results"]
        url, params = answer.json().get("next"), None
    return rows


def _path(url: str) -> str:
    return urlsplit(url).path


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sha1_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def paths(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(_path(row["url"]) for row in rows)
