"""Shared mode: several users with their own keys (`fdpd registry add-user`), each write recorded
as its caller, on SQLite and on a real PostgreSQL database. The command and the registry in
process (tests/registry/command.py, tests/inprocess.py), but for one run of the real command."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from fdpregistry.database import make_engine
from fdpregistry.models import ApiToken, User, table_of
from tests.inprocess import registry_in_process
from tests.registry.command import fdpd
from tests.registry.running_registry import FDPD

KEY = re.compile(r"[0-9a-f]{40}")


def add_user(database_url: str, name: str) -> str:
    """`fdpd registry add-user` in process: the key it printed, and nothing else."""
    added = fdpd("registry", "add-user", name, "--database", database_url)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert KEY.fullmatch(key), added.stdout
    return key


def add_user_for_real(database_url: str, name: str) -> str:
    """The real `fdpd registry add-user` command: the key it printed, and nothing else."""
    completed = subprocess.run(
        [str(FDPD), "registry", "add-user", name, "--database", database_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    key = completed.stdout.strip()
    assert KEY.fullmatch(key), completed.stdout
    return key


def test_add_user_stores_only_a_digest_of_the_key(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    first = add_user_for_real(database_url, "ana")
    second = add_user(database_url, "ana")  # another key for the same user
    assert first != second
    engine = make_engine(database_url)
    users, tokens = table_of(User), table_of(ApiToken)
    with engine.connect() as conn:
        names = conn.execute(select(users.c.username)).scalars().all()
        digests = set(conn.execute(select(tokens.c.token_hash)).scalars().all())
    engine.dispose()
    assert names == ["ana"]
    assert digests == {hashlib.sha256(k.encode()).hexdigest() for k in (first, second)}
    database_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("registry.db*"))
    assert first.encode() not in database_bytes and second.encode() not in database_bytes


@pytest.mark.parametrize("name", ["", "two words", "a/b", "x" * 151])
def test_add_user_refuses_bad_names_without_a_traceback(tmp_path: Path, name: str) -> None:
    completed = fdpd("registry", "add-user", name, "--database", f"sqlite:///{tmp_path / 'r.db'}")
    assert completed.returncode == 2
    assert "not a valid user name" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_add_user_exits_1_when_the_database_cannot_be_used(tmp_path: Path) -> None:
    # A valid command line whose operation fails is 1; 2 is kept for a wrong command line.
    unusable = tmp_path / "not-a-folder"
    unusable.write_text("")
    completed = fdpd("registry", "add-user", "ana", "--database", f"sqlite:///{unusable}/r.db")
    assert completed.returncode == 1, completed.stderr
    assert "cannot add user 'ana' to the registry database" in completed.stderr
    assert "Traceback" not in completed.stderr


def check_two_users(tmp_path: Path, database_url: str) -> None:
    keys = {name: add_user(database_url, name) for name in ("ana", "ben")}
    with registry_in_process(tmp_path, database_url=database_url, shared=True) as registry:
        user_urls = {}
        for name, key in keys.items():
            headers = {"Authorization": f"token {key}"}
            me = registry.get(f"{registry.api}users/", params={"username": name}, headers=headers)
            assert me.status_code == 200, me.text
            (user,) = me.json()["results"]
            user_urls[name] = user["url"]
            created = registry.post(
                f"{registry.api}namespace/", json={"name": f"team-{name}"}, headers=headers
            )
            assert created.status_code == 201, created.text
            assert created.json()["updated_by"] == user["url"]
        assert user_urls["ana"] != user_urls["ben"]
        listing = registry.get(f"{registry.api}namespace/").json()["results"]
        assert {n["name"]: n["updated_by"] for n in listing} == {
            "team-ana": user_urls["ana"],
            "team-ben": user_urls["ben"],
        }
        anonymous = registry.post(f"{registry.api}namespace/", json={"name": "nobody"})
        assert anonymous.status_code == 403
        assert registry.get(f"{registry.api}users/").status_code == 403


def test_two_users_on_sqlite(tmp_path: Path) -> None:
    check_two_users(tmp_path, f"sqlite:///{tmp_path / 'registry.db'}")


@pytest.mark.postgres
def test_two_users_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    check_two_users(tmp_path, postgres_url)
