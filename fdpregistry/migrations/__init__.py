"""The registry database's schema revisions (Alembic, in versions/) and `upgrade(engine)`,
which brings a database to the newest one: at every start (`fdpd registry serve`, the local
registry fdpd starts, `create_app`) and on `fdpd registry migrate`.

A start must stay fast, so Alembic is imported only when there is something to do: a database
already at `HEAD` costs one look at its `alembic_version` table, and a new (empty) database gets
the models' tables (`create_all`) and `HEAD` written into `alembic_version`, as Alembic's
cookbook does. Every other database (an older revision, or one made before fdp had migrations:
tables but no `alembic_version`) is upgraded by Alembic from where it is; revision 0001 is the
schema fdp made before, created table by table only where missing.

A change to the models is a new revision in versions/ (`revision`, `down_revision`,
`upgrade()`; Alembic's `op`), and `HEAD` names it: tests/registry/test_migrations.py checks
that the revisions end at `HEAD` and that upgrading an empty database through them gives what
the models describe. Revisions go forward only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Connection, Engine, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy import inspect as inspect_database

from fdpd.base.errors import FdpError
from fdpregistry.models import RegistryModel

HEAD = "0003"  # the newest revision in versions/
SCRIPTS = Path(__file__).parent  # Alembic's script location: env.py and versions/
MARKER_TABLE = "registry_user"  # a database with this table has the registry's schema

# Alembic's own table of the revision a database is at (alembic.runtime.migration)
_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` found and did: `before` is None for a database without revision (new,
    or made before fdp had migrations), `created` says it was new."""

    before: str | None
    after: str
    created: bool = False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None without an `alembic_version` table."""
    if not inspect_database(connection).has_table(_VERSION.name):
        return None
    return connection.execute(_VERSION.select()).scalar()


def upgrade(engine: Engine) -> Upgrade:
    """Bring the registry database at `engine` to `HEAD` (idempotent)."""
    with engine.connect() as connection:
        before = current_revision(connection)
        if before == HEAD:
            return Upgrade(before, HEAD)
        new = before is None and not inspect_database(connection).has_table(MARKER_TABLE)
    if new:
        with engine.begin() as connection:
            RegistryModel.metadata.create_all(connection)
            _VERSION.create(connection)
            connection.execute(_VERSION.insert().values(version_num=HEAD))
        return Upgrade(None, HEAD, created=True)
    _alembic_upgrade(engine, before)
    return Upgrade(before, HEAD)


def _alembic_upgrade(engine: Engine, before: str | None) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if before is not None and before not in known:
        raise FdpError(
            f"the registry database is at schema revision {before}, which this fdp does not "
            f"know (its newest is {HEAD}): a newer fdp made or upgraded it",
            hint="run the fdp release that upgraded it (or a newer one)",
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
