"""The registry database's schema revisions (fdpregistry/migrations): a database made before
fdp had migrations, with records in it, is upgraded on start and by `fdpd registry migrate`
without losing a row; the revisions end at `HEAD` and give what the models describe; a database
at an older revision gets the newer ones; one from a newer fdp is refused with a clear error.
On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from fdpd.base.errors import FdpError
from fdpregistry.app import build_app, create_app, provision_admin
from fdpregistry.cli import main as registry_main
from fdpregistry.database import make_engine
from fdpregistry.migrations import HEAD, SCRIPTS, current_revision, upgrade
from fdpregistry.models import RegistryModel
from fdpregistry.settings import RegistrySettings
from tests.inprocess import BASE, in_process_seeder
from tests.registry.running_registry import running_registry
from tests.sync.seed import Seeder, add_code_run, add_product


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _alembic_config(engine_connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = engine_connection
    return config


def made_before_migrations(engine: Engine, revision: str) -> None:
    """The schema an fdp without migrations made: `create_all` of its models, which revision
    0001 freezes (the hand-patched index of 0002 came with later databases, and was patched into
    earlier ones at start); no `alembic_version` table."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
        connection.execute(text("DROP TABLE alembic_version"))


def seed(engine: Engine, database_url: str, folder: Path) -> None:
    """Records of most types, written through the REST API of an app that does not migrate."""
    settings = RegistrySettings(database_url=database_url, admin_token_file=folder / "admin-token")
    key = provision_admin(engine, settings)
    assert key is not None
    seeder = in_process_seeder(build_app(settings, engine, key), BASE, key)
    try:
        _seed_records(seeder, folder / "store")
    finally:
        seeder.close()


def _seed_records(seeder: Seeder, store: Path) -> None:
    run = add_code_run(seeder, store)
    product = add_product(
        seeder,
        namespace="PSU",
        name="private/table",
        version="1.0.0",
        content=b"x,y\n",
        root=f"file://{store}/",
        public=False,
        private_key_value=True,
    )
    obj = product.object["url"]
    issue = seeder.post("issue", {"severity": 3, "description": "a flaw"})
    seeder.post("keyword", {"object": obj, "keyphrase": "weather"})
    seeder.post("licence", {"object": obj, "licence_info": "CC-BY-4.0"})
    seeder.post("quality_controlled", {"object": obj, "document": run["model_config"]})
    seeder.post(
        "code_repo_release",
        {"object": run["code_repo"], "name": "model", "version": "1.0.0"},
    )
    seeder.post(
        "external_object",
        {
            "data_product": product.record["url"],
            "identifier": "https://doi.org/10.1000/182",
            "release_date": "2024-01-01T00:00:00Z",
            "title": "a paper",
            "version": "1.0.0",
        },
    )
    seeder.post("object_component", {"object": obj, "name": "flawed", "issues": [issue["url"]]})


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registry table the database has, in primary-key order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in RegistryModel.metadata.sorted_tables:
            if table.name not in existing:  # made by a later revision
                continue
            order = list(table.primary_key.columns)
            found[table.name] = [
                tuple(row) for row in connection.execute(table.select().order_by(*order))
            ]
    return found


def kept(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> bool:
    """Every row as it was, and the tables later revisions made empty."""
    return {table: after[table] for table in before} == before and not any(
        after[table] for table in after.keys() - before.keys()
    )


def index_names(engine: Engine, table: str) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes(table)}


def differences(engine: Engine) -> list[Any]:
    """What the database's schema lacks or has beyond the models' (Alembic's comparison),
    leaving out the indexes the models make on the other backend only."""

    def include(item: Any, name: Any, kind: str, reflected: bool, _other: Any) -> bool:
        if kind == "table" and name == "alembic_version":
            return False
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect == engine.dialect.name

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include})
        return list(compare_metadata(context, RegistryModel.metadata))


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_a_database_made_before_migrations_is_upgraded_without_loss(
    engine: Engine, database_url: str, tmp_path: Path, revision: str
) -> None:
    made_before_migrations(engine, revision)
    seed(engine, database_url, tmp_path)
    before = rows(engine)
    assert sum(map(len, before.values())) > 40
    assert len([table for table, found in before.items() if found]) >= 20

    assert registry_main(["migrate", "--database", database_url]) == 0

    with engine.connect() as connection:
        assert current_revision(connection) == HEAD
    assert kept(before, rows(engine))
    assert "ix_storage_location_public" in index_names(engine, "storage_location")
    assert differences(engine) == []
    app = create_app(RegistrySettings(database_url=database_url))  # the start finds it upgraded
    app.state.engine.dispose()
    assert kept(before, rows(engine))


def test_serve_upgrades_a_database_made_before_migrations_on_start(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    made_before_migrations(engine, "0001")
    seed(engine, database_url, tmp_path)
    before = rows(engine)
    engine.dispose()

    with running_registry(tmp_path, database_url=database_url) as registry:
        answer = registry.get(f"{registry.api}data_product/", headers=registry.admin_headers())
        assert answer.status_code == 200
        assert len(answer.json()["results"]) == 3

    with engine.connect() as connection:
        assert current_revision(connection) == HEAD
    assert kept(before, rows(engine))
    assert "ix_storage_location_public" in index_names(engine, "storage_location")


def test_the_revisions_end_at_head_and_give_the_models_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        config = _alembic_config(connection)
        assert ScriptDirectory.from_config(config).get_heads() == [HEAD]
        command.upgrade(config, "head")
    assert differences(engine) == []


def test_a_new_database_is_created_at_head_without_alembic(engine: Engine) -> None:
    assert upgrade(engine).created
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD
        assert MigrationContext.configure(connection).get_current_revision() == HEAD
    assert differences(engine) == []
    again = upgrade(engine)
    assert (again.before, again.after, again.created) == (HEAD, HEAD, False)


def test_a_database_at_the_baseline_gets_the_second_revision(
    engine: Engine, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    seed(engine, database_url, tmp_path)
    assert "ix_storage_location_public" not in index_names(engine, "storage_location")
    before = rows(engine)

    assert registry_main(["migrate", "--database", database_url]) == 0

    assert f"upgraded from 0001 to {HEAD}" in capsys.readouterr().out
    assert "ix_storage_location_public" in index_names(engine, "storage_location")
    assert kept(before, rows(engine))


def test_a_database_from_a_newer_fdp_is_refused(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(FdpError, match="schema revision 9999, which this fdp does not know"):
        upgrade(engine)
    assert registry_main(["migrate", "--database", database_url]) == 1
    assert "a newer fdp made or upgraded it" in capsys.readouterr().err
